import FinetuneCore
import FinetuneNN

/// Functional graphs (``Graph``: ResNet50, MobileNetV2, EfficientNet-Lite, a user's own): the
/// layers run in the graph's topological order, each node's output is an ONNX value that any
/// number of later nodes read (fan-out needs nothing more), and the merge layers become ONNX
/// operators — ``Add`` a chain of `Add` nodes summing left to right as Finetune does,
/// ``Concatenate`` a `Concat` on the channel axis (axis 1 of the NCHW images the graph carries).
/// A BatchNormalization whose input is a convolution read by nothing else is folded into it
/// (``ONNXBatchNormFolding``).
extension ONNXLayerConverters {
    /// One value of the ONNX graph as the converters see it.
    struct Value {
        var name: String
        var shape: Shape
        var isChannelsFirst: Bool
    }

    static func convertGraph(_ model: Graph, into graph: inout ONNXGraphBuilder) throws {
        let expected = Shape([graph.shape[0]] + model.inputShape.dimensions)
        guard graph.shape == expected else {
            throw ONNXExportError.unsupportedInput(layer: model.name, input: graph.shape,
                                                   reason: "the graph was built for input \(expected)")
        }
        let steps = graph.foldsBatchNormalization ? ONNXBatchNormFolding.fold(model)
            : zip(model.layers, model.inputs).map { (layer: Optional($0.0), inputs: $0.1) }
        var values: [Value?] = [graph.value] + Array(repeating: nil, count: steps.count)
        for (k, step) in steps.enumerated() {
            let inputs = step.inputs.map { values[$0]! }
            guard let layer = step.layer else {   // a BatchNormalization folded into its convolution
                values[k + 1] = inputs[0]
                continue
            }
            if let merge = layer as? any MergeLayer {
                try convertMerge(merge, inputs: inputs, into: &graph)
            } else {
                graph.value = inputs[0]
                try convert(layer, into: &graph)
            }
            values[k + 1] = graph.value
        }
        graph.value = values[steps.count]!
    }

    /// `Add` (a chain of binary Adds) or `Concatenate` (`Concat` on the channel axis) of `inputs`.
    static func convertMerge(_ merge: any MergeLayer, inputs: [Value], into graph: inout ONNXGraphBuilder) throws {
        let output = try merge.outputShape(for: inputs.map(\.shape))
        // Images are NCHW in the graph; a rank-4 value held NHWC (none today) is brought over first.
        var names: [String] = []
        for value in inputs {
            graph.value = value
            if value.shape.rank == 4 && !value.isChannelsFirst {
                graph.apply("Transpose", name: merge.name + "_input_to_nchw", inputs: [value.name],
                            attributes: [.ints("perm", [0, 3, 1, 2])])
                graph.isChannelsFirst = true
            }
            names.append(graph.current)
        }
        graph.isChannelsFirst = output.rank == 4
        graph.shape = output
        switch merge {
        case is Add:
            graph.current = names[0]
            for other in names.dropFirst() {
                graph.apply("Add", name: merge.name, inputs: [graph.current, other])
            }
        case is Concatenate:
            graph.apply("Concat", name: merge.name, inputs: names, attributes: [.int("axis", graph.channelAxis)])
        default:
            throw ONNXExportError.unsupportedLayer(name: merge.name, type: String(describing: type(of: merge)),
                                                   supported: supportedNames)
        }
    }
}

extension ONNXGraphBuilder {
    /// The value flowing to the next layer: ``current``, ``shape`` and ``isChannelsFirst`` together.
    var value: ONNXLayerConverters.Value {
        get { .init(name: current, shape: shape, isChannelsFirst: isChannelsFirst) }
        set { current = newValue.name; shape = newValue.shape; isChannelsFirst = newValue.isChannelsFirst }
    }
}
