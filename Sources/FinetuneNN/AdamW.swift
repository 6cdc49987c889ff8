import FinetuneCore

/// Adam with decoupled weight decay (Loshchilov & Hutter 2019), as Keras 3's
/// `keras.optimizers.AdamW` computes it.
///
/// Each step first decays every parameter it updates with the step's rate, w ← w − w·wd·lr, then
/// takes ``Adam``'s step on the decayed w (t = iterations + 1; α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ);
/// m ← m + (g − m)(1 − β₁); v ← v + (g² − v)(1 − β₂); w ← w − m·α / (√v + ε)). Biases decay too,
/// as in Keras; frozen parameters receive no gradient and are neither decayed nor given state.
/// Slots: `<key>/m`, `<key>/v`, `<key>/v_hat` (AMSGrad). Checkpoints name it `AdamW`.
package struct AdamW: Optimizer {
    /// The Adam step this optimizer takes after the decay.
    package var adam: Adam

    /// Keras 3's defaults: lr 1e-3, weight decay 0.004, β₁ 0.9, β₂ 0.999, ε 1e-7, no AMSGrad.
    package init(learningRate: Float = 1e-3, weightDecay: Double = 0.004, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-7, amsgrad: Bool = false, schedule: (any LearningRateSchedule)? = nil) {
        precondition(weightDecay >= 0, "AdamW: weightDecay must be ≥ 0")
        adam = Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad,
                    schedule: schedule)
        adam.weightDecay = weightDecay
        adam.name = "AdamW"
    }

    package var learningRate: Float {
        get { adam.learningRate }
        set { adam.learningRate = newValue }
    }

    /// wd, the fraction of each weight removed per unit of learning rate (Keras' `weight_decay`).
    package var weightDecay: Double { adam.weightDecay }

    package var schedule: (any LearningRateSchedule)? {
        get { adam.schedule }
        set { adam.schedule = newValue }
    }

    package var iterations: Int { adam.iterations }

    package var state: [String: Tensor] { adam.state }

    package mutating func restore(state: [String: Tensor], iterations: Int) throws {
        try adam.restore(state: state, iterations: iterations)
    }

    package mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        adam.step(parameters: parameters, gradients: gradients)
    }
}
