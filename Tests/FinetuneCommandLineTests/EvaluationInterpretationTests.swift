import Foundation
import Testing
import FinetuneTestSupport
@testable import FinetuneCommandLine
import Finetune
import FinetuneData

/// Each image's loss, the top losses and the most confused pairs against Keras' losses and a
/// transcription of fastai's `most_confused` (Goldens/gen_interpretation.py).
@Suite("Evaluation: top losses and most confused pairs")
struct EvaluationInterpretationTests {
    static let suite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("interpretation") }
    static var caseNames: [String] {
        nonEmptyCaseNames((try? suite.get())?.cases(prefix: "interpretation.").map(\.name), describing: "interpretation.*")
    }

    static func evaluation(_ golden: GoldenCase) throws -> Evaluation {
        let rows = try golden.tensor("probabilities"), width = rows.shape[1]
        let probabilities = (0..<rows.shape[0]).map { Array(rows.scalars[($0 * width)..<(($0 + 1) * width)]) }
        let labels = try golden.tensor("labels").scalars.map { Int($0) }
        let classes = try #require(golden.param("classes").int)
        return Evaluation(classNames: (0..<classes).map { "class\($0)" }, files: labels.indices.map { "image\($0).png" },
                          labels: labels, probabilities: probabilities, loss: 0,
                          sigmoidOutput: try golden.param("head").string == "sigmoid")
    }

    @Test("each image's loss is Keras' clipped cross-entropy of its probabilities", .tags(.golden), arguments: caseNames)
    func losses(_ name: String) throws {
        let golden = try Self.suite.get().named(name)
        let e = try Self.evaluation(golden)
        let expected = try golden.tensor("losses")
        expectClose(Tensor(shape: [e.losses.count], scalars: e.losses), expected, tolerance: golden.tolerance, "\(name) losses")
        for (i, (got, want)) in zip(e.losses, expected.scalars).enumerated() {
            #expect(abs(got - want) <= Float(golden.tolerance) * max(1, abs(want)), "\(name) image \(i): loss \(got), Keras \(want)")
        }
        #expect(e.predicted == (try golden.tensor("predicted").scalars.map { Int($0) }))
    }

    @Test("top losses are the images by loss, highest first, ties in file order", .tags(.golden), arguments: caseNames)
    func topLosses(_ name: String) throws {
        let golden = try Self.suite.get().named(name)
        let e = try Self.evaluation(golden)
        let order = try golden.tensor("top_order").scalars.map { Int($0) }
        for k in [0, 1, 9, order.count, order.count + 5] {
            let top = e.topLosses(k)
            #expect(top.map(\.index) == Array(order.prefix(k)), "\(name) top \(k)")
        }
        let predicted = e.predicted
        for t in e.topLosses(12) {
            #expect(t.file == e.files[t.index] && t.actual == e.labels[t.index] && t.predicted == predicted[t.index])
            #expect(t.probability == e.probabilities[t.index][t.predicted])
            #expect(t.actualProbability == e.probabilities[t.index][t.actual])
            #expect(t.loss == e.losses[t.index])
        }
    }

    @Test("most confused pairs are fastai's most_confused(min_val)", .tags(.golden), arguments: caseNames)
    func mostConfused(_ name: String) throws {
        let golden = try Self.suite.get().named(name)
        let e = try Self.evaluation(golden)
        let minimums = try #require(golden.param("min_vals").array).compactMap(\.int)
        #expect(!minimums.isEmpty)
        for m in minimums {
            let rows = try golden.tensor("most_confused_\(m)")
            let expected = stride(from: 0, to: rows.scalarCount, by: 3).map {
                Evaluation.ConfusedPair(actual: Int(rows.scalars[$0]), predicted: Int(rows.scalars[$0 + 1]), count: Int(rows.scalars[$0 + 2]))
            }
            #expect(e.mostConfused(minimumCount: m) == expected, "\(name) min_val \(m)")
        }
    }

    @Test("most confused on a constructed case: off-diagonal pairs by count, ties row-major, the diagonal never")
    func constructedConfusion() {
        // True → predicted: a→b ×3, c→a ×3, b→a ×1, c→b ×2, and correct ones (a→a ×4, b→b ×2).
        let pairs: [(Int, Int)] = Array(repeating: (0, 1), count: 3) + Array(repeating: (2, 0), count: 3) + [(1, 0)]
            + Array(repeating: (2, 1), count: 2) + Array(repeating: (0, 0), count: 4) + Array(repeating: (1, 1), count: 2)
        let e = Evaluation(classNames: ["a", "b", "c"], files: pairs.indices.map(String.init), labels: pairs.map(\.0),
                           probabilities: pairs.map { _, p in (0..<3).map { $0 == p ? Float(0.8) : 0.1 } }, loss: 0)
        typealias P = Evaluation.ConfusedPair
        #expect(e.mostConfused() == [P(actual: 0, predicted: 1, count: 3), P(actual: 2, predicted: 0, count: 3),
                                     P(actual: 2, predicted: 1, count: 2), P(actual: 1, predicted: 0, count: 1)])
        #expect(e.mostConfused(minimumCount: 3) == [P(actual: 0, predicted: 1, count: 3), P(actual: 2, predicted: 0, count: 3)])
        #expect(e.mostConfused(minimumCount: 4).isEmpty)
        let report = e.mostConfusedReport(e.mostConfused(minimumCount: 2), minimumCount: 2)
        #expect(report.contains("a → b: 3\n  c → a: 3\n  c → b: 2"))
    }

    @Test("binary losses by the stated formula: −(z log p + (1 − z) log(1 − p)), p clipped to [1e-7, 1 − 1e-7]")
    func binaryFormula() {
        let p: [Float] = [0.9, 0.2, 1, 0], z = [0, 0, 1, 1]
        let e = Evaluation(classNames: ["n", "y"], files: ["1", "2", "3", "4"], labels: z,
                           probabilities: p.map { [1 - $0, $0] }, loss: 0, sigmoidOutput: true)
        let clippedHigh = Double(Float(1) - Float(1e-7))
        let expected = [-log(1 - 0.9), -log(1 - 0.2), -log(clippedHigh), -log(1e-7)]
        for (got, want) in zip(e.losses, expected) { #expect(abs(Double(got) - want) <= 1e-6 * max(1, want)) }
        #expect(e.topLosses(2).map(\.file) == ["4", "1"])
    }
}

