import FinetuneCore

/// One batch: images NHWC Float32 and labels (n, 1) for binary, (n, classes) for categorical.
public struct Batch: Sendable {
    public var images: Tensor
    public var labels: Tensor
    /// Set by a sharded source (``ShardableSource/sharded(_:)``): the samples of the whole batch
    /// before this shard, and in the whole batch. `nil` for a whole batch.
    package var part: (offset: Int, wholeCount: Int)? = nil
    public init(images: Tensor, labels: Tensor) {
        precondition(images.shape.first == labels.shape.first,
                     "batch: \(images.shape) images but \(labels.shape) labels")
        self.images = images
        self.labels = labels
    }
    public var count: Int { images.shape.first ?? 0 }
}

/// Where a ``DataSource`` stands, saved in checkpoints so a resumed run sees the same batches.
public struct DataSourcePosition: Codable, Sendable, Hashable {
    /// Complete passes over the data already served.
    public var pass: Int
    /// Batches of the current pass already served.
    public var batch: Int
    public init(pass: Int = 0, batch: Int = 0) { self.pass = pass; self.batch = batch }
}

/// An endless, deterministic stream of batches, as Keras' iterators are: `next()` continues
/// across passes (reshuffling each pass when the source shuffles), so `steps_per_epoch` may be
/// smaller or larger than one pass.
public protocol DataSource {
    /// Number of samples in one pass.
    var sampleCount: Int { get }
    /// Samples per batch (the last batch of a pass may be smaller, as in Keras).
    var batchSize: Int { get }
    /// Class names in label order (index = label).
    var classNames: [String] { get }
    /// The next batch.
    mutating func next() throws -> Batch
    /// Where the stream stands.
    var position: DataSourcePosition { get }
    /// Moves the stream to `position` (as saved from ``position``).
    mutating func seek(to position: DataSourcePosition) throws
    /// A stable name for the batches one pass yields when every pass yields exactly the same
    /// batches in the same order (no shuffling, no augmentation), `nil` otherwise. A trainer may
    /// then cache what frozen layers compute for those batches (validation and test sets).
    var repeatablePassIdentity: String? { get }
}

extension DataSource {
    public var repeatablePassIdentity: String? { nil }

    /// Batches in one pass: ⌈samples / batch size⌉.
    public var batchesPerPass: Int { (sampleCount + batchSize - 1) / max(batchSize, 1) }
}
