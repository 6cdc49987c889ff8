#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Smith's one-cycle policy with cosine annealing (Smith & Topin 2017, "Super-Convergence"), as
/// PyTorch's `OneCycleLR` computes it (two phases, `anneal_strategy="cos"`) and fastai's
/// `fit_one_cycle` uses it.
///
/// Over the first `warmupFraction` of `totalSteps` the rate rises from max / `divFactor` to max,
/// then falls to max / (`divFactor` · `finalDivFactor`), each along half a cosine:
/// f(a, b, p) = b + (a − b)·(1 + cos πp)/2, with p = step / e₁ (e₁ = warmupFraction · totalSteps − 1)
/// in the rise and p = (step − e₁) / (totalSteps − 1 − e₁) in the fall. Steps past the end keep the
/// last rate. The optimizer's momentum (SGD's and RMSprop's μ when it is > 0, Adam's and AdamW's
/// β₁) follows the inverse cycle, from the top of `momentum` down to its bottom and back, when this
/// schedule is an optimizer's `schedule`. PyTorch's defaults; fastai's `fit_one_cycle` is
/// `warmupFraction: 0.25, finalDivFactor: 4e3` (its final rate max / 1e5).
package struct OneCycle: LearningRateSchedule, MomentumSchedule {
    /// The peak rate.
    package var maxLearningRate: Double
    /// Steps in the whole cycle (epochs × steps per epoch).
    package var totalSteps: Int
    /// Fraction of the steps spent rising (PyTorch's `pct_start`).
    package var warmupFraction: Double
    /// The first rate is max / divFactor.
    package var divFactor: Double
    /// The last rate is the first / finalDivFactor.
    package var finalDivFactor: Double
    /// The momentum's range: it starts and ends at the upper bound, and is lowest at the peak rate.
    package var momentum: ClosedRange<Double>

    /// PyTorch's defaults: 30 % warm-up, start at max / 25, end at max / 2.5e5, momentum 0.95 → 0.85 → 0.95.
    /// Needs at least one step in each phase (warmupFraction · totalSteps > 1 and < totalSteps).
    package init(maxLearningRate: Float, totalSteps: Int, warmupFraction: Double = 0.3, divFactor: Double = 25,
                finalDivFactor: Double = 1e4, momentum: ClosedRange<Double> = 0.85...0.95) {
        let peak = warmupFraction * Double(totalSteps) - 1
        precondition(peak > 0 && peak < Double(totalSteps - 1),
                     "OneCycle: warmupFraction · totalSteps must be > 1 and < totalSteps (got \(warmupFraction) · \(totalSteps))")
        precondition(divFactor > 0 && finalDivFactor > 0, "OneCycle: divFactor and finalDivFactor must be positive")
        self.maxLearningRate = maxLearningRate.decimalDouble
        self.totalSteps = totalSteps
        self.warmupFraction = warmupFraction
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.momentum = momentum
    }

    /// The phase and its progress p ∈ [0, 1] at `step`.
    private func progress(_ step: Int) -> (rising: Bool, p: Double) {
        let s = Double(min(max(step, 0), totalSteps - 1))
        let peak = warmupFraction * Double(totalSteps) - 1
        if s <= peak { return (true, s / peak) }
        return (false, (s - peak) / (Double(totalSteps - 1) - peak))
    }

    private static func anneal(_ a: Double, _ b: Double, _ p: Double) -> Double {
        b + (a - b) / 2 * (cos(Double.pi * p) + 1)
    }

    /// The rate in Double; the schedule rounds it to Float once.
    package func learningRate(step: Int) -> Double {
        let initial = maxLearningRate / divFactor, final = initial / finalDivFactor
        let (rising, p) = progress(step)
        return rising ? Self.anneal(initial, maxLearningRate, p) : Self.anneal(maxLearningRate, final, p)
    }

    package func callAsFunction(step: Int) -> Float { Float(learningRate(step: step)) }

    package func momentum(step: Int) -> Double? {
        let (rising, p) = progress(step)
        return rising ? Self.anneal(momentum.upperBound, momentum.lowerBound, p)
                      : Self.anneal(momentum.lowerBound, momentum.upperBound, p)
    }
}

/// A schedule that also sets the optimizer's momentum each step (SGD's and RMSprop's μ when it is
/// > 0, Adam's β₁). Optimizers read it from their `schedule` at the start of every step, like the rate.
package protocol MomentumSchedule: LearningRateSchedule {
    /// The momentum for optimizer step `step` (0-based), or `nil` to leave it as it is.
    func momentum(step: Int) -> Double?
}

extension LearningRateSchedule {
    /// The momentum this schedule sets for step `step`, if it is a ``MomentumSchedule``.
    package func scheduledMomentum(step: Int) -> Double? {
        (self as? any MomentumSchedule)?.momentum(step: step)
    }
}
