import FinetuneCore
import FinetuneTestSupport
import FinetuneNN
import Testing

/// Conv2D and MaxPool2D at the geometries of ResNet50's, MobileNetV2's and EfficientNet's stems
/// (7×7/2, 3×3/2 and 5×5/2 on even sizes, where TensorFlow's `same` pads 0 before and 1 after),
/// and two whole stems, against Keras 3 (`Goldens/gen_layers.py`).
@Suite("Backbone stem geometries match Keras 3", .tags(.golden))
struct BackboneGeometryGoldenTests {
    @Test("Conv2D: y, dx, dkernel, dbias", arguments: layersCaseNames("conv2d."))
    func conv2D(_ name: String) throws {
        let g = try layersCase(name)
        let bias: Tensor? = g.tensors["w/bias"] != nil ? try g.tensor("w/bias") : nil
        let layer = try Conv2D(name: "conv2d", kernel: try g.tensor("w/kernel"), bias: bias, strides: try g.pair("strides"),
                               padding: try #require(Padding(rawValue: try g.string("padding"))))
        try checkLayerGolden(layer, g)
    }

    @Test("MaxPool2D 3×3/2: y and dx", arguments: layersCaseNames("maxpool."))
    func maxPool(_ name: String) throws {
        let g = try layersCase(name)
        let layer = MaxPool2D(name: "pool", poolSize: try g.pair("pool"), strides: try g.pair("strides"),
                              padding: try #require(Padding(rawValue: try g.string("padding"))))
        try checkLayerGolden(layer, g)
    }

    static func stem(_ name: String, using rng: inout SeededRNG) throws -> Sequential {
        switch name {
        case "stem.resnet50":
            return try Sequential(name: "resnet50", [
                ZeroPadding2D(name: "conv1_pad", padding: ((3, 3), (3, 3))),
                Conv2D(name: "conv1_conv", inputChannels: 3, filters: 8, kernelSize: (7, 7), strides: (2, 2), using: &rng),
                BatchNormalization(name: "conv1_bn", channels: 8, epsilon: 1.001e-5),
                Activation(.relu, name: "conv1_relu"),
                ZeroPadding2D(name: "pool1_pad", padding: ((1, 1), (1, 1))),
                MaxPool2D(name: "pool1_pool", poolSize: (3, 3), strides: (2, 2)),
            ])
        case "stem.mobilenet_v2":
            return try Sequential(name: "mobilenet_v2", [
                ZeroPadding2D(name: "Conv1_pad", padding: ((0, 1), (0, 1))),
                Conv2D(name: "Conv1", inputChannels: 3, filters: 8, kernelSize: (3, 3), strides: (2, 2), useBias: false,
                       using: &rng),
                BatchNormalization(name: "bn_Conv1", channels: 8, momentum: 0.999, epsilon: 1e-3),
                ReLU(maxValue: 6, name: "Conv1_relu"),
            ])
        default:
            throw GoldenError.missing("no stem for \(name)")
        }
    }

    @Test("whole stems in inference mode: y and dx", arguments: layersCaseNames("stem."))
    func stems(_ name: String) throws {
        let g = try layersCase(name)
        var rng = SeededRNG(seed: 1)
        var model = try Self.stem(name, using: &rng)
        #expect(model.layers.map(\.name) == (try g.param("names").array?.compactMap(\.string)))
        for (key, _) in model.parameters { try model.setParameter(key, to: try g.tensor("w/" + key)) }
        #expect(Set(model.parameters.map(\.key)) == Set(g.weightNames("w/")))
        let x = try g.tensor("x")
        var context = ForwardContext(mode: .inference, needsInputGradient: true)
        let (y, pullback) = model.forward(x, context: &context)
        expectClose(y, try g.tensor("y"), tolerance: g.tolerance, "\(name) y")
        #expect(try model.outputShape(for: x.shape) == y.shape)
        let back = try #require(pullback)
        expectClose(try #require(back(try g.tensor("dy")).input), try g.tensor("dx"), tolerance: g.tolerance, "\(name) dx")
    }
}
