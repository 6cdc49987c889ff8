import FinetuneCore

/// Everything that can go wrong reading Keras weights, mapping them onto a model, or writing
/// them. Each description names the file (and key, layer, shapes) and says what to do.
public enum KerasWeightsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing at this path.
    case fileNotFound(file: String)
    /// The file is not HDF5 at all; `found` says what it looks like.
    case notHDF5(file: String, found: String)
    /// HDF5, but neither Keras 2, Keras 3 nor HED layout.
    case unrecognizedLayout(file: String, detail: String)
    /// libhdf5 failed; `detail` holds the operation and libhdf5's error stack.
    case hdf5(file: String, detail: String)
    /// The file's layers of one kind do not pair up one-to-one with the model's.
    case layerCountMismatch(file: String, kind: KerasLayerKind, fileLayers: [String], modelLayers: [String])
    /// A file layer holds a different number of tensors than the model layer has parameters.
    case parameterCountMismatch(file: String, layer: String, entry: String, modelCount: Int, fileCount: Int)
    /// A tensor's shape differs between the file and the model.
    case shapeMismatch(file: String, key: String, entry: String, fileShape: Shape, modelShape: Shape)
    /// The model (or file) has a layer with weights that is neither convolution nor dense.
    case unsupportedLayer(file: String, layer: String, reason: String)
    /// The model refused a parameter (``/FinetuneNN/Layer/setParameter(_:to:)`` threw).
    case modelRejected(file: String, key: String, reason: String)
    /// Writing failed; any previous file at that path is unchanged.
    case writeFailed(file: String, reason: String)
    /// A weight holds NaN or ±∞: `layer` is the file's layer (group) and `weight` the dataset in it.
    case nonFinite(file: String, layer: String, weight: String, values: NonFiniteValues)
    /// A safetensors file breaks the format: `problem` says how, `tensor` names the tensor when
    /// one is at fault.
    case malformedSafetensors(file: String, tensor: String?, problem: String)
    /// A safetensors tensor has an element type that is not a float Finetune reads (F32, F16,
    /// BF16, F64).
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// Loading by name (safetensors): model parameters without a tensor in the file (as tensor
    /// names, `block1_conv1/kernel`), and tensors of the file that no parameter takes.
    case missingTensors(file: String, missing: [String], unused: [String])

    static let listedLayers = 16

    private static func list(_ names: [String]) -> String {
        if names.isEmpty { return "none" }
        var shown = names.prefix(listedLayers).joined(separator: ", ")
        if names.count > listedLayers { shown += ", … (\(names.count) in all)" }
        return shown
    }

    public var description: String {
        switch self {
        case let .fileNotFound(file):
            return "Keras weights file \(file) does not exist: check the path (Keras keeps downloaded weights in "
                + "~/.keras/models/; `bash .ci/install-deps --weights` fetches HED's VGG16 weights)"
        case let .notHDF5(file, found):
            return "\(file) is not an HDF5 file (\(found)): pass Keras weights saved as .h5 or .weights.h5 "
                + "(a .keras archive is a zip: unzip it and pass its model.weights.h5)"
        case let .unrecognizedLayout(file, detail):
            return "\(file) is HDF5 but not in a Keras weights layout this reader knows (\(detail)); expected "
                + "Keras 2 (root attribute layer_names), Keras 3 (groups …/vars/0) or HED (block1…block5, dsn*, fuse)"
        case let .hdf5(file, detail):
            return "reading \(file) failed: \(detail). The file may be damaged or still being written: download or copy it again"
        case let .layerCountMismatch(file, kind, fileLayers, modelLayers):
            var text = "\(file) holds \(fileLayers.count) \(kind) layers, the model has \(modelLayers.count); "
                + "they must pair up in order. File: \(Self.list(fileLayers)). Model: \(Self.list(modelLayers))."
            if kind == .dense && fileLayers.isEmpty {
                text += " The file holds a convolution base only: load it with scope .convolutions"
            } else {
                text += " Load weights saved from the same architecture"
            }
            return text
        case let .parameterCountMismatch(file, layer, entry, model, fileCount):
            return "\(file): '\(entry)' holds \(fileCount) tensors but layer '\(layer)' has \(model) parameters "
                + "(use_bias differs?); load weights saved from the same architecture"
        case let .shapeMismatch(file, key, entry, fileShape, modelShape):
            return "\(file): '\(key)' has shape \(modelShape) in the model but \(fileShape) in the file ('\(entry)'); "
                + "build the model with the widths and input size the weights were trained with"
        case let .unsupportedLayer(file, layer, reason):
            return "\(file): layer '\(layer)' \(reason); only convolution (rank-4 kernel) and dense (rank-2 kernel) "
                + "layers map to Keras weights"
        case let .modelRejected(file, key, reason):
            return "\(file): the model refused '\(key)': \(reason)"
        case let .writeFailed(file, reason):
            return "could not write Keras weights \(file): \(reason). Any earlier file at that path is unchanged"
        case let .nonFinite(file, layer, weight, values):
            return "\(file): layer '\(layer)', weight '\(weight)' holds \(values): the file is damaged, or was saved "
                + "from a run whose training diverged. Nothing trains from it; use another copy or an earlier save"
        case let .malformedSafetensors(file, tensor, problem):
            return "\(file) is not a valid safetensors file: " + (tensor.map { "tensor '\($0)': " } ?? "") + problem
                + ". The file is damaged, cut short or not safetensors: write or download it again"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' holds \(dtype) values; Finetune reads weights stored as F32, F16, BF16 or "
                + "F64. Convert the tensor to float32 before saving it (numpy: .astype(\"float32\"))"
        case let .missingTensors(file, missing, unused):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("the model's \(Self.list(missing)) \(missing.count == 1 ? "has" : "have") no tensor in the file") }
            if !unused.isEmpty { parts.append("the file's \(Self.list(unused)) \(unused.count == 1 ? "matches" : "match") no parameter of the model") }
            return "\(file): \(parts.joined(separator: "; ")). Tensors load by name (<layer>/<weight>, Keras' layer names): "
                + "load weights saved from the same architecture with the same layer names"
        }
    }
}
