import Finetune

/// A Grad-CAM heatmap drawn over its image: the heatmap is resized bilinearly to the image,
/// coloured with the "jet" colour map (blue 0 → red 1, as in Keras' Grad-CAM example) and mixed
/// in with opacity `alpha`.
enum HeatmapOverlay {
    static func blend(_ heatmap: Tensor, over image: RGBImage, alpha: Double = 0.4) -> RGBImage {
        let (h, w) = (heatmap.shape[0], heatmap.shape[1])
        return RGBImage(width: image.width, height: image.height) { out in
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let v = sample(heatmap.scalars, h: h, w: w,
                                   y: (Double(y) + 0.5) * Double(h) / Double(image.height) - 0.5,
                                   x: (Double(x) + 0.5) * Double(w) / Double(image.width) - 0.5)
                    let colour = jet(v), pixel = image[x: x, y: y]
                    let mixed = [pixel.r, pixel.g, pixel.b].enumerated().map { c, p in
                        UInt8(min(255, max(0, ((1 - alpha) * Double(p) + alpha * colour[c]).rounded())))
                    }
                    for c in 0..<3 { out[(y * image.width + x) * 3 + c] = mixed[c] }
                }
            }
        }
    }

    /// Bilinear sample at (y, x) in pixel-centre coordinates, clamped at the edges.
    static func sample(_ v: [Float], h: Int, w: Int, y: Double, x: Double) -> Double {
        let yc = min(max(y, 0), Double(h - 1)), xc = min(max(x, 0), Double(w - 1))
        let y0 = Int(yc), x0 = Int(xc), y1 = min(y0 + 1, h - 1), x1 = min(x0 + 1, w - 1)
        let fy = yc - Double(y0), fx = xc - Double(x0)
        let top = Double(v[y0 * w + x0]) * (1 - fx) + Double(v[y0 * w + x1]) * fx
        let bottom = Double(v[y1 * w + x0]) * (1 - fx) + Double(v[y1 * w + x1]) * fx
        return top * (1 - fy) + bottom * fy
    }

    /// Matplotlib's "jet": 0 dark blue, 0.35 cyan, 0.5 green-yellow, 0.65 yellow, 1 dark red (0–255).
    static func jet(_ v: Double) -> [Double] {
        let t = min(max(v, 0), 1)
        func ramp(_ a: Double) -> Double { min(max(1.5 - abs(4 * t - a), 0), 1) * 255 }
        return [ramp(3), ramp(2), ramp(1)]
    }
}
