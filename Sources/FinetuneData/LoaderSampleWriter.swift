import FinetuneCore

/// A ``SampleLoader``'s sample as a slot of a batch: checked against the loader's image shape and
/// classes, then augmented and preprocessed, as ``PipelinedSource`` serves it.
struct LoaderSampleWriter<Loader: SampleLoader>: SampleWriter {
    let loader: Loader
    let shape: Shape
    let preprocessing: Preprocessing
    /// Labels must index this many classes; `nil` when the source serves no labels.
    let classCount: Int?

    var sampleScalars: Int { shape.scalarCount }

    func write(_ index: Int, transform: AffineTransform?, into output: UnsafeMutableBufferPointer<Float>) throws -> Int {
        let (image, label) = try loader.sample(at: index)
        guard image.shape == shape else {
            throw SampleLoaderError.wrongShape(sample: loader.describe(index), expected: shape, got: image.shape)
        }
        if let classCount, !(0..<classCount).contains(label) {
            throw SampleLoaderError.labelOutOfRange(sample: loader.describe(index), label: label, classCount: classCount)
        }
        image.withUnsafeBufferPointer { pixels in
            if let transform {
                transform.apply(to: pixels, height: shape[0], width: shape[1], channels: shape[2], into: output)
            } else {
                _ = output.update(fromContentsOf: pixels)
            }
        }
        preprocessing.apply(to: output)
        return label
    }

    func describe(_ index: Int) -> String { loader.describe(index) }
}
