import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN

/// Each layer against Keras 3: forward output, input gradient and parameter gradients of
/// L = Σ y·r for a random upstream gradient r (`Goldens/gen_nn.py`, `layer.*`).
@Suite("Layers match Keras 3", .tags(.golden))
struct LayerGoldenTests {
    @Test("the golden suite loads") func goldenSuiteLoads() throws {
        let suite = try nnSuite.get()
        #expect(suite.generator == "Goldens/gen_nn.py")
        #expect(suite.cases.count >= 30)
    }

    /// Runs `layer` with every parameter trainable and the input gradient requested, and compares
    /// y, dx and the parameter gradients with the golden.
    func check(_ layer: some Layer, _ golden: GoldenCase) throws {
        let x = try golden.tensor("x")
        var context = trainingContext(Set(layer.parameters.map(\.key)), needsInputGradient: true)
        context.mode = .inference
        let (y, pullback) = layer.forward(x, context: &context)
        expectClose(y, try golden.tensor("y"), tolerance: golden.tolerance, "\(golden.name) y")
        #expect(try layer.outputShape(for: x.shape) == y.shape)
        let back = try #require(pullback)
        let gradients = back(try golden.tensor("dy"))
        expectClose(try #require(gradients.input), try golden.tensor("dx"), tolerance: golden.tolerance, "\(golden.name) dx")
        for (key, _) in layer.parameters {
            let weight = String(key.split(separator: ".").last!)
            expectClose(try #require(gradients.parameters[key], "\(key) gradient"), try golden.tensor("d" + weight),
                        tolerance: golden.tolerance, "\(golden.name) d\(weight)")
        }
        #expect(gradients.parameters.count == layer.parameters.count)
    }

    @Test("Conv2D", arguments: nnCaseNames("layer.conv2d."))
    func conv2D(_ name: String) throws {
        let g = try nnCase(name)
        let bias: Tensor? = g.tensors["bias"] != nil ? try g.tensor("bias") : nil
        let layer = try Conv2D(name: "conv", kernel: try g.tensor("kernel"), bias: bias, strides: try g.pair("strides"),
                               padding: try #require(Padding(rawValue: try g.string("padding"))),
                               activation: try #require(ActivationFunction(rawValue: try g.string("activation"))))
        #expect(layer.filters == (try g.int("filters")))
        try check(layer, g)
    }

    @Test("MaxPool2D", arguments: nnCaseNames("layer.maxpool."))
    func maxPool(_ name: String) throws {
        let g = try nnCase(name)
        let layer = MaxPool2D(name: "pool", poolSize: try g.pair("pool"), strides: try g.pair("strides"),
                              padding: try #require(Padding(rawValue: try g.string("padding"))))
        try check(layer, g)
    }

    @Test("Dense", arguments: nnCaseNames("layer.dense."))
    func dense(_ name: String) throws {
        let g = try nnCase(name)
        let layer = try Dense(name: "dense", kernel: try g.tensor("kernel"), bias: try g.tensor("bias"),
                              activation: try #require(ActivationFunction(rawValue: try g.string("activation"))))
        try check(layer, g)
    }

    @Test("Activation", arguments: nnCaseNames("layer.activation."))
    func activation(_ name: String) throws {
        let g = try nnCase(name)
        try check(Activation(try #require(ActivationFunction(rawValue: try g.string("activation")))), g)
    }

    @Test("Flatten is row-major over (h, w, c)", arguments: nnCaseNames("layer.flatten."))
    func flatten(_ name: String) throws {
        try check(Flatten(), try nnCase(name))
    }

    @Test("every layer kind has golden cases") func coverage() {
        for prefix in ["layer.conv2d.", "layer.maxpool.", "layer.dense.", "layer.activation.", "layer.flatten."] {
            #expect(!nnCaseNames(prefix).isEmpty, "no golden cases \(prefix)*")
        }
    }
}
