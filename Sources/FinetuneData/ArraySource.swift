import FinetuneCore

/// In-memory images and labels as a ``DataSource`` — Keras' `ImageDataGenerator.flow(x, y)`:
/// the same batch order (`KerasBatchOrder`), augmentation and preprocessing as
/// ``DirectorySource``, computed on the calling thread. For tests and golden runs.
public struct ArraySource: ShardableSource, Sendable {
    public let batchSize: Int
    public let classNames: [String]
    public private(set) var position = DataSourcePosition()
    public let sampleCount: Int

    private let shape: [Int]
    private let labelRows: [Float]
    private let labelWidth: Int
    private var owner: PipelineOwner
    private let order: KerasBatchOrder
    /// Set when every pass yields the same batches (no shuffling, no augmentation); names the
    /// contents by an FNV-1a hash of the images and labels.
    private let wholePassIdentity: String?
    public var repeatablePassIdentity: String? { wholePassIdentity.map { shard.isWhole ? $0 : "\($0), \(shard)" } }

    /// - Parameters:
    ///   - images: (n, height, width, channels), 0–255 floats (before preprocessing).
    ///   - labels: (n,) or (n, k); served as (batch, 1) or (batch, k).
    ///   - batchSize: samples per batch (the last batch of a pass may be smaller).
    ///   - shuffle: a new random order every pass (Keras' `fit(shuffle=True)` order for `seed`).
    ///   - seed: shuffling and augmentation seed.
    ///   - augmentation: random transforms of every image (Keras' `ImageDataGenerator`), or nil.
    ///   - randomness: how augmentation draws its random numbers (per sample, or Keras' own stream).
    ///   - preprocessing: applied to the values after augmentation (e.g. `.rescale255`).
    ///   - classNames: the classes' names, in label order (default: none).
    public init(images: Tensor, labels: Tensor, batchSize: Int, shuffle: Bool = false, seed: Int = 0,
                augmentation: Augmentation? = nil, randomness: AugmentationRandomness = .perSample,
                preprocessing: Preprocessing = .none, classNames: [String] = []) throws {
        guard images.rank == 4, images.shape[0] > 0 else {
            throw DataError.invalidConfiguration("ArraySource images must be (n, height, width, channels) with n > 0, got \(images.shape)")
        }
        guard (labels.rank == 1 || labels.rank == 2), labels.shape[0] == images.shape[0] else {
            throw DataError.invalidConfiguration("ArraySource labels \(labels.shape) do not match images \(images.shape)")
        }
        guard batchSize > 0 else { throw DataError.invalidConfiguration("batch size \(batchSize) must be positive") }
        try augmentation?.validate()
        if preprocessing.needsRGB, images.shape[3] != 3 {
            throw DataError.invalidConfiguration("\(preprocessing) preprocessing needs 3 channels, images have \(images.shape[3])")
        }
        let n = images.shape[0]
        self.sampleCount = n
        self.batchSize = batchSize
        self.classNames = classNames
        self.shape = Array(images.shape.dimensions.dropFirst())
        self.labelRows = labels.scalars
        self.labelWidth = labels.rank == 1 ? 1 : labels.shape[1]
        self.order = KerasBatchOrder(sampleCount: n, batchSize: batchSize, shuffle: shuffle, seed: seed)
        let planner = BatchPlanner(order: order, augmentation: augmentation, randomness: randomness,
                                   height: images.shape[1], width: images.shape[2])
        let writer = ArraySampleWriter(images: images.scalars, height: images.shape[1], width: images.shape[2],
                                       channels: images.shape[3], preprocessing: preprocessing)
        self.owner = PipelineOwner(BatchPipeline(planner: planner, writer: writer, workers: 0, depth: 1))
        if shuffle || augmentation != nil {
            self.wholePassIdentity = nil
        } else {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for v in images.scalars + labels.scalars {
                hash = (hash ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01b3
            }
            self.wholePassIdentity = "ArraySource(\(images.shape), \(labels.shape), batch: \(batchSize), "
                + "\(preprocessing), contents: \(String(hash, radix: 16)))"
        }
    }

    public mutating func next() throws -> Batch {
        let result = owner.pipeline.batch(at: position)
        let rows = labelRows, width = labelWidth
        let batch = try result.assemble(shape: shape, policy: .throw, log: SkipLog(quiet: true), describe: { "sample \($0)" },
                                        labels: { samples, _ in
            Tensor(shape: [samples.count, width], scalars: samples.flatMap { rows[($0 * width)..<(($0 + 1) * width)] })
        })
        position = position.advanced(batchesPerPass: batchesPerPass)
        return batch
    }

    public mutating func seek(to position: DataSourcePosition) throws {
        try position.validate(batchesPerPass: batchesPerPass)
        self.position = position
    }

    /// The part of each batch this source serves (the whole batch unless ``sharded(_:)``).
    public var shard: DataShard { owner.pipeline.shard }

    /// A copy serving only `shard` of each batch (its own worker threads; the other slots are
    /// never decoded), at this source's position. Positions and ``batchesPerPass`` are those of
    /// the whole stream.
    public func sharded(_ shard: DataShard) -> ArraySource {
        var copy = self
        copy.owner = PipelineOwner(owner.pipeline.sharded(shard))
        return copy
    }
}
