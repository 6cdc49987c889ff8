import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneData

@Suite("Augmentation")
struct AugmentationTests {
    static func fillMode(_ golden: GoldenCase) throws -> Augmentation.FillMode {
        switch golden.params["fill_mode"]?.string {
        case "nearest": return .nearest
        case "constant": return .constant(golden.params["cval"]?.double ?? 0)
        case "reflect": return .reflect
        case "wrap": return .wrap
        case let other: throw GoldenError.missing("fill mode \(String(describing: other))")
        }
    }

    @Test("fixed parameters match Keras' apply_transform (Keras 3) and the 2.0.8 transform (book)",
          .tags(.golden), arguments: DataGoldens.names("augment.keras3.") + DataGoldens.names("augment.book."))
    func matchesKeras(name: String) throws {
        let suite = try DataGoldens.load()
        let golden = try suite.named(name)
        let input = try suite.named(try #require(golden.params["input"]?.string)).tensor("x")
        let p = golden.params
        let parameters = AffineParameters(
            theta: p["theta"]?.double ?? 0, tx: p["tx"]?.double ?? 0, ty: p["ty"]?.double ?? 0,
            shear: p["shear"]?.double ?? 0, zx: p["zx"]?.double ?? 1, zy: p["zy"]?.double ?? 1,
            flipHorizontal: p["flip_horizontal"]?.bool ?? false, flipVertical: p["flip_vertical"]?.bool ?? false)
        let semantics: Augmentation.Semantics = p["preset"]?.string == "book" ? .book : .keras3
        let transform = AffineTransform(parameters: parameters, semantics: semantics, fillMode: try Self.fillMode(golden))
        let (h, w) = (input.shape[0], input.shape[1])
        var out = [Float](repeating: .nan, count: input.scalarCount)
        input.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { transform.apply(to: src, height: h, width: w, channels: 3, into: $0) }
        }
        expectMaxAbs(Tensor(shape: input.shape, scalars: out), try golden.tensor("y"), golden.tolerance, name)
    }

    static func augmentation(_ config: GoldenValue?, semantics: Augmentation.Semantics = .keras3) -> Augmentation {
        let zoom: ClosedRange<Double>
        if let pair = config?["zoom_range"]?.array, let lo = pair[0].double, let hi = pair[1].double {
            zoom = lo...hi
        } else {
            let z = config?["zoom_range"]?.double ?? 0
            zoom = (1 - z)...(1 + z)
        }
        let fill: Augmentation.FillMode
        switch config?["fill_mode"]?.string {
        case "constant": fill = .constant(config?["cval"]?.double ?? 0)
        case "reflect": fill = .reflect
        case "wrap": fill = .wrap
        default: fill = .nearest
        }
        return Augmentation(rotationRange: config?["rotation_range"]?.double ?? 0,
                            widthShiftRange: config?["width_shift_range"]?.double ?? 0,
                            heightShiftRange: config?["height_shift_range"]?.double ?? 0,
                            shearRange: config?["shear_range"]?.double ?? 0, zoomRange: zoom,
                            horizontalFlip: config?["horizontal_flip"]?.bool ?? false,
                            verticalFlip: config?["vertical_flip"]?.bool ?? false, fillMode: fill, semantics: semantics)
    }

