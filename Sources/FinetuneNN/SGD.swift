import FinetuneCore

/// Stochastic gradient descent, Keras 3's formulas.
///
/// Plain: w ← w − lr·g. Momentum μ: m ← μm − lr·g, w ← w + m; Nesterov: w ← w + μm − lr·g
/// (with the new m). Slot: `<key>/momentum` (when μ > 0).
package struct SGD: Optimizer {
    package var learningRate: Float
    /// μ; 0 (the default) for plain SGD.
    package var momentum: Double
    /// Nesterov momentum.
    package var nesterov: Bool
    /// When set, the learning rate of each step is `schedule(step: iterations)`; a
    /// ``OneCycle`` also sets μ when it is > 0.
    package var schedule: (any LearningRateSchedule)?
    package private(set) var iterations = 0
    private var slots = OptimizerSlots()

    /// Keras 3 defaults: lr 0.01, no momentum, not Nesterov.
    package init(learningRate: Float = 0.01, momentum: Double = 0, nesterov: Bool = false,
                schedule: (any LearningRateSchedule)? = nil) {
        precondition(momentum >= 0, "SGD: momentum must be ≥ 0")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.schedule = schedule
    }

    var slotNames: [String] { momentum > 0 ? ["momentum"] : [] }

    package var state: [String: Tensor] { slots.tensors }

    package mutating func restore(state: [String: Tensor], iterations: Int) throws {
        guard iterations >= 0 else { throw OptimizerError.negativeIterations(iterations) }
        try slots.restore(state, slots: slotNames, optimizer: "SGD")
        self.iterations = iterations
    }

    package mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        if let schedule {
            learningRate = schedule(step: iterations)
            if momentum > 0, let mu = schedule.scheduledMomentum(step: iterations) { momentum = mu }
        }
        let lr = learningRate, mu = Float(momentum), nesterov = nesterov, hasMomentum = momentum > 0
        defer { iterations += 1 }
        return slots.update(parameters, gradients: gradients, slots: slotNames) { s in
            let w = s.parameter, g = s.gradient
            if hasMomentum {
                let m = s.slot("momentum")
                for i in s.indices {
                    m[i] = m[i] * mu - g[i] * lr
                    w[i] += nesterov ? m[i] * mu - g[i] * lr : m[i]
                }
            } else {
                for i in s.indices { w[i] -= g[i] * lr }
            }
        }
    }
}
