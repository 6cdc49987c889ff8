import FinetuneCore
import FinetuneTestSupport
import FinetuneNN
import Testing

/// The `layers` golden suite (`Goldens/layers`, written by `Goldens/gen_layers.py`), loaded once.
let layersSuite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("layers") }

func layersCase(_ name: String) throws -> GoldenCase { try layersSuite.get().named(name) }

/// Names of the `layers` cases starting with `prefix` (for `@Test(arguments:)`); a failing
/// placeholder when the suite is missing or has no such case, never an empty list.
func layersCaseNames(_ prefix: String) -> [String] {
    nonEmptyCaseNames((try? layersSuite.get())?.cases(prefix: prefix).map(\.name), describing: "layers \(prefix)*")
}

extension GoldenCase {
    /// Names of the golden's tensors `<prefix><weight>` (e.g. `w/` → kernel, bias).
    func weightNames(_ prefix: String) -> [String] {
        tensors.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }.sorted()
    }

    func bool(_ key: String) throws -> Bool {
        guard let b = try param(key).bool else { throw GoldenError.missing("\(name): param \(key) is not a bool") }
        return b
    }

    func double(_ key: String) throws -> Double {
        guard let d = try param(key).double else { throw GoldenError.missing("\(name): param \(key) is not a number") }
        return d
    }
}

/// Sets every `w/<weight>` tensor of `golden` as parameter `<layer>.<weight>`.
func loadLayerWeights<L: Layer>(_ layer: inout L, from golden: GoldenCase) throws {
    for weight in golden.weightNames("w/") {
        try layer.setParameter("\(layer.name).\(weight)", to: try golden.tensor("w/" + weight))
    }
}

/// Runs `layer` on the golden's `x` in `mode`, with the parameters the golden has gradients for
/// (`g/<weight>`) trainable and the input gradient asked for; compares y, dx and those gradients
/// within the case's tolerance and returns the context after the forward pass (its state updates).
@discardableResult
func checkLayerGolden(_ layer: some Layer, _ golden: GoldenCase, mode: ForwardMode = .inference,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> ForwardContext {
    let x = try golden.tensor("x")
    let trained = golden.weightNames("g/")
    var context = ForwardContext(mode: mode, trainable: Set(trained.map { "\(layer.name).\($0)" }), needsInputGradient: true)
    let (y, pullback) = layer.forward(x, context: &context)
    expectClose(y, try golden.tensor("y"), tolerance: golden.tolerance, "\(golden.name) y", sourceLocation: sourceLocation)
    #expect(try layer.outputShape(for: x.shape) == y.shape, sourceLocation: sourceLocation)
    let back = try #require(pullback, sourceLocation: sourceLocation)
    let gradients = back(try golden.tensor("dy"))
    expectClose(try #require(gradients.input, sourceLocation: sourceLocation), try golden.tensor("dx"),
                tolerance: golden.tolerance, "\(golden.name) dx", sourceLocation: sourceLocation)
    for weight in trained {
        let key = "\(layer.name).\(weight)"
        expectClose(try #require(gradients.parameters[key], "\(key) gradient", sourceLocation: sourceLocation),
                    try golden.tensor("g/" + weight), tolerance: golden.tolerance, "\(golden.name) d\(weight)",
                    sourceLocation: sourceLocation)
    }
    #expect(gradients.parameters.count == trained.count, sourceLocation: sourceLocation)
    return context
}
