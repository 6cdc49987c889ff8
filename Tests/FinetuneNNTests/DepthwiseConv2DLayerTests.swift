import FinetuneCore
import FinetuneTestSupport
import FinetuneNN
import Testing

@Suite("DepthwiseConv2D")
struct DepthwiseConv2DLayerTests {
    static func layer(_ g: GoldenCase) throws -> DepthwiseConv2D {
        let bias: Tensor? = g.tensors["w/bias"] != nil ? try g.tensor("w/bias") : nil
        return try DepthwiseConv2D(name: "depthwise_conv2d", kernel: try g.tensor("w/kernel"), bias: bias,
                                   strides: try g.pair("strides"),
                                   padding: try #require(Padding(rawValue: try g.string("padding"))),
                                   activation: try #require(ActivationFunction(rawValue: try g.string("activation"))))
    }

    @Test("matches Keras 3: y, dx, dkernel, dbias", .tags(.golden), arguments: layersCaseNames("depthwise."))
    func golden(_ name: String) throws {
        let g = try layersCase(name)
        let layer = try Self.layer(g)
        #expect(layer.parameters.map(\.key) == (g.tensors["w/bias"] != nil ? ["depthwise_conv2d.kernel", "depthwise_conv2d.bias"]
                                                                             : ["depthwise_conv2d.kernel"]))
        try checkLayerGolden(layer, g)
    }

    @Test("frozen, with nothing below to train: no pullback and no gradient kernel")
    func frozen() throws {
        var rng = SeededRNG(seed: 3)
        let layer = DepthwiseConv2D(name: "dw", inputChannels: 4, strides: (2, 2), padding: .same, using: &rng)
        var context = ForwardContext(mode: .training, trainable: ["other.kernel"])
        let ((_, pullback), counts) = KernelCounters.counting {
            layer.forward(Tensor.zeros([2, 6, 6, 4]), context: &context)
        }
        #expect(pullback == nil)
        #expect(counts[.depthwiseConv2DForward] == 1 && counts[.depthwiseConv2DKernelGradient] == 0)
    }

    @Test("only the bias trains: its gradient without the kernel's")
    func biasOnly() throws {
        var rng = SeededRNG(seed: 4)
        let layer = DepthwiseConv2D(name: "dw", inputChannels: 3, padding: .same, using: &rng)
        var context = ForwardContext(mode: .training, trainable: ["dw.bias"])
        let x = randomTensor([1, 4, 4, 3], seed: 5)
        let (y, pullback) = layer.forward(x, context: &context)
        let back = try #require(pullback)
        let (gradients, counts) = KernelCounters.counting { back(Tensor(repeating: 1, shape: y.shape)) }
        #expect(gradients.parameters.keys.sorted() == ["dw.bias"] && gradients.input == nil)
        #expect(gradients.parameters["dw.bias"] == Tensor(repeating: 16, shape: [3]))
        #expect(counts[.depthwiseConv2DKernelGradient] == 0 && counts[.depthwiseConv2DInputGradient] == 0)
    }

    @Test("a fresh layer: Keras' kernel shape, glorot-uniform bounds, zero bias, Keras keys")
    func fresh() throws {
        var rng = SeededRNG(seed: 6)
        let layer = DepthwiseConv2D(name: "block_1_depthwise", inputChannels: 8, kernelSize: (5, 5), depthMultiplier: 2,
                                    useBias: true, using: &rng)
        #expect(layer.parameters.map(\.key) == ["block_1_depthwise.kernel", "block_1_depthwise.bias"])
        #expect(layer.parameters[0].value.shape == [5, 5, 8, 2] && layer.parameters[1].value == .zeros([16]))
        let limit = Float((6.0 / Double(25 * 8 + 25 * 2)).squareRoot())
        #expect(layer.parameters[0].value.scalars.allSatisfy { abs($0) <= limit })
        #expect(try layer.outputShape(for: [2, 9, 9, 8]) == [2, 5, 5, 16])
        #expect(throws: LayerError.self) { try layer.outputShape(for: [2, 9, 9, 3]) }
        #expect(throws: LayerError.self) { try layer.outputShape(for: [2, 3, 3, 8]) }
        #expect(throws: LayerError.self) {
            try DepthwiseConv2D(name: "bad", kernel: .zeros([3, 3, 4, 1]), bias: .zeros([3]))
        }
    }
}
