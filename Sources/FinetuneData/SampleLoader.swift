import FinetuneCore

/// Loads one labelled image by its index: the part of a data source that knows where the data
/// lives (files listed in a CSV, a database, an archive). ``PipelinedSource`` turns a loader into
/// a ``DataSource`` with everything else: batching, background prefetch, Keras' shuffling each
/// pass, augmentation, preprocessing, bad-sample handling and sharding.
///
/// A loader is an immutable value (or an object whose state is safe to share): the source calls
/// ``sample(at:)`` from several worker threads at once, for any index in any order, and the same
/// index must always give the same sample, so a run replays exactly from its seed.
///
/// ``DirectorySource`` serves its folder through such a loader (decode, then resize to the target
/// size); the article "Writing a data source" builds one for a CSV file of image paths and labels.
public protocol SampleLoader: Sendable {
    /// Number of samples; indices are `0 ..< sampleCount`.
    var sampleCount: Int { get }
    /// Class names in label order (label `i` is `classNames[i]`).
    var classNames: [String] { get }
    /// The shape (height, width, channels) of every image ``sample(at:)`` returns.
    var imageShape: Shape { get }
    /// Sample `index`: its image, (height, width, channels) Float32 with values 0–255 (as decoded,
    /// before augmentation and preprocessing, which the source applies), and its class label.
    ///
    /// Throw when the sample cannot be loaded (a missing or damaged file): the source throws the
    /// error from `next()`, or under ``BadFilePolicy/skip`` leaves the sample out of its batch.
    func sample(at index: Int) throws -> (image: Tensor, label: Int)
    /// How messages name sample `index` (usually its file path). Default: `sample <index>`.
    func describe(_ index: Int) -> String
    /// A stable name for exactly the samples this loader serves (e.g. the list file and a hash of
    /// its contents), or `nil` (the default). With it, a source that neither shuffles nor augments
    /// names its repeatable pass (``DataSource/repeatablePassIdentity``), so a trainer may cache
    /// what frozen layers compute for it.
    var contentIdentity: String? { get }
}

extension SampleLoader {
    public func describe(_ index: Int) -> String { "sample \(index)" }
    public var contentIdentity: String? { nil }
}
