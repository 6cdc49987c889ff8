import FinetuneCore

/// Batch normalization over the last axis (channels of NHWC, features of (N, F)), Keras 3's
/// `BatchNormalization` with `axis=-1` (Ioffe & Szegedy 2015).
///
/// y = (x − μ)·γ/√(σ² + ε) + β per channel, where μ, σ² are
/// - in training mode, the batch's mean and *biased* variance (Σ(x − μ)²/N over every other axis,
///   `tf.nn.moments`), and the moving statistics are updated as Keras 3 does:
///   moving_mean ← moving_mean·momentum + μ·(1 − momentum),
///   moving_variance ← moving_variance·momentum + σ²·(1 − momentum) — with the same biased σ²
///   (tf.keras 2 used the unbiased one here);
/// - in inference mode, the moving statistics.
///
/// Keys, in Keras' weight order: `<name>.gamma`, `<name>.beta` (trainable; initialised to 1 and 0),
/// `<name>.moving_mean`, `<name>.moving_variance` (state, never trainable; initialised to 0 and 1).
/// `forward` cannot change the layer: it puts the new moving statistics into
/// ``ForwardContext/stateUpdates``, and the training loop writes them back after the step.
///
/// Frozen (neither gamma nor beta in the trainable set), the layer runs in inference mode even in
/// a training step and leaves its statistics alone, as Keras 3 does for `trainable = False` (and
/// TensorFlow 2 has since 2.0; in 1.x a frozen layer kept using batch statistics).
/// `batchStatisticsWhenFrozen` keeps the 1.x behaviour: a frozen layer in a training step still
/// normalises with batch statistics and updates its moving statistics, gamma and beta staying
/// fixed — the statistics part of fastai's `train_bn` (which also trains gamma and beta; unfreeze
/// the BN layers with a ``FreezePolicy`` for that).
package struct BatchNormalization: Layer, StatefulLayer {
    package let name: String
    package private(set) var gamma: Tensor
    package private(set) var beta: Tensor
    package private(set) var movingMean: Tensor
    package private(set) var movingVariance: Tensor
    package let momentum: Double
    package let epsilon: Double
    package let batchStatisticsWhenFrozen: Bool

    var gammaKey: String { name + ".gamma" }
    var betaKey: String { name + ".beta" }
    var movingMeanKey: String { name + ".moving_mean" }
    var movingVarianceKey: String { name + ".moving_variance" }

    /// A layer for `channels` channels with Keras 3's defaults (momentum 0.99, ε = 1e-3), gamma 1,
    /// beta 0, moving mean 0, moving variance 1.
    package init(name: String, channels: Int, momentum: Double = 0.99, epsilon: Double = 1e-3,
                batchStatisticsWhenFrozen: Bool = false) {
        precondition(channels > 0, "BatchNormalization '\(name)': channels must be positive")
        precondition(epsilon > 0, "BatchNormalization '\(name)': epsilon must be positive")
        self.name = name
        gamma = Tensor(repeating: 1, shape: [channels])
        beta = .zeros([channels])
        movingMean = .zeros([channels])
        movingVariance = Tensor(repeating: 1, shape: [channels])
        self.momentum = momentum
        self.epsilon = epsilon
        self.batchStatisticsWhenFrozen = batchStatisticsWhenFrozen
    }

    var channels: Int { gamma.scalarCount }

    package var parameters: [(key: String, value: Tensor)] {
        [(gammaKey, gamma), (betaKey, beta), (movingMeanKey, movingMean), (movingVarianceKey, movingVariance)]
    }

    package mutating func setParameter(_ key: String, to value: Tensor) throws {
        guard value.shape == [channels] else {
            guard parameters.contains(where: { $0.key == key }) else { throw LayerError.unknownParameter(key: key, layer: name) }
            throw LayerError.shapeMismatch(key: key, expected: [channels], got: value.shape)
        }
        switch key {
        case gammaKey: gamma = value
        case betaKey: beta = value
        case movingMeanKey: movingMean = value
        case movingVarianceKey: movingVariance = value
        default: throw LayerError.unknownParameter(key: key, layer: name)
        }
    }

    package var stateKeys: [String] { [movingMeanKey, movingVarianceKey] }

    package func updatesState(trainable: Set<String>) -> Bool {
        batchStatisticsWhenFrozen || trainable.contains(gammaKey) || trainable.contains(betaKey)
    }

    package func outputShape(for input: Shape) throws -> Shape {
        guard input.rank >= 2, input.dimensions.last == channels else {
            throw LayerError.incompatibleInput(layer: name, input: input,
                                               reason: "the last axis must have \(channels) channels")
        }
        return input
    }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        precondition(x.rank >= 2 && x.shape.dimensions.last == channels,
                     "BatchNormalization '\(name)': input \(x.shape) does not end in \(channels) channels")
        let trainGamma = context.trainable.contains(gammaKey), trainBeta = context.trainable.contains(betaKey)
        let batchMode = context.mode == .training && updatesState(trainable: context.trainable) && x.scalarCount > 0
        var mean = movingMean, variance = movingVariance
        if batchMode {
            (mean, variance) = batchNormMoments(x)
            context.stateUpdates[movingMeanKey] = movingAverage(movingMean, mean)
            context.stateUpdates[movingVarianceKey] = movingAverage(movingVariance, variance)
        }
        let eps = Float(epsilon)
        let y = batchNormForward(input: x, mean: mean, variance: variance, gamma: gamma, beta: beta, epsilon: eps)
        let needsInput = context.needsInputGradient
        guard needsInput || trainGamma || trainBeta else { return (y, nil) }
        let (gamma, gammaKey, betaKey) = (gamma, gammaKey, betaKey)
        return (y, Pullback { dy in
            let r = batchNormBackward(input: x, mean: mean, variance: variance, gamma: gamma, epsilon: eps,
                                      outputGradient: dy, batchStatistics: batchMode, computeInputGradient: needsInput,
                                      computeParameterGradients: trainGamma || trainBeta)
            var gradients = LayerGradients(input: r.input)
            if trainGamma { gradients.parameters[gammaKey] = r.gamma }
            if trainBeta { gradients.parameters[betaKey] = r.beta }
            return gradients
        })
    }

    /// moving·momentum + batch·(1 − momentum) in float32, both factors rounded from Double as
    /// Keras rounds its Python floats.
    private func movingAverage(_ moving: Tensor, _ batch: Tensor) -> Tensor {
        let keep = Float(momentum), take = Float(1 - momentum)
        return Tensor(shape: moving.shape, scalars: zip(moving.scalars, batch.scalars).map { m, b in
            let kept = m * keep, taken = b * take
            return kept + taken
        })
    }
}
