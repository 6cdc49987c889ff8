import Foundation
import FinetuneData

/// An 8-bit sRGB colour.
package struct RGB: Hashable, Sendable, CustomStringConvertible {
    /// Red, green and blue, 0–255.
    package var r: UInt8, g: UInt8, b: UInt8
    /// A colour from its red, green and blue bytes.
    package init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    /// White.
    package static let white = RGB(255, 255, 255)
    /// Black.
    package static let black = RGB(0, 0, 0)
    /// Matplotlib's default cycle, first two: "tab:blue", "tab:orange".
    package static let blue = RGB(31, 119, 180)
    /// Matplotlib's "tab:orange".
    package static let orange = RGB(255, 127, 14)
    /// `#rrggbb`, for SVG.
    package var hex: String { String(format: "#%02x%02x%02x", r, g, b) }
    package var description: String { hex }
}

/// A point in pixel coordinates: x to the right, y down, (0, 0) the top-left corner of the
/// top-left pixel; pixel (i, j) covers [i, i+1) × [j, j+1).
package struct PixelPoint: Hashable, Sendable {
    /// Horizontal (to the right) and vertical (down) position in pixels.
    package var x: Double, y: Double
    /// The point (x, y).
    package init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// An RGB raster, row-major, 3 bytes a pixel, with the few drawing operations the charts need:
/// rectangles, anti-aliased strokes (solid or dashed, round caps), discs and bitmap text.
package struct Canvas: Sendable {
    /// Width in pixels.
    package let width: Int
    /// Height in pixels.
    package let height: Int
    /// The pixels, row-major, 3 bytes (R, G, B) each.
    package private(set) var pixels: [UInt8]

    /// A canvas filled with `background`.
    package init(width: Int, height: Int, background: RGB = .white) {
        self.width = max(1, width); self.height = max(1, height)
        pixels = [UInt8](repeating: 0, count: self.width * self.height * 3)
        for i in 0..<(self.width * self.height) {
            pixels[3 * i] = background.r; pixels[3 * i + 1] = background.g; pixels[3 * i + 2] = background.b
        }
    }

    /// The colour at pixel (x, y).
    package subscript(x: Int, y: Int) -> RGB {
        let i = 3 * (y * width + x)
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Writes the canvas as a PNG file (atomically).
    package func writePNG(to url: URL) throws {
        try FinetuneData.writePNG(rgb: pixels, width: width, height: height, to: url)
    }

    /// Mixes `color` into pixel (x, y) with opacity `alpha` ∈ [0, 1]; outside pixels are ignored.
    package mutating func blend(x: Int, y: Int, _ color: RGB, alpha: Double) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let a = min(alpha, 1), i = 3 * (y * width + x)
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 { UInt8((Double(old) * (1 - a) + Double(new) * a).rounded()) }
        pixels[i] = mix(pixels[i], color.r); pixels[i + 1] = mix(pixels[i + 1], color.g)
        pixels[i + 2] = mix(pixels[i + 2], color.b)
    }

    /// Fills the pixels with x0 ≤ x < x1, y0 ≤ y < y1.
    package mutating func fill(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGB) {
        for y in max(0, y0)..<max(max(0, y0), min(height, y1)) {
            for x in max(0, x0)..<max(max(0, x0), min(width, x1)) { blend(x: x, y: y, color, alpha: 1) }
        }
    }

    /// Strokes a polyline `lineWidth` pixels wide, anti-aliased, round caps and joins; `dash`
    /// (on, off lengths in pixels) makes it dashed, the pattern running on across vertices. Only
    /// pixels inside `clip` (x0, y0, x1, y1) are touched. Coverage is the max over segments, so
    /// joins are not painted twice.
    package mutating func stroke(_ points: [PixelPoint], _ color: RGB, lineWidth: Double,
                                dash: (on: Double, off: Double)? = nil,
                                clip: (x0: Int, y0: Int, x1: Int, y1: Int)? = nil) {
        guard !points.isEmpty else { return }
        var segments: [(PixelPoint, PixelPoint)] = []
        if points.count == 1 { segments = [(points[0], points[0])] }
        for (a, b) in zip(points, points.dropFirst()) { segments.append((a, b)) }
        if let dash, dash.on > 0, dash.off > 0 { segments = Self.dashed(segments, on: dash.on, off: dash.off) }
        paint(segments: segments, color, radius: lineWidth / 2, clip: clip)
    }

    /// A filled disc (an anti-aliased dot, matplotlib's `o` marker).
    package mutating func disc(at center: PixelPoint, radius: Double, _ color: RGB,
                              clip: (x0: Int, y0: Int, x1: Int, y1: Int)? = nil) {
        paint(segments: [(center, center)], color, radius: radius, clip: clip)
    }

    /// Draws `text` with the bitmap font, each font pixel a `scale`×`scale` square, with the top
    /// of the capitals at `y` and the text starting at `x`. `rotated` turns it 90° counter-clockwise
    /// (reading upwards, for a y-axis label); then (x, y) is the bottom-left corner of the text.
    package mutating func text(_ text: String, x: Int, y: Int, scale: Int, _ color: RGB, rotated: Bool = false) {
        for (index, character) in text.enumerated() {
            for (row, bits) in BitmapFont.glyph(character).enumerated() {
                for column in 0..<BitmapFont.columns where bits & (1 << (BitmapFont.columns - 1 - column)) != 0 {
                    let u = (index * BitmapFont.advance + column) * scale, v = row * scale
                    if rotated { fill(x0: x + v, y0: y - u - scale, x1: x + v + scale, y1: y - u, color) }
                    else { fill(x0: x + u, y0: y + v, x1: x + u + scale, y1: y + v + scale, color) }
                }
            }
        }
    }

    /// Pixel size of `text` at `scale`: width, and height of capitals (descenders go below).
    package static func textSize(_ text: String, scale: Int) -> (width: Int, height: Int) {
        (BitmapFont.width(of: text) * scale, BitmapFont.ascent * scale)
    }

    /// Coverage of each pixel centre by the union of capsules (segments thickened by `radius`):
    /// clamp(radius + ½ − distance, 0, 1), a one-pixel linear ramp at the edge.
    private mutating func paint(segments: [(PixelPoint, PixelPoint)], _ color: RGB, radius: Double,
                                clip: (x0: Int, y0: Int, x1: Int, y1: Int)?) {
        guard !segments.isEmpty else { return }
        let c = clip ?? (0, 0, width, height)
        let reach = radius + 1
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for (a, b) in segments {
            minX = min(minX, a.x, b.x); maxX = max(maxX, a.x, b.x); minY = min(minY, a.y, b.y); maxY = max(maxY, a.y, b.y)
        }
        guard minX.isFinite, maxX.isFinite, minY.isFinite, maxY.isFinite else { return }
        let x0 = max(c.x0, 0, Int((minX - reach).rounded(.down))), x1 = min(c.x1, width, Int((maxX + reach).rounded(.up)))
        let y0 = max(c.y0, 0, Int((minY - reach).rounded(.down))), y1 = min(c.y1, height, Int((maxY + reach).rounded(.up)))
        guard x0 < x1, y0 < y1 else { return }
        let w = x1 - x0
        var coverage = [Double](repeating: 0, count: w * (y1 - y0))
        for (a, b) in segments {
            let sx0 = max(x0, Int((min(a.x, b.x) - reach).rounded(.down))), sx1 = min(x1, Int((max(a.x, b.x) + reach).rounded(.up)))
            let sy0 = max(y0, Int((min(a.y, b.y) - reach).rounded(.down))), sy1 = min(y1, Int((max(a.y, b.y) + reach).rounded(.up)))
            guard sx0 < sx1, sy0 < sy1 else { continue }
            let dx = b.x - a.x, dy = b.y - a.y, length2 = dx * dx + dy * dy
            for py in sy0..<sy1 {
                for px in sx0..<sx1 {
                    let cx = Double(px) + 0.5, cy = Double(py) + 0.5
                    var t = length2 > 0 ? ((cx - a.x) * dx + (cy - a.y) * dy) / length2 : 0
                    t = min(1, max(0, t))
                    let ex = cx - (a.x + t * dx), ey = cy - (a.y + t * dy)
                    let cover = min(1, max(0, radius + 0.5 - (ex * ex + ey * ey).squareRoot()))
                    let k = (py - y0) * w + (px - x0)
                    if cover > coverage[k] { coverage[k] = cover }
                }
            }
        }
        for py in y0..<y1 {
            for px in x0..<x1 { blend(x: px, y: py, color, alpha: coverage[(py - y0) * w + (px - x0)]) }
        }
    }

    /// The "on" pieces of a polyline under a dash pattern that starts "on" at the first point.
    static func dashed(_ segments: [(PixelPoint, PixelPoint)], on: Double, off: Double) -> [(PixelPoint, PixelPoint)] {
        var out: [(PixelPoint, PixelPoint)] = []
        var drawing = true, left = on
        for (a, b) in segments {
            let dx = b.x - a.x, dy = b.y - a.y, length = (dx * dx + dy * dy).squareRoot()
            guard length > 0 else { continue }
            var t = 0.0
            while t < length {
                let step = min(left, length - t)
                if drawing {
                    let p = PixelPoint(a.x + dx * t / length, a.y + dy * t / length)
                    let q = PixelPoint(a.x + dx * (t + step) / length, a.y + dy * (t + step) / length)
                    out.append((p, q))
                }
                t += step; left -= step
                if left <= 1e-9 { drawing.toggle(); left = drawing ? on : off }
            }
        }
        return out
    }
}
