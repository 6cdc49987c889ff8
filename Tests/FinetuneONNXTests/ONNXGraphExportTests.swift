import Foundation
import Testing
@testable import FinetuneONNX
import FinetuneCore
import FinetuneNN
import FinetuneData

/// Gives every BatchNormalization of `model` seeded, non-trivial values, so that folding them into
/// the convolutions is tested on more than Keras' initial identity: γ ∈ [0.5, 1.5], β ∈ [−0.2, 0.2],
/// moving mean ∈ [−0.3, 0.3], moving variance ∈ [0.5, 2].
func randomizeBatchNormalization(_ model: inout some Layer, seed: UInt64) throws {
    var rng = SeededRNG(seed: seed)
    let ranges: [(suffix: String, low: Float, high: Float)] = [
        (".gamma", 0.5, 1.5), (".beta", -0.2, 0.2), (".moving_mean", -0.3, 0.3), (".moving_variance", 0.5, 2),
    ]
    for (key, value) in model.parameters {
        guard let range = ranges.first(where: { key.hasSuffix($0.suffix) }) else { continue }
        try model.setParameter(key, to: .uniform(value.shape, low: range.low, high: range.high, using: &rng))
    }
}

/// A graph backbone (`resnet50`, `mobilenetv2`, `efficientnet-lite0`) and the tools' head
/// (GlobalAveragePooling2D → Dropout → Dense, sigmoid for one unit, softmax for more), with seeded
/// weights that keep a deep network's predictions depending on its input, as a trained network's
/// do: convolution kernels He-uniform (limit √(6 / fan-in), the fan-in of a depthwise kernel being
/// its k×k window; Keras' glorot default for a depthwise kernel counts every channel and fades the
/// signal out within a few blocks), random BatchNormalization values
/// (``randomizeBatchNormalization(_:seed:)``), and a Dense kernel scaled so that the logits on
/// `calibration` (preprocessed images) spread with a standard deviation of about 2 around 0, as a
/// trained classifier's do: a probability's sensitivity to float rounding in the layers before grows with
/// the logits' size.
func graphBackboneModel(_ backbone: String, imageSize: Int, units: Int = 1, calibration: Tensor,
                        seed: UInt64 = 1) throws -> Sequential {
    var rng = SeededRNG(seed: seed)
    let shape: Shape = [imageSize, imageSize, 3]
    var base: any Layer
    switch backbone {
    case "resnet50": base = try Applications.resNet50(inputShape: shape, using: &rng)
    case "mobilenetv2": base = try Applications.mobileNetV2(inputShape: shape, using: &rng)
    case "efficientnet-lite0": base = try Applications.efficientNetLite(0, inputShape: shape, using: &rng)
    case "efficientnet-lite1": base = try Applications.efficientNetLite(1, inputShape: shape, using: &rng)
    case "efficientnet-lite2": base = try Applications.efficientNetLite(2, inputShape: shape, using: &rng)
    default: throw LayerError.incompatibleInput(layer: backbone, input: shape, reason: "no such backbone in the ONNX tests")
    }
    for layer in base.sublayers {
        let fanIn: Int
        if let conv = layer as? Conv2D { fanIn = conv.kernel.shape[0] * conv.kernel.shape[1] * conv.kernel.shape[2] }
        else if let conv = layer as? DepthwiseConv2D { fanIn = conv.kernel.shape[0] * conv.kernel.shape[1] }
        else { continue }
        let limit = Float((6 / Double(fanIn)).squareRoot())
        let key = layer.name + ".kernel", kernel = try #require(layer.parameters.first { $0.key == key }?.value)
        try base.setParameter(key, to: .uniform(kernel.shape, low: -limit, high: limit, using: &rng))
    }
    try randomizeBatchNormalization(&base, seed: seed + 100)
    let features = try base.outputShape(for: Shape([1] + shape.dimensions)).dimensions.last!
    var context = ForwardContext.inference
    let pooled = try Sequential(name: "features", inputShape: shape, [base, GlobalAveragePooling2D(name: "global_average_pooling2d")])
        .forward(calibration, context: &context).output.scalars
    let rms = (pooled.reduce(0) { $0 + Double($1) * Double($1) } / Double(pooled.count)).squareRoot()
    let limit = Float(3.0.squareRoot() * 2 / (rms * Double(features).squareRoot()))
    let kernel = Tensor.uniform([features, units], low: -limit, high: limit, using: &rng).scalars
    // The bias centres each logit on the calibration images.
    let count = pooled.count / features
    let bias = (0..<units).map { u in
        -(0..<count).reduce(Float(0)) { sum, n in
            sum + (0..<features).reduce(Float(0)) { $0 + pooled[n * features + $1] * kernel[$1 * units + u] }
        } / Float(count)
    }
    return try Sequential(name: "sequential", inputShape: shape, [
        base, GlobalAveragePooling2D(name: "global_average_pooling2d"), Dropout(name: "dropout", rate: 0.2),
        try Dense(name: "dense", kernel: Tensor(shape: [features, units], scalars: kernel), bias: Tensor(shape: [units], scalars: bias),
                  activation: units == 1 ? .sigmoid : .softmax),
    ])
}

