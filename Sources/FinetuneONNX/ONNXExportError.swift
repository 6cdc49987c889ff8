import FinetuneCore

/// Why a model could not be written as ONNX.
package enum ONNXExportError: Error, Equatable, CustomStringConvertible {
    /// No converter knows this layer type; `supported` lists the types that export.
    case unsupportedLayer(name: String, type: String, supported: [String])
    /// The layer is supported, but not with this input (a Dense layer on an image, …).
    case unsupportedInput(layer: String, input: Shape, reason: String)
    /// The model does not say what it takes: a Sequential built without `inputShape`.
    case missingInputShape(model: String)

    package var description: String {
        switch self {
        case let .unsupportedLayer(name, type, supported):
            return "ONNX export: layer '\(name)' is a \(type), which has no ONNX converter; "
                + "the layers that export are \(supported.joined(separator: ", "))"
        case let .unsupportedInput(layer, input, reason):
            return "ONNX export: layer '\(layer)' with input \(input): \(reason)"
        case let .missingInputShape(model):
            return "ONNX export: model '\(model)' has no input shape; build it with Sequential(inputShape: [height, width, 3], …)"
        }
    }
}
