import Foundation
import SwiftProtobuf
import FinetuneCore
import FinetuneNN
import FinetuneData

/// Writes a trained ``Sequential`` as an ONNX model (IR version 8, opset 13) that ONNX Runtime
/// runs without Finetune: input `input`, float32 NHWC images (N, height, width, 3) with a
/// dynamic batch `N`; output `probabilities`, the model's last layer (sigmoid or softmax);
/// weights as float32 initializers (little-endian raw data); class names and the expected input
/// in `metadata_props`. Its layers may be functional graphs (``Graph``: ResNet50, MobileNetV2,
/// EfficientNet-Lite), written node by node with their fan-out, `Add` and `Concat`.
///
/// Each inference-mode BatchNormalization right after a convolution is folded into it (one
/// `Conv` with a bias, ``ONNXBatchNormFolding``); `foldingBatchNormalization: false` keeps every
/// one a `BatchNormalization` operator, so the file holds Finetune's weights unchanged (what
/// `finetune import` reads back bit for bit).
///
/// Inside the graph images are NCHW (ONNX's convolution layout): one Transpose after the input
/// (and its preprocessing), one back to NHWC before Flatten, so Dense kernels keep Keras' rows.
/// With `includePreprocessing` the model's ``Preprocessing`` runs in the graph first and the
/// input is the resized 0–255 RGB pixels; without it the input is what Finetune's model takes.
package enum ONNXExport {
    /// The opset of the default domain the graph uses.
    package static let opset: Int64 = 13
    /// The graph's input and output names.
    package static let inputName = "input", outputName = "probabilities"

    /// The serialized ModelProto.
    package static func modelData(_ model: Sequential, classNames: [String], preprocessing: Preprocessing,
                                  includePreprocessing: Bool, foldingBatchNormalization: Bool = true) throws -> Data {
        try modelProto(model, classNames: classNames, preprocessing: preprocessing, includePreprocessing: includePreprocessing,
                       foldingBatchNormalization: foldingBatchNormalization).serializedData()
    }

    /// Writes the model to `url` atomically (a temporary file beside it, renamed over it).
    package static func write(_ model: Sequential, classNames: [String], preprocessing: Preprocessing,
                              includePreprocessing: Bool, foldingBatchNormalization: Bool = true, to url: URL) throws {
        let data = try modelData(model, classNames: classNames, preprocessing: preprocessing,
                                 includePreprocessing: includePreprocessing, foldingBatchNormalization: foldingBatchNormalization)
        try AtomicFile.replace(url) { file in try data.withUnsafeBytes { try file.write($0) } }
    }

    static func modelProto(_ model: Sequential, classNames: [String], preprocessing: Preprocessing,
                           includePreprocessing: Bool, foldingBatchNormalization: Bool = true) throws -> Onnx_ModelProto {
        guard let image = model.inputShape, image.rank == 3 else { throw ONNXExportError.missingInputShape(model: model.name) }
        var graph = ONNXGraphBuilder(input: inputName, shape: Shape([1] + image.dimensions))
        graph.foldsBatchNormalization = foldingBatchNormalization
        if includePreprocessing { addPreprocessing(preprocessing, to: &graph) }
        graph.apply("Transpose", name: "input_to_nchw", inputs: [graph.current], attributes: [.ints("perm", [0, 3, 1, 2])])
        graph.isChannelsFirst = true
        try ONNXLayerConverters.convert(model, into: &graph)
        graph.toChannelsLast(name: "output")
        graph.finish(output: outputName)

        var g = Onnx_GraphProto()
        g.name = model.name
        g.node = graph.nodes
        g.initializer = graph.initializers
        g.input = [valueInfo(inputName, dims: [nil] + image.dimensions)]
        g.output = [valueInfo(outputName, dims: [nil] + Array(graph.shape.dimensions.dropFirst()))]

        var proto = Onnx_ModelProto()
        proto.irVersion = 8
        proto.producerName = "Finetune"
        proto.graph = g
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Self.opset
        proto.opsetImport = [opset]
        let input = includePreprocessing
            ? "NHWC float32 RGB 0-255, resized to \(image[0])x\(image[1]); preprocessing (\(name(preprocessing))) is in the graph"
            : "NHWC float32 RGB resized to \(image[0])x\(image[1]), preprocessed (\(name(preprocessing))) before the model"
        proto.metadataProps = [
            entry("class_names", String(decoding: try JSONEncoder().encode(classNames), as: UTF8.self)),
            entry("preprocessing", name(preprocessing)),
            entry("preprocessing_in_graph", includePreprocessing ? "true" : "false"),
            entry("input", input),
        ]
        return proto
    }


    /// Finetune's ``Preprocessing`` as graph operators on the NHWC input, in Float32 as Finetune computes it.
    static func addPreprocessing(_ preprocessing: Preprocessing, to graph: inout ONNXGraphBuilder) {
        switch preprocessing {
        case .none: return
        case let .rescale(factor):
            let f = graph.constant("rescale.factor", dims: [], values: [factor])
            graph.apply("Mul", name: "rescale", inputs: [graph.current, f])
        case .caffe:
            // RGB → BGR, then minus the ImageNet means (B, G, R), per pixel.
            let order = graph.constant("caffe.bgr_order", dims: [3], int64: [2, 1, 0])
            graph.apply("Gather", name: "caffe_bgr", inputs: [graph.current, order], attributes: [.int("axis", 3)])
            let means = graph.constant("caffe.means", dims: [3], values: [103.939, 116.779, 123.68])
            graph.apply("Sub", name: "caffe_means", inputs: [graph.current, means])
        case .tf:
            let scale = graph.constant("tf.scale", dims: [], values: [127.5])
            graph.apply("Div", name: "tf_scale", inputs: [graph.current, scale])
            let one = graph.constant("tf.one", dims: [], values: [1])
            graph.apply("Sub", name: "tf_shift", inputs: [graph.current, one])
        case .torch:
            let scale = graph.constant("torch.scale", dims: [], values: [255])
            graph.apply("Div", name: "torch_scale", inputs: [graph.current, scale])
            addNormalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], prefix: "torch", to: &graph)
        case let .normalized(mean, std):
            addNormalization(mean: mean, std: std, prefix: "normalized", to: &graph)
        }
    }

    /// (x − mean[c]) / std[c] per channel of the NHWC input: a Sub, then a Div, as Finetune computes it.
    static func addNormalization(mean: [Float], std: [Float], prefix: String, to graph: inout ONNXGraphBuilder) {
        let m = graph.constant("\(prefix).mean", dims: [3], values: mean)
        graph.apply("Sub", name: "\(prefix)_mean", inputs: [graph.current, m])
        let d = graph.constant("\(prefix).std", dims: [3], values: std)
        graph.apply("Div", name: "\(prefix)_std", inputs: [graph.current, d])
    }

    /// `rescale(f)`, `caffe` or `none`.
    static func name(_ preprocessing: Preprocessing) -> String {
        switch preprocessing {
        case .none: return "none"
        case let .rescale(factor): return "rescale(\(factor))"
        case .caffe: return "caffe"
        case .tf: return "tf"
        case .torch: return "torch"
        case let .normalized(mean, std): return "normalized(mean: \(mean), std: \(std))"
        }
    }

    static func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var e = Onnx_StringStringEntryProto()
        e.key = key
        e.value = value
        return e
    }

    /// A float32 tensor value; `nil` dimensions are the dynamic batch `N`.
    static func valueInfo(_ name: String, dims: [Int?]) -> Onnx_ValueInfoProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = Int64(d) } else { dim.dimParam = "N" }
            return dim
        }
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}