/// A small functional graph with what the backbones use and more: a stem convolution and its
/// BatchNormalization (folded), ReLU output read by three layers (fan-out), an `Add` of two
/// branches, a `Concatenate` of the sum and the stem, and a convolution read by its
/// BatchNormalization and by an `Add` (so that BatchNormalization stays an operator); then the
/// head GlobalAveragePooling2D → Dense softmax.
func branchyGraphModel(imageSize: Int = 12) throws -> Sequential {
    var rng = SeededRNG(seed: 21)
    func conv(_ name: String, _ cin: Int, _ cout: Int, _ k: Int) -> Conv2D {
        Conv2D(name: name, inputChannels: cin, filters: cout, kernelSize: (k, k), padding: .same, using: &rng)
    }
    var g = GraphBuilder(input: [imageSize, imageSize, 3])
    var x = try g.add(conv("stem", 3, 4, 3), to: g.input)
    x = try g.add(BatchNormalization(name: "stem_bn", channels: 4), to: x)
    let stem = try g.add(ReLU(name: "stem_relu"), to: x)
    var a = try g.add(conv("a", 4, 4, 3), to: stem)
    a = try g.add(BatchNormalization(name: "a_bn", channels: 4), to: a)
    let b = try g.add(conv("b", 4, 4, 1), to: stem)
    let sum = try g.add(Add(name: "sum"), to: a, b)
    let joined = try g.add(Concatenate(name: "joined"), to: sum, stem)
    let c = try g.add(conv("c", 8, 8, 1), to: joined)
    let cbn = try g.add(BatchNormalization(name: "c_bn", channels: 8), to: c)
    let out = try g.add(Add(name: "c_add"), to: c, cbn)
    let graph = try g.graph(output: out, name: "branchy")
    var model = try Sequential(name: "sequential", inputShape: [imageSize, imageSize, 3], [
        graph, GlobalAveragePooling2D(name: "gap"),
        Dense(name: "dense", inputSize: 8, units: 3, activation: .softmax, using: &rng),
    ])
    try randomizeBatchNormalization(&model, seed: 22)
    return model
}

@Suite("ONNX export of functional graphs")
struct ONNXGraphExportTests {
    /// Node inputs are graph inputs, initializers or outputs of earlier nodes (ONNX's topological
    /// order), and every initializer is read.
    func expectWellFormed(_ g: Onnx_GraphProto) {
        var defined = Set(g.input.map(\.name) + g.initializer.map(\.name))
        var read: Set<String> = []
        for node in g.node {
            for input in node.input {
                #expect(defined.contains(input), "node \(node.name) reads \(input) before it is computed")
                read.insert(input)
            }
            defined.formUnion(node.output)
        }
        #expect(Set(g.initializer.map(\.name)).subtracting(read).isEmpty, "every initializer is read")
        #expect(defined.contains("probabilities"))
        #expect(Set(g.node.map(\.name)).count == g.node.count, "node names are unique")
    }

    @Test("fan-out, Add and Concatenate become ONNX values, Add and Concat; BatchNormalization folds only where the convolution has one reader")
    func branchyGraph() throws {
        let proto = try decoded(try branchyGraphModel(), classes: ["x", "y", "z"], .rescale255, included: true)
        let g = proto.graph
        expectWellFormed(g)
        let ops = g.node.map(\.opType)
        #expect(ops.filter { $0 == "Conv" }.count == 4)
        #expect(ops.filter { $0 == "BatchNormalization" }.count == 1)
        #expect(g.node.first { $0.opType == "BatchNormalization" }?.name == "c_bn")
        #expect(ops.filter { $0 == "Add" }.count == 2)
        let relu = try #require(g.node.first { $0.name == "stem_relu" })
        #expect(g.node.filter { $0.input.contains(relu.output[0]) }.map(\.name).sorted() == ["a", "b", "joined"])
        let concat = try #require(g.node.first { $0.opType == "Concat" })
        #expect(concat.attribute.first { $0.name == "axis" }?.i == 1)   // NCHW channels
        let sum = try #require(g.node.first { $0.name == "sum" })
        let a = try #require(g.node.first { $0.name == "a" }), b = try #require(g.node.first { $0.name == "b" })
        #expect(sum.input == [a.output[0], b.output[0]])
        #expect(concat.input == [sum.output[0], relu.output[0]])
        let c = try #require(g.node.first { $0.name == "c" })
        #expect(g.node.filter { $0.input.contains(c.output[0]) }.map(\.name).sorted() == ["c_add", "c_bn"])
        #expect(g.output[0].type.tensorType.shape.dim.dropFirst().map(\.dimValue) == [3])
    }

