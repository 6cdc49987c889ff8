import Foundation
import Testing
@testable import FinetuneTraining

@Suite("Line chart")
struct LineChartTests {
    /// A two-phase history shaped like a real run: 30 + 100 epochs, training improving faster
    /// than validation, with deterministic noise.
    static func twoPhaseHistory(phase1: Int = 30, phase2: Int = 100) -> History {
        var epochs: [EpochRecord] = []
        for e in 1...(phase1 + phase2) {
            let phase = e <= phase1 ? 1 : 2
            let t = Double(e)
            let noise = Self.noise(e, 1) * 0.02, noise2 = Self.noise(e, 2) * 0.03
            let trainAcc = min(0.995, 0.6 + 0.35 * (1 - exp(-t / 25)) + noise)
            let valAcc = 0.62 + 0.28 * (1 - exp(-t / 20)) + noise2
            epochs.append(EpochRecord(epoch: e, phase: phase, loss: 0.65 * exp(-t / 30) + 0.05 + noise,
                                      accuracy: trainAcc, validationLoss: 0.6 * exp(-t / 25) + 0.2 + noise2,
                                      validationAccuracy: valAcc, seconds: 25, learningRate: phase == 1 ? 2e-5 : 1e-5))
        }
        return History(epochs: epochs)
    }

