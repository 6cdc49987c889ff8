/// How a series is drawn.
public enum LineStyle: Sendable, Equatable {
    case solid
    /// Dashes `on` pixels long with `off`-pixel gaps.
    case dashed(on: Double, off: Double)
    /// A dot of this radius at each point, no line (matplotlib's `'bo'`).
    case dots(radius: Double)

    public static let dashed = LineStyle.dashed(on: 10, off: 6)

    var isDots: Bool { if case .dots = self { return true }; return false }
}

/// One curve: points (x, y) joined in order; non-finite y values break the line.
public struct ChartSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var color: RGB
    public var style: LineStyle
    public var lineWidth: Double

    public init(name: String, x: [Double], y: [Double], color: RGB, style: LineStyle = .solid, lineWidth: Double = 2) {
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
public struct VerticalMarker: Sendable {
    public var x: Double
    public var label: String
    public var color: RGB
    public init(x: Double, label: String, color: RGB = RGB(120, 120, 120)) {
        self.x = x; self.label = label; self.color = color
    }
}
