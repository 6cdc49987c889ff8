import Foundation
import Testing
import SwiftProtobuf
@testable import FinetuneONNX
import FinetuneCore
import FinetuneNN
import FinetuneData

/// Every layer type the exporter knows, at 16×16: a strided `same` convolution with a bias and a
/// BatchNormalization to fold into it, a capped ReLU, zero padding, a depthwise convolution with
/// a multiplier and its own BatchNormalization, a max-pool with `same` padding, a lone
/// BatchNormalization (kept as an operator), global pooling and a Dense softmax head.
func layerZooModel(imageSize: Int = 16, globalMax: Bool = false) throws -> Sequential {
    var rng = SeededRNG(seed: 7)
    func bn(_ name: String, _ c: Int) throws -> BatchNormalization {
        var layer = BatchNormalization(name: name, channels: c)
        try layer.setParameter(name + ".gamma", to: .uniform([c], low: 0.5, high: 1.5, using: &rng))
        try layer.setParameter(name + ".beta", to: .uniform([c], low: -0.2, high: 0.2, using: &rng))
        try layer.setParameter(name + ".moving_mean", to: .uniform([c], low: -0.3, high: 0.3, using: &rng))
        try layer.setParameter(name + ".moving_variance", to: .uniform([c], low: 0.5, high: 2, using: &rng))
        return layer
    }
    let conv = Conv2D(name: "conv", inputChannels: 3, filters: 6, kernelSize: (3, 3), strides: (2, 2), padding: .same,
                      using: &rng)
    let depthwise = DepthwiseConv2D(name: "depthwise", inputChannels: 6, kernelSize: (3, 3), padding: .valid,
                                    depthMultiplier: 2, useBias: false, using: &rng)
    let layers: [any Layer] = [
        conv, try bn("conv_bn", 6), ReLU(maxValue: 6, name: "relu6"),
        ZeroPadding2D(name: "pad", padding: ((1, 0), (0, 1))),
        depthwise, try bn("depthwise_bn", 12), Activation(.relu, name: "act"),
        MaxPool2D(name: "pool", poolSize: (3, 3), strides: (2, 2), padding: .same),
        try bn("lone_bn", 12), ReLU(name: "relu"),
        globalMax ? GlobalMaxPooling2D(name: "gmp") as any Layer : GlobalAveragePooling2D(name: "gap"),
        Dropout(name: "dropout", rate: 0.5),
        Dense(name: "dense", inputSize: 12, units: 3, activation: .softmax, using: &rng),
    ]
    return try Sequential(name: "zoo", inputShape: [imageSize, imageSize, 3], layers)
}

/// A reduced-width VGG16 base with Chollet's head (Flatten, Dense relu, Dropout, Dense sigmoid).
func smallVGGModel(imageSize: Int = 32, seed: UInt64 = 3) throws -> Sequential {
    var rng = SeededRNG(seed: seed)
    let base = try VGG16.base(inputShape: [imageSize, imageSize, 3], widths: [4, 4, 8, 8, 8], using: &rng)
    let features = try base.outputShape(for: [1, imageSize, imageSize, 3]).scalarCount
    return try Sequential(name: "sequential", inputShape: [imageSize, imageSize, 3], [
        base, Flatten(name: "flatten"),
        Dense(name: "dense", inputSize: features, units: 8, activation: .relu, using: &rng),
        Dropout(name: "dropout", rate: 0.5),
        Dense(name: "dense_1", inputSize: 8, units: 1, activation: .sigmoid, using: &rng),
    ])
}

func decoded(_ model: Sequential, classes: [String], _ preprocessing: Preprocessing, included: Bool) throws -> Onnx_ModelProto {
    let data = try ONNXExport.modelData(model, classNames: classes, preprocessing: preprocessing, includePreprocessing: included)
    return try Onnx_ModelProto(serializedBytes: data)
}

func floats(_ tensor: Onnx_TensorProto) -> [Float] {
    stride(from: 0, to: tensor.rawData.count, by: 4).map { i in
        Float(bitPattern: tensor.rawData[i..<(i + 4)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) })
    }
}

@Suite("ONNX export")
struct ONNXExportTests {
    @Test("the VGG16 + head model decodes back with its operators, initializers and metadata")
    func vggRoundTrip() throws {
        let model = try smallVGGModel()
        let proto = try decoded(model, classes: ["cats", "dogs"], .rescale255, included: true)
        #expect(proto.irVersion == 8)
        #expect(proto.opsetImport.map(\.version) == [13])
        #expect(proto.opsetImport.map(\.domain) == [""])
        let g = proto.graph
        let ops = g.node.map(\.opType)
        #expect(ops.first == "Mul" && ops[1] == "Transpose")
        #expect(ops.filter { $0 == "Conv" }.count == 13)
        #expect(ops.filter { $0 == "MaxPool" }.count == 5)
        #expect(Array(ops.suffix(7)) == ["MaxPool", "Transpose", "Flatten", "Gemm", "Relu", "Gemm", "Sigmoid"])
        #expect(g.input.map(\.name) == ["input"])
        #expect(g.output.map(\.name) == ["probabilities"])
        #expect(g.node.last?.output == ["probabilities"])
        let inputDims = g.input[0].type.tensorType.shape.dim
        #expect(inputDims.first?.dimParam == "N")
        #expect(inputDims.dropFirst().map(\.dimValue) == [32, 32, 3])
        #expect(g.output[0].type.tensorType.shape.dim.dropFirst().map(\.dimValue) == [1])
        let metadata = Dictionary(uniqueKeysWithValues: proto.metadataProps.map { ($0.key, $0.value) })
        #expect(metadata["class_names"] == #"["cats","dogs"]"#)
        #expect(metadata["preprocessing_in_graph"] == "true")
        // 13 kernels + 13 biases, two Dense layers, the rescale factor; kernels in ONNX's OIHW.
        #expect(g.initializer.count == 13 * 2 + 4 + 1)
        let conv1 = try #require(g.initializer.first { $0.name == "block1_conv1.kernel" })
        #expect(conv1.dims == [4, 3, 3, 3])
        #expect(conv1.dataType == 1)
        let kernel = try #require(model.parameters.first { $0.key == "block1_conv1.kernel" }?.value)   // HWIO
        let k = kernel.scalars, onnx = floats(conv1)
        for o in 0..<4 { for i in 0..<3 { for p in 0..<3 { for q in 0..<3 {
            #expect(onnx[((o * 3 + i) * 3 + p) * 3 + q] == k[((p * 3 + q) * 3 + i) * 4 + o])
        } } } }
        let dense = try #require(g.initializer.first { $0.name == "dense_1.kernel" })
        #expect(dense.dims == [8, 1])
        let rescale = try #require(g.initializer.first { $0.name == "rescale.factor" })
        #expect(floats(rescale) == [Float(1.0 / 255.0)])
    }

