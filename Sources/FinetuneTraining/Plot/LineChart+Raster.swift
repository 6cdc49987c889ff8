extension LineChart {
    static let gridColor = RGB(232, 232, 232)
    static let axisColor = RGB(40, 40, 40)
    static let textColor = RGB(20, 20, 20)

    /// Draws the chart into a new canvas of ``width``×``height`` pixels.
    package func render() -> Canvas {
        let layout = ChartLayout(self)
        var canvas = Canvas(width: width, height: height)
        let s = textScale
        let l = Int(layout.left.rounded(.down)), r = Int(layout.right.rounded(.down))
        let t = Int(layout.top.rounded(.down)), b = Int(layout.bottom.rounded(.down))

        // Grid.
        for tick in layout.yScale.ticks {
            let y = Int(layout.py(tick).rounded(.down))
            canvas.fill(x0: l, y0: y, x1: r, y1: y + 1, Self.gridColor)
        }
        for tick in layout.xScale.ticks {
            let x = Int(layout.px(tick).rounded(.down))
            canvas.fill(x0: x, y0: t, x1: x + 1, y1: b, Self.gridColor)
        }

        // Markers (under the curves).
        for (marker, box) in zip(markers, layout.markerLabelBoxes(markers)) {
            let x = layout.px(marker.x)
            canvas.stroke([PixelPoint(x, layout.top), PixelPoint(x, layout.bottom)], marker.color,
                          lineWidth: 1.5, dash: (6, 4))
            canvas.fill(x0: Int(box.x), y0: Int(box.y), x1: Int(box.x + box.width), y1: Int(box.y + box.height), .white)
            canvas.text(marker.label, x: Int(box.x) + 2, y: Int(box.y) + 2, scale: s, marker.color)
        }

        // Curves, clipped to the plot area (plus a little, so a curve on an edge stays whole).
        let clip = (x0: l - 3, y0: t - 3, x1: r + 4, y1: b + 4)
        for series in self.series {
            for run in series.runs {
                let points = run.map { PixelPoint(layout.px($0.x), layout.py($0.y)) }
                Self.draw(points, series.style, series.color, series.lineWidth, into: &canvas, clip: clip)
            }
        }

        // Frame, ticks, tick labels.
        canvas.fill(x0: l, y0: t, x1: r + 1, y1: t + 1, Self.axisColor)
        canvas.fill(x0: l, y0: b, x1: r + 1, y1: b + 1, Self.axisColor)
        canvas.fill(x0: l, y0: t, x1: l + 1, y1: b + 1, Self.axisColor)
        canvas.fill(x0: r, y0: t, x1: r + 1, y1: b + 1, Self.axisColor)
        let tick = Int(ChartLayout.tickLength)
        for value in layout.yScale.ticks {
            let y = Int(layout.py(value).rounded(.down))
            canvas.fill(x0: l - tick, y0: y, x1: l, y1: y + 1, Self.axisColor)
            let label = layout.yScale.label(value), size = Canvas.textSize(label, scale: s)
            canvas.text(label, x: l - tick - 6 - size.width, y: y - size.height / 2, scale: s, Self.textColor)
        }
        for value in layout.xScale.ticks {
            let x = Int(layout.px(value).rounded(.down))
            canvas.fill(x0: x, y0: b + 1, x1: x + 1, y1: b + 1 + tick, Self.axisColor)
            let label = layout.xScale.label(value), size = Canvas.textSize(label, scale: s)
            canvas.text(label, x: x - size.width / 2, y: b + tick + 6, scale: s, Self.textColor)
        }

        // Axis labels and title.
        let lineHeight = BitmapFont.rows * s
        if !xLabel.isEmpty {
            let size = Canvas.textSize(xLabel, scale: s)
            canvas.text(xLabel, x: (l + r - size.width) / 2, y: height - 12 - lineHeight, scale: s, Self.textColor)
        }
        if !yLabel.isEmpty {
            let size = Canvas.textSize(yLabel, scale: s)
            canvas.text(yLabel, x: 12, y: (t + b + size.width) / 2, scale: s, Self.textColor, rotated: true)
        }
        if !title.isEmpty {
            let size = Canvas.textSize(title, scale: s)
            // Bold: the same text again one pixel to the right.
            canvas.text(title, x: (width - size.width) / 2, y: 12, scale: s, Self.textColor)
            canvas.text(title, x: (width - size.width) / 2 + 1, y: 12, scale: s, Self.textColor)
        }

        // Legend.
        if let box = layout.legend {
            let x0 = Int(box.x), y0 = Int(box.y), x1 = Int(box.x + box.width), y1 = Int(box.y + box.height)
            canvas.fill(x0: x0, y0: y0, x1: x1, y1: y1, RGB(204, 204, 204))
            canvas.fill(x0: x0 + 1, y0: y0 + 1, x1: x1 - 1, y1: y1 - 1, .white)
            var y = box.y + 8
            for series in self.series where !series.name.isEmpty {
                let mid = y + Double(BitmapFont.ascent * s) / 2
                let sample = series.style.isDots
                    ? [PixelPoint(box.x + 10 + ChartLayout.legendSample / 2, mid)]
                    : [PixelPoint(box.x + 10, mid), PixelPoint(box.x + 10 + ChartLayout.legendSample, mid)]
                Self.draw(sample, series.style, series.color, series.lineWidth, into: &canvas, clip: nil)
                canvas.text(series.name, x: Int(box.x + 10 + ChartLayout.legendSample + 8), y: Int(y), scale: s, Self.textColor)
                y += layout.entryHeight
            }
        }
        return canvas
    }

    private static func draw(_ points: [PixelPoint], _ style: LineStyle, _ color: RGB, _ lineWidth: Double,
                             into canvas: inout Canvas, clip: (x0: Int, y0: Int, x1: Int, y1: Int)?) {
        switch style {
        case _ where points.count == 1 && !style.isDots:
            // A lone point has no line to draw: show it as a dot.
            canvas.disc(at: points[0], radius: max(lineWidth, 3), color, clip: clip)
        case .solid: canvas.stroke(points, color, lineWidth: lineWidth, clip: clip)
        case let .dashed(on, off): canvas.stroke(points, color, lineWidth: lineWidth, dash: (on, off), clip: clip)
        case let .dots(radius): for p in points { canvas.disc(at: p, radius: radius, color, clip: clip) }
        }
    }
}
