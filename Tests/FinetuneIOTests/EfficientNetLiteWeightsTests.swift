import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN
@testable import FinetuneData
@testable import FinetuneIO

/// The published EfficientNet-Lite weights mapped onto Finetune's graph, against the reference
/// PyTorch code's forward pass on real photos (Goldens/gen_efficientnet.py, suite `efficientnet`).
@Suite("EfficientNet-Lite weights")
struct EfficientNetLiteWeightsTests {
    static let cache = URL(fileURLWithPath: ProcessInfo.processInfo.environment["FINETUNE_CACHE"]
                           ?? NSHomeDirectory() + "/.cache/finetune")
    static let files = ["efficientnet-lite0-57934424.pth", "efficientnet-lite1-77cc7160.pth", "efficientnet-lite2-9656183e.pth"]
    static func weights(_ variant: Int) -> Prerequisite {
        Prerequisite(path: cache.appendingPathComponent(files[variant]).path,
                     what: "EfficientNet-Lite\(variant)'s weights (`bash .ci/install-deps --weights` fetches them)")
    }
    static let photos = GoldenSuite.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/data/cats_and_dogs_mini")
    static let photosPresent = Prerequisite(path: photos.path,
                                            what: "the shared photos (they live beside the repository, never in it)")

    static func checkpoint(_ variant: Int) throws -> TorchCheckpoint {
        try weights(variant).require()
        return try TorchCheckpoint.read(from: cache.appendingPathComponent(files[variant]))
    }

    /// The photos resized with Pillow's bilinear filter and scaled (x − 127) / 128, NHWC.
    static func batch(_ names: [String], size: Int, pixelSums: [Int]) throws -> Tensor {
        var scalars: [Float] = []
        for (name, expectedSum) in zip(names, pixelSums) {
            let image = try ImageDecoder.decode(path: photos.appendingPathComponent(name).path)
                .resized(width: size, height: size, filter: .bilinear)
            #expect(image.pixels.reduce(0) { $0 + Int($1) } == expectedSum, "\(name) decodes or resizes unlike Pillow")
            scalars += image.pixels.map { (Float($0) - 127) / 128 }
        }
        return Tensor(shape: [names.count, size, size, 3], scalars: scalars)
    }

