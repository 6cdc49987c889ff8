import FinetuneCore

/// Keras' `ImageDataGenerator(...).flow_from_directory(...)` as a ``DataSource``: batches of
/// Float32 NHWC images from a folder with one sub-folder per class.
///
/// Listing and class order: ``DirectoryListing``. Batch order and reshuffling each pass:
/// `KerasBatchOrder` (Keras' exact permutation for a seed). Per image: decode
/// (``ImageDecoder``, Pillow-exact), resize to `targetSize` (``ResizeFilter``, NEAREST by default
/// as in Keras), augment on 0–255 floats (``Augmentation``), then ``Preprocessing``. Decoding and
/// augmentation run on `workers` background threads that keep the next `prefetch` batches ready;
/// the batches are identical for any worker count, and the threads stop when the last copy of
/// the source is released. ``position`` / ``seek(to:)`` resume a stream exactly.
///
/// It is a ``PipelinedSource`` over a loader of its listing's files: a source of another kind of
/// data gets the same batching, prefetch, shuffling, augmentation and sharding from a
/// ``SampleLoader`` of its own.
public struct DirectorySource: ShardableSource, Sendable {
    package let listing: DirectoryListing
    package let classMode: ClassMode
    package let imageHeight: Int
    package let imageWidth: Int
    public let batchSize: Int
    package let onBadFile: BadFilePolicy
    public var position: DataSourcePosition { batches.position }

    /// The files decoded, resized, augmented and batched.
    private var batches: PipelinedSource<ImageFileLoader>
    /// Set when every pass yields the same batches (no shuffling, no augmentation).
    private var wholePassIdentity: String?
    public var repeatablePassIdentity: String? { wholePassIdentity.map { shard.isWhole ? $0 : "\($0), \(shard)" } }

    /// - Parameters:
    ///   - directory: the split folder (e.g. `data/train`), holding one folder per class.
    ///   - targetSize: (height, width) every image is resized to (Keras' default 256×256).
    ///   - classMode: how labels are served: `.binary` (one 0/1 column), `.categorical` (one-hot,
    ///     Keras' default), `.sparse` (class index) — Keras' `class_mode`.
    ///   - batchSize: images per batch (the last batch of a pass may be smaller).
    ///   - shuffle: a new random order every pass (Keras' order for the same `seed`).
    ///   - seed: shuffling and augmentation seed (Keras' `seed`; NumPy takes it modulo 2³²).
    ///   - classes: explicit class folders in label order (default: all, sorted).
    ///   - interpolation: the resize filter (Keras' `interpolation`, default nearest).
    ///   - preprocessing: applied to the 0–255 values after augmentation (e.g. `.rescale255`).
    ///   - augmentation: random transforms of every image (Keras' `ImageDataGenerator`), or nil.
    ///   - randomness: how augmentation draws its random numbers (per sample, or Keras' own stream).
    ///   - workers: decoding threads (0 = decode on the calling thread, no prefetch).
    ///   - prefetch: batches kept in flight ahead of the consumer.
    ///   - onBadFile: throw on an unreadable image (default), or skip it and list it in
    ///     ``skippedFiles``.
    ///   - decoding: decoder settings (EXIF orientation, the largest image accepted).
    ///   - quiet: no warnings on stderr for skipped files.
    public init(directory: String, targetSize: (height: Int, width: Int) = (256, 256),
                classMode: ClassMode = .categorical, batchSize: Int = 32, shuffle: Bool = true, seed: Int = 0,
                classes: [String]? = nil, interpolation: ResizeFilter = .nearest,
                preprocessing: Preprocessing = .none, augmentation: Augmentation? = nil,
                randomness: AugmentationRandomness = .perSample, workers: Int = 2, prefetch: Int = 2,
                onBadFile: BadFilePolicy = .throw, decoding: ImageDecodingOptions = .init(), quiet: Bool = false) throws {
        guard targetSize.height > 0, targetSize.width > 0 else {
            throw DataError.invalidConfiguration("target size \(targetSize.height)×\(targetSize.width) must be positive")
        }
        guard batchSize > 0 else { throw DataError.invalidConfiguration("batch size \(batchSize) must be positive") }
        let scalars = [targetSize.height, targetSize.width, 3, batchSize].reduce((1, false)) { acc, n in
            let (product, overflow) = acc.0.multipliedReportingOverflow(by: n)
            return (product, acc.1 || overflow)
        }
        guard !scalars.1, scalars.0 <= Self.maximumBatchScalars else {
            throw DataError.invalidConfiguration("a batch of \(batchSize) images of \(targetSize.height)×\(targetSize.width) "
                + "needs more than \(Self.maximumBatchScalars) floats (16 GiB); use smaller images or batches")
        }
        try augmentation?.validate()
        guard workers >= 0, prefetch >= 1 else {
            throw DataError.invalidConfiguration("workers \(workers) must be ≥ 0 and prefetch \(prefetch) ≥ 1")
        }
        let listing = try DirectoryListing(root: directory, classes: classes, allowEmptyClasses: onBadFile == .skip)
        try self.init(listing: listing, targetSize: targetSize, classMode: classMode, batchSize: batchSize,
                      shuffle: shuffle, seed: seed, interpolation: interpolation, preprocessing: preprocessing,
                      augmentation: augmentation, randomness: randomness, workers: workers, prefetch: prefetch,
                      onBadFile: onBadFile, decoding: decoding, quiet: quiet)
    }

