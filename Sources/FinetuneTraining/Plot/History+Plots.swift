import Foundation

/// The four figures of Chollet's recipe from a history: raw and smoothed accuracy and loss, training dashed,
/// validation solid, a dashed vertical marker where each later phase begins.
extension History {
    /// File stems of ``curveCharts(smoothing:width:height:)``, in order.
    package static let plotNames = ["accuracy", "loss", "accuracy_smoothed", "loss_smoothed"]

    /// The four charts (name, chart): accuracy and loss per epoch, then the same smoothed with
    /// an exponential moving average (``smoothed(_:factor:restartingEachPhase:)``) restarted at each phase (factor 0.8, Chollet's).
    package func curveCharts(smoothing factor: Double = 0.8, width: Int = 800, height: Int = 500) -> [(name: String, chart: LineChart)] {
        let markers = phaseStarts.dropFirst().map {
            VerticalMarker(x: Double($0.epoch) - 0.5, label: "phase \($0.phase)")
        }
        func chart(_ what: String, _ axis: String, _ train: Monitor, _ validation: Monitor, smoothed: Bool) -> LineChart {
            func curve(_ m: Monitor) -> (epochs: [Int], values: [Double]) {
                smoothed ? self.smoothed(m, factor: factor) : series(m)
            }
            let t = curve(train), v = curve(validation)
            var lines = [ChartSeries(name: "Training \(what)", x: t.epochs.map(Double.init), y: t.values,
                                     color: .blue, style: .dashed)]
            if !v.values.isEmpty {
                lines.append(ChartSeries(name: "Validation \(what)", x: v.epochs.map(Double.init), y: v.values,
                                         color: .orange, style: .solid))
            }
            let title = (smoothed ? "Smoothed training" : "Training") + " and validation \(axis.lowercased())"
                + (smoothed ? " (EMA \(pythonRepr(factor)))" : "")
            return LineChart(title: title, xLabel: "Epochs", yLabel: axis, series: lines, markers: markers,
                             width: width, height: height)
        }
        return [
            ("accuracy", chart("acc", "Accuracy", .accuracy, .validationAccuracy, smoothed: false)),
            ("loss", chart("loss", "Loss", .loss, .validationLoss, smoothed: false)),
            ("accuracy_smoothed", chart("acc", "Accuracy", .accuracy, .validationAccuracy, smoothed: true)),
            ("loss_smoothed", chart("loss", "Loss", .loss, .validationLoss, smoothed: true)),
        ]
    }

    /// Writes `accuracy.png`, `loss.png`, `accuracy_smoothed.png`, `loss_smoothed.png` (and the
    /// same names `.svg` when `svg`) into `directory`, creating it if needed; returns the files.
    @discardableResult
    public func writePlots(to directory: URL, smoothing factor: Double = 0.8, svg: Bool = false) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw HistoryFileError.unwritable(path: directory.path, reason: error.localizedDescription)
        }
        var written: [URL] = []
        for (name, chart) in curveCharts(smoothing: factor) {
            let png = directory.appendingPathComponent(name + ".png")
            try chart.writePNG(to: png)
            written.append(png)
            if svg {
                let file = directory.appendingPathComponent(name + ".svg")
                try chart.writeSVG(to: file)
                written.append(file)
            }
        }
        return written
    }
}
