import Foundation

/// A line chart in the style of matplotlib's defaults: title, axes with nice ticks, light grid,
/// axis labels, legend in the emptiest corner. Render it to pixels (``render()``, ``writePNG(to:)``)
/// or to SVG (``svg()``, ``writeSVG(to:)``); both use the same layout.
package struct LineChart: Sendable {
    /// Title above the plot.
    package var title: String
    /// Label under the x axis.
    package var xLabel: String
    /// Label beside the y axis, reading upwards.
    package var yLabel: String
    /// The curves, drawn in order.
    package var series: [ChartSeries]
    /// Labelled vertical lines (phase starts).
    package var markers: [VerticalMarker]
    /// Image width in pixels.
    package var width: Int
    /// Image height in pixels.
    package var height: Int
    /// Font pixel size: each bitmap-font pixel is `textScale`×`textScale` image pixels.
    package var textScale: Int
    /// Ticks on whole numbers only along x (epochs).
    package var integerX: Bool

    /// A chart of `series` with the given labels, `width`×`height` pixels.
    package init(title: String, xLabel: String, yLabel: String, series: [ChartSeries],
                markers: [VerticalMarker] = [], width: Int = 800, height: Int = 500,
                textScale: Int = 2, integerX: Bool = true) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.markers = markers; self.width = width; self.height = height
        self.textScale = textScale; self.integerX = integerX
    }

    /// Writes ``render()`` as a PNG file (atomically).
    package func writePNG(to url: URL) throws { try render().writePNG(to: url) }

    /// Writes ``svg()`` (atomically).
    package func writeSVG(to url: URL) throws { try writeAtomically(Data(svg().utf8), to: url) }
}
