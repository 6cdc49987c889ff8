/// Produces one sample's final floats (augmented, preprocessed) from its dataset index. Loaders
/// are immutable values, safe to call from several worker threads at once.
protocol SampleLoader: Sendable {
    /// Floats one sample occupies in a batch (h · w · channels).
    var sampleScalars: Int { get }
    /// Writes sample `index`, transformed by `transform` (if any) and preprocessed, to `output`.
    func load(_ index: Int, transform: AffineTransform?, into output: UnsafeMutableBufferPointer<Float>) throws
    /// The file a sample comes from, for messages.
    func describe(_ index: Int) -> String
}

/// `flow_from_directory`'s per-file work: read, decode (Pillow-exact), resize, augment, preprocess.
struct FileSampleLoader: SampleLoader {
    let paths: [String]
    let height: Int
    let width: Int
    let interpolation: ResizeFilter
    let decoding: ImageDecodingOptions
    let preprocessing: Preprocessing

    var sampleScalars: Int { height * width * 3 }

    func load(_ index: Int, transform: AffineTransform?, into output: UnsafeMutableBufferPointer<Float>) throws {
        let image = try ImageDecoder.decode(path: paths[index], options: decoding)
            .resized(width: width, height: height, filter: interpolation)
        image.pixels.withUnsafeBufferPointer { pixels in
            if let transform {
                transform.apply(to: pixels, height: height, width: width, channels: 3, into: output)
            } else {
                for i in 0..<sampleScalars { output[i] = Float(pixels[i]) }
            }
        }
        preprocessing.apply(to: output)
    }

    func describe(_ index: Int) -> String { paths[index] }
}

/// `ImageDataGenerator.flow`'s per-sample work on in-memory 0–255 images.
struct ArraySampleLoader: SampleLoader {
    let images: [Float]
    let height: Int
    let width: Int
    let channels: Int
    let preprocessing: Preprocessing

    var sampleScalars: Int { height * width * channels }

    func load(_ index: Int, transform: AffineTransform?, into output: UnsafeMutableBufferPointer<Float>) throws {
        images.withUnsafeBufferPointer { all in
            let sample = UnsafeBufferPointer(rebasing: all[(index * sampleScalars)..<((index + 1) * sampleScalars)])
            if let transform {
                transform.apply(to: sample, height: height, width: width, channels: channels, into: output)
            } else {
                for i in 0..<sampleScalars { output[i] = sample[i] }
            }
        }
        preprocessing.apply(to: output)
    }

    func describe(_ index: Int) -> String { "sample \(index)" }
}
