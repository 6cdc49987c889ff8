import FinetuneCore
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Adam (Kingma & Ba 2015), as Keras 3 implements it.
///
/// t = iterations + 1; α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ); m ← m + (g − m)(1 − β₁);
/// v ← v + (g² − v)(1 − β₂); AMSGrad: v̂ ← max(v̂, v) and v̂ replaces v; w ← w − m·α / (√v + ε).
/// (ε is added to √v, not to the bias-corrected √v̂ of the paper — Keras' "epsilon hat".)
/// Slots: `<key>/m`, `<key>/v`, `<key>/v_hat` (AMSGrad).
package struct Adam: Optimizer {
    package var learningRate: Float
    /// β₁, decay of the first-moment estimate m (Keras' `beta_1`, default 0.9).
    package var beta1: Double
    /// β₂, decay of the second-moment estimate v (Keras' `beta_2`, default 0.999).
    package var beta2: Double
    /// ε, added to √v in the denominator (default 1e-7).
    package var epsilon: Double
    /// Use the running maximum v̂ of v in the denominator (AMSGrad, Reddi et al. 2018).
    package var amsgrad: Bool
    /// When set, the learning rate of each step is `schedule(step: iterations)`; a
    /// ``OneCycle`` also sets β₁.
    package var schedule: (any LearningRateSchedule)?
    /// Decoupled weight decay wd (``AdamW``): w ← w − w·wd·lr before each update; 0 for Adam.
    package var weightDecay: Double = 0
    /// The name errors about restored state use (`"AdamW"` when wrapped by ``AdamW``).
    package var name = "Adam"
    package private(set) var iterations = 0
    private var slots = OptimizerSlots()

    /// Keras 3 defaults: lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7, no AMSGrad.
    package init(learningRate: Float = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7,
                amsgrad: Bool = false, schedule: (any LearningRateSchedule)? = nil) {
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam: betas must be in [0, 1)")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.schedule = schedule
    }

    var slotNames: [String] { ["m", "v"] + (amsgrad ? ["v_hat"] : []) }

    package var state: [String: Tensor] { slots.tensors }

    package mutating func restore(state: [String: Tensor], iterations: Int) throws {
        guard iterations >= 0 else { throw OptimizerError.negativeIterations(iterations) }
        try slots.restore(state, slots: slotNames, optimizer: name)
        self.iterations = iterations
    }

    package mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        if let schedule {
            learningRate = schedule(step: iterations)
            if let b1 = schedule.scheduledMomentum(step: iterations) { beta1 = b1 }
        }
        let t = Float(iterations + 1)
        let beta1Power = powf(Float(beta1), t), beta2Power = powf(Float(beta2), t)
        let alpha = learningRate * sqrtf(1 - beta2Power) / (1 - beta1Power)
        let oneMinusBeta1 = Float(1 - beta1), oneMinusBeta2 = Float(1 - beta2), eps = Float(epsilon)
        let amsgrad = amsgrad, decays = weightDecay != 0, wd = Float(weightDecay), lr = learningRate
        defer { iterations += 1 }
        return slots.update(parameters, gradients: gradients, slots: slotNames) { s in
            let w = s.parameter, g = s.gradient, m = s.slot("m"), v = s.slot("v")
            let vHat = amsgrad ? s.slot("v_hat") : nil
            for i in s.indices {
                if decays { w[i] -= w[i] * wd * lr }   // Keras 3: decay first, with the step's rate
                let gi = g[i]
                m[i] += (gi - m[i]) * oneMinusBeta1
                v[i] += (gi * gi - v[i]) * oneMinusBeta2
                var denominator = v[i]
                if let vHat {
                    vHat[i] = max(vHat[i], v[i])
                    denominator = vHat[i]
                }
                w[i] -= (m[i] * alpha) / (sqrtf(denominator) + eps)
            }
        }
    }
}
