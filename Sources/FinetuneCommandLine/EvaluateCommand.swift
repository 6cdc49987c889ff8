import ArgumentParser
import Foundation
import Finetune

/// `finetune evaluate`: scores on a labelled folder, with PNGs of the confusion matrix and the
/// most confidently wrong images.
public struct EvaluateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a trained model on a folder of labelled images.",
        discussion: """
        DATA_DIR holds one folder per class, named as in training (e.g. photos/test). Prints the \
        loss, accuracy, per-class precision, recall and F1, and the confusion matrix; writes \
        confusion_matrix.png and mistakes.png (the most confidently wrong images, captioned with \
        their true and predicted class) into --out.

        Examples:
          finetune evaluate run1/phase2.ftckpt photos/test
          finetune evaluate run1/best.ftckpt photos/validation --out run1/eval --mistakes 24
        """)

    @Argument(help: ArgumentHelp("A checkpoint written by `finetune train` (.ftckpt), or a Keras 3 .keras archive.", valueName: "checkpoint|model.keras"))
    public var checkpoint: String

    @Argument(help: ArgumentHelp("A folder with one sub-folder of images per class.", valueName: "data-dir"))
    public var dataDirectory: String

    @Option(help: ArgumentHelp("Folder for confusion_matrix.png and mistakes.png.", valueName: "dir"))
    public var out: String = "evaluation"

    @Option(help: "How many of the most confidently wrong images mistakes.png shows.")
    public var mistakes: Int = 16

    @Option(name: .customLong("batch-size"), help: "Images per batch.")
    public var batchSize: Int = 32

    @OptionGroup(title: "Keras archives") public var archive: KerasArchiveOptions

    public init() {}

    public func validate() throws {
        guard mistakes >= 0 else { throw ValidationError("--mistakes must be ≥ 0, got \(mistakes)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1, got \(batchSize)") }
    }

    public func run() throws {
        try runReportingErrors("evaluate") {
            let evaluation = try evaluate()
            print(evaluation.report)
            print("Wrote confusion_matrix.png and mistakes.png to \(out)")
        }
    }

    /// Scores the model and writes the PNGs.
    public func evaluate() throws -> Evaluation {
        let trained = try TrainedModel.load(checkpoint, overrides: archive.overrides)
        guard FileManager.default.fileExists(atPath: dataDirectory) else {
            throw CommandLineError.missingFile(flag: "DATA_DIR", path: dataDirectory)
        }
        let found = try DirectoryListing(root: dataDirectory)
        let classes = trained.description.classNames
        guard Set(found.classNames).isSubset(of: Set(classes)) else {
            throw CommandLineError.classMismatch(path: dataDirectory, model: classes, data: found.classNames)
        }
        // Label by the model's class order, whatever subset of classes the folder has.
        let listing = try DirectoryListing(root: dataDirectory, classes: classes.filter(found.classNames.contains))
        let labels = listing.labels.map { classes.firstIndex(of: listing.classNames[$0]) ?? 0 }
        let relabelled = DirectoryListing(files: listing.paths, classNames: classes, labels: labels)
        let result = try trained.run(relabelled, batchSize: batchSize, withLoss: true, progress: StepProgress("evaluate").update)
        let evaluation = Evaluation(classNames: classes, files: listing.paths, labels: labels,
                                    probabilities: result.probabilities, loss: result.loss ?? .nan)
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try EvaluationPlots.confusionMatrix(evaluation).writePNG(to: folder.appendingPathComponent("confusion_matrix.png"))
        try EvaluationPlots.contactSheet(evaluation.mostConfidentlyWrong(limit: mistakes), classNames: classes)
            .writePNG(to: folder.appendingPathComponent("mistakes.png"))
        return evaluation
    }
}
