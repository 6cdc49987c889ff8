import ArgumentParser
import Foundation
import Finetune

/// `finetune explain`: Grad-CAM heatmaps showing where the model looked.
package struct ExplainCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Draw Grad-CAM heatmaps of where the model looked, over each image.",
        discussion: """
        For each image, writes <name>.gradcam.png into --out: the image with the Grad-CAM heatmap \
        of the predicted class (or --class) blended over it, red where the explained layer's \
        features raised that class's score most. The default layer is the last convolution \
        (VGG16: block5_conv3; with another backbone, the base's output, its last convolution's activation); \
        --layer picks another.

        With --tensorboard DIR, also logs each PNG, byte for byte, as the image gradcam/<name>         of the run DIR/evaluation, at the checkpoint's optimizer step count (as `finetune         evaluate --tensorboard`) or --step.

        Examples:
          finetune explain run1/phase2.ftckpt photos/test/cats/cat.1500.jpg --out explained
          finetune explain run1/phase2.ftckpt photos/test/dogs --out explained --layer block4_conv3 --class dogs
          finetune explain run1/phase2.ftckpt photos/test/cats --tensorboard run1/logs
        """)

    @Argument(help: ArgumentHelp("A checkpoint written by `finetune train` (.ftckpt).", valueName: "checkpoint"))
    package var checkpoint: String

    @Argument(help: ArgumentHelp("Image files or folders of images.", valueName: "image|dir"))
    package var inputs: [String]

    @Option(help: ArgumentHelp("Folder for the heatmap PNGs.", valueName: "dir"))
    package var out: String = "explained"

    @Option(help: "The layer to explain (default: the last convolution).")
    package var layer: String?

    @Option(name: .customLong("class"), help: "Explain this class instead of the predicted one.")
    package var className: String?

    @OptionGroup(title: "TensorBoard") package var logs: EvaluationLogOptions

    package init() {}

    package func run() throws {
        try runReportingErrors("explain") {
            for row in try explain() {
                print("\(row.file)  \(row.label) " + String(format: "%.4f", row.probability) + "  → \(row.output)")
            }
            if let dir = logs.tensorboard {
                print("Logged them to \(dir)/evaluation as gradcam/<name>; watch with `tensorboard --logdir \(dir)`")
            }
        }
    }

    /// One explained image.
    package struct Explained {
        package var file: String
        package var label: String
        package var probability: Float
        package var output: String
        package var heatmap: Tensor
    }

    package func explain() throws -> [Explained] {
        let trained = try TrainedModel.load(checkpoint)
        let d = trained.description
        let files = try ImageFiles.collect(inputs)
        var forced: Int?
        if let className {
            guard let index = d.classNames.firstIndex(of: className) else {
                throw CommandLineError.invalidValue(flag: "--class", value: className, expected: "one of \(d.classNames.joined(separator: ", "))")
            }
            forced = index
        }
        let camera = try GradCAM(model: trained.model, layer: layer, isBinary: d.isBinary)
        let tensorboard = try logs.logger(for: trained)
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var source = try DirectorySource(listing: DirectoryListing(files: files, classNames: d.classNames),
                                         targetSize: (d.imageHeight, d.imageWidth), classMode: d.classMode, batchSize: 1,
                                         shuffle: false, preprocessing: try d.preprocessingValue(), workers: 1, quiet: true)
        let progress = StepProgress("explain")
        var results: [Explained] = []
        for (n, file) in files.enumerated() {
            let image = try source.next().images
            let probabilities = d.probabilities(outputRow: trained.model(image).scalars[...])
            let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
            let explained = forced ?? predicted
            let heatmap = camera.heatmap(image, classIndex: explained)
            let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            let target = folder.appendingPathComponent("\(stem).gradcam.png")
            let overlay = HeatmapOverlay.blend(heatmap, over: try ImageDecoder.decode(path: file))
            try writePNG(rgb: overlay.pixels, width: overlay.width, height: overlay.height, to: target)
            try tensorboard?.logger.logImage("gradcam/\(stem)", pngFile: target, step: tensorboard?.step ?? 0, run: .evaluation)
            results.append(Explained(file: file, label: d.classNames[explained], probability: probabilities[explained],
                                     output: target.path, heatmap: heatmap))
            progress.update(n + 1, files.count)
        }
        try tensorboard?.logger.flush()
        return results
    }
}
