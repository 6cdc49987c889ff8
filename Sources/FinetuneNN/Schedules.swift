/// Learning-rate schedules (Keras' `keras.optimizers.schedules.*`, and the one-cycle policy of
/// PyTorch and fastai), made by name and given to an optimizer as its `schedule`: the optimizer
/// evaluates the schedule at its step count before every step, so a resumed run follows the same
/// curve. A schedule of your own conforms to ``LearningRateSchedule``.
///
/// ```swift
/// let steps = epochs * stepsPerEpoch
/// let optimizer = Optimizers.adamW(learningRate: 1e-3,
///                                  schedule: Schedules.oneCycle(maxLearningRate: 1e-3, totalSteps: steps))
/// ```
public enum Schedules {
    /// Keras' `ExponentialDecay`: lr = initial · rate^(step / decaySteps); with `staircase` the
    /// exponent is floored (× rate every `decaySteps` steps: step decay). `decaySteps` must be positive.
    public static func exponentialDecay(initialLearningRate: Float, decaySteps: Int, decayRate: Float,
                                        staircase: Bool = false) -> any LearningRateSchedule {
        ExponentialDecay(initialLearningRate: initialLearningRate, decaySteps: decaySteps, decayRate: decayRate,
                         staircase: staircase)
    }

    /// Keras' `PiecewiseConstantDecay`: `values[0]` while step ≤ boundaries[0], `values[1]` while
    /// step ≤ boundaries[1], …, the last value after the last boundary. Needs one more value than
    /// boundaries, and increasing boundaries.
    public static func piecewiseConstant(boundaries: [Int], values: [Float]) -> any LearningRateSchedule {
        PiecewiseConstantDecay(boundaries: boundaries, values: values)
    }

    /// Keras 3's `CosineDecay`: an optional linear warm-up from `initialLearningRate` to
    /// `warmupTarget` over `warmupSteps`, then half a cosine over `decaySteps` down to `alpha` × the
    /// rate it started from, where it stays. Computed in Float32 in Keras' order.
    public static func cosineDecay(initialLearningRate: Float, decaySteps: Int, alpha: Double = 0,
                                   warmupTarget: Float? = nil, warmupSteps: Int = 0) -> any LearningRateSchedule {
        CosineDecay(initialLearningRate: initialLearningRate, decaySteps: decaySteps, alpha: alpha,
                    warmupTarget: warmupTarget, warmupSteps: warmupSteps)
    }

    /// Smith's one-cycle policy with cosine annealing, as PyTorch's `OneCycleLR` computes it: over
    /// the first `warmupFraction` of `totalSteps` the rate rises from max / `divFactor` to max, then
    /// falls to max / (`divFactor` · `finalDivFactor`), each along half a cosine; steps past the end
    /// keep the last rate. The optimizer's momentum (SGD's and RMSprop's μ when > 0, Adam's and
    /// AdamW's β₁) follows the inverse cycle over `momentum`. PyTorch's defaults; fastai's
    /// `fit_one_cycle` is `warmupFraction: 0.25, finalDivFactor: 4e3`. Needs at least one step in
    /// each phase.
    public static func oneCycle(maxLearningRate: Float, totalSteps: Int, warmupFraction: Double = 0.3,
                                divFactor: Double = 25, finalDivFactor: Double = 1e4,
                                momentum: ClosedRange<Double> = 0.85...0.95) -> any LearningRateSchedule {
        OneCycle(maxLearningRate: maxLearningRate, totalSteps: totalSteps, warmupFraction: warmupFraction,
                 divFactor: divFactor, finalDivFactor: finalDivFactor, momentum: momentum)
    }
}
