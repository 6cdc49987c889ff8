import FinetuneCore
import FinetuneNN

/// One converter per Finetune layer type, keyed by the type: each appends the layer's ONNX
/// operators (opset 13) to the graph and moves ``ONNXGraphBuilder/shape`` on by the layer's own
/// `outputShape(for:)`. A layer type missing here stops the export with
/// ``ONNXExportError/unsupportedLayer(name:type:supported:)``.
enum ONNXLayerConverters {
    typealias Converter = @Sendable (any Layer, inout ONNXGraphBuilder) throws -> Void

    private static func entry<L: Layer>(_ type: L.Type, _ convert: @escaping @Sendable (L, inout ONNXGraphBuilder) throws -> Void)
        -> (ObjectIdentifier, (name: String, convert: Converter)) {
        (ObjectIdentifier(type), (String(describing: type), { layer, graph in try convert(layer as! L, &graph) }))
    }

    static let table: [ObjectIdentifier: (name: String, convert: Converter)] = Dictionary(uniqueKeysWithValues: [
        entry(Conv2D.self, convertConv2D),
        entry(DepthwiseConv2D.self, convertDepthwiseConv2D),
        entry(BatchNormalization.self, convertBatchNormalization),
        entry(MaxPool2D.self, convertMaxPool2D),
        entry(GlobalAveragePooling2D.self) { layer, graph in try globalPool("GlobalAveragePool", layer, &graph) },
        entry(GlobalMaxPooling2D.self) { layer, graph in try globalPool("GlobalMaxPool", layer, &graph) },
        entry(ZeroPadding2D.self, convertZeroPadding2D),
        entry(Flatten.self, convertFlatten),
        entry(Dense.self, convertDense),
        entry(Dropout.self) { layer, graph in graph.shape = try layer.outputShape(for: graph.shape) },
        entry(Activation.self) { layer, graph in activation(layer.function, name: layer.name, &graph) },
        entry(ReLU.self, convertReLU),
    ])

    /// The layer types that export, for error messages.
    static var supportedNames: [String] { (table.values.map(\.name) + ["Add", "Concatenate", "Graph", "Sequential"]).sorted() }

    /// Converts `layer` (a nested Sequential layer by layer, a nested Graph node by node).
    static func convert(_ layer: any Layer, into graph: inout ONNXGraphBuilder) throws {
        if let sequential = layer as? Sequential {
            let layers = graph.foldsBatchNormalization ? ONNXBatchNormFolding.fold(sequential.layers) : sequential.layers
            for child in layers { try convert(child, into: &graph) }
            return
        }
        if let model = layer as? Graph {
            try convertGraph(model, into: &graph)
            return
        }
        guard let converter = table[ObjectIdentifier(type(of: layer))] else {
            throw ONNXExportError.unsupportedLayer(name: layer.name, type: String(describing: type(of: layer)),
                                                   supported: supportedNames)
        }
        try converter.convert(layer, &graph)
    }

    // MARK: Converters

    static func requireImage(_ layer: any Layer, _ graph: ONNXGraphBuilder) throws {
        guard graph.shape.rank == 4, graph.isChannelsFirst else {
            throw ONNXExportError.unsupportedInput(layer: layer.name, input: graph.shape, reason: "it needs an NHWC image")
        }
    }

    /// ONNX `pads` ([top, left, bottom, right]) for Keras' `valid`/`same` over `input` (NHWC).
    static func pads(input: Shape, kernel: (Int, Int), strides: (Int, Int), padding: Padding) -> [Int] {
        guard padding == .same else { return [0, 0, 0, 0] }
        func split(_ n: Int, _ k: Int, _ s: Int) -> (Int, Int) {
            let out = (n + s - 1) / s
            let total = max((out - 1) * s + k - n, 0)
            return (total / 2, total - total / 2)   // TensorFlow: the smaller half before
        }
        let (top, bottom) = split(input[1], kernel.0, strides.0)
        let (left, right) = split(input[2], kernel.1, strides.1)
        return [top, left, bottom, right]
    }

