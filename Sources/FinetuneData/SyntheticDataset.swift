import Foundation
import FinetuneCore

/// Writes a small image dataset of two or three classes in Keras' `flow_from_directory` layout,
/// deterministic for a seed: `<root>/{train,validation,test}/{circles,squares}/<class>.<i>.{jpg,png}`
/// (and `triangles/` with three classes).
///
/// Class `circles` (label 0): one bright disc; class `squares` (label 1): one dark axis-aligned
/// square; class `triangles` (label 2): one red upward triangle. Both sit on a random two-colour gradient with Gaussian noise, with random position,
/// size and tint, so a small convnet has to learn shape and brightness, not a single pixel.
/// Image i of a class in a split is drawn from its own generator (seed, split, class, i): the
/// files do not depend on the counts asked for the other splits.
package struct SyntheticDataset: Sendable, Hashable {
    package enum FileFormat: String, Sendable, Hashable { case jpeg, png }

    /// The two classes of the default dataset.
    package static let classNames = ["circles", "squares"]
    /// Every class a dataset can have, in label order (the first ``classCount`` are written).
    package static let allClassNames = ["circles", "squares", "triangles"]

    /// Images per class in each split, in order.
    package var splits: [(name: String, perClass: Int)]
    package var width: Int
    package var height: Int
    package var format: FileFormat
    package var seed: Int
    /// JPEG quality (1–100).
    package var quality: Int
    /// Number of classes: 2 (circles, squares) or 3 (and triangles).
    package var classCount: Int

    package init(splits: [(name: String, perClass: Int)] = [("train", 100), ("validation", 50), ("test", 50)],
                width: Int = 64, height: Int = 64, format: FileFormat = .jpeg, seed: Int = 0, quality: Int = 90,
                classCount: Int = 2) {
        self.splits = splits
        self.width = width
        self.height = height
        self.format = format
        self.seed = seed
        self.quality = quality
        self.classCount = classCount
    }

    package static func == (a: SyntheticDataset, b: SyntheticDataset) -> Bool {
        a.splits.map(\.name) == b.splits.map(\.name) && a.splits.map(\.perClass) == b.splits.map(\.perClass)
            && a.width == b.width && a.height == b.height && a.format == b.format && a.seed == b.seed && a.quality == b.quality
            && a.classCount == b.classCount
    }
    package func hash(into h: inout Hasher) {
        h.combine(splits.map(\.name)); h.combine(splits.map(\.perClass))
        h.combine(width); h.combine(height); h.combine(format); h.combine(seed); h.combine(quality); h.combine(classCount)
    }

    /// Writes every split under `root` (created if needed) and returns the files written.
    @discardableResult
    package func write(to root: URL) throws -> [URL] {
        guard (2...Self.allClassNames.count).contains(classCount) else {
            throw DataError.invalidConfiguration("synthetic datasets have 2 or 3 classes, asked \(classCount)")
        }
        guard width >= 8, height >= 8 else {
            throw DataError.invalidConfiguration("synthetic images must be at least 8×8, asked \(width)×\(height)")
        }
        var written: [URL] = []
        for (splitIndex, split) in splits.enumerated() {
            for (label, name) in Self.allClassNames.prefix(classCount).enumerated() {
                let folder = root.appendingPathComponent(split.name).appendingPathComponent(name)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for i in 0..<split.perClass {
                    let image = self.image(split: splitIndex, label: label, index: i)
                    let file = folder.appendingPathComponent("\(name.dropLast()).\(i).\(format == .jpeg ? "jpg" : "png")")
                    switch format {
                    case .jpeg: try writeJPEG(rgb: image.pixels, width: width, height: height, quality: quality, to: file)
                    case .png: try writePNG(rgb: image.pixels, width: width, height: height, to: file)
                    }
                    written.append(file)
                }
            }
        }
        return written
    }

    /// Image `index` of class `label` in split number `split`.
    package func image(split: Int, label: Int, index: Int) -> RGBImage {
        var rng = AugmentationRandomness.sampleGenerator(seed: seed, pass: split * 2 + label, sample: index)
        let w = Double(width), h = Double(height)
        // Background: gradient between two muted colours, direction random.
        let c0 = (0..<3).map { _ in rng.uniform(40, 150) }, c1 = (0..<3).map { _ in rng.uniform(40, 150) }
        let angle = rng.uniform(0, 2 * Double.pi)
        let (dx, dy) = (cosine(angle), sine(angle))
        // Shape: centre, size, colour by class.
        let size = rng.uniform(0.18, 0.32) * min(w, h)
        let cx = rng.uniform(size, w - size), cy = rng.uniform(size, h - size)
        let circle = label == 0
        let triangle = label == 2
        let tint = (0..<3).map { k in
            triangle ? (k == 0 ? rng.uniform(190, 255) : rng.uniform(0, 60)) : circle ? rng.uniform(190, 255) : rng.uniform(0, 60)
        }
        let noise = rng.uniform(6, 16)
        return RGBImage(width: width, height: height) { out in
            for y in 0..<height {
                for x in 0..<width {
                    let px = Double(x) + 0.5, py = Double(y) + 0.5
                    let t = min(max(((px / w - 0.5) * dx + (py / h - 0.5) * dy) + 0.5, 0), 1)
                    let inside: Bool
                    if circle {
                        inside = (px - cx) * (px - cx) + (py - cy) * (py - cy) <= size * size
                    } else if triangle {
                        // Apex at the top, base at the bottom: half-width grows linearly downwards.
                        let depth = (py - (cy - size)) / (2 * size)
                        inside = depth >= 0 && depth <= 1 && abs(px - cx) <= depth * size
                    } else {
                        inside = abs(px - cx) <= size * 0.85 && abs(py - cy) <= size * 0.85
                    }
                    for k in 0..<3 {
                        var v = inside ? tint[k] : c0[k] * (1 - t) + c1[k] * t
                        v += noise * rng.normal()
                        out[3 * (y * width + x) + k] = UInt8(min(max(v.rounded(), 0), 255))
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
private func cosine(_ x: Double) -> Double { Glibc.cos(x) }
private func sine(_ x: Double) -> Double { Glibc.sin(x) }
#else
import Darwin
private func cosine(_ x: Double) -> Double { Darwin.cos(x) }
private func sine(_ x: Double) -> Double { Darwin.sin(x) }
#endif