    @Test("without the preprocessing the graph starts at the transpose; caffe becomes a channel gather and a subtraction")
    func preprocessingOps() throws {
        let model = try smallVGGModel()
        let plain = try decoded(model, classes: ["a", "b"], .caffe, included: false)
        #expect(plain.graph.node.first?.opType == "Transpose")
        #expect(plain.graph.node.first?.input == ["input"])
        let caffe = try decoded(model, classes: ["a", "b"], .caffe, included: true)
        #expect(caffe.graph.node.prefix(3).map(\.opType) == ["Gather", "Sub", "Transpose"])
        let means = try #require(caffe.graph.initializer.first { $0.name == "caffe.means" })
        #expect(floats(means) == [103.939, 116.779, 123.68])
        let metadata = Dictionary(uniqueKeysWithValues: caffe.metadataProps.map { ($0.key, $0.value) })
        #expect(metadata["preprocessing"] == "caffe")
    }

    @Test("every layer type converts; BatchNormalization after a convolution is folded, a lone one stays")
    func layerZoo() throws {
        let proto = try decoded(try layerZooModel(), classes: ["x", "y", "z"], .none, included: true)
        let ops = proto.graph.node.map(\.opType)
        #expect(ops == ["Transpose", "Conv", "Clip", "Pad", "Conv", "Relu", "MaxPool", "BatchNormalization", "Relu",
                        "GlobalAveragePool", "Flatten", "Gemm", "Softmax"])
        let depthwise = try #require(proto.graph.node.first { $0.name == "depthwise" })
        #expect(depthwise.attribute.first { $0.name == "group" }?.i == 6)
        let conv = try #require(proto.graph.node.first { $0.name == "conv" })
        #expect(conv.attribute.first { $0.name == "pads" }?.ints == [0, 0, 1, 1])   // 16 → 8 at stride 2: pad 1, after
        #expect(proto.graph.initializer.first { $0.name == "depthwise.kernel" }?.dims == [12, 1, 3, 3])
        #expect(proto.graph.node.last?.attribute.first { $0.name == "axis" }?.i == 1)   // (N, classes): the last axis
        let max = try decoded(try layerZooModel(globalMax: true), classes: ["x", "y", "z"], .none, included: true)
        #expect(max.graph.node.map(\.opType).contains("GlobalMaxPool"))
    }

    @Test("folding a BatchNormalization into its convolution keeps the outputs")
    func foldingKeepsOutputs() throws {
        let model = try layerZooModel()
        let folded = try Sequential(name: "folded", inputShape: model.inputShape, ONNXBatchNormFolding.fold(model.layers))
        #expect(folded.layers.count == model.layers.count - 2)
        var rng = SeededRNG(seed: 11)
        let x = Tensor.uniform([2, 16, 16, 3], using: &rng)
        var c1 = ForwardContext.inference, c2 = ForwardContext.inference
        let a = model.forward(x, context: &c1).output.scalars, b = folded.forward(x, context: &c2).output.scalars
        for (u, v) in zip(a, b) { #expect(abs(u - v) <= 1e-6, "\(u) vs \(v)") }
    }

    @Test("a layer type without a converter is named in the error, with the types that export")
    func unsupportedLayer() throws {
        struct Mystery: Layer {
            var name = "mystery_1"
            func outputShape(for input: Shape) throws -> Shape { input }
            func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) { (x, nil) }
        }
        let model = try Sequential(name: "m", inputShape: [4, 4, 3], [Mystery()])
        #expect {
            try ONNXExport.modelData(model, classNames: ["a", "b"], preprocessing: .none, includePreprocessing: false)
        } throws: { error in
            let text = "\(error)"
            return text.contains("'mystery_1'") && text.contains("Mystery") && text.contains("Conv2D")
        }
        var rng = SeededRNG(seed: 1)
        let flat = try Sequential(name: "m", inputShape: [4, 4, 3], [Dense(name: "d", inputSize: 3, units: 2, using: &rng)])
        #expect(throws: ONNXExportError.self) {
            try ONNXExport.modelData(flat, classNames: ["a", "b"], preprocessing: .none, includePreprocessing: false)
        }
    }

    @Test("the file is written whole, under its final name only")
    func writesAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.onnx")
        let model = try smallVGGModel()
        try ONNXExport.write(model, classNames: ["a", "b"], preprocessing: .rescale255, includePreprocessing: false, to: url)
        let data = try Data(contentsOf: url)
        #expect(data == (try ONNXExport.modelData(model, classNames: ["a", "b"], preprocessing: .rescale255,
                                                 includePreprocessing: false)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.onnx"])
    }
}
