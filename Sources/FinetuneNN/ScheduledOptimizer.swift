/// An optimizer whose rate (and momentum) may follow a ``LearningRateSchedule``: SGD, RMSprop,
/// Adam and AdamW. ``ParameterGroups`` rescales the schedule of each group through it.
package protocol ScheduledOptimizer: Optimizer {
    /// When set, the learning rate of each step is `schedule(step: iterations)`.
    var schedule: (any LearningRateSchedule)? { get set }
}

/// A schedule times a constant factor; the momentum it sets is the base schedule's.
package struct ScaledSchedule: MomentumSchedule {
    package var base: any LearningRateSchedule
    package var factor: Double

    package init(_ base: any LearningRateSchedule, factor: Double) {
        self.base = base
        self.factor = factor
    }

    package func callAsFunction(step: Int) -> Float {
        if let cycle = base as? OneCycle { return Float(cycle.learningRate(step: step) * factor) }
        return Float(Double(base(step: step)) * factor)
    }

    package func momentum(step: Int) -> Double? { base.scheduledMomentum(step: step) }
}

extension Float {
    /// The Double of this Float's shortest decimal form: 1e-4 as Float becomes 10⁻⁴, not
    /// 9.99999974e-5, so rates derived in double precision round as Python's (PyTorch, fastai) do.
    package var decimalDouble: Double { Double(description) ?? Double(self) }
}

extension SGD: ScheduledOptimizer {}
extension RMSprop: ScheduledOptimizer {}
extension Adam: ScheduledOptimizer {}
extension AdamW: ScheduledOptimizer {}

/// `optimizer` with its schedule removed (its groups' too, under ``ParameterGroups``), so that
/// the rate of each step is its ``Optimizer/learningRate`` as set: what a learning-rate range test
/// drives.
package func unscheduled(_ optimizer: any Optimizer) -> any Optimizer {
    if var groups = optimizer as? ParameterGroups {
        groups.removeSchedules()
        return groups
    }
    guard var scheduled = optimizer as? any ScheduledOptimizer else { return optimizer }
    scheduled.schedule = nil
    return scheduled
}
