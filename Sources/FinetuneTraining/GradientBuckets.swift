import FinetuneCore
import FinetuneNN

/// The flat buffer one distributed training step sums over processes, and the buckets it is
/// summed in.
///
/// Layout: n·gradient of each trainable key in backward order (the last layer's first, a
/// layer's parameters in their forward order), then n·loss, n·metric and n, where n is this
/// process's sample count. Buckets cut the buffer into consecutive parts of at most
/// ``DistributionStrategy/bucketBytes`` bytes, so a bucket may end inside a tensor. They are
/// begun strictly in buffer order — bucket i + 1 never before bucket i, on every process — each
/// as soon as every float in it is written: during the backward pass when gradients arrive
/// through ``receive(layer:gradients:)``, else in ``finish(gradients:loss:metric:)``.
///
/// The trainer's thread alone uses it (the backward pass reports from that thread), hence
/// `@unchecked Sendable`: the backward-pass hook that captures it must be `@Sendable`.
final class GradientBuckets: @unchecked Sendable {
    /// Trainable keys in buffer order, with each one's first float and count.
    let layout: [(key: String, offset: Int, count: Int)]
    /// Floats in the buffer: the gradients, then loss, metric and count.
    let length: Int
    /// Floats per bucket (the last one may be shorter).
    let bucketFloats: Int
    /// Factor applied to every gradient as it is written: the process's sample count.
    var scale: Float = 1

    private let strategy: any DistributionStrategy
    private let storage: UnsafeMutableBufferPointer<Float>
    private let index: [String: Int]
    private var written: [Bool]
    /// Keys `0 ..< writtenPrefix` are all written.
    private var writtenPrefix = 0
    private(set) var bucketsBegun = 0
    /// The first error from a sum begun during the backward pass (whose hook cannot throw).
    private var failure: (any Error)?

    /// A buffer for the parameters `keys` of `model` (any order; laid out in backward order).
    init(model: any Layer, keys: Set<String>, strategy: any DistributionStrategy) {
        var layout: [(key: String, offset: Int, count: Int)] = []
        var offset = 0
        var seen: Set<String> = []
        // Layers back to front; a layer's own keys in their forward order.
        let layers = model.sublayers.isEmpty ? [model as any Layer] : Self.leaves(of: model)
        for layer in layers.reversed() {
            for (key, value) in layer.parameters where keys.contains(key) && seen.insert(key).inserted {
                layout.append((key, offset, value.shape.scalarCount))
                offset += value.shape.scalarCount
            }
        }
        self.layout = layout
        self.length = offset + 3
        self.bucketFloats = max(1, min(strategy.bucketBytes / MemoryLayout<Float>.size, Int(Int32.max)))
        self.strategy = strategy
        self.storage = .allocate(capacity: offset + 3)
        self.index = Dictionary(uniqueKeysWithValues: layout.enumerated().map { ($1.key, $0) })
        self.written = Array(repeating: false, count: layout.count)
    }

    deinit { storage.deallocate() }

    /// Number of buckets the buffer is cut into.
    var bucketCount: Int { (length + bucketFloats - 1) / bucketFloats }

    /// Buffer range of bucket `i`.
    func bucket(_ i: Int) -> Range<Int> { (i * bucketFloats) ..< min(length, (i + 1) * bucketFloats) }

    /// The backward-pass hook (``FinetuneNN/ForwardContext/layerGradientsReady``): writes
    /// `gradients`, begins every bucket now complete, and lets begun sums advance.
    func receive(layer: String, gradients: [String: Tensor]) {
        guard failure == nil else { return }
        do {
            for (key, gradient) in gradients { write(key, gradient) }
            try beginCompleteBuckets(through: writtenFloats)
            if bucketsBegun > 0 { try strategy.progressSums() }
        } catch {
            failure = error
        }
    }

    /// Writes what the backward pass did not report (every gradient in `gradients`, zeros for a
    /// key without one), then `loss`, `metric` and ``scale`` at the end; begins the remaining
    /// buckets and waits for all. Returns the summed buffer, valid while `self` lives.
    func finish(gradients: [String: Tensor], loss: Float, metric: Float) throws -> UnsafeBufferPointer<Float> {
        if let failure { throw failure }
        for (i, entry) in layout.enumerated() where !written[i] {
            if let gradient = gradients[entry.key] {
                write(entry.key, gradient)
            } else {
                UnsafeMutableBufferPointer(rebasing: storage[entry.offset ..< (entry.offset + entry.count)]).update(repeating: 0)
                written[i] = true
            }
        }
        storage[length - 3] = loss * scale
        storage[length - 2] = metric * scale
        storage[length - 1] = scale
        try beginCompleteBuckets(through: length)
        try strategy.finishSums()
        return UnsafeBufferPointer(storage)
    }

    /// The averaged gradient of `key` from the summed buffer: its floats times `factor`.
    func tensor(_ key: String, shape: Shape, factor: Float) -> Tensor {
        guard let entry = index[key].map({ layout[$0] }) else { return Tensor.zeros(shape) }
        return Tensor(shape: shape) { out in
            for i in 0..<entry.count { out[i] = storage[entry.offset + i] * factor }
        }
    }

    // MARK: - Helpers

    /// Floats at the start of the buffer that are written (gradients only).
    private var writtenFloats: Int {
        writtenPrefix < layout.count ? layout[writtenPrefix].offset : length - 3
    }

    private func write(_ key: String, _ gradient: Tensor) {
        guard let i = index[key], !written[i] else { return }
        let entry = layout[i]
        precondition(gradient.scalarCount == entry.count, "gradient of '\(key)' has \(gradient.scalarCount) floats, expected \(entry.count)")
        let n = scale
        gradient.withUnsafeBufferPointer { g in
            for j in 0..<entry.count { storage[entry.offset + j] = g[j] * n }
        }
        written[i] = true
        while writtenPrefix < layout.count, written[writtenPrefix] { writtenPrefix += 1 }
    }

    private func beginCompleteBuckets(through end: Int) throws {
        while bucketsBegun < bucketCount, bucket(bucketsBegun).upperBound <= end {
            let range = bucket(bucketsBegun)
            try strategy.beginSum(UnsafeMutableBufferPointer(rebasing: storage[range]))
            bucketsBegun += 1
        }
    }

    private static func leaves(of layer: any Layer) -> [any Layer] {
        layer.sublayers.flatMap { $0.sublayers.isEmpty ? [$0] : leaves(of: $0) }
    }
}
