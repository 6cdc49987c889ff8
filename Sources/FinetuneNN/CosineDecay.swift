#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Keras 3's `CosineDecay`: an optional linear warm-up, then half a cosine down to `alpha` × the
/// rate it started from (Loshchilov & Hutter 2017, SGDR, without restarts).
///
/// Without a warm-up target: lr = initial · ((1 − α)·(1 + cos(π·min(step, decaySteps)/decaySteps))/2 + α).
/// With `warmupTarget`: the rate rises linearly from `initialLearningRate` to the target over
/// `warmupSteps`, then decays from the target by the same formula over `decaySteps`; past the end
/// it stays at α × target. Computed in Float32 in Keras' order.
package struct CosineDecay: LearningRateSchedule {
    /// The rate at step 0 (the warm-up's start when there is one).
    package var initialLearningRate: Float
    /// Steps of the cosine decay.
    package var decaySteps: Int
    /// The final rate as a fraction of the rate the decay starts from.
    package var alpha: Float
    /// The rate the warm-up reaches; `nil`: no warm-up.
    package var warmupTarget: Float?
    /// Steps of the linear warm-up.
    package var warmupSteps: Int

    /// Keras' defaults: α 0, no warm-up. `decaySteps` must be positive.
    package init(initialLearningRate: Float, decaySteps: Int, alpha: Double = 0, warmupTarget: Float? = nil,
                warmupSteps: Int = 0) {
        precondition(decaySteps > 0, "CosineDecay: decaySteps must be positive")
        precondition(warmupSteps >= 0, "CosineDecay: warmupSteps must be ≥ 0")
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.alpha = Float(alpha)
        self.oneMinusAlpha = Float(1 - alpha)
        self.warmupTarget = warmupTarget
        self.warmupSteps = warmupSteps
    }

    /// 1 − α in double precision, then rounded (Keras computes it in Python).
    private var oneMinusAlpha: Float

    private func decay(_ step: Float, from rate: Float) -> Float {
        let fraction = step / Float(decaySteps)
        let cosine = 0.5 * (1 + cosf(Float.pi * fraction))
        return rate * (oneMinusAlpha * cosine + alpha)
    }

    package func callAsFunction(step: Int) -> Float {
        guard let target = warmupTarget else {
            return decay(min(Float(step), Float(decaySteps)), from: initialLearningRate)
        }
        let s = min(Float(step), Float(decaySteps) + Float(warmupSteps))
        if s < Float(warmupSteps) {
            return (target - initialLearningRate) * (s / Float(warmupSteps)) + initialLearningRate
        }
        return decay(s - Float(warmupSteps), from: target)
    }
}