    @Test("draws Keras' parameters in Keras' order from NumPy's stream", .tags(.golden),
          arguments: DataGoldens.names("keras_stream."))
    func kerasDrawOrder(name: String) throws {
        let golden = try DataGoldens.load().named(name)
        let augmentation = Self.augmentation(golden.params["config"])
        let shapeValues = golden.params["image_shape"]?.array?.compactMap(\.int)
        let shape = try #require(shapeValues)
        var rng = MT19937(seed: UInt32(try #require(golden.params["seed"]?.int)))
        let expected = try golden.tensor("params")
        var rows: [Float] = []
        for _ in 0..<expected.shape[0] {
            let p = augmentation.randomParameters(height: shape[0], width: shape[1], using: &rng)
            rows += [p.theta, p.tx, p.ty, p.shear, p.zx, p.zy, p.flipHorizontal ? 1 : 0, p.flipVertical ? 1 : 0].map(Float.init)
        }
        expectMaxAbs(Tensor(shape: expected.shape, scalars: rows), expected, 1e-6 * 40, name)
        // The very next draw proves exactly as many numbers were consumed as Keras consumed.
        #expect(rng.nextDouble() == golden.params["next_draw"]?.double)
    }

    @Test("per-sample draws stay inside the configured ranges and use both flips")
    func perSampleRanges() {
        let a = Augmentation.chollet
        var flips = 0
        for i in 0..<400 {
            var rng = AugmentationRandomness.sampleGenerator(seed: 3, pass: 0, sample: i)
            let p = a.randomParameters(height: 150, width: 100, using: &rng)
            #expect(abs(p.theta) <= 40 && abs(p.tx) <= 30 && abs(p.ty) <= 20 && abs(p.shear) <= 0.2)
            #expect((0.8...1.2).contains(p.zx) && (0.8...1.2).contains(p.zy) && !p.flipVertical)
            flips += p.flipHorizontal ? 1 : 0
        }
        #expect((150...250).contains(flips), "\(flips) of 400 flipped")
        var a1 = AugmentationRandomness.sampleGenerator(seed: 3, pass: 0, sample: 7)
        var a2 = AugmentationRandomness.sampleGenerator(seed: 3, pass: 0, sample: 7)
        var b = AugmentationRandomness.sampleGenerator(seed: 3, pass: 1, sample: 7)
        let x = a1.next(), y = a2.next(), z = b.next()
        #expect(x == y && x != z)
    }

    @Test("non-finite or non-positive ranges are refused with a typed error")
    func validation() throws {
        #expect(throws: DataError.self) { try Augmentation(rotationRange: .nan).validate() }
        #expect(throws: DataError.self) { try Augmentation(zoom: 1.5).validate() }
        #expect(throws: DataError.self) { try Augmentation(fillMode: .constant(.infinity)).validate() }
        try Augmentation.chollet.validate()
        let images = Tensor(shape: [1, 2, 2, 3], scalars: [Float](repeating: 1, count: 12))
        #expect(throws: DataError.self) {
            _ = try ArraySource(images: images, labels: Tensor.zeros([1]), batchSize: 1, augmentation: Augmentation(shearRange: .infinity))
        }
    }

    @Test("the book preset draws a flip only when that flip is enabled")
    func bookFlipDraws() {
        var a = MT19937(seed: 9), b = MT19937(seed: 9)
        let book = Augmentation(rotationRange: 10, semantics: .book)
        let keras3 = Augmentation(rotationRange: 10, semantics: .keras3)
        _ = book.randomParameters(height: 8, width: 8, using: &a)
        _ = keras3.randomParameters(height: 8, width: 8, using: &b)
        var skip = MT19937(seed: 9)
        _ = skip.nextDouble()
        #expect(a.nextDouble() == skip.nextDouble())      // book: 1 draw
        _ = skip.nextDouble()
        #expect(b.nextDouble() == skip.nextDouble())      // keras3: 1 + 2 flip draws
    }

    @Test("writes a grid of augmented samples as a PNG that decodes to the expected size")
    func grid() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-grid-\(getpid()).png")
        defer { try? FileManager.default.removeItem(at: url) }
        let image = try ImageDecoder.decode(path: DataGoldens.fixture("rgb8.png"))
        try Augmentation.chollet.writeGrid(of: image, rows: 2, columns: 3, seed: 1, to: url)
        let grid = try ImageDecoder.decode(path: url.path)
        #expect(grid.width == 3 * 37 + 4 * 2 && grid.height == 2 * 23 + 3 * 2)
        #expect(grid[x: 0, y: 0] == (255, 255, 255))
        #expect(grid[x: 2 + 18, y: 2 + 11] != grid[x: 2 + 37 + 2 + 18, y: 2 + 11], "cells should differ")
    }
}

@Suite("MT19937")
struct MT19937Tests {
    @Test("permutation matches NumPy's RandomState(seed).permutation(n)", .tags(.golden),
          arguments: DataGoldens.names("permutation."))
    func permutation(name: String) throws {
        let golden = try DataGoldens.load().named(name)
        let seed = try #require(golden.params["seed"]?.double), n = try #require(golden.params["n"]?.int)
        var rng = MT19937(seed: UInt32(seed))
        #expect(rng.permutation(n) == (try golden.tensor("p")).scalars.map { Int($0) })
    }
}
