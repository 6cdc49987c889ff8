import Foundation

extension LineChart {
    /// The chart as an SVG document with the same layout as ``render()``: text in a monospace
    /// font sized like the bitmap font, curves as `<polyline>` (dashes via `stroke-dasharray`),
    /// clipped to the plot area.
    package func svg() -> String {
        let layout = ChartLayout(self)
        let s = Double(textScale)
        let fontSize = 8.5 * s
        func n(_ x: Double) -> String { String(format: "%.2f", x) }
        func esc(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        func text(_ t: String, x: Double, y: Double, anchor: String = "start", extra: String = "", color: RGB = Self.textColor) -> String {
            "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" fill=\"\(color.hex)\"\(extra)>\(esc(t))</text>"
        }
        let ascent = Double(BitmapFont.ascent) * s
        let (l, r, t, b) = (layout.left, layout.right, layout.top, layout.bottom)
        var out: [String] = []
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"\(n(fontSize))\">")
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>")
        out.append("<defs><clipPath id=\"plot\"><rect x=\"\(n(l - 3))\" y=\"\(n(t - 3))\" width=\"\(n(r - l + 6))\" height=\"\(n(b - t + 6))\"/></clipPath></defs>")
        out.append("<g stroke=\"\(Self.gridColor.hex)\" stroke-width=\"1\">")
        for v in layout.yScale.ticks { out.append("<line x1=\"\(n(l))\" y1=\"\(n(layout.py(v)))\" x2=\"\(n(r))\" y2=\"\(n(layout.py(v)))\"/>") }
        for v in layout.xScale.ticks { out.append("<line x1=\"\(n(layout.px(v)))\" y1=\"\(n(t))\" x2=\"\(n(layout.px(v)))\" y2=\"\(n(b))\"/>") }
        out.append("</g>")
        for (marker, box) in zip(markers, layout.markerLabelBoxes(markers)) {
            let x = layout.px(marker.x)
            out.append("<line x1=\"\(n(x))\" y1=\"\(n(t))\" x2=\"\(n(x))\" y2=\"\(n(b))\" stroke=\"\(marker.color.hex)\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>")
            out.append("<rect x=\"\(n(box.x))\" y=\"\(n(box.y))\" width=\"\(n(box.width))\" height=\"\(n(box.height))\" fill=\"#ffffff\"/>")
            out.append(text(marker.label, x: box.x + 2, y: box.y + 2 + ascent, color: marker.color))
        }
        out.append("<g clip-path=\"url(#plot)\" fill=\"none\" stroke-linecap=\"round\" stroke-linejoin=\"round\">")
        for series in self.series {
            for run in series.runs {
                let points = run.map { "\(n(layout.px($0.x))),\(n(layout.py($0.y)))" }
                out.append(Self.svgShape(points: run.map { (layout.px($0.x), layout.py($0.y)) }, joined: points.joined(separator: " "),
                                         series.style, series.color, series.lineWidth, n))
            }
        }
        out.append("</g>")
        out.append("<rect x=\"\(n(l))\" y=\"\(n(t))\" width=\"\(n(r - l))\" height=\"\(n(b - t))\" fill=\"none\" stroke=\"\(Self.axisColor.hex)\" stroke-width=\"1\"/>")
        let tick = ChartLayout.tickLength
        for v in layout.yScale.ticks {
            let y = layout.py(v)
            out.append("<line x1=\"\(n(l - tick))\" y1=\"\(n(y))\" x2=\"\(n(l))\" y2=\"\(n(y))\" stroke=\"\(Self.axisColor.hex)\"/>")
            out.append(text(layout.yScale.label(v), x: l - tick - 6, y: y + ascent / 2, anchor: "end"))
        }
        for v in layout.xScale.ticks {
            let x = layout.px(v)
            out.append("<line x1=\"\(n(x))\" y1=\"\(n(b))\" x2=\"\(n(x))\" y2=\"\(n(b + tick))\" stroke=\"\(Self.axisColor.hex)\"/>")
            out.append(text(layout.xScale.label(v), x: x, y: b + tick + 6 + ascent, anchor: "middle"))
        }
        let lineHeight = Double(BitmapFont.rows) * s
        if !xLabel.isEmpty { out.append(text(xLabel, x: (l + r) / 2, y: Double(height) - 12 - lineHeight + ascent, anchor: "middle")) }
        if !yLabel.isEmpty {
            let cx = 12 + ascent, cy = (t + b) / 2
            out.append(text(yLabel, x: cx, y: cy, anchor: "middle", extra: " transform=\"rotate(-90 \(n(cx)) \(n(cy)))\""))
        }
        if !title.isEmpty { out.append(text(title, x: Double(width) / 2, y: 12 + ascent, anchor: "middle", extra: " font-weight=\"bold\"")) }
        if let box = layout.legend {
            out.append("<rect x=\"\(n(box.x))\" y=\"\(n(box.y))\" width=\"\(n(box.width))\" height=\"\(n(box.height))\" fill=\"#ffffff\" stroke=\"#cccccc\"/>")
            var y = box.y + 8
            for series in self.series where !series.name.isEmpty {
                let mid = y + ascent / 2
                let sample = series.style.isDots
                    ? [(box.x + 10 + ChartLayout.legendSample / 2, mid)]
                    : [(box.x + 10, mid), (box.x + 10 + ChartLayout.legendSample, mid)]
                out.append(Self.svgShape(points: sample, joined: sample.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " "),
                                         series.style, series.color, series.lineWidth, n))
                out.append(text(series.name, x: box.x + 10 + ChartLayout.legendSample + 8, y: y + ascent))
                y += layout.entryHeight
            }
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    private static func svgShape(points: [(Double, Double)], joined: String, _ style: LineStyle, _ color: RGB,
                                 _ lineWidth: Double, _ n: (Double) -> String) -> String {
        switch style {
        case _ where points.count == 1 && !style.isDots:
            return "<circle cx=\"\(n(points[0].0))\" cy=\"\(n(points[0].1))\" r=\"\(n(max(lineWidth, 3)))\" fill=\"\(color.hex)\"/>"
        case .solid:
            return "<polyline points=\"\(joined)\" fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\"\(n(lineWidth))\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>"
        case let .dashed(on, off):
            return "<polyline points=\"\(joined)\" fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\"\(n(lineWidth))\" stroke-dasharray=\"\(n(on)) \(n(off))\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>"
        case let .dots(radius):
            return points.map { "<circle cx=\"\(n($0.0))\" cy=\"\(n($0.1))\" r=\"\(n(radius))\" fill=\"\(color.hex)\"/>" }.joined(separator: "\n")
        }
    }
}
