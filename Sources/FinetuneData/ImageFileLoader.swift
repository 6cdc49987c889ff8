import FinetuneCore

/// `flow_from_directory`'s per-file work: read, decode (Pillow-exact), resize to the target size;
/// the label is the file's class folder. ``DirectorySource`` feeds it to a ``PipelinedSource``.
struct ImageFileLoader: SampleLoader {
    let paths: [String]
    let labels: [Int]
    let classNames: [String]
    let height: Int
    let width: Int
    let interpolation: ResizeFilter
    let decoding: ImageDecodingOptions

    var sampleCount: Int { paths.count }
    var imageShape: Shape { [height, width, 3] }

    func sample(at index: Int) throws -> (image: Tensor, label: Int) {
        let image = try ImageDecoder.decode(path: paths[index], options: decoding)
            .resized(width: width, height: height, filter: interpolation)
        let pixels = Tensor(shape: imageShape) { output in
            image.pixels.withUnsafeBufferPointer { bytes in
                for i in bytes.indices { output[i] = Float(bytes[i]) }
            }
        }
        return (pixels, labels[index])
    }

    func describe(_ index: Int) -> String { paths[index] }
}
