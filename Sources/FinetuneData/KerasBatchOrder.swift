/// Which samples each batch holds, exactly as Keras' `Iterator` (the `next()` path,
/// `_flow_index`) orders them.
///
/// A pass covers all `n` samples in ⌈n / batchSize⌉ batches; the last one holds the remainder.
/// With `shuffle`, pass p's order is `np.random.permutation(n)` drawn right after
/// `np.random.seed(seed + p·batchesPerPass)` — Keras reseeds with `seed + total_batches_seen`
/// before every batch and draws a new permutation at the first batch of each pass. Without
/// `shuffle` every pass is 0, 1, …, n − 1. With ``balanced`` set, every pass is its class-balanced
/// draws instead (no Keras equivalent; the batch count is the same).
package struct KerasBatchOrder: Sendable, Hashable {
    package let sampleCount: Int
    package let batchSize: Int
    package let shuffle: Bool
    package let seed: Int
    /// Class-balanced draws replacing Keras' order (`nil`: Keras' order).
    package var balanced: BalancedSampling?

    package init(sampleCount: Int, batchSize: Int, shuffle: Bool, seed: Int) {
        precondition(sampleCount > 0 && batchSize > 0, "KerasBatchOrder: \(sampleCount) samples, batch \(batchSize)")
        self.sampleCount = sampleCount
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
    }

    package var batchesPerPass: Int { (sampleCount + batchSize - 1) / batchSize }

    /// Batches seen before (pass, batch): Keras' `total_batches_seen`.
    package func globalBatch(pass: Int, batch: Int) -> Int { pass * batchesPerPass + batch }

    /// The seed Keras gives NumPy before global batch `g`: (seed + g) mod 2³².
    package func numpySeed(globalBatch g: Int) -> UInt32 { UInt32(truncatingIfNeeded: seed &+ g) }

    /// The sample order of pass `pass`.
    package func order(pass: Int) -> [Int] {
        if let balanced { return balanced.order(pass: pass) }
        guard shuffle else { return Array(0..<sampleCount) }
        var rng = MT19937(seed: numpySeed(globalBatch: globalBatch(pass: pass, batch: 0)))
        return rng.permutation(sampleCount)
    }

    /// The samples of batch `batch` of pass `pass`, given that pass's order.
    package func samples(batch: Int, in order: [Int]) -> ArraySlice<Int> {
        let lo = batch * batchSize
        return order[lo..<min(lo + batchSize, sampleCount)]
    }
}
