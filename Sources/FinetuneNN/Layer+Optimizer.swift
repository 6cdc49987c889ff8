import FinetuneCore

extension Layer {
    /// One optimizer step on this model: reads the parameters named in `gradients`, lets
    /// `optimizer` update them, and writes them back. Throws ``LayerError`` for a gradient whose
    /// key the model does not have or whose shape differs from the parameter's.
    package mutating func apply(optimizer: inout some Optimizer, gradients: [String: Tensor]) throws {
        guard !gradients.isEmpty else { return }
        var current: [String: Tensor] = [:]
        for (key, value) in parameters where gradients[key] != nil { current[key] = value }
        for (key, g) in gradients.sorted(by: { $0.key < $1.key }) {
            guard let w = current[key] else { throw LayerError.unknownParameter(key: key, layer: name) }
            guard w.shape == g.shape else { throw LayerError.shapeMismatch(key: key, expected: w.shape, got: g.shape) }
        }
        let updated = optimizer.step(parameters: current, gradients: gradients)
        current = [:]
        try setParameters(updated)
    }

    /// Replaces every parameter named in `values` (keys and shapes must match).
    public mutating func setParameters(_ values: [String: Tensor]) throws {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { try setParameter(key, to: value) }
    }

    /// Every parameter as a dictionary keyed by Keras key.
    package var parameterDictionary: [String: Tensor] {
        Dictionary(parameters.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
