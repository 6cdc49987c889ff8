/// One batch worked out before any pixel is touched: which samples, and each one's transform.
/// Planning is cheap and runs on the caller's thread; workers only execute plans, so the
/// batches are identical for any number of workers.
struct BatchPlan: Sendable {
    /// Pass and batch within the pass.
    let position: DataSourcePosition
    /// Dataset indices, in batch order.
    let samples: [Int]
    /// Per slot: the augmentation to apply, nil for none.
    let transforms: [AffineTransform?]
    /// For a shard: the samples of the whole batch before it, and in the whole batch.
    var part: (offset: Int, wholeCount: Int)? = nil
}

/// The planning shared by ``PipelinedSource`` (and so ``DirectorySource``) and ``ArraySource``:
/// Keras' batch order plus the augmentation draws.
struct BatchPlanner: Sendable {
    var order: KerasBatchOrder
    let augmentation: Augmentation?
    let randomness: AugmentationRandomness
    let height: Int
    let width: Int
    /// The part of each batch to plan; the draws are those of the whole batch either way.
    var shard = DataShard.whole

    func plan(_ position: DataSourcePosition) -> BatchPlan {
        let whole = planWhole(position)
        guard !shard.isWhole else { return whole }
        let slots = shard.slots(inBatchOf: whole.samples.count)
        return BatchPlan(position: position, samples: Array(whole.samples[slots]),
                         transforms: Array(whole.transforms[slots]), part: (slots.lowerBound, whole.samples.count))
    }

    private func planWhole(_ position: DataSourcePosition) -> BatchPlan {
        let passOrder = order.order(pass: position.pass)
        let samples = Array(order.samples(batch: position.batch, in: passOrder))
        guard let augmentation else {
            return BatchPlan(position: position, samples: samples, transforms: samples.map { _ in nil })
        }
        var transforms: [AffineTransform?] = []
        transforms.reserveCapacity(samples.count)
        switch randomness {
        case .perSample:
            for s in samples {
                var rng = AugmentationRandomness.sampleGenerator(seed: order.seed, pass: position.pass, sample: s)
                transforms.append(augmentation.transform(augmentation.randomParameters(height: height, width: width, using: &rng)))
            }
        case .kerasStream:
            let g = order.globalBatch(pass: position.pass, batch: position.batch)
            var rng = MT19937(seed: order.numpySeed(globalBatch: g))
            if order.shuffle && position.batch == 0 { _ = rng.permutation(order.sampleCount) }
            for _ in samples {
                transforms.append(augmentation.transform(augmentation.randomParameters(height: height, width: width, using: &rng)))
            }
        }
        return BatchPlan(position: position, samples: samples, transforms: transforms)
    }
}
