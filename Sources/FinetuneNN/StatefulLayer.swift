import FinetuneCore

/// A layer some of whose parameters are state rather than weights — Keras' non-trainable weights,
/// such as `BatchNormalization`'s moving statistics. State is never trained by gradients and
/// never part of a trainable set (``FreezePolicy``, `Trainer`), but a training-mode forward pass
/// may replace it through ``ForwardContext/stateUpdates``. It is still a parameter: listed in
/// ``Layer/parameters``, set by ``Layer/setParameter(_:to:)``, saved in checkpoints.
package protocol StatefulLayer: Layer {
    /// Keys of the parameters that are state.
    var stateKeys: [String] { get }
    /// Whether a training-mode forward pass with trainable keys `trainable` updates the state.
    func updatesState(trainable: Set<String>) -> Bool
}

extension Layer {
    /// Keys of the state parameters of this layer and of every layer inside it.
    package var allStateKeys: Set<String> {
        var keys = Set((self as? any StatefulLayer)?.stateKeys ?? [])
        for layer in sublayers { keys.formUnion(layer.allStateKeys) }
        return keys
    }

    /// Keys of the parameters that can train (every parameter but state), in ``parameters`` order.
    package var weightKeys: [String] {
        let state = allStateKeys
        return parameters.map(\.key).filter { !state.contains($0) }
    }

    /// Keys of the state that a training-mode forward pass with trainable keys `trainable` updates,
    /// in this layer and every layer inside it, in forward order.
    package func updatedStateKeys(trainable: Set<String>) -> [String] {
        var keys: [String] = []
        if let stateful = self as? any StatefulLayer, stateful.updatesState(trainable: trainable) { keys = stateful.stateKeys }
        return keys + sublayers.flatMap { $0.updatedStateKeys(trainable: trainable) }
    }

    /// Whether a training-mode forward pass with trainable keys `trainable` updates state in this
    /// layer or in any layer inside it.
    package func updatesAnyState(trainable: Set<String>) -> Bool { !updatedStateKeys(trainable: trainable).isEmpty }
}