    static func convertConv2D(_ layer: Conv2D, _ graph: inout ONNXGraphBuilder) throws {
        try requireImage(layer, graph)
        let output = try layer.outputShape(for: graph.shape)
        let k = layer.kernel.shape   // (kh, kw, in, out) → ONNX (out, in, kh, kw)
        let w = graph.constant(layer.name + ".kernel", dims: [k[3], k[2], k[0], k[1]],
                               values: permuted(layer.kernel, [3, 2, 0, 1]))
        var inputs = [graph.current, w]
        if let bias = layer.bias { inputs.append(graph.constant(layer.name + ".bias", dims: [k[3]], values: bias.scalars)) }
        graph.apply("Conv", name: layer.name, inputs: inputs, attributes: [
            .ints("kernel_shape", [k[0], k[1]]), .ints("strides", [layer.strides.0, layer.strides.1]),
            .ints("pads", pads(input: graph.shape, kernel: (k[0], k[1]), strides: layer.strides, padding: layer.padding)),
        ])
        graph.shape = output
        activation(layer.activation, name: layer.name, &graph)
    }

    static func convertDepthwiseConv2D(_ layer: DepthwiseConv2D, _ graph: inout ONNXGraphBuilder) throws {
        try requireImage(layer, graph)
        let output = try layer.outputShape(for: graph.shape)
        let k = layer.kernel.shape   // (kh, kw, C, M) → ONNX (C·M, 1, kh, kw), group C
        let w = graph.constant(layer.name + ".kernel", dims: [k[2] * k[3], 1, k[0], k[1]],
                               values: permuted(layer.kernel, [2, 3, 0, 1]))
        var inputs = [graph.current, w]
        if let bias = layer.bias {
            inputs.append(graph.constant(layer.name + ".bias", dims: [k[2] * k[3]], values: bias.scalars))
        }
        graph.apply("Conv", name: layer.name, inputs: inputs, attributes: [
            .ints("kernel_shape", [k[0], k[1]]), .ints("strides", [layer.strides.0, layer.strides.1]),
            .ints("pads", pads(input: graph.shape, kernel: (k[0], k[1]), strides: layer.strides, padding: layer.padding)),
            .int("group", k[2]),
        ])
        graph.shape = output
        activation(layer.activation, name: layer.name, &graph)
    }

    /// A BatchNormalization no convolution could absorb (``ONNXBatchNormFolding``): ONNX's
    /// inference-mode BatchNormalization over the channel axis.
    static func convertBatchNormalization(_ layer: BatchNormalization, _ graph: inout ONNXGraphBuilder) throws {
        let output = try layer.outputShape(for: graph.shape)
        guard graph.shape.rank == 2 || graph.isChannelsFirst else {
            throw ONNXExportError.unsupportedInput(layer: layer.name, input: graph.shape,
                                                   reason: "BatchNormalization exports for images and (batch, features) only")
        }
        let c = layer.gamma.scalarCount
        let inputs = [graph.current] + [("gamma", layer.gamma), ("beta", layer.beta), ("moving_mean", layer.movingMean),
                                        ("moving_variance", layer.movingVariance)]
            .map { graph.constant(layer.name + "." + $0.0, dims: [c], values: $0.1.scalars) }
        graph.apply("BatchNormalization", name: layer.name, inputs: inputs, attributes: [.float("epsilon", Float(layer.epsilon))])
        graph.shape = output
    }

    static func convertMaxPool2D(_ layer: MaxPool2D, _ graph: inout ONNXGraphBuilder) throws {
        try requireImage(layer, graph)
        let output = try layer.outputShape(for: graph.shape)
        graph.apply("MaxPool", name: layer.name, inputs: [graph.current], attributes: [
            .ints("kernel_shape", [layer.poolSize.0, layer.poolSize.1]), .ints("strides", [layer.strides.0, layer.strides.1]),
            .ints("pads", pads(input: graph.shape, kernel: layer.poolSize, strides: layer.strides, padding: layer.padding)),
        ])
        graph.shape = output
    }

    static func globalPool(_ op: String, _ layer: any Layer, _ graph: inout ONNXGraphBuilder) throws {
        try requireImage(layer, graph)
        let output = try layer.outputShape(for: graph.shape)
        graph.apply(op, name: layer.name, inputs: [graph.current])
        graph.apply("Flatten", name: layer.name + "_flatten", inputs: [graph.current], attributes: [.int("axis", 1)])
        graph.isChannelsFirst = false
        graph.shape = output
    }

