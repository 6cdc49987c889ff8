import Foundation

/// Where everything goes, in pixels; shared by the PNG and SVG renderers.
struct ChartLayout {
    var xScale: NiceScale
    var yScale: NiceScale
    /// Plot area: left, top, right, bottom edges.
    var left: Double, top: Double, right: Double, bottom: Double
    var scale: Int
    var legend: (x: Double, y: Double, width: Double, height: Double)?
    static let tickLength = 5.0
    static let legendSample = 36.0

    init(_ chart: LineChart) {
        let s = chart.textScale
        scale = s
        let lineHeight = Double(BitmapFont.rows * s)
        let finite = chart.series.flatMap { $0.runs.flatMap { $0 } }
        let xs = finite.map(\.x) + chart.markers.map(\.x)
        let ys = finite.map(\.y)
        let top = 12 + (chart.title.isEmpty ? 0 : lineHeight + 10)
        let bottom = Double(chart.height) - (12 + (chart.xLabel.isEmpty ? 0 : lineHeight + 6) + lineHeight + 6 + Self.tickLength)
        let yScale = NiceScale(min: ys.min() ?? 0, max: ys.max() ?? 1,
                               maxTicks: max(2, Int((bottom - top) / Double(18 * s + 8))))
        self.yScale = yScale
        let yLabelWidth = Double(yScale.ticks.map { BitmapFont.width(of: yScale.label($0)) }.max() ?? 0) * Double(s)
        let left = 12 + (chart.yLabel.isEmpty ? 0 : lineHeight + 8) + yLabelWidth + 6 + Self.tickLength
        let right = Double(chart.width) - 20
        xScale = NiceScale(min: xs.min() ?? 0, max: xs.max() ?? 1,
                           maxTicks: max(2, Int((right - left) / Double(6 * s * 6))), integer: chart.integerX)
        self.left = left; self.top = top; self.right = right; self.bottom = bottom
        legend = nil
        legend = placeLegend(chart)
    }

    /// Where each marker's label goes: right of its line, just below the top of the plot (with the
    /// white box behind it), one row lower for each earlier label it would overlap, so labels of
    /// close markers (lr-find's valley and steep rates) stay readable.
    func markerLabelBoxes(_ markers: [VerticalMarker]) -> [(x: Double, y: Double, width: Double, height: Double)] {
        var boxes: [(x: Double, y: Double, width: Double, height: Double)] = []
        for marker in markers {
            let size = Canvas.textSize(marker.label, scale: scale)
            var box = (x: px(marker.x).rounded(.down) + 4, y: top.rounded(.down) + 4,
                       width: Double(size.width + 4), height: Double(size.height + 5))
            while boxes.contains(where: { $0.x < box.x + box.width && box.x < $0.x + $0.width
                                          && $0.y < box.y + box.height && box.y < $0.y + $0.height }) {
                box.y += box.height + 2
            }
            boxes.append(box)
        }
        return boxes
    }

    func px(_ x: Double) -> Double { left + (x - xScale.lower) / (xScale.upper - xScale.lower) * (right - left) }
    func py(_ y: Double) -> Double { bottom - (y - yScale.lower) / (yScale.upper - yScale.lower) * (bottom - top) }

    var entryHeight: Double { Double(BitmapFont.rows * scale) + 6 }

    /// The legend box in the plot corner covering the fewest curve points (upper right first, as
    /// matplotlib's `loc="best"` breaks ties).
    private func placeLegend(_ chart: LineChart) -> (x: Double, y: Double, width: Double, height: Double)? {
        let named = chart.series.filter { !$0.name.isEmpty }
        guard !named.isEmpty else { return nil }
        let textWidth = Double(named.map { BitmapFont.width(of: $0.name) }.max() ?? 0) * Double(scale)
        let w = 10 + Self.legendSample + 8 + textWidth + 10, h = 8 + Double(named.count) * entryHeight + 2
        let pad = 8.0
        let corners = [(right - pad - w, top + pad), (left + pad, top + pad),
                       (right - pad - w, bottom - pad - h), (left + pad, bottom - pad - h)]
        // Sample the curves every few pixels.
        var samples: [(Double, Double)] = []
        for series in chart.series {
            for run in series.runs {
                let points = run.map { (px($0.x), py($0.y)) }
                samples.append(points[0])
                for (a, b) in zip(points, points.dropFirst()) {
                    let n = max(1, Int((hypot(b.0 - a.0, b.1 - a.1) / 3).rounded(.up)))
                    for i in 1...n { let t = Double(i) / Double(n); samples.append((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)) }
                }
            }
        }
        // Marker labels must stay readable: overlapping one costs more than any number of points.
        let labels = markerLabelBoxes(chart.markers)
        var best = corners[0], bestCount = Int.max
        for corner in corners {
            let count = samples.filter {
                $0.0 >= corner.0 - 4 && $0.0 <= corner.0 + w + 4 && $0.1 >= corner.1 - 4 && $0.1 <= corner.1 + h + 4
            }.count + labels.filter {
                $0.x < corner.0 + w && $0.x + $0.width > corner.0 && $0.y < corner.1 + h && $0.y + $0.height > corner.1
            }.count * 1_000_000
            if count < bestCount { best = corner; bestCount = count }
        }
        return (best.0, best.1, w, h)
    }
}
