/// How a series is drawn.
package enum LineStyle: Sendable, Equatable {
    /// A continuous line.
    case solid
    /// Dashes `on` pixels long with `off`-pixel gaps.
    case dashed(on: Double, off: Double)
    /// A dot of this radius at each point, no line (matplotlib's `'bo'`).
    case dots(radius: Double)

    /// Dashes of 10 pixels with 6-pixel gaps.
    package static let dashed = LineStyle.dashed(on: 10, off: 6)

    var isDots: Bool { if case .dots = self { return true }; return false }
}

/// One curve: points (x, y) joined in order; non-finite y values break the line.
package struct ChartSeries: Sendable {
    /// The legend entry.
    package var name: String
    /// The points' x values (epochs, for training curves).
    package var x: [Double]
    /// The points' y values, as many as `x`.
    package var y: [Double]
    /// Line colour.
    package var color: RGB
    /// Solid, dashed or dots.
    package var style: LineStyle
    /// Line width in pixels.
    package var lineWidth: Double

    /// A series of the points (x[i], y[i]).
    package init(name: String, x: [Double], y: [Double], color: RGB, style: LineStyle = .solid, lineWidth: Double = 2) {
        self.name = name; self.x = x; self.y = y; self.color = color; self.style = style; self.lineWidth = lineWidth
    }

    /// Runs of consecutive finite points (a NaN or ±∞ ends a run).
    var runs: [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = [], current: [(x: Double, y: Double)] = []
        for (x, y) in zip(x, y) {
            if x.isFinite && y.isFinite { current.append((x, y)) } else if !current.isEmpty { runs.append(current); current = [] }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }
}

/// A labelled vertical line across the plot (e.g. where phase 2 begins).
package struct VerticalMarker: Sendable {
    /// Where the line is drawn, in data coordinates.
    package var x: Double
    /// Text drawn beside the line.
    package var label: String
    /// Line and label colour.
    package var color: RGB
    /// A grey marker by default.
    package init(x: Double, label: String, color: RGB = RGB(120, 120, 120)) {
        self.x = x; self.label = label; self.color = color
    }
}
