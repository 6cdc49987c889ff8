import Foundation
import FinetuneCore
import FinetuneNN
import FinetuneData

extension Trainer {
    /// A learning-rate range test (Smith 2017; fastai's `lr_find`) from the trainer's current
    /// state, which is put back afterwards bit for bit: weights, moving statistics, optimizer slots
    /// and step count, learning rate, RNG, and `train`'s position.
    ///
    /// Step i (0-based) of `steps` trains one batch of `train` at rate
    /// start · (end / start)^(i / steps) — exponentially from `start` towards `end`, as fastai's
    /// `SchedExp` — with the current optimizer stripped of any schedule (under discriminative
    /// rates, the head's rate; the other groups keep their ratios). It stops early as
    /// ``LearningRateRange`` describes (smoothed loss > 4× its minimum, or a non-finite loss).
    /// fastai runs at least 6 steps; so does this.
    package func findLearningRate(_ train: inout some DataSource, start: Double = 1e-7, end: Double = 10,
                                  steps: Int = 100) throws -> LearningRateRange {
        guard start > 0, end > start else {
            throw TrainerError.invalidArgument("the range test needs 0 < start < end, got start \(start), end \(end)")
        }
        if trainable.isEmpty { throw TrainerError.nothingToTrain }
        let steps = max(steps, 6)
        let saved = (model: model, optimizer: optimizer, rng: rng, trainingPosition: trainingPosition,
                     dataPosition: train.position)
        defer {
            model = saved.model
            optimizer = saved.optimizer
            rng = saved.rng
            trainingPosition = saved.trainingPosition
            featureCache.invalidate()
        }
        optimizer = unscheduled(optimizer)
        var rates: [Double] = [], losses: [Double] = []
        var smoother = LearningRateRange.Smoother()
        for i in 0..<steps {
            if let stopSignal, stopSignal.isRequested { throw TrainerError.interrupted(epoch: epochsCompleted + 1, step: i) }
            let rate = start * pow(end / start, Double(i) / Double(steps))
            optimizer.learningRate = Float(rate)
            let batch = try train.next()
            let loss: Float
            do {
                loss = try trainStep(batch) { _ in }.loss
            } catch TrainerError.nonFiniteLoss(_, _, let value) {
                loss = value
            }
            rates.append(Double(optimizer.learningRate))
            losses.append(Double(loss))
            // The same stop rule as LearningRateRange, checked as the steps go.
            guard loss.isFinite else { break }
            if smoother.add(Double(loss)).diverged { break }
        }
        try train.seek(to: saved.dataPosition)
        return LearningRateRange(rates: rates, losses: losses, requestedSteps: steps)
    }
}
