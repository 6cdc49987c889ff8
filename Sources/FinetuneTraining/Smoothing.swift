/// Exponential moving average, the book's `smooth_curve` (Chollet, *Deep Learning with Python*,
/// §5.3): s₀ = x₀, sᵢ = f·sᵢ₋₁ + (1 − f)·xᵢ. `factor` f ∈ [0, 1): 0 returns the series unchanged,
/// larger is smoother (Chollet's recipe uses 0.8). Empty in, empty out. A NaN poisons everything after it,
/// as in the book's code.
package func exponentialMovingAverage(_ series: [Double], factor: Double = 0.8) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(series.count)
    for x in series {
        if let previous = out.last { out.append(previous * factor + x * (1 - factor)) } else { out.append(x) }
    }
    return out
}

extension History {
    /// `metric` of every epoch that has it, with the epoch number: the points of a curve.
    package func series(_ metric: Monitor) -> (epochs: [Int], values: [Double]) {
        var epochNumbers: [Int] = [], values: [Double] = []
        for record in epochs {
            guard let v = metric.value(in: record) else { continue }
            epochNumbers.append(record.epoch); values.append(v)
        }
        return (epochNumbers, values)
    }

    /// `metric` of every epoch that has it, smoothed by an exponential moving average, the book's
    /// `smooth_curve` (Chollet, §5.3): s₀ = x₀, sᵢ = f·sᵢ₋₁ + (1 − f)·xᵢ with `factor` f ∈ [0, 1)
    /// (0: unchanged; Chollet's recipe uses 0.8); a NaN poisons what follows, as in the book's code.
    /// With `restartingEachPhase` (the default) each phase is smoothed on its own, s₀ = x₀ at its
    /// first epoch, so phase 2's curve is exactly the book's smoothed fine-tuning curve and phase 1
    /// does not leak into it; otherwise the whole series is one EMA.
    public func smoothed(_ metric: Monitor, factor: Double = 0.8,
                         restartingEachPhase: Bool = true) -> (epochs: [Int], values: [Double]) {
        guard restartingEachPhase else {
            let (e, v) = series(metric)
            return (e, exponentialMovingAverage(v, factor: factor))
        }
        var epochNumbers: [Int] = [], values: [Double] = []
        var run: [Double] = [], runPhase: Int?
        func flush() { values += exponentialMovingAverage(run, factor: factor); run = [] }
        for record in epochs {
            guard let v = metric.value(in: record) else { continue }
            if record.phase != runPhase { flush(); runPhase = record.phase }
            epochNumbers.append(record.epoch); run.append(v)
        }
        flush()
        return (epochNumbers, values)
    }

    /// Phases in order of first appearance, each with its first epoch: `[(1, 1), (2, 31)]` for
    /// a run of Chollet's recipe.
    package var phaseStarts: [(phase: Int, epoch: Int)] {
        var seen = Set<Int>(), starts: [(phase: Int, epoch: Int)] = []
        for record in epochs where seen.insert(record.phase).inserted {
            starts.append((record.phase, record.epoch))
        }
        return starts
    }
}
