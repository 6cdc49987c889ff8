import Foundation
import FinetuneCore

extension Augmentation {
    /// Writes a `rows × columns` grid of augmented versions of `image` to a PNG (2-pixel white
    /// gaps): cell k shows the transform drawn for sample k of pass 0 with `seed` (the
    /// ``AugmentationRandomness/perSample`` draws), values rounded and clamped to 0–255.
    package func writeGrid(of image: RGBImage, rows: Int, columns: Int, seed: Int, to url: URL) throws {
        guard rows > 0, columns > 0 else { throw DataError.invalidConfiguration("grid \(rows)×\(columns)") }
        let gap = 2, w = image.width, h = image.height
        let gw = columns * w + (columns + 1) * gap, gh = rows * h + (rows + 1) * gap
        var grid = [UInt8](repeating: 255, count: gw * gh * 3)
        var cell = [Float](repeating: 0, count: w * h * 3)
        for k in 0..<(rows * columns) {
            var rng = AugmentationRandomness.sampleGenerator(seed: seed, pass: 0, sample: k)
            let t = transform(randomParameters(height: h, width: w, using: &rng))
            image.pixels.withUnsafeBufferPointer { src in
                cell.withUnsafeMutableBufferPointer { t.apply(to: src, height: h, width: w, channels: 3, into: $0) }
            }
            let ox = gap + (k % columns) * (w + gap), oy = gap + (k / columns) * (h + gap)
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<3 {
                        let v = cell[(y * w + x) * 3 + c].rounded()
                        grid[((oy + y) * gw + ox + x) * 3 + c] = UInt8(min(max(v, 0), 255))
                    }
                }
            }
        }
        try writePNG(rgb: grid, width: gw, height: gh, to: url)
    }
}
