import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN
import Testing

/// Graph's fused inference (convolution + inference BatchNormalization + ReLU/ReLU6 as one kernel
/// call, ``InferenceFusion``) against the same graph run layer by layer — which it still is
/// whenever a gradient is needed, so asking for the input gradient turns the fusion off.
@Suite("Graph inference fusion")
struct InferenceFusionTests {
    /// `model` with every BatchNormalization's gamma, beta and moving statistics drawn from `seed`
    /// (Keras' initial values would make the normalization nearly the identity).
    static func withStatistics(_ model: any Layer, seed: UInt64) throws -> any Layer {
        var model = model
        for (i, (key, value)) in model.parameters.enumerated() {
            let s = seed &+ UInt64(i)
            if key.hasSuffix(".gamma") { try model.setParameter(key, to: hashUniform(seed: s, shape: value.shape, low: 0.5, high: 2)) }
            if key.hasSuffix(".beta") { try model.setParameter(key, to: hashUniform(seed: s, shape: value.shape, low: -0.5, high: 1)) }
            if key.hasSuffix(".moving_mean") { try model.setParameter(key, to: hashUniform(seed: s, shape: value.shape, low: -0.3, high: 0.3)) }
            if key.hasSuffix(".moving_variance") { try model.setParameter(key, to: hashUniform(seed: s, shape: value.shape, low: 0.2, high: 3)) }
        }
        return model
    }

    static func bits(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

    /// One training step of `model` on `x` (the forward pass, then the pullback of ones) with `trainable`,
    /// and the kernels it ran: with `needsInputGradient` every layer runs on its own (no fusion).
    static func step(_ model: any Layer, _ x: Tensor, trainable: Set<String>, needsInputGradient: Bool)
        -> (output: Tensor, gradients: LayerGradients, counts: [KernelCounters.Kind: Int]) {
        let ((y, g), counts) = KernelCounters.counting {
            var context = ForwardContext(mode: .training, trainable: trainable, needsInputGradient: needsInputGradient)
            let (y, pullback) = model.forward(x, context: &context)
            return (y, pullback!(Tensor(repeating: 1, shape: y.shape)))
        }
        return (y, g, counts)
    }

    /// The trainable keys of `model` (a graph) from layer `name` on: weights, not moving statistics.
    static func trainable(from name: String, in model: any Layer) throws -> Set<String> {
        let graph = try #require(model as? Graph)
        let start = try #require(graph.layers.firstIndex { $0.name == name })
        return Set(graph.layers[start...].flatMap { $0.parameters.map(\.key) }
            .filter { !$0.hasSuffix(".moving_mean") && !$0.hasSuffix(".moving_variance") })
    }

    @Test("MobileNetV2, ResNet50 and EfficientNet-Lite0 predict bit for bit as layer by layer, in fewer layer passes",
          arguments: ["mobilenetv2", "resnet50", "efficientnet-lite0"])
    func backbones(_ network: String) throws {
        var rng = SeededRNG(seed: 3)
        let shape: Shape = [35, 33, 3]   // odd sizes: every stride-2 padding splits unevenly
        let base: any Layer
        switch network {
        case "mobilenetv2": base = try Applications.mobileNetV2(inputShape: shape, using: &rng)
        case "resnet50": base = try Applications.resNet50(inputShape: shape, using: &rng)
        default: base = try Applications.efficientNetLite(0, inputShape: shape, using: &rng)
        }
        let model = try Self.withStatistics(base, seed: 40)
        let x = hashUniform(seed: 41, shape: [2, 35, 33, 3], low: -1, high: 2)
        let (fused, counts) = KernelCounters.counting { model(x) }
        var layerByLayer = ForwardContext(mode: .inference, needsInputGradient: true)
        let (reference, plainCounts) = KernelCounters.counting { model.forward(x, context: &layerByLayer).output }
        #expect(Self.bits(fused) == Self.bits(reference))
        #expect(counts[.inferenceFusion]! > 0 && plainCounts[.inferenceFusion] == 0)
        #expect(counts[.conv2DForward] == plainCounts[.conv2DForward])
        #expect(counts[.batchNormForward] == plainCounts[.batchNormForward])
        // Every normalization in a chain (ResNet50's `_0_bn` and `_3_bn` too, which Keras orders after
        // the other branch's convolution), and every residual sum in a convolution's epilogue.
        let graph = try #require(model as? Graph)
        let normalizations = graph.layers.filter { $0 is BatchNormalization }.count
        let adds = graph.layers.filter { $0 is Add }.count
        #expect(counts[.inferenceFusion] == normalizations)
        #expect(adds > 0 && plainCounts[.addForward] == adds && counts[.addForward] == 0)
    }

    @Test("a residual chain whose Add reads a trainable branch stops at the normalization; the sum is then its own pass")
    func residualWithTrainableBranch() throws {
        var rng = SeededRNG(seed: 7)
        let model = try Self.withStatistics(try Applications.resNet50(inputShape: [32, 32, 3], using: &rng), seed: 70)
        // conv5_block3's shortcut is conv5_block2's output: training from conv5_block2_1_conv on, the
        // `_add` of block 3 has an input that wants a gradient, so nothing after it fuses.
        let trainable = try Self.trainable(from: "conv5_block2_1_conv", in: model)
        let x = hashUniform(seed: 71, shape: [2, 32, 32, 3], low: 0, high: 1)
        let (y, _, counts) = Self.step(model, x, trainable: trainable, needsInputGradient: false)
        let (yPlain, _, plainCounts) = Self.step(model, x, trainable: trainable, needsInputGradient: true)
        #expect(Self.bits(y) == Self.bits(yPlain))
        // The frozen stages' sums are in epilogues; the trainable blocks' two are separate passes.
        #expect(plainCounts[.addForward] == 16 && counts[.addForward] == 2)
    }

    @Test("a partly trainable graph fuses only its frozen prefix; its step's loss and gradients are the unfused ones")
    func frozenPrefix() throws {
        var rng = SeededRNG(seed: 5)
        let model = try Self.withStatistics(try Applications.mobileNetV2(inputShape: [32, 32, 3], using: &rng), seed: 50)
        let trainable = try Self.trainable(from: "block_15_expand", in: model)
        let x = hashUniform(seed: 51, shape: [2, 32, 32, 3], low: 0, high: 1)
        let (y, g, counts) = Self.step(model, x, trainable: trainable, needsInputGradient: false)
        let (yPlain, gPlain, plainCounts) = Self.step(model, x, trainable: trainable, needsInputGradient: true)
        #expect(Self.bits(y) == Self.bits(yPlain))
        #expect(counts[.inferenceFusion]! > 0 && plainCounts[.inferenceFusion] == 0)
        #expect(Set(g.parameters.keys) == trainable)
        for (key, value) in g.parameters { #expect(Self.bits(value) == Self.bits(gPlain.parameters[key]!), "\(key)") }
    }
}
