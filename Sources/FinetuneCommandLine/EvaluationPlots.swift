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
        let tiles = mistakes.map { mistake in
            SheetTile(file: mistake.file, captions: [
                ("true: " + String(classNames[mistake.trueClass].prefix(19)), RGB(0, 110, 0)),
                ("pred: " + String(classNames[mistake.predictedClass].prefix(12)) + String(format: " %.2f", mistake.confidence), RGB(190, 0, 0))])
        }
        return try sheet(tiles, columns: max(1, min(4, mistakes.count)), thumbnail: thumbnail, empty: "no mistakes")
    }

    /// fastai's `plot_top_losses`: thumbnails of `top` in a near-square grid (3 × 3 for nine),
    /// each captioned "predicted / actual" (green when right, red when wrong) and
    /// "loss L  prob P" (P: the probability of the prediction).
    static func topLosses(_ top: [Evaluation.TopLoss], classNames: [String], thumbnail: Int = 160) throws -> Canvas {
        let tiles = top.map { t in
            SheetTile(file: t.file, captions: [
                (String(classNames[t.predicted].prefix(11)) + " / " + String(classNames[t.actual].prefix(11)),
                 t.predicted == t.actual ? RGB(0, 110, 0) : RGB(190, 0, 0)),
                (String(format: "loss %.2f  prob %.2f", Double(t.loss), Double(t.probability)), .black)])
        }
        return try sheet(tiles, columns: topLossColumns(top.count), thumbnail: thumbnail, empty: "no images")
    }

    /// Columns of the top-losses grid: ⌈√count⌉, at most 5.
    static func topLossColumns(_ count: Int) -> Int {
        var c = 1
        while c * c < count && c < 5 { c += 1 }
        return c
    }

    /// One image of a contact sheet and its caption lines (two fit under a tile).
    struct SheetTile {
        var file: String
        var captions: [(text: String, color: RGB)]
    }

    static let captionHeight = 34, tileGap = 8

    /// Top-left corner of tile `k`'s thumbnail in a sheet of `columns` columns.
    static func tileOrigin(_ k: Int, columns: Int, thumbnail: Int) -> (x: Int, y: Int) {
        (tileGap + (k % columns) * (thumbnail + tileGap), tileGap + (k / columns) * (thumbnail + captionHeight + tileGap))
    }

    /// A contact sheet: each tile's image resized (bilinear) to `thumbnail`², its captions below,
    /// `columns` tiles a row; `empty` written on a sheet without tiles.
    static func sheet(_ tiles: [SheetTile], columns: Int, thumbnail: Int, empty: String) throws -> Canvas {
        let rows = max(1, (tiles.count + columns - 1) / columns)
        var canvas = Canvas(width: columns * (thumbnail + tileGap) + tileGap,
                            height: rows * (thumbnail + captionHeight + tileGap) + tileGap)
        if tiles.isEmpty { canvas.text(empty, x: tileGap, y: tileGap, scale: 2, .black) }
        for (k, tile) in tiles.enumerated() {
            let (x0, y0) = tileOrigin(k, columns: columns, thumbnail: thumbnail)
            let image = try ImageDecoder.decode(path: tile.file).resized(width: thumbnail, height: thumbnail, filter: .bilinear)
            for y in 0..<thumbnail {
                for x in 0..<thumbnail {
                    let pixel = image[x: x, y: y]
                    canvas.fill(x0: x0 + x, y0: y0 + y, x1: x0 + x + 1, y1: y0 + y + 1, RGB(pixel.r, pixel.g, pixel.b))
                }
            }
            for (line, caption) in tile.captions.prefix(2).enumerated() {
                canvas.text(caption.text, x: x0, y: y0 + thumbnail + 4 + 14 * line, scale: 1, caption.color)
            }
        }
        return canvas
    }
}
