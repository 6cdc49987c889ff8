import FinetuneCore

/// A sample a ``SampleLoader`` returned that its ``PipelinedSource`` cannot put in a batch. Like a
/// damaged file, it is thrown from `next()`, or skipped under ``BadFilePolicy/skip``.
public enum SampleLoaderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The image's shape is not the loader's ``SampleLoader/imageShape``.
    case wrongShape(sample: String, expected: Shape, got: Shape)
    /// The label is not the index of one of the loader's ``SampleLoader/classNames``.
    case labelOutOfRange(sample: String, label: Int, classCount: Int)

    public var description: String {
        switch self {
        case let .wrongShape(sample, expected, got):
            return "\(sample): the loader returned an image of shape \(got), but its imageShape is \(expected); "
                + "resize every image to imageShape in sample(at:)"
        case let .labelOutOfRange(sample, label, classCount):
            return "\(sample): label \(label) is not a class index in 0..<\(classCount); "
                + "labels index the loader's classNames"
        }
    }
}