    /// A source over the files of `listing` (all of a folder, or a part of one from
    /// ``DirectoryListing/split(validationFraction:seed:)``); the other parameters as above.
    public init(listing: DirectoryListing, targetSize: (height: Int, width: Int) = (256, 256),
                classMode: ClassMode = .categorical, batchSize: Int = 32, shuffle: Bool = true, seed: Int = 0,
                interpolation: ResizeFilter = .nearest, preprocessing: Preprocessing = .none,
                augmentation: Augmentation? = nil, randomness: AugmentationRandomness = .perSample,
                workers: Int = 2, prefetch: Int = 2, onBadFile: BadFilePolicy = .throw,
                decoding: ImageDecodingOptions = .init(), quiet: Bool = false) throws {
        guard targetSize.height > 0, targetSize.width > 0 else {
            throw DataError.invalidConfiguration("target size \(targetSize.height)×\(targetSize.width) must be positive")
        }
        guard batchSize > 0 else { throw DataError.invalidConfiguration("batch size \(batchSize) must be positive") }
        try augmentation?.validate()
        guard workers >= 0, prefetch >= 1 else {
            throw DataError.invalidConfiguration("workers \(workers) must be ≥ 0 and prefetch \(prefetch) ≥ 1")
        }
        let directory = listing.root
        let loader = ImageFileLoader(paths: listing.paths, labels: listing.labels, classNames: listing.classNames,
                                     height: targetSize.height, width: targetSize.width,
                                     interpolation: interpolation, decoding: decoding)
        let batches = try PipelinedSource(loader: loader, classMode: classMode, batchSize: batchSize, shuffle: shuffle,
                                          seed: seed, preprocessing: preprocessing, augmentation: augmentation,
                                          randomness: randomness, workers: workers, prefetch: prefetch,
                                          onBadFile: onBadFile, quiet: quiet)
        for name in listing.emptyClasses {
            batches.log.record(path: join(directory, name), reason: "\(DataError.emptyClassFolder(path: join(directory, name), extensions: DirectoryListing.acceptedExtensions))")
        }
        self.listing = listing
        self.classMode = classMode
        self.imageHeight = targetSize.height
        self.imageWidth = targetSize.width
        self.batchSize = batchSize
        self.onBadFile = onBadFile
        self.batches = batches
        self.wholePassIdentity = shuffle || augmentation != nil ? nil
            : "DirectorySource(\(directory), classes: \(listing.classNames), files: \(listing.relativePaths.count) "
                + "(list hash \(listing.relativePaths.hashValue)), "
                + "size: \(targetSize.height)x\(targetSize.width), \(interpolation), \(preprocessing), batch: \(batchSize), "
                + "\(classMode), \(onBadFile), EXIF: \(decoding.appliesEXIFOrientation))"
    }

    /// The most Float32 values one batch may hold (2³² = 16 GiB); larger settings are refused
    /// with an error instead of failing to allocate.
    package static let maximumBatchScalars = 1 << 32

    public var sampleCount: Int { listing.relativePaths.count }
    public var classNames: [String] { listing.classNames }
    /// Keras' `class_indices`: class name → label.
    package var classIndices: [String: Int] {
        Dictionary(uniqueKeysWithValues: listing.classNames.enumerated().map { ($1, $0) })
    }
    /// Files left out so far under ``BadFilePolicy/skip`` (empty class folders included).
    public var skippedFiles: [SkippedFile] { batches.skippedFiles }

    public mutating func next() throws -> Batch { try batches.next() }

    public mutating func seek(to position: DataSourcePosition) throws { try batches.seek(to: position) }

    /// The part of each batch this source serves (the whole batch unless ``sharded(_:)``).
    public var shard: DataShard { batches.shard }

    /// A copy serving only `shard` of each batch (its own worker threads; the other slots are
    /// never decoded), at this source's position. Positions and ``batchesPerPass`` are those of
    /// the whole stream.
    public func sharded(_ shard: DataShard) -> DirectorySource {
        var copy = self
        copy.batches = batches.sharded(shard)
        return copy
    }

    /// A copy drawing class-balanced passes instead of Keras' shuffled order: each pass as many
    /// draws as there are files, with replacement, every class equally likely
    /// (``BalancedSampling``: PyTorch's `WeightedRandomSampler` with inverse-frequency weights,
    /// seeded by this source's seed). For training data; at this source's position.
    package func balanced() -> DirectorySource {
        var copy = self
        copy.batches = batches.balanced(labels: listing.labels)
        copy.wholePassIdentity = nil
        return copy
    }

    /// The pipeline serving this source and its copies (tests check its threads).
    var pipeline: BatchPipeline { batches.pipeline }

    /// The dataset indices (into ``DirectoryListing/relativePaths``) of pass `pass`, in batch order.
    package func sampleOrder(pass: Int) -> [Int] { batches.sampleOrder(pass: pass) }
}
