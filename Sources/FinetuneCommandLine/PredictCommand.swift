import ArgumentParser
import Foundation
import Finetune

/// `finetune predict`: the label and probability of each image.
package struct PredictCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Label images with a trained model.",
        discussion: """
        Prints one row per image: the file, the most probable class and its probability (and the \
        next ones with --top K). Folders are searched recursively for images. With --json, prints \
        a JSON array instead: [{"file": …, "label": …, "probability": …, "top": [{"label": …, "probability": …}]}].

        Examples:
          finetune predict run1/phase2.ftckpt photo1.jpg photo2.jpg
          finetune predict run1/best.ftckpt new-photos/ --top 3
          finetune predict run1/phase2.ftckpt new-photos/ --json > labels.json
        """)

    @Argument(help: ArgumentHelp("A checkpoint written by `finetune train` (.ftckpt), a .safetensors file written by `finetune export`, or a Keras 3 .keras archive.", valueName: "checkpoint|model.safetensors|model.keras"))
    package var checkpoint: String

    @Argument(help: ArgumentHelp("Image files or folders of images.", valueName: "image|dir"))
    package var inputs: [String]

    @Flag(help: "Print JSON instead of a table.")
    package var json = false

    @Option(help: "Show the K most probable classes per image (default 1).")
    package var top: Int = 1

    @Option(help: ArgumentHelp("Test-time augmentation (fastai's tta): average the model's outputs over N views of each image, the original and N − 1 augmented by Chollet's training recipe (rotation 40°, shifts 0.2, shear 0.2, zoom 0.2, horizontal flips; view k seeded k), in the training pipeline itself. 1: none. fastai weighs the original by β 0.25; this is the plain mean.", valueName: "N"))
    package var tta: Int = 1

    @Option(name: .customLong("batch-size"), help: "Images per batch.")
    package var batchSize: Int = 32

    @OptionGroup(title: "Keras archives") package var archive: KerasArchiveOptions

    package init() {}

    package func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be ≥ 1, got \(top)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1, got \(batchSize)") }
        guard (1...64).contains(tta) else { throw ValidationError("--tta: \(tta) is not accepted; pass 1 (no augmentation) to 64 views") }
        guard !inputs.isEmpty else { throw ValidationError("name at least one image or folder after the checkpoint") }
    }

    package func run() throws {
        try runReportingErrors("predict") { print(try output()) }
    }

    /// The table or JSON text `run` prints.
    package func output() throws -> String {
        let trained = try TrainedModel.load(checkpoint, overrides: archive.overrides)
        let files = try ImageFiles.collect(inputs)
        let listing = DirectoryListing(files: files, classNames: trained.description.classNames)
        let progress = StepProgress("predict")
        let probabilities = try trained.run(listing, batchSize: batchSize, tta: tta, progress: progress.update).probabilities
        let predictions = zip(files, probabilities).map { Prediction(file: $0, ranked: Self.rank($1, classes: trained.description.classNames)) }
        return json ? try Self.json(predictions, top: top) : Self.table(predictions, top: top)
    }

    /// One image's classes, most probable first.
    package struct Prediction: Equatable {
        package var file: String
        package var ranked: [(label: String, probability: Float)]
        package static func == (a: Prediction, b: Prediction) -> Bool {
            a.file == b.file && a.ranked.map(\.label) == b.ranked.map(\.label) && a.ranked.map(\.probability) == b.ranked.map(\.probability)
        }
    }

    static func rank(_ probabilities: [Float], classes: [String]) -> [(label: String, probability: Float)] {
        zip(classes, probabilities).map { (label: $0, probability: $1) }
            .enumerated().sorted { $0.element.probability != $1.element.probability ? $0.element.probability > $1.element.probability : $0.offset < $1.offset }
            .map(\.element)
    }

    static func table(_ predictions: [Prediction], top: Int) -> String {
        let width = min(max(predictions.map(\.file.count).max() ?? 4, 4), 60)
        var header = "file".padding(toLength: width, withPad: " ", startingAt: 0) + "  label"
        for k in 1..<max(top, 1) { header += "  top\(k + 1)" }
        var lines = [header]
        for p in predictions {
            var line = p.file.padding(toLength: max(width, p.file.count), withPad: " ", startingAt: 0)
            for entry in p.ranked.prefix(top) { line += "  \(entry.label) " + String(format: "%.4f", entry.probability) }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ predictions: [Prediction], top: Int) throws -> String {
        let array: [[String: Any]] = predictions.map { p in
            ["file": p.file, "label": p.ranked[0].label, "probability": Double(p.ranked[0].probability),
             "top": p.ranked.prefix(top).map { ["label": $0.label, "probability": Double($0.probability)] }]
        }
        let data = try JSONSerialization.data(withJSONObject: array, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
