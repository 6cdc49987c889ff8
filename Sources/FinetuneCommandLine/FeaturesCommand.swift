import ArgumentParser
import Foundation
import Finetune

/// `finetune features`: the book's "fast feature extraction" (Chollet §5.3.1) — run a pretrained
/// convolutional base once over a folder of classes and keep what it computes, for a classifier
/// trained elsewhere (NumPy, scikit-learn) or a quick linear probe.
package struct FeaturesCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write a pretrained base's features of every image of a folder of classes as NumPy arrays.",
        discussion: """
        Writes OUTDIR/features.npy (float32: one row per image — (images, channels) with --pooling \
        avg or max, (images, height, width, channels) with none), OUTDIR/labels.npy (int32 class \
        indices) and OUTDIR/files.txt (one path per line, relative to DIR), in the order of Keras' \
        flow_from_directory(shuffle=False): classes sorted, files sorted within each class. \
        Images are resized as flow_from_directory does (nearest) and never augmented.

        Example (NumPy: np.load("feats/features.npy"), np.load("feats/labels.npy")):
          finetune features photos/train --backbone vgg16 --image-size 150 --out feats
        """)

    @Argument(help: ArgumentHelp("A folder with one folder of images per class.", valueName: "dir"))
    package var directory: String

    @Option(help: ArgumentHelp("The convolutional base: \(Backbone.names).", valueName: "name"))
    package var backbone: Backbone = .vgg16

    @Option(help: ArgumentHelp("Pretrained weights of the base (Keras .h5 / .weights.h5 / .safetensors; for efficientnet-lite, the PyTorch .pth), or 'none' for random weights. Default: as `finetune train --backbone B` finds them.", valueName: "file|none"))
    package var weights: String?

    @Option(name: .customLong("image-size"), help: "Images are resized to this height and width (at least 32).")
    package var imageSize: Int = 224

    @Option(help: ArgumentHelp("Input scaling (default: what the backbone's pretrained weights expect, e.g. caffe for vgg16): \(ModelDescription.preprocessingNames.joined(separator: ", ")).", valueName: "mode"))
    package var preprocessing: String?

    @Option(help: ArgumentHelp("Reduce each image's feature map: avg (global average), max (global maximum) or none (keep it).", valueName: "avg|max|none"))
    package var pooling: String = "avg"

    @Option(help: ArgumentHelp("Folder for features.npy, labels.npy and files.txt (created if missing).", valueName: "outdir"))
    package var out: String

    @Option(name: .customLong("batch-size"), help: "Images per batch.")
    package var batchSize: Int = 32

    package init() {}

    package func validate() throws {
        try FlagCheck.integer("--image-size", imageSize, in: 32...4096)
        try FlagCheck.integer("--batch-size", batchSize, in: 1...4096)
        try FlagCheck.word("--pooling", pooling, in: ["avg", "max", "none"])
        try FlagCheck.word("--preprocessing", preprocessing, in: ModelDescription.preprocessingNames)
    }

    package func run() throws {
        try runReportingErrors("features") { try extract() }
    }

    /// Reads, runs and writes; returns the shape written to features.npy.
    @discardableResult
    package func extract(progress: Bool = isatty(2) != 0) throws -> [Int] {
        guard FileManager.default.fileExists(atPath: directory) else {
            throw CommandLineError.missingFile(flag: "dir", path: directory)
        }
        let scaling = try ModelDescription.preprocessing(named: preprocessing ?? backbone.pretrainedPreprocessing)
        var source = try DirectorySource(directory: directory, targetSize: (imageSize, imageSize), classMode: .sparse,
                                         batchSize: batchSize, shuffle: false, preprocessing: scaling)
        var base = try backbone.base(inputShape: [imageSize, imageSize, 3])
        switch try backbone.locateWeights(flag: weights) {
        case let .file(url, origin):
            do {
                let what = try backbone.loadWeights(from: url, into: &base)
                FileHandle.standardError.write(Data("finetune features: \(what) from \(origin): \(url.path)\n".utf8))
            } catch {
                throw RunError.badInput(flag: "--weights", path: url.path, underlying: error)
            }
        case let .none(reason):
            FileHandle.standardError.write(Data("finetune features: WARNING: \(reason): the base has random weights.\n".utf8))
        }
        let steps = source.batchesPerPass
        let bar = StepProgress("features", enabled: progress)
        var rows: [Float] = [], labels: [Int32] = [], rowShape: [Int] = []
        for step in 0..<steps {
            let batch = try source.next()
            let map = base(batch.images)
            let pooled = try Self.pool(map, pooling)
            rowShape = Array(pooled.shape.dimensions.dropFirst())
            rows += pooled.scalars
            labels += batch.labels.scalars.map { Int32($0) }
            bar.update(step + 1, steps)
        }
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let shape = [labels.count] + rowShape
        try NumpyFile.write(float32: rows, shape: shape, to: outURL.appendingPathComponent("features.npy"))
        try NumpyFile.write(int32: labels, to: outURL.appendingPathComponent("labels.npy"))
        try AtomicFile.write(Array((source.listing.relativePaths.joined(separator: "\n") + "\n").utf8),
                             to: outURL.appendingPathComponent("files.txt"))
        print("finetune features: \(labels.count) images, classes \(source.classNames.joined(separator: ", ")); "
              + "features \(shape) in \(outURL.appendingPathComponent("features.npy").path)")
        return shape
    }

    /// `map` (batch, height, width, channels) reduced over height and width, or unchanged.
    static func pool(_ map: Tensor, _ pooling: String) throws -> Tensor {
        guard pooling != "none" else { return map }
        guard map.rank == 4 else {
            throw CommandLineError.invalidValue(flag: "--pooling", value: pooling, expected: "none (the base's output is not an image)")
        }
        let layer: any Layer = pooling == "max" ? Layers.globalMaxPooling2D() : Layers.globalAveragePooling2D()
        return layer(map)
    }
}
