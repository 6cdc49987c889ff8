/// Produces one sample's final floats (augmented, preprocessed) from its dataset index: the work
/// ``BatchPipeline``'s threads do for each slot of a batch. Writers are immutable values, safe to
/// call from several worker threads at once.
protocol SampleWriter: Sendable {
    /// Floats one sample occupies in a batch (h · w · channels).
    var sampleScalars: Int { get }
    /// Writes sample `index`, transformed by `transform` (if any) and preprocessed, to `output`,
    /// and returns its class label (0 from a writer whose source labels samples itself).
    func write(_ index: Int, transform: AffineTransform?, into output: UnsafeMutableBufferPointer<Float>) throws -> Int
    /// The sample (its file) for messages.
    func describe(_ index: Int) -> String
}

/// `ImageDataGenerator.flow`'s per-sample work on in-memory 0–255 images.
struct ArraySampleWriter: SampleWriter {
    let images: [Float]
    let height: Int
    let width: Int
    let channels: Int
    let preprocessing: Preprocessing

    var sampleScalars: Int { height * width * channels }

    func write(_ index: Int, transform: AffineTransform?, into output: UnsafeMutableBufferPointer<Float>) throws -> Int {
        images.withUnsafeBufferPointer { all in
            let sample = UnsafeBufferPointer(rebasing: all[(index * sampleScalars)..<((index + 1) * sampleScalars)])
            if let transform {
                transform.apply(to: sample, height: height, width: width, channels: channels, into: output)
            } else {
                for i in 0..<sampleScalars { output[i] = sample[i] }
            }
        }
        preprocessing.apply(to: output)
        return 0
    }

    func describe(_ index: Int) -> String { "sample \(index)" }
}
