import Foundation

/// A range test as `lr_find.json` and as a chart (`lr_find.png`): the smoothed loss against
/// log₁₀ of the rate, with fastai's `valley` and `steep` suggestions marked.
///
/// The JSON object, keys in this order (numbers as Python's `json.dumps` writes them):
///
///     {"format": "finetune-lr-find", "version": 1, "steps": 100, "stop": "diverged",
///      "beta": 0.98, "divergence_factor": 4.0,
///      "suggestions": {"valley": 0.0012, "steep": 0.0003},
///      "rates": [...], "losses": [...], "smoothed": [...]}
///
/// `stop` is null when every step ran; a suggestion is null when too few points were recorded.
extension LearningRateRange {
    /// The JSON text described above, ending in a newline.
    package func jsonText() -> String {
        func list(_ values: [Double]) -> String { "[" + values.map(jsonNumber).joined(separator: ", ") + "]" }
        func rate(_ s: (index: Int, rate: Double)?) -> String { s.map { jsonNumber($0.rate) } ?? "null" }
        return """
            {
              "format": "finetune-lr-find",
              "version": 1,
              "steps": \(requestedSteps),
              "stop": \(stopReason.map { "\"\($0)\"" } ?? "null"),
              "beta": \(jsonNumber(Self.beta)),
              "divergence_factor": \(jsonNumber(Self.divergenceFactor)),
              "suggestions": {"valley": \(rate(valley)), "steep": \(rate(steep))},
              "rates": \(list(rates)),
              "losses": \(list(losses)),
              "smoothed": \(list(smoothed))
            }

            """
    }

    /// Writes ``jsonText()`` to `url` atomically.
    package func writeJSON(to url: URL) throws { try writeAtomically(Data(jsonText().utf8), to: url) }

    /// The smoothed loss against log₁₀(rate), the last 5 points left out as fastai's
    /// `plot_lr_find` does (all of them when there are no more than 5), with a marker at each
    /// suggestion.
    package func chart(width: Int = 800, height: Int = 500) -> LineChart {
        let shown = rates.count > 5 ? rates.count - 5 : rates.count
        let x = rates.prefix(shown).map(log10), y = Array(smoothed.prefix(shown))
        var markers: [VerticalMarker] = []
        if let valley {
            markers.append(VerticalMarker(x: log10(valley.rate), label: "valley \(Self.short(valley.rate))", color: RGB(44, 160, 44)))
        }
        if let steep {
            markers.append(VerticalMarker(x: log10(steep.rate), label: "steep \(Self.short(steep.rate))", color: RGB(214, 39, 40)))
        }
        return LineChart(title: "Learning-rate range test (smoothed loss, EMA \(pythonRepr(Self.beta)))",
                         xLabel: "log10(learning rate)", yLabel: "Loss",
                         series: [ChartSeries(name: "Smoothed loss", x: x, y: y, color: .blue)],
                         markers: markers, width: width, height: height, integerX: false)
    }

    /// Writes ``chart(width:height:)`` as a PNG file (atomically).
    package func writePNG(to url: URL) throws { try chart().writePNG(to: url) }

    /// A rate in three significant digits (`1.2e-03`).
    static func short(_ rate: Double) -> String { String(format: "%.2e", rate) }
}