    /// Deterministic noise in [−1, 1) (SplitMix64 of the index and a salt).
    static func noise(_ i: Int, _ salt: UInt64) -> Double {
        var z = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 &+ salt &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 52) - 1
    }

    /// Folder for rendered files: $FINETUNE_PLOT_DIR when set (to look at them), else a temporary one.
    static func outputFolder(_ name: String) throws -> (URL, keep: Bool) {
        if let dir = ProcessInfo.processInfo.environment["FINETUNE_PLOT_DIR"] {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return (url, true)
        }
        return (try temporaryFolder(name), false)
    }

    /// Width and height from a PNG file's IHDR chunk.
    static func pngSize(_ url: URL) throws -> (Int, Int) {
        let bytes = [UInt8](try Data(contentsOf: url))
        try #require(bytes.count > 24 && bytes[0..<8] == [137, 80, 78, 71, 13, 10, 26, 10], "not a PNG")
        func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    static func isNear(_ a: RGB, _ b: RGB, _ tolerance: Int = 40) -> Bool {
        abs(Int(a.r) - Int(b.r)) + abs(Int(a.g) - Int(b.g)) + abs(Int(a.b) - Int(b.b)) <= tolerance
    }

    @Test("writes the four figures as PNG (and SVG) with the chart's size")
    func fourFigures() throws {
        let (folder, keep) = try Self.outputFolder("history")
        defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
        let files = try Self.twoPhaseHistory().writePlots(to: folder, svg: true)
        #expect(files.map(\.lastPathComponent) == ["accuracy.png", "accuracy.svg", "loss.png", "loss.svg",
                                                   "accuracy_smoothed.png", "accuracy_smoothed.svg",
                                                   "loss_smoothed.png", "loss_smoothed.svg"])
        for file in files where file.pathExtension == "png" {
            let (w, h) = try Self.pngSize(file)
            #expect(w == 800 && h == 500, "\(file.lastPathComponent) is \(w)×\(h)")
        }
        let svg = try String(contentsOf: folder.appendingPathComponent("loss.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"500\""))
        #expect(svg.contains("stroke-dasharray=\"10.00 6.00\""))
        #expect(svg.contains(">Training and validation loss</text>"))
        #expect(svg.contains(">phase 2</text>"))
    }

    @Test("the plot area holds both series' colours; the training series is dashed")
    func pixels() throws {
        // Two flat lines far apart so each can be probed alone.
        let xs = (1...20).map(Double.init)
        let chart = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [
            ChartSeries(name: "train", x: xs, y: xs.map { _ in 0.25 }, color: .blue, style: .dashed),
            ChartSeries(name: "val", x: xs, y: xs.map { _ in 0.75 }, color: .orange, style: .solid),
        ])
        let canvas = chart.render()
        #expect(canvas.width == 800 && canvas.height == 500)
        let layout = ChartLayout(chart)
        // The middle of the plot, clear of the legend in any corner.
        let x0 = Int(layout.px(7)), x1 = Int(layout.px(14))
        let trainRow = Int(layout.py(0.25)), valRow = Int(layout.py(0.75))
        let train = (x0..<x1).map { canvas[$0, trainRow] }, val = (x0..<x1).map { canvas[$0, valRow] }
        // Solid: every pixel along the line is the series colour.
        #expect(val.allSatisfy { Self.isNear($0, .orange) })
        // Dashed: inked dashes (10 px) and light gaps (6 px less the round caps) alternate.
        let inked = train.filter { Self.isNear($0, .blue) }.count
        var gapRuns = 0, inGap = false
        for p in train {
            let light = p.r > 200 && p.g > 200 && p.b > 200
            if light && !inGap { gapRuns += 1 }
            inGap = light
        }
        #expect(inked > train.count / 2, "inked \(inked) of \(train.count)")
        #expect(gapRuns >= train.count / 16 - 1, "\(gapRuns) gaps along \(train.count) px")
        // The solid series has no gaps at all (checked above); the dashed one is not solid.
        #expect(inked < train.count - 2 * gapRuns)
        // Outside the plot area (left margin row) there is no series colour.
        #expect(!(0..<Int(layout.left) - 2).contains { Self.isNear(canvas[$0, valRow], .orange) })
        // Title text is dark ink near the top centre.
        #expect((0..<30).contains { y in (380..<420).contains { x in canvas[x, y].r < 60 } })
    }

    @Test("a phase marker sits between the last phase-1 and first phase-2 epoch")
    func phaseMarker() throws {
        let history = Self.twoPhaseHistory(phase1: 5, phase2: 5)
        let (name, chart) = history.curveCharts()[0]
        #expect(name == "accuracy")
        #expect(chart.markers.map(\.x) == [5.5])
        #expect(chart.markers.map(\.label) == ["phase 2"])
        #expect(chart.series.map(\.name) == ["Training acc", "Validation acc"])
        let canvas = chart.render(), layout = ChartLayout(chart)
        let x = Int(layout.px(5.5))
        let grays = (Int(layout.top)..<Int(layout.bottom)).filter { y in
            let p = canvas[x, y]; return p.r == p.g && p.g == p.b && p.r < 200
        }
        #expect(grays.count > 20, "marker line should be drawn at x = \(x)")
        #expect(History(epochs: Array(history.epochs.prefix(5))).curveCharts()[0].chart.markers.isEmpty)
    }

    @Test("smoothed charts use the EMA of each phase")
    func smoothedSeries() {
        let history = Self.twoPhaseHistory(phase1: 5, phase2: 5)
        let chart = history.curveCharts(smoothing: 0.8)[3].chart
        #expect(chart.title == "Smoothed training and validation loss (EMA 0.8)")
        let expected = exponentialMovingAverage(Array(history.loss[5...]))
        #expect(Array(chart.series[0].y[5...]) == expected)
    }

    @Test("empty and single-point histories still render")
    func degenerate() throws {
        let (folder, keep) = try Self.outputFolder("degenerate")
        defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
        try History().writePlots(to: folder.appendingPathComponent("empty"))
        let one = History(epochs: [EpochRecord(epoch: 1, loss: .nan, accuracy: 0.5, seconds: 1)])
        try one.writePlots(to: folder.appendingPathComponent("one"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("one/accuracy.png").path))
    }

    @Test("labels of close markers (lr-find's valley and steep) stack instead of overlapping; a lone label stays on top")
    func markerLabelsDoNotOverlap() {
        let series = ChartSeries(name: "loss", x: [-7, -3, 0, 1], y: [1, 0.8, 0.4, 0.6], color: RGB(31, 119, 180))
        let markers = [VerticalMarker(x: -2.44, label: "valley 3.63e-03"), VerticalMarker(x: -1.96, label: "steep 1.10e-02"),
                       VerticalMarker(x: -6.5, label: "far")]
        let chart = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [series], markers: markers, integerX: false)
        let boxes = ChartLayout(chart).markerLabelBoxes(markers)
        #expect(boxes.count == 3)
        for i in boxes.indices {
            for j in boxes.indices where j > i {
                let (a, b) = (boxes[i], boxes[j])
                let overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
                #expect(!overlap, "labels \(i) and \(j) overlap")
            }
        }
        #expect(boxes[0].y == boxes[2].y && boxes[1].y > boxes[0].y)
    }
}
