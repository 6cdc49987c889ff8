import FinetuneCore

/// A ``SampleLoader`` as a ``DataSource``: the loader says where each labelled image comes from;
/// this source batches them, loads them on background threads, reshuffles every pass, augments
/// and preprocesses them, and serves any ``DataShard`` of each batch — the pipeline of
/// ``DirectorySource`` (which is itself this source over its folder's files), Keras'
/// `ImageDataGenerator` semantics included.
///
/// - **Batches and order**: `KerasBatchOrder` — with `shuffle`, pass p is NumPy's
///   `permutation(n)` after `seed(seed + p·batchesPerPass)`, exactly as Keras' iterators order a
///   pass; without it, 0, 1, …, n − 1. The last batch of a pass holds the remainder.
/// - **Per sample**: `loader.sample(at:)` (0–255 floats), then ``Augmentation`` when given (draws
///   from ``AugmentationRandomness``: per sample, or Keras' own NumPy stream), then
///   ``Preprocessing``.
/// - **Labels**: the loader's class indices as ``ClassMode`` lays them out.
/// - **Threads**: `workers` threads keep the next `prefetch` batches ready; every random choice
///   is made before any sample is loaded, so the batches are identical for any worker count. The
///   threads stop when the last copy of the source is released.
/// - **Resuming**: ``position`` / ``seek(to:)`` continue a stream exactly (checkpoints save it).
/// - **Bad samples**: an error of `sample(at:)`, an image of another shape than
///   ``SampleLoader/imageShape`` or a label outside the classes (``SampleLoaderError``) is thrown
///   from ``next()``, or with ``BadFilePolicy/skip`` leaves that sample out of its batch.
public struct PipelinedSource<Loader: SampleLoader>: ShardableSource, Sendable {
    /// Where the samples come from.
    public let loader: Loader
    /// How labels are laid out (Keras' `class_mode`).
    package let classMode: ClassMode
    /// Samples per batch; the last batch of a pass holds the remainder.
    public let batchSize: Int
    /// Applied to every image after augmentation.
    package let preprocessing: Preprocessing
    /// What happens to a sample that cannot be loaded.
    package let onBadFile: BadFilePolicy
    /// Where the stream stands: the next batch served.
    public private(set) var position = DataSourcePosition()

    private var owner: PipelineOwner
    let log: SkipLog
    private var order: KerasBatchOrder
    /// Set when every pass yields the same batches (no shuffling, no augmentation) and the loader
    /// names its contents.
    private var wholePassIdentity: String?

    /// - Parameters:
    ///   - loader: the samples; its ``SampleLoader/imageShape`` is the shape of every image.
    ///   - classMode: how labels are laid out (Keras' `class_mode`).
    ///   - batchSize: samples per batch (the last batch of a pass may be smaller).
    ///   - shuffle: a new order every pass (Keras' permutation for `seed`).
    ///   - seed: shuffling and augmentation seed (Keras' `seed`; NumPy takes it modulo 2³²).
    ///   - preprocessing: applied after augmentation (e.g. ``Preprocessing/rescale255``).
    ///   - augmentation: random affine transforms and flips (Keras' `ImageDataGenerator` options).
    ///   - randomness: where augmentation draws come from.
    ///   - workers: loading threads (0 = load on the calling thread, no prefetch).
    ///   - prefetch: batches kept in flight ahead of the consumer.
    ///   - onBadFile: throw (default) or skip a sample that cannot be loaded.
    ///   - quiet: no warnings on stderr for skipped samples.
    /// - Throws: ``DataError/invalidConfiguration(_:)`` for a loader without samples or classes, an
    ///   image shape that is not (height, width, channels), a batch too large to allocate, an
    ///   invalid augmentation or thread setting, or caffe preprocessing of images without 3 channels.
    public init(loader: Loader, classMode: ClassMode = .categorical, batchSize: Int = 32, shuffle: Bool = true,
                seed: Int = 0, preprocessing: Preprocessing = .none, augmentation: Augmentation? = nil,
                randomness: AugmentationRandomness = .perSample, workers: Int = 2, prefetch: Int = 2,
                onBadFile: BadFilePolicy = .throw, quiet: Bool = false) throws {
        let shape = loader.imageShape
        guard shape.rank == 3, shape.dimensions.allSatisfy({ $0 > 0 }) else {
            throw DataError.invalidConfiguration("the loader's image shape \(shape) must be (height, width, channels), all positive")
        }
        guard loader.sampleCount > 0 else { throw DataError.invalidConfiguration("the loader has no samples") }
        guard classMode == .none || !loader.classNames.isEmpty else {
            throw DataError.invalidConfiguration("the loader has no class names; \(classMode) labels index them")
        }
        guard batchSize > 0 else { throw DataError.invalidConfiguration("batch size \(batchSize) must be positive") }
        let (scalars, overflow) = shape.scalarCount.multipliedReportingOverflow(by: batchSize)
        guard !overflow, scalars <= DirectorySource.maximumBatchScalars else {
            throw DataError.invalidConfiguration("a batch of \(batchSize) images of shape \(shape) needs more than "
                + "\(DirectorySource.maximumBatchScalars) floats (16 GiB); use smaller images or batches")
        }
        try augmentation?.validate()
        guard workers >= 0, prefetch >= 1 else {
            throw DataError.invalidConfiguration("workers \(workers) must be ≥ 0 and prefetch \(prefetch) ≥ 1")
        }
        if preprocessing.needsRGB, shape[2] != 3 {
            throw DataError.invalidConfiguration("\(preprocessing) preprocessing needs 3 channels, the loader's images have \(shape[2])")
        }
        self.loader = loader
        self.classMode = classMode
        self.batchSize = batchSize
        self.preprocessing = preprocessing
        self.onBadFile = onBadFile
        self.log = SkipLog(quiet: quiet)
        self.order = KerasBatchOrder(sampleCount: loader.sampleCount, batchSize: batchSize, shuffle: shuffle, seed: seed)
        let planner = BatchPlanner(order: order, augmentation: augmentation, randomness: randomness,
                                   height: shape[0], width: shape[1])
        let writer = LoaderSampleWriter(loader: loader, shape: shape, preprocessing: preprocessing,
                                        classCount: classMode == .none ? nil : loader.classNames.count)
        self.owner = PipelineOwner(BatchPipeline(planner: planner, writer: writer, workers: workers, depth: prefetch))
        self.wholePassIdentity = shuffle || augmentation != nil ? nil : loader.contentIdentity.map {
            "PipelinedSource(\($0), shape: \(shape), batch: \(batchSize), \(classMode), \(preprocessing), \(onBadFile))"
        }
    }

