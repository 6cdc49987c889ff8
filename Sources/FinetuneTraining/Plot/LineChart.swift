import Foundation

/// A line chart in the style of matplotlib's defaults: title, axes with nice ticks, light grid,
/// axis labels, legend in the emptiest corner. Render it to pixels (``render()``, ``writePNG(to:)``)
/// or to SVG (``svg()``, ``writeSVG(to:)``); both use the same layout.
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    public var markers: [VerticalMarker]
    public var width: Int
    public var height: Int
    /// Font pixel size: each bitmap-font pixel is `textScale`×`textScale` image pixels.
    public var textScale: Int
    /// Ticks on whole numbers only along x (epochs).
    public var integerX: Bool

    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries],
                markers: [VerticalMarker] = [], width: Int = 800, height: Int = 500,
                textScale: Int = 2, integerX: Bool = true) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.markers = markers; self.width = width; self.height = height
        self.textScale = textScale; self.integerX = integerX
    }

    /// Writes ``render()`` as a PNG file (atomically).
    public func writePNG(to url: URL) throws { try render().writePNG(to: url) }

    /// Writes ``svg()`` (atomically).
    public func writeSVG(to url: URL) throws { try writeAtomically(Data(svg().utf8), to: url) }
}
