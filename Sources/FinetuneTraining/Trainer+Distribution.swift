import FinetuneCore
import FinetuneNN
import FinetuneData

/// Outcome of one training step over the whole (global) batch.
struct StepResult {
    var loss: Float
    var metric: Float
    /// Samples of the global batch (all processes).
    var count: Int
}

extension Trainer {
    /// Whether this process writes files: always when training alone, only rank 0 under a
    /// ``DistributionStrategy``.
    package var isPrimaryProcess: Bool { distribution?.isPrimary ?? true }

    /// One step on this process's shard of a batch, combined with the other processes' shards
    /// through a ``GradientBuckets`` buffer (reduced during the backward pass when the strategy
    /// ``DistributionStrategy/overlapsBackward``). Alone (no ``distribution``) it is exactly
    /// ``trainStep(_:)``.
    /// `observe` sees the (combined) gradients before the optimizer applies them.
    func step(_ batch: Batch, observe: ([String: Tensor]) -> Void = { _ in }) throws -> StepResult {
        guard let distribution else {
            let (loss, metric) = try trainStep(batch, observe: observe)
            return StepResult(loss: loss, metric: metric, count: batch.count)
        }
        guard classWeights == nil else {
            throw TrainerError.invalidArgument("class weights are not supported in distributed training yet; train in one process")
        }
        let shapes = Dictionary(model.parameters.filter { trainable.contains($0.key) }.map { ($0.key, $0.value.shape) },
                                uniquingKeysWith: { first, _ in first })
        let buckets = GradientBuckets(model: model, keys: trainable, strategy: distribution)
        buckets.scale = Float(batch.count)
        var loss: Float = 0, metric: Float = 0
        var gradients: [String: Tensor] = [:]
        var stateUpdates: [String: Tensor] = [:]
        if batch.count > 0 {
            var context = ForwardContext(mode: .training, trainable: trainable, needsInputGradient: false, rng: rng)
            context.batchPart = batch.part
            if distribution.overlapsBackward {
                context.layerGradientsReady = { [buckets] layer, gradients in buckets.receive(layer: layer, gradients: gradients) }
            }
            let result = model.lossAndGradients(batch.images, labels: batch.labels, loss: self.loss, context: &context)
            rng = context.rng
            (loss, gradients) = (result.loss, result.gradients)
            stateUpdates = context.stateUpdates
            metric = self.metric(result.prediction.output, labels: batch.labels)
        }
        let buffer = try buckets.finish(gradients: gradients, loss: loss, metric: metric)
        let total = buffer[buffer.count - 1]
        guard total > 0 else { throw TrainerError.invalidArgument("every process read an empty batch") }
        let globalLoss = buffer[buffer.count - 3] / total
        guard globalLoss.isFinite else { throw TrainerError.nonFiniteLoss(epoch: epochsCompleted + 1, step: nil, value: globalLoss) }
        let scale = 1 / total
        var averaged: [String: Tensor] = [:]
        for (key, shape) in shapes { averaged[key] = buckets.tensor(key, shape: shape, factor: scale) }
        let globalMetric = buffer[buffer.count - 2] / total
        observe(averaged)
        try model.apply(optimizer: &optimizer, gradients: averaged)
        try writeState(stateUpdates, count: batch.count, distribution: distribution)
        return StepResult(loss: globalLoss, metric: globalMetric, count: Int(total))
    }

    /// Writes the state a training step updated (moving statistics) into the model: the mean of
    /// the processes' updates weighted by their sample counts, so every process keeps the same
    /// state — what one process would get from the mean of the processes' batch statistics. (Each
    /// process normalises its own shard with that shard's statistics, as Keras does unless
    /// `BatchNormalization(synchronized=True)`.) Every process sends every updated key, zeros when
    /// its shard was empty, so the buffers have the same length everywhere.
    private func writeState(_ updates: [String: Tensor], count: Int, distribution: any DistributionStrategy) throws {
        let keys = model.updatedStateKeys(trainable: trainable)
        guard !keys.isEmpty else { return }
        let shapes = Dictionary(model.parameters.map { ($0.key, $0.value.shape) }, uniquingKeysWith: { first, _ in first })
        var buffer: [Double] = []
        for key in keys {
            let n = shapes[key]?.scalarCount ?? 0
            if let update = updates[key], update.scalarCount == n {
                buffer += update.scalars.map { Double($0) * Double(count) }
            } else {
                buffer += [Double](repeating: 0, count: n)
            }
        }
        buffer.append(Double(count))
        try distribution.sum(&buffer)
        guard let total = buffer.last, total > 0 else { return }
        var offset = 0, merged: [String: Tensor] = [:]
        for key in keys {
            guard let shape = shapes[key] else { continue }
            let n = shape.scalarCount
            merged[key] = Tensor(shape: shape, scalars: buffer[offset..<(offset + n)].map { Float($0 / total) })
            offset += n
        }
        try model.setParameters(merged)
    }

    /// Sums an evaluation pass's weighted loss and metric over all processes (nothing alone).
    func combine(_ mean: WeightedMean) throws -> WeightedMean {
        guard let distribution else { return mean }
        var buffer = [mean.lossSum, mean.accuracySum, Double(mean.count)]
        try distribution.sum(&buffer)
        return WeightedMean(lossSum: buffer[0], accuracySum: buffer[1], count: Int(buffer[2]))
    }

    /// Whether any process's callbacks asked to stop (callbacks that run on rank 0 only may), so
    /// every process leaves `fit` after the same epoch.
    func anyProcessStops(_ stop: Bool) throws -> Bool {
        guard let distribution else { return stop }
        var flag: [Double] = [stop ? 1 : 0]
        try distribution.sum(&flag)
        return flag[0] > 0
    }

    /// Refuses a checkpoint written by a run of another world size (other than one process).
    func checkWorldSize(saved: Int?) throws {
        let current = distribution?.worldSize ?? 1
        guard let saved, saved > 1, current > 1, saved != current else { return }
        throw TrainerError.worldSizeMismatch(saved: saved, current: current)
    }
}