    @Test("without folding, every BatchNormalization is an operator holding Finetune's own statistics")
    func unfolded() throws {
        let model = try branchyGraphModel()
        let proto = try ONNXExport.modelProto(model, classNames: ["x", "y", "z"], preprocessing: .none,
                                              includePreprocessing: false, foldingBatchNormalization: false)
        expectWellFormed(proto.graph)
        #expect(proto.graph.node.filter { $0.opType == "BatchNormalization" }.map(\.name) == ["stem_bn", "a_bn", "c_bn"])
        let initializers = Dictionary(uniqueKeysWithValues: proto.graph.initializer.map { ($0.name, floats($0)) })
        for (key, value) in model.parameters {
            let stored = try #require(initializers[key], "\(key) is an initializer")
            if value.rank == 4 {
                #expect(stored.sorted() == value.scalars.sorted(), "\(key): the same values, in OIHW order")
            } else {
                #expect(stored == value.scalars, "\(key)")
            }
        }
    }

    @Test("folding BatchNormalization inside a graph keeps the outputs")
    func graphFoldingKeepsOutputs() throws {
        let model = try branchyGraphModel()
        let graph = try #require(model.layers[0] as? Graph)
        let steps = ONNXBatchNormFolding.fold(graph)
        #expect(steps.filter { $0.layer == nil }.count == 2)   // stem_bn and a_bn; c_bn's convolution has two readers
        // The folded graph as a Finetune graph: a folded step's node is its convolution's node.
        var node = [0], layers: [any Layer] = [], inputs: [[Int]] = []
        for step in steps {
            guard let layer = step.layer else { node.append(node[step.inputs[0]]); continue }
            layers.append(layer)
            inputs.append(step.inputs.map { node[$0] })
            node.append(layers.count)
        }
        let folded = Graph(name: "folded", inputName: "input_layer", inputShape: graph.inputShape, layers: layers, inputs: inputs)
        var rng = SeededRNG(seed: 5)
        let x = Tensor.uniform([2, 12, 12, 3], low: -1, high: 1, using: &rng)
        var c1 = ForwardContext.inference, c2 = ForwardContext.inference
        let a = graph.forward(x, context: &c1).output.scalars, b = folded.forward(x, context: &c2).output.scalars
        #expect(a.count == b.count)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        #expect(worst <= 2e-6, "largest difference \(worst)")
    }

    @Test("MobileNetV2 with the tools' head exports: every convolution and Add, every BatchNormalization folded, dynamic batch")
    func mobileNetV2() throws {
        var rng = SeededRNG(seed: 8)
        let noise = Tensor.uniform([2, 32, 32, 3], low: -1, high: 1, using: &rng)
        let model = try graphBackboneModel("mobilenetv2", imageSize: 32, calibration: noise)
        let base = try #require(model.layers[0] as? Graph)
        let proto = try decoded(model, classes: ["cats", "dogs"], .tf, included: true)
        let g = proto.graph
        expectWellFormed(g)
        let ops = g.node.map(\.opType)
        #expect(ops.filter { $0 == "Conv" }.count == base.layers.filter { $0 is Conv2D || $0 is DepthwiseConv2D }.count)
        #expect(ops.filter { $0 == "Add" }.count == base.layers.filter { $0 is Add }.count)
        #expect(!ops.contains("BatchNormalization"))
        #expect(ops.filter { $0 == "Clip" }.count == base.layers.filter { $0 is ReLU }.count)
        #expect(Array(ops.prefix(3)) == ["Div", "Sub", "Transpose"])   // tf: x / 127.5 − 1
        #expect(Array(ops.suffix(5)) == ["Clip", "GlobalAveragePool", "Flatten", "Gemm", "Sigmoid"])
        #expect(g.input[0].type.tensorType.shape.dim.first?.dimParam == "N")
    }
}