    static func convertZeroPadding2D(_ layer: ZeroPadding2D, _ graph: inout ONNXGraphBuilder) throws {
        try requireImage(layer, graph)
        let output = try layer.outputShape(for: graph.shape)
        let a = layer.amounts
        let pads = graph.constant(layer.name + ".pads", dims: [8], int64: [0, 0, a.top, a.left, 0, 0, a.bottom, a.right].map(Int64.init))
        graph.apply("Pad", name: layer.name, inputs: [graph.current, pads])
        graph.shape = output
    }

    /// Keras flattens NHWC order, which the next Dense layer's kernel rows follow.
    static func convertFlatten(_ layer: Flatten, _ graph: inout ONNXGraphBuilder) throws {
        let output = try layer.outputShape(for: graph.shape)
        graph.toChannelsLast(name: layer.name)
        if graph.shape.rank != 2 {
            graph.apply("Flatten", name: layer.name, inputs: [graph.current], attributes: [.int("axis", 1)])
        }
        graph.shape = output
    }

    static func convertDense(_ layer: Dense, _ graph: inout ONNXGraphBuilder) throws {
        guard graph.shape.rank == 2 else {
            throw ONNXExportError.unsupportedInput(layer: layer.name, input: graph.shape,
                                                   reason: "Dense exports on (batch, features) only; put a Flatten or a global pooling layer before it")
        }
        let output = try layer.outputShape(for: graph.shape)
        let w = graph.constant(layer.name + ".kernel", dims: [layer.inputSize, layer.units], values: layer.kernel.scalars)
        if let bias = layer.bias {
            let b = graph.constant(layer.name + ".bias", dims: [layer.units], values: bias.scalars)
            graph.apply("Gemm", name: layer.name, inputs: [graph.current, w, b])
        } else {
            graph.apply("MatMul", name: layer.name, inputs: [graph.current, w])
        }
        graph.shape = output
        activation(layer.activation, name: layer.name, &graph)
    }

    static func convertReLU(_ layer: ReLU, _ graph: inout ONNXGraphBuilder) throws {
        graph.shape = try layer.outputShape(for: graph.shape)
        guard let cap = layer.maxValue else {
            graph.apply("Relu", name: layer.name, inputs: [graph.current])
            return
        }
        let low = graph.constant(layer.name + ".min", dims: [], values: [0])
        let high = graph.constant(layer.name + ".max", dims: [], values: [cap])
        graph.apply("Clip", name: layer.name, inputs: [graph.current, low, high])
    }

    /// A fused or standalone activation; softmax over the channel (last Keras) axis.
    static func activation(_ function: ActivationFunction, name: String, _ graph: inout ONNXGraphBuilder) {
        switch function {
        case .linear: return
        case .relu: graph.apply("Relu", name: name + "_relu", inputs: [graph.current])
        case .sigmoid: graph.apply("Sigmoid", name: name + "_sigmoid", inputs: [graph.current])
        case .softmax:
            graph.apply("Softmax", name: name + "_softmax", inputs: [graph.current], attributes: [.int("axis", graph.channelAxis)])
        }
    }

    /// `tensor`'s scalars with its axes reordered: result axis i is input axis `order[i]`.
    static func permuted(_ tensor: Tensor, _ order: [Int]) -> [Float] {
        let dims = tensor.shape.dimensions
        let outDims = order.map { dims[$0] }
        var strides = [Int](repeating: 1, count: dims.count)
        for i in stride(from: dims.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * dims[i + 1] }
        let source = tensor.scalars
        var result = [Float](repeating: 0, count: source.count)
        var index = [Int](repeating: 0, count: dims.count)
        for r in result.indices {
            var offset = 0
            for i in order.indices { offset += index[i] * strides[order[i]] }
            result[r] = source[offset]
            var i = outDims.count - 1
            while i >= 0 { index[i] += 1; if index[i] < outDims[i] { break }; index[i] = 0; i -= 1 }
        }
        return result
    }
}