    /// The loader's sample count.
    public var sampleCount: Int { loader.sampleCount }
    /// The loader's class names (label order).
    public var classNames: [String] { loader.classNames }
    /// Samples left out so far under ``BadFilePolicy/skip``, named by ``SampleLoader/describe(_:)``.
    public var skippedFiles: [SkippedFile] { log.files }
    public var repeatablePassIdentity: String? { wholePassIdentity.map { shard.isWhole ? $0 : "\($0), \(shard)" } }

    public mutating func next() throws -> Batch {
        let result = owner.pipeline.batch(at: position)
        let loader = self.loader, classMode = self.classMode, classCount = loader.classNames.count
        let batch = try result.assemble(shape: loader.imageShape.dimensions, policy: onBadFile, log: log,
                                        describe: { loader.describe($0) },
                                        labels: { _, classes in classMode.labels(classes, classCount: classCount) })
        position = position.advanced(batchesPerPass: batchesPerPass)
        return batch
    }

    public mutating func seek(to position: DataSourcePosition) throws {
        try position.validate(batchesPerPass: batchesPerPass)
        self.position = position
    }

    /// The part of each batch this source serves (the whole batch unless ``sharded(_:)``).
    public var shard: DataShard { owner.pipeline.shard }

    /// A copy serving only `shard` of each batch (its own worker threads; the other samples are
    /// never loaded), at this source's position. Positions and ``batchesPerPass`` are those of the
    /// whole stream.
    public func sharded(_ shard: DataShard) -> PipelinedSource {
        var copy = self
        copy.owner = PipelineOwner(owner.pipeline.sharded(shard))
        return copy
    }

    /// A copy drawing class-balanced passes (``BalancedSampling``, seeded by this source's seed)
    /// instead of Keras' order, at this source's position, with its own worker threads;
    /// `labels[i]` is sample i's class (the loader's labels, which only loading would reveal).
    package func balanced(labels: [Int]) -> PipelinedSource {
        precondition(labels.count == sampleCount, "balanced: \(labels.count) labels for \(sampleCount) samples")
        var copy = self
        copy.order.balanced = BalancedSampling(labels: labels, seed: order.seed)
        copy.owner = PipelineOwner(owner.pipeline.reordered(copy.order))
        copy.wholePassIdentity = nil
        return copy
    }

    /// The dataset indices of pass `pass`, in batch order.
    package func sampleOrder(pass: Int) -> [Int] { order.order(pass: pass) }

    /// The pipeline serving this source and its copies (tests check its threads).
    var pipeline: BatchPipeline { owner.pipeline }
}
