import Foundation
import Finetune

/// A Keras 3 model built from its `config.json` (the architecture half of a `.keras` archive),
/// for the layers Finetune has: `Sequential` and `Functional` containers whose layers form one
/// chain (a `keras.applications.VGG16` base is one), `InputLayer`, `Conv2D`, `MaxPooling2D`,
/// `Flatten`, `Dense`, `Dropout` and `Activation`. Weights start at zero; load them from the
/// archive's `model.weights.h5`. Any other layer class is an error that names it.
enum KerasModelConfig {
    enum ConfigError: Error, CustomStringConvertible, Equatable {
        case unsupportedLayer(file: String, className: String, layer: String)
        case malformed(file: String, reason: String)

        var description: String {
            switch self {
            case let .unsupportedLayer(file, className, layer):
                return "\(file): layer '\(layer)' is a \(className), which finetune cannot build. Supported: Sequential, "
                    + "Functional (one chain of layers), InputLayer, Conv2D, MaxPooling2D, Flatten, Dense, Dropout, Activation."
            case let .malformed(file, reason):
                return "\(file): config.json is not a Keras 3 model config: \(reason)."
            }
        }
    }

    /// Builds the model described by `json`; `file` names the archive in errors.
    static func model(from json: Data, file: String) throws -> Sequential {
        guard let root = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw ConfigError.malformed(file: file, reason: "not a JSON object")
        }
        var shape: Shape?
        if let build = root["build_config"] as? [String: Any], let input = build["input_shape"] as? [Any] {
            shape = Shape(input.map { ($0 as? Int) ?? 1 })
        }
        guard ["Sequential", "Functional", "Model"].contains(root["class_name"] as? String ?? "") else {
            throw ConfigError.unsupportedLayer(file: file, className: root["class_name"] as? String ?? "?", layer: "(the model)")
        }
        if shape == nil { shape = firstInputShape(root) }
        let declared = shape
        let layers = try containerLayers(root, shape: &shape, file: file)
        guard let input = declared else { throw ConfigError.malformed(file: file, reason: "no input shape (InputLayer or build_config)") }
        let name = (root["config"] as? [String: Any])?["name"] as? String ?? "sequential"
        return try Sequential(name: name, inputShape: Shape(Array(input.dimensions.dropFirst())), layers)
    }

    /// The `batch_shape` of the first `InputLayer`, searching nested containers in order.
    static func firstInputShape(_ entry: [String: Any]) -> Shape? {
        for child in (entry["config"] as? [String: Any])?["layers"] as? [[String: Any]] ?? [] {
            let config = child["config"] as? [String: Any] ?? [:]
            if child["class_name"] as? String == "InputLayer",
               let batch = (config["batch_shape"] ?? config["batch_input_shape"]) as? [Any] {
                return Shape(batch.map { ($0 as? Int) ?? 1 })
            }
            if let nested = firstInputShape(child) { return nested }
        }
        return nil
    }

    /// The layers of a container, in order; `shape` is the current (batched) shape, set by the
    /// first input declaration and advanced layer by layer.
    static func containerLayers(_ entry: [String: Any], shape: inout Shape?, file: String) throws -> [any Layer] {
        var layers: [any Layer] = []
        for child in (entry["config"] as? [String: Any])?["layers"] as? [[String: Any]] ?? [] {
            let className = child["class_name"] as? String ?? "?"
            let config = child["config"] as? [String: Any] ?? [:]
            let name = config["name"] as? String ?? className.lowercased()
            switch className {
            case "Sequential", "Functional", "Model":
                let inner = try containerLayers(child, shape: &shape, file: file)
                if !inner.isEmpty { layers.append(try Sequential(name: name, inner)) }
            case "InputLayer":
                if shape == nil, let batch = (config["batch_shape"] ?? config["batch_input_shape"]) as? [Any] {
                    shape = Shape(batch.map { ($0 as? Int) ?? 1 })
                }
            default:
                guard let current = shape else { throw ConfigError.malformed(file: file, reason: "layer '\(name)' comes before any input shape") }
                let layer = try leaf(className, name: name, config: config, input: current, file: file)
                shape = try layer.outputShape(for: current)
                layers.append(layer)
            }
        }
        return layers
    }

    static func leaf(_ className: String, name: String, config: [String: Any], input: Shape, file: String) throws -> any Layer {
        func pair(_ key: String, _ fallback: (Int, Int)) -> (Int, Int) {
            if let v = config[key] as? [Int], v.count == 2 { return (v[0], v[1]) }
            if let v = config[key] as? Int { return (v, v) }
            return fallback
        }
        func activation() throws -> ActivationFunction {
            let word = config["activation"] as? String ?? "linear"
            guard let f = ActivationFunction(rawValue: word) else { throw ConfigError.unsupportedLayer(file: file, className: "activation '\(word)'", layer: name) }
            return f
        }
        let padding = Padding(rawValue: config["padding"] as? String ?? "valid") ?? .valid
        switch className {
        case "Conv2D":
            guard let filters = config["filters"] as? Int, input.rank == 4 else { throw ConfigError.malformed(file: file, reason: "Conv2D '\(name)' without filters or a 4-D input") }
            let k = pair("kernel_size", (3, 3)), useBias = config["use_bias"] as? Bool ?? true
            return try Conv2D(name: name, kernel: .zeros([k.0, k.1, input[3], filters]), bias: useBias ? .zeros([filters]) : nil,
                              strides: pair("strides", (1, 1)), padding: padding, activation: try activation())
        case "MaxPooling2D":
            let pool = pair("pool_size", (2, 2))
            return MaxPool2D(name: name, poolSize: pool, strides: pair("strides", pool), padding: padding)
        case "Flatten":
            return Flatten(name: name)
        case "Dense":
            guard let units = config["units"] as? Int else { throw ConfigError.malformed(file: file, reason: "Dense '\(name)' without units") }
            let useBias = config["use_bias"] as? Bool ?? true
            return try Dense(name: name, kernel: .zeros([input.dimensions.last ?? 1, units]), bias: useBias ? .zeros([units]) : nil,
                             activation: try activation())
        case "Dropout":
            return Dropout(name: name, rate: Float(config["rate"] as? Double ?? 0))
        case "Activation":
            return Activation(try activation(), name: name)
        default:
            throw ConfigError.unsupportedLayer(file: file, className: className, layer: name)
        }
    }
}