    func ints(_ value: GoldenValue) throws -> [Int] { try #require(value.array).map { try #require($0.int) } }
    func strings(_ value: GoldenValue) throws -> [String] { try #require(value.array).map { try #require($0.string) } }

    /// Runs the case's photos through the features model, pools them, applies the file's `_fc`, and
    /// compares pooled features and logits with the reference.
    func forwardMatchesReference(_ name: String) throws {
        let golden = try GoldenSuite.load("efficientnet").named(name)
        let variant = try #require(golden.param("variant").int), size = try #require(golden.param("size").int)
        let photos = try strings(golden.param("photos")), sums = try ints(golden.param("pixel_sums"))
        try Self.photosPresent.require()
        let checkpoint = try Self.checkpoint(variant)
        var model = try EfficientNetLite.graph(variant, inputShape: [size, size, 3], includeTop: false,
                                               initializer: { .zeros($0) })
        try checkpoint.loadEfficientNetLite(variant, into: &model, file: Self.files[variant])
        let features = model(try Self.batch(photos, size: size, pixelSums: sums))
        let (n, h, w, c) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3])
        let f = features.scalars
        var pooled = [Float](repeating: 0, count: n * c)
        for b in 0..<n { for p in 0..<(h * w) { for ch in 0..<c { pooled[b * c + ch] += f[(b * h * w + p) * c + ch] } } }
        pooled = pooled.map { $0 / Float(h * w) }
        expectClose(Tensor(shape: [n, c], scalars: pooled), try golden.tensor("pooled"), tolerance: 1e-4, "\(name) pooled")
        let fc = Dictionary(checkpoint.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let weight = try #require(fc["_fc.weight"]).scalars, bias = try #require(fc["_fc.bias"]).scalars
        var logits = [Float](repeating: 0, count: n * 1000)
        for b in 0..<n {
            for k in 0..<1000 {
                var sum = Double(bias[k])
                for ch in 0..<c { sum += Double(weight[k * c + ch]) * Double(pooled[b * c + ch]) }
                logits[b * 1000 + k] = Float(sum)
            }
        }
        let expectedLogits = try golden.tensor("logits")
        expectClose(Tensor(shape: [n, 1000], scalars: logits), expectedLogits, tolerance: 1e-4, "\(name) logits")
        let top1 = (0..<n).map { b in (0..<1000).max { logits[b * 1000 + $0] < logits[b * 1000 + $1] }! }
        #expect(top1 == (try ints(golden.param("top1"))))
    }

    @Test("Lite0 at 224 gives the reference's pooled features and logits on real photos", .tags(.golden),
          .enabled(if: weights(0).shouldRun), .enabled(if: photosPresent.shouldRun))
    func lite0() throws { try forwardMatchesReference("lite0.native") }

    @Test("Lite0 at 150 (TensorFlow SAME padding) gives the reference's features", .tags(.golden, .slow),
          .enabled(if: slowTestsEnabled), .enabled(if: weights(0).shouldRun), .enabled(if: photosPresent.shouldRun))
    func lite0At150() throws { try forwardMatchesReference("lite0.s150") }

    @Test("Lite1 at 240 and Lite2 at 260 give the reference's features", .tags(.golden, .slow),
          .enabled(if: slowTestsEnabled), .enabled(if: weights(1).shouldRun && weights(2).shouldRun),
          .enabled(if: photosPresent.shouldRun), arguments: ["lite1.native", "lite2.native"])
    func lite1And2(name: String) throws { try forwardMatchesReference(name) }

    @Test("the top's predictions layer holds the file's classifier: softmax of the reference logits",
          .tags(.golden, .slow), .enabled(if: slowTestsEnabled), .enabled(if: weights(0).shouldRun),
          .enabled(if: photosPresent.shouldRun))
    func topLogits() throws {
        let golden = try GoldenSuite.load("efficientnet").named("lite0.native")
        let photos = try strings(golden.param("photos")), sums = try ints(golden.param("pixel_sums"))
        var model = try EfficientNetLite.graph(0, inputShape: nil, includeTop: true, initializer: { .zeros($0) })
        try Self.checkpoint(0).loadEfficientNetLite(0, into: &model, file: Self.files[0])
        var context = ForwardContext.inference
        let out = model.forwardLogits(try Self.batch(photos, size: 224, pixelSums: sums), context: &context)
        #expect(out.activation == .softmax)
        expectClose(out.logits, try golden.tensor("logits"), tolerance: 1e-4, "lite0 top logits")
    }

    @Test("every tensor is used, every parameter set; a missing, extra or misshapen key is named",
          .enabled(if: weights(0).shouldRun))
    func strictMapping() throws {
        let checkpoint = try Self.checkpoint(0)
        let features = try EfficientNetLite.graph(0, inputShape: nil, includeTop: false, initializer: { .zeros($0) })
        let top = try EfficientNetLite.graph(0, inputShape: nil, includeTop: true, initializer: { .zeros($0) })
        let values = try checkpoint.efficientNetLiteParameters(0, for: top, file: "lite0.pth")
        #expect(values.count == top.parameters.count)
        let used = checkpoint.tensors.filter { !$0.name.hasSuffix("num_batches_tracked") }.reduce(0) { $0 + $1.tensor.scalarCount }
        #expect(values.reduce(0) { $0 + $1.value.scalarCount } == used)
        #expect(try checkpoint.efficientNetLiteParameters(0, for: features, file: "lite0.pth").count == features.parameters.count)

        func error(_ edit: (inout TorchCheckpoint) -> Void, variant: Int = 0) -> String {
            var c = checkpoint
            edit(&c)
            do { _ = try c.efficientNetLiteParameters(variant, for: top, file: "lite0.pth"); return "no error" } catch {
                return "\(error)"
            }
        }
        let missing = error { $0.tensors.removeAll { $0.name == "_blocks.5._bn1.running_var" } }
        #expect(missing.contains("'_blocks.5._bn1.running_var'") && missing.contains("block4a_bn.moving_variance"))
        let extra = error { $0.tensors.append(("_blocks.99._extra.weight", Tensor(shape: [1], scalars: [0]))) }
        #expect(extra.contains("'_blocks.99._extra.weight'") && extra.contains("lite0.pth"))
        let misshapen = error { c in
            let i = c.tensors.firstIndex { $0.name == "_blocks.3._depthwise_conv.weight" }!
            c.tensors[i].tensor = Tensor(repeating: 0, shape: [240, 1, 3, 3])
        }
        #expect(misshapen.contains("'_blocks.3._depthwise_conv.weight'") && misshapen.contains("[5, 5, 144, 1]"))
        let wrongVariant = error({ _ in }, variant: 1)
        #expect(wrongVariant.contains("EfficientNet-Lite1"))
    }

    @Test("layouts: OIHW → HWIO, depthwise (C, 1, kh, kw) → (kh, kw, C, 1), linear (out, in) → (in, out)")
    func layouts() {
        let oihw = Tensor(shape: [2, 3, 2, 2], scalars: (0..<24).map(Float.init))
        let hwio = TorchCheckpoint.permuted(oihw, [2, 3, 1, 0])
        #expect(hwio.shape == [2, 2, 3, 2])
        // hwio[h, w, i, o] = oihw[o, i, h, w]
        let (h, w, i, o) = (1, 0, 2, 1)
        let at: Int = ((h * 2 + w) * 3 + i) * 2 + o, from: Int = ((o * 3 + i) * 2 + h) * 2 + w
        #expect(hwio.scalars[at] == oihw.scalars[from])
        let depthwise = TorchCheckpoint.permuted(Tensor(shape: [3, 1, 2, 2], scalars: (0..<12).map(Float.init)), [2, 3, 0, 1])
        #expect(depthwise.shape == [2, 2, 3, 1])
        #expect(depthwise.scalars == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        let linear = TorchCheckpoint.permuted(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), [1, 0])
        #expect(linear.shape == [3, 2] && linear.scalars == [1, 4, 2, 5, 3, 6])
    }
}
