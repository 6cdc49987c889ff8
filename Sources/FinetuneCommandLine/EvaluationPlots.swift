import Foundation
import Finetune

/// The PNGs of `finetune evaluate`: the confusion matrix as a heat grid, and a contact sheet of
/// the most confidently wrong images.
enum EvaluationPlots {
    /// A grid with one cell per (true, predicted) pair, shaded by the share of the true class's
    /// images (white 0 → blue 1), the count written in each cell.
    static func confusionMatrix(_ e: Evaluation) -> Canvas {
        let n = e.classNames.count, scale = 2
        let cell = max(56, min(120, 900 / max(n, 1)))
        let label = e.classNames.map { Canvas.textSize(String($0.prefix(14)), scale: scale).width }.max() ?? 0
        let left = label + 24, top = 60 + label, size = cell * n
        let title = "true (rows) vs predicted (columns)"
        var canvas = Canvas(width: max(left + size + 20, Canvas.textSize(title, scale: scale).width + 20), height: top + size + 40)
        canvas.text(title, x: 10, y: 10, scale: scale, .black)
        let m = e.confusion
        for t in 0..<n {
            let total = max(m[t].reduce(0, +), 1)
            for p in 0..<n {
                let share = Double(m[t][p]) / Double(total)
                let shade = { (full: UInt8) in UInt8(255 - Double(255 - Int(full)) * share) }
                let color = RGB(shade(31), shade(119), shade(180))
                let x0 = left + p * cell, y0 = top + t * cell
                canvas.fill(x0: x0, y0: y0, x1: x0 + cell - 1, y1: y0 + cell - 1, color)
                let text = String(m[t][p]), extent = Canvas.textSize(text, scale: scale)
                canvas.text(text, x: x0 + (cell - extent.width) / 2, y: y0 + (cell - extent.height) / 2, scale: scale,
                            share > 0.5 ? .white : .black)
            }
            let name = String(e.classNames[t].prefix(14))
            canvas.text(name, x: 10, y: top + t * cell + cell / 2 - 7, scale: scale, .black)
            canvas.text(name, x: left + t * cell + cell / 2 - 7, y: top - 8, scale: scale, .black, rotated: true)
        }
        return canvas
    }

    /// Thumbnails of `mistakes` (up to 4 a row), each captioned with the true and predicted class
    /// and the confidence of the wrong answer.
    static func contactSheet(_ mistakes: [Evaluation.Mistake], classNames: [String], thumbnail: Int = 160) throws -> Canvas {
        let columns = max(1, min(4, mistakes.count)), rows = max(1, (mistakes.count + columns - 1) / columns)
        let caption = 34, gap = 8
        var canvas = Canvas(width: columns * (thumbnail + gap) + gap, height: rows * (thumbnail + caption + gap) + gap)
        if mistakes.isEmpty { canvas.text("no mistakes", x: gap, y: gap, scale: 2, .black) }
        for (k, mistake) in mistakes.enumerated() {
            let x0 = gap + (k % columns) * (thumbnail + gap), y0 = gap + (k / columns) * (thumbnail + caption + gap)
            let image = try ImageDecoder.decode(path: mistake.file).resized(width: thumbnail, height: thumbnail, filter: .bilinear)
            for y in 0..<thumbnail {
                for x in 0..<thumbnail {
                    let pixel = image[x: x, y: y]
                    canvas.fill(x0: x0 + x, y0: y0 + y, x1: x0 + x + 1, y1: y0 + y + 1, RGB(pixel.r, pixel.g, pixel.b))
                }
            }
            let truth = "true: " + String(classNames[mistake.trueClass].prefix(19))
            let guess = "pred: " + String(classNames[mistake.predictedClass].prefix(12)) + String(format: " %.2f", mistake.confidence)
            canvas.text(truth, x: x0, y: y0 + thumbnail + 4, scale: 1, RGB(0, 110, 0))
            canvas.text(guess, x: x0, y: y0 + thumbnail + 18, scale: 1, RGB(190, 0, 0))
        }
        return canvas
    }
}
