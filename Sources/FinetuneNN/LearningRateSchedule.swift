#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A learning rate as a function of the optimizer's step count (Keras'
/// `LearningRateSchedule`). An optimizer with a schedule evaluates it at `iterations` before every
/// step and uses that value.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate for optimizer step `step` (0-based: the optimizer's `iterations`).
    func callAsFunction(step: Int) -> Float
}

/// Keras' `ExponentialDecay`: lr = initial · rate^(step / decaySteps); with `staircase` the
/// exponent is floored (step decay: × rate every `decaySteps` steps).
package struct ExponentialDecay: LearningRateSchedule {
    /// The rate at step 0.
    package var initialLearningRate: Float
    /// Steps over which the rate is multiplied by `decayRate` once.
    package var decaySteps: Int
    /// Factor applied every `decaySteps` steps.
    package var decayRate: Float
    /// Floor the exponent, so the rate changes in steps rather than continuously.
    package var staircase: Bool

    /// `decaySteps` must be positive.
    package init(initialLearningRate: Float, decaySteps: Int, decayRate: Float, staircase: Bool = false) {
        precondition(decaySteps > 0, "ExponentialDecay: decaySteps must be positive")
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.decayRate = decayRate
        self.staircase = staircase
    }

    package func callAsFunction(step: Int) -> Float {
        var p = Float(step) / Float(decaySteps)
        if staircase { p = p.rounded(.down) }
        return initialLearningRate * powf(decayRate, p)
    }
}

/// Keras' `PiecewiseConstantDecay`: `values[0]` while step ≤ boundaries[0], `values[1]` while
/// step ≤ boundaries[1], …, and the last value after the last boundary.
package struct PiecewiseConstantDecay: LearningRateSchedule {
    /// Step numbers where the rate changes, increasing.
    package var boundaries: [Int]
    /// One more rate than `boundaries`.
    package var values: [Float]

    /// Needs one more value than boundaries, and increasing boundaries.
    package init(boundaries: [Int], values: [Float]) {
        precondition(values.count == boundaries.count + 1, "PiecewiseConstantDecay: need one more value than boundaries")
        precondition(zip(boundaries, boundaries.dropFirst()).allSatisfy { $0 < $1 }, "boundaries must increase")
        self.boundaries = boundaries
        self.values = values
    }

    package func callAsFunction(step: Int) -> Float {
        values[boundaries.firstIndex { step <= $0 } ?? boundaries.count]
    }
}
