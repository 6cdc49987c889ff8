import FinetuneCore
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// RMSprop, Keras 3 by default (Tieleman & Hinton 2012).
///
/// v ← ρv + (1 − ρ)g²;  centered: ḡ ← ρḡ + (1 − ρ)g, D = v − ḡ² + ε, else D = v + ε;
/// Δ = lr·g / √D (ε **inside** the root); momentum μ > 0: m ← μm + Δ, w ← w − m; else w ← w − Δ.
/// `.keras2` (Keras 2.0.8, the book): ε = 1e-8 **outside**, Δ = lr·g / (√v + ε).
/// Hyper-parameters are Doubles, cast to Float32 where Keras casts them, so trajectories match.
/// Slots: `<key>/rms` (v), `<key>/momentum` (m, when μ > 0), `<key>/mean_gradient` (ḡ, when centered).
package struct RMSprop: Optimizer {
    /// Where ε enters the denominator: the one formula difference between Keras 3 and Keras 2.0.8.
    package enum EpsilonPlacement: String, Sendable, Codable {
        /// Keras 3: √(v + ε).
        case insideSquareRoot
        /// Keras 2.0.8: √v + ε.
        case outsideSquareRoot
    }

    package var learningRate: Float
    /// ρ, decay of the running mean of g² (default 0.9).
    package var rho: Double
    /// μ; 0 (the default) for no momentum.
    package var momentum: Double
    /// ε (default 1e-7; the book's Keras 2.0.8 uses 1e-8 outside the square root).
    package var epsilon: Double
    /// Divide by an estimate of the variance, v − ḡ², instead of v.
    package var centered: Bool
    /// Inside (Keras 3) or outside (Keras 2.0.8) the square root.
    package var epsilonPlacement: EpsilonPlacement
    /// When set, the learning rate of each step is `schedule(step: iterations)`; a
    /// ``OneCycle`` also sets μ when it is > 0.
    package var schedule: (any LearningRateSchedule)?
    package private(set) var iterations = 0
    private var slots = OptimizerSlots()

    /// Keras 3 defaults: lr 1e-3, ρ 0.9, no momentum, ε 1e-7 inside the square root, not centered.
    package init(learningRate: Float = 1e-3, rho: Double = 0.9, momentum: Double = 0, epsilon: Double = 1e-7,
                centered: Bool = false, epsilonPlacement: EpsilonPlacement = .insideSquareRoot,
                schedule: (any LearningRateSchedule)? = nil) {
        precondition(rho >= 0 && rho < 1 && momentum >= 0 && epsilon >= 0, "RMSprop: need 0 ≤ ρ < 1, μ ≥ 0, ε ≥ 0")
        self.learningRate = learningRate
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self.epsilonPlacement = epsilonPlacement
        self.schedule = schedule
    }

    /// The book's RMSprop (Keras 2.0.8): ρ 0.9, ε = 1e-8 outside the square root.
    package static func keras2(learningRate: Float = 1e-3) -> RMSprop {
        RMSprop(learningRate: learningRate, epsilon: 1e-8, epsilonPlacement: .outsideSquareRoot)
    }

    var slotNames: [String] { ["rms"] + (momentum > 0 ? ["momentum"] : []) + (centered ? ["mean_gradient"] : []) }

    package var state: [String: Tensor] { slots.tensors }

    package mutating func restore(state: [String: Tensor], iterations: Int) throws {
        guard iterations >= 0 else { throw OptimizerError.negativeIterations(iterations) }
        try slots.restore(state, slots: slotNames, optimizer: "RMSprop")
        self.iterations = iterations
    }

    package mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        if let schedule {
            learningRate = schedule(step: iterations)
            if momentum > 0, let mu = schedule.scheduledMomentum(step: iterations) { momentum = mu }
        }
        let lr = learningRate, rho = Float(rho), oneMinusRho = Float(1 - self.rho)
        let eps = Float(epsilon), mu = Float(momentum), inside = epsilonPlacement == .insideSquareRoot
        let hasMomentum = momentum > 0, centered = centered
        defer { iterations += 1 }
        return slots.update(parameters, gradients: gradients, slots: slotNames) { s in
            let w = s.parameter, g = s.gradient, v = s.slot("rms")
            let m = hasMomentum ? s.slot("momentum") : nil, mg = centered ? s.slot("mean_gradient") : nil
            for i in s.indices {
                let gi = g[i]
                v[i] = rho * v[i] + oneMinusRho * (gi * gi)
                var d = v[i]
                if let mg {
                    mg[i] = rho * mg[i] + oneMinusRho * gi
                    d = v[i] - mg[i] * mg[i]
                }
                let increment = inside ? (lr * gi) / sqrtf(d + eps) : (lr * gi) / (sqrtf(d) + eps)
                if let m {
                    m[i] = mu * m[i] + increment
                    w[i] -= m[i]
                } else {
                    w[i] -= increment
                }
            }
        }
    }
}
