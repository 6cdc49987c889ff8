import Foundation

/// The result of a learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training
/// Neural Networks", §3.3; fastai's `lr_find`): the rate and mini-batch loss of every step, the
/// smoothed loss, and fastai's two suggestions.
///
/// Smoothing is fastai's `AvgSmoothLoss`: an exponential moving average started at 0 with bias
/// correction, aᵢ = β·aᵢ₋₁ + (1 − β)·lossᵢ, smoothedᵢ = aᵢ / (1 − βⁱ⁺¹), β = 0.98. The test stops
/// after the step whose smoothed loss exceeds 4× the lowest smoothed loss so far (that step is
/// recorded), or at a non-finite loss (not recorded).
///
/// Suggestions are computed as fastai's `lr_find` does, on the points from `steps / 10` to the
/// fifth-last (or to the last before a non-finite loss): `valley` (the longest decreasing run of the smoothed loss, then the point ~1/2 of
/// the way into it) and `steep` (the steepest descent of the smoothed loss against log rate).
package struct LearningRateRange: Sendable, Equatable {
    /// fastai's smoothing factor β.
    package static let beta = 0.98
    /// The test stops once the smoothed loss exceeds this many times its minimum.
    package static let divergenceFactor = 4.0

    /// The rate of each recorded step (the head's rate under discriminative rates).
    package var rates: [Double]
    /// The mini-batch loss of each step, before its update (what the step's rate was tried on).
    package var losses: [Double]
    /// ``losses`` smoothed as described above.
    package var smoothed: [Double]
    /// The steps the test was asked to run (`steps / 10` decides where suggestions start).
    package var requestedSteps: Int
    /// Why the test ended before ``requestedSteps``: `"diverged"`, `"non-finite loss"`, or nil.
    package var stopReason: String?
    /// fastai's `valley` suggestion: (index into ``rates``, rate), nil with too few points.
    package var valley: (index: Int, rate: Double)?
    /// fastai's `steep` suggestion: (index into ``rates``, rate), nil with too few points.
    package var steep: (index: Int, rate: Double)?

    /// Records `losses` taken at `rates` (one each) of a test of `requestedSteps` steps: smooths,
    /// applies the divergence stop and computes both suggestions. A non-finite loss ends the record
    /// before it.
    package init(rates: [Double], losses: [Double], requestedSteps: Int) {
        precondition(rates.count == losses.count, "LearningRateRange: one loss per rate")
        self.requestedSteps = requestedSteps
        self.rates = []
        self.losses = []
        self.smoothed = []
        var smoother = Smoother()
        for (rate, loss) in zip(rates, losses) {
            guard loss.isFinite else { stopReason = "non-finite loss"; break }
            let (value, diverged) = smoother.add(loss)
            self.rates.append(rate)
            self.losses.append(loss)
            smoothed.append(value)
            if diverged { stopReason = "diverged"; break }
        }
        let window = Self.suggestionWindow(count: smoothed.count, requestedSteps: requestedSteps,
                                           endedAtNonFinite: stopReason == "non-finite loss")
        let r = Array(self.rates[window]), s = Array(smoothed[window])
        valley = Self.valley(s).map { (window.lowerBound + $0, r[$0]) }
        steep = Self.steep(rates: r, losses: s).map { (window.lowerBound + $0, r[$0]) }
    }

    /// fastai's `AvgSmoothLoss` and `LRFinder`'s stop rule, one loss at a time.
    package struct Smoother {
        private var average = 0.0, count = 0, best = Double.infinity
        package init() {}
        /// The smoothed loss after `loss`, and whether it exceeds 4× the lowest so far.
        package mutating func add(_ loss: Double) -> (smoothed: Double, diverged: Bool) {
            count += 1
            average = LearningRateRange.beta * average + (1 - LearningRateRange.beta) * loss
            let value = average / (1 - pow(LearningRateRange.beta, Double(count)))
            best = min(best, value)
            return (value, value > LearningRateRange.divergenceFactor * best)
        }
    }

    /// Whether the smoothed loss went over ``divergenceFactor`` × its minimum.
    package var diverged: Bool { stopReason == "diverged" }

    /// fastai's `lr_find` slice `[steps // 10 : -5]` of the recorded points. After a NaN loss
    /// fastai's test runs on to `steps` (a NaN never compares greater) and the slice is then cut
    /// at the first NaN: here the record ends there, so the window ends at `count` or `steps − 5`.
    static func suggestionWindow(count: Int, requestedSteps: Int, endedAtNonFinite: Bool) -> Range<Int> {
        let lower = min(requestedSteps / 10, count)
        let end = endedAtNonFinite ? min(count, requestedSteps - 5) : count - 5
        return lower..<max(lower, end)
    }

    /// fastai's `valley`: the longest strictly decreasing subsequence of `losses` (ending where it
    /// first reaches its greatest length), and the index a third plus a sixth of the way into it.
    static func valley(_ losses: [Double]) -> Int? {
        let n = losses.count
        guard n > 0 else { return nil }
        var lengths = [Int](repeating: 1, count: n)
        var start = 0, end = 0
        for i in 1..<max(n, 1) {
            for j in 0..<i {
                if losses[i] < losses[j] && lengths[i] < lengths[j] + 1 { lengths[i] = lengths[j] + 1 }
                if lengths[end] < lengths[i] {
                    end = i
                    start = end - lengths[end]
                }
            }
        }
        let sections = Double(end - start) / 3
        let index = start + Int(sections) + Int(sections / 2)
        return index < 0 ? index + n : index   // Python's negative index, as fastai's list lookup reads it
    }

    /// fastai's `steep`: the index i minimising (lossᵢ₊₁ − lossᵢ) / (ln rateᵢ₊₁ − ln rateᵢ), the
    /// first on ties.
    static func steep(rates: [Double], losses: [Double]) -> Int? {
        guard losses.count >= 2 else { return nil }
        var best: Int?, bestSlope = Double.infinity
        for i in 0..<(losses.count - 1) {
            let slope = (losses[i + 1] - losses[i]) / (log(rates[i + 1]) - log(rates[i]))
            if slope < bestSlope { bestSlope = slope; best = i }
        }
        return best
    }

    package static func == (a: Self, b: Self) -> Bool {
        a.rates == b.rates && a.losses == b.losses && a.smoothed == b.smoothed && a.requestedSteps == b.requestedSteps
            && a.stopReason == b.stopReason && a.valley?.index == b.valley?.index && a.steep?.index == b.steep?.index
    }
}