@Suite("Evaluation: the top-losses contact sheet")
struct TopLossesSheetTests {
    /// Writes `count` 40×30 PNGs, each a distinct gradient, into a fresh folder.
    static func images(_ count: Int) throws -> (folder: URL, files: [String]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("top-losses-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var files: [String] = []
        for k in 0..<count {
            let (w, h) = (40, 30)
            var pixels = [UInt8](repeating: 0, count: w * h * 3)
            for y in 0..<h {
                for x in 0..<w {
                    let i = 3 * (y * w + x)
                    pixels[i] = UInt8((x * 6 + k * 40) % 256); pixels[i + 1] = UInt8((y * 8 + k * 25) % 256); pixels[i + 2] = UInt8(k * 60 % 256)
                }
            }
            let url = folder.appendingPathComponent("image\(k).png")
            try writePNG(rgb: pixels, width: w, height: h, to: url)
            files.append(url.path)
        }
        return (folder, files)
    }

    @Test("the sheet is a near-square grid of the top images, each tile the image itself, in loss order")
    func tiles() throws {
        let (folder, files) = try Self.images(7)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Losses rise with the index except image 2, the highest: order 2, 6, 5, 4, 3, 1, 0.
        let p: [Float] = [0.9, 0.8, 0.01, 0.7, 0.6, 0.5, 0.4]
        let e = Evaluation(classNames: ["no", "yes"], files: files, labels: Array(repeating: 1, count: 7),
                           probabilities: p.map { [1 - $0, $0] }, loss: 0, sigmoidOutput: true)
        let top = e.topLosses(5)
        #expect(top.map(\.index) == [2, 6, 5, 4, 3])
        let thumbnail = 64
        let canvas = try EvaluationPlots.topLosses(top, classNames: e.classNames, thumbnail: thumbnail)
        let png = folder.appendingPathComponent("top_losses.png")
        try canvas.writePNG(to: png)
        let sheet = try ImageDecoder.decode(path: png.path)
        let columns = EvaluationPlots.topLossColumns(5)
        #expect(columns == 3)
        let gap = EvaluationPlots.tileGap, caption = EvaluationPlots.captionHeight
        #expect(sheet.width == columns * (thumbnail + gap) + gap)
        #expect(sheet.height == 2 * (thumbnail + caption + gap) + gap)
        for (k, t) in top.enumerated() {
            let expected = try ImageDecoder.decode(path: files[t.index]).resized(width: thumbnail, height: thumbnail, filter: .bilinear)
            let (x0, y0) = EvaluationPlots.tileOrigin(k, columns: columns, thumbnail: thumbnail)
            var differing = 0
            for y in 0..<thumbnail {
                for x in 0..<thumbnail where sheet[x: x0 + x, y: y0 + y] != expected[x: x, y: y] { differing += 1 }
            }
            #expect(differing == 0, "tile \(k) (image \(t.index)): \(differing) pixels differ from the image")
            // The caption below it is drawn (not background only).
            var inked = 0
            for y in (y0 + thumbnail)..<(y0 + thumbnail + caption) {
                for x in x0..<(x0 + thumbnail) where sheet[x: x, y: y] != (255, 255, 255) { inked += 1 }
            }
            #expect(inked > 50, "tile \(k) has no caption")
        }
        #expect(EvaluationPlots.topLossColumns(9) == 3 && EvaluationPlots.topLossColumns(16) == 4
                && EvaluationPlots.topLossColumns(1) == 1 && EvaluationPlots.topLossColumns(100) == 5)
    }

    @Test("the text report and evaluation.json list the top losses and the confused pairs")
    func reportAndJSON() throws {
        let e = Evaluation(classNames: ["cats", "dogs"], files: ["a.jpg", "b.jpg", "c.jpg"], labels: [0, 1, 0],
                           probabilities: [[0.2, 0.8], [0.4, 0.6], [0.9, 0.1]], loss: 0.5, sigmoidOutput: true)
        let top = e.topLosses(2)
        #expect(top.map(\.file) == ["a.jpg", "b.jpg"])
        let text = e.topLossesReport(top)
        #expect(text.contains(String(format: "%8.4f", -log(Double(Float(1) - Float(0.8)))) + "  dogs / cats  0.8000  a.jpg"))
        let data = try e.json(topLosses: top, mostConfused: e.mostConfused(), minimumCount: 1, files: ["top_losses.png"])
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rows = try #require(object["top_losses"] as? [[String: Any]])
        #expect(rows.map { $0["file"] as? String } == ["a.jpg", "b.jpg"])
        #expect(rows[0]["predicted"] as? String == "dogs" && rows[0]["actual"] as? String == "cats")
        let pairs = try #require(object["most_confused"] as? [[String: Any]])
        #expect(pairs.count == 1 && pairs[0]["actual"] as? String == "cats" && pairs[0]["count"] as? Int == 1)
        #expect(object["files"] as? [String] == ["top_losses.png"])
    }
}
