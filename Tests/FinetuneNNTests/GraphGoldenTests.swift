import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN
import Testing

/// The `graph` golden suite (`Goldens/graph`, written by `Goldens/gen_graph.py`), loaded once.
let graphSuite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("graph") }

func graphCaseNames(_ prefix: String) -> [String] {
    nonEmptyCaseNames((try? graphSuite.get())?.cases(prefix: prefix).map(\.name), describing: "graph \(prefix)*")
}

/// keras.applications.resnet's `block1` (projection shortcut, 3×3 kernels), built in the order the
/// Keras source writes it — shortcut first — which is not the order Keras lists the layers in.
func residualBlockGraph(inputShape: Shape = [6, 6, 3], filters: Int = 4, name: String = "conv2_block1") throws -> Graph {
    var rng = SeededRNG(seed: 1)
    let c = inputShape[2]
    var g = GraphBuilder(input: inputShape)
    var shortcut = try g.add(Conv2D(name: name + "_0_conv", inputChannels: c, filters: filters, kernelSize: (1, 1), using: &rng), to: g.input)
    shortcut = try g.add(BatchNormalization(name: name + "_0_bn", channels: filters, epsilon: 1.001e-5), to: shortcut)
    var x = try g.add(Conv2D(name: name + "_1_conv", inputChannels: c, filters: filters, padding: .same, useBias: false, using: &rng),
                      to: g.input)
    x = try g.add(BatchNormalization(name: name + "_1_bn", channels: filters, epsilon: 1.001e-5), to: x)
    x = try g.add(ReLU(name: name + "_1_relu"), to: x)
    x = try g.add(Conv2D(name: name + "_2_conv", inputChannels: filters, filters: filters, padding: .same, useBias: false, using: &rng),
                  to: x)
    x = try g.add(BatchNormalization(name: name + "_2_bn", channels: filters, epsilon: 1.001e-5), to: x)
    x = try g.add(Add(name: name + "_add"), to: shortcut, x)
    x = try g.add(ReLU(name: name + "_out"), to: x)
    return try g.graph(output: x, name: "residual")
}

@Suite("Graph matches Keras 3's functional API", .tags(.golden))
struct GraphGoldenTests {
    @Test("Add and Concatenate: y and every input's gradient", arguments: graphCaseNames("add.") + graphCaseNames("concatenate."))
    func merge(_ name: String) throws {
        let g = try graphSuite.get().named(name)
        let count = try g.int("inputs")
        let xs = try (0..<count).map { try g.tensor("x\($0)") }
        let layer: any MergeLayer = name.hasPrefix("add") ? Add() : Concatenate()
        #expect(try layer.outputShape(for: xs.map(\.shape)) == (try g.tensor("y")).shape)
        var context = ForwardContext(mode: .training)
        let (y, pullback) = layer.forward(xs, needsGradient: Array(repeating: true, count: count), context: &context)
        expectClose(y, try g.tensor("y"), tolerance: g.tolerance, "\(name) y")
        let back = try #require(pullback)
        let dxs = back(try g.tensor("dy"))
        for i in 0..<count {
            expectClose(try #require(dxs[i]), try g.tensor("dx\(i)"), tolerance: g.tolerance, "\(name) dx\(i)")
        }
        // Only the inputs asked for get a gradient.
        let partial = layer.forward(xs, needsGradient: [false] + Array(repeating: true, count: count - 1), context: &context)
        let partialBack = try #require(partial.pullback)
        #expect(partialBack(try g.tensor("dy"))[0] == nil)
        #expect(layer.forward(xs, needsGradient: Array(repeating: false, count: count), context: &context).pullback == nil)
    }

    @Test("a residual block: Keras' layer order, y, the input gradient (both branches summed) and every weight gradient",
          arguments: graphCaseNames("residual."))
    func residualBlock(_ name: String) throws {
        let g = try graphSuite.get().named(name)
        var model = try residualBlockGraph()
        #expect(model.sublayers.map(\.name) == (try g.param("layers").array?.compactMap(\.string)))
        for (key, _) in model.parameters { try model.setParameter(key, to: try g.tensor("w/" + key)) }
        let trainable = Set(try #require(try g.param("trainable").array).compactMap(\.string))
        #expect(trainable == Set(model.weightKeys))
        let training = try g.bool("training")
        var context = ForwardContext(mode: training ? .training : .inference, trainable: trainable, needsInputGradient: true)
        let (y, pullback) = model.forward(try g.tensor("x"), context: &context)
        expectClose(y, try g.tensor("y"), tolerance: g.tolerance, "\(name) y")
        let back = try #require(pullback)
        let gradients = back(try g.tensor("dy"))
        expectClose(try #require(gradients.input), try g.tensor("dx"), tolerance: g.tolerance, "\(name) dx")
        #expect(Set(gradients.parameters.keys) == trainable)
        // A bias feeding a BatchNormalization in training mode has an exact gradient of 0: both
        // sides hold rounding noise, bounded by the layer's largest kernel gradient.
        let zero = Set(try #require(try g.param("zero_by_batch_norm").array).compactMap(\.string))
        for key in trainable.sorted() {
            let actual = try #require(gradients.parameters[key])
            if zero.contains(key) {
                let scale = try g.tensor("g/" + key.replacingOccurrences(of: ".bias", with: ".kernel")).scalars.map(abs).max()!
                let noise = actual.scalars.map(abs).max()!
                #expect(noise <= Float(g.tolerance) * scale, "\(name) d\(key): \(noise), expected 0 up to rounding next to \(scale)")
            } else {
                expectClose(actual, try g.tensor("g/" + key), tolerance: g.tolerance, "\(name) d\(key)")
            }
        }
        if training {
            #expect(context.stateUpdates.count == 6)
            for (key, value) in context.stateUpdates {
                expectClose(value, try g.tensor("after/" + key), tolerance: g.tolerance, "\(name) \(key) after the call")
            }
        } else {
            #expect(context.stateUpdates.isEmpty)
        }
    }
}
