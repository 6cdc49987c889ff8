import ArgumentParser
import Foundation
import Finetune

/// `finetune evaluate`: scores on a labelled folder, with PNGs of the confusion matrix and the
/// most confidently wrong images.
package struct EvaluateCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a trained model on a folder of labelled images.",
        discussion: """
        DATA_DIR holds one folder per class, named as in training (e.g. photos/test). Prints the \
        loss, accuracy, balanced accuracy (mean recall over classes, scikit-learn's), per-class precision, recall and F1, and the confusion matrix; writes \
        confusion_matrix.png and mistakes.png (the most confidently wrong images, captioned with \
        their true and predicted class) into --out.

        With --tensorboard DIR, also logs them to the run DIR/evaluation: the loss and accuracy         under Keras' evaluation_loss_vs_iterations and evaluation_acc_vs_iterations tags,         precision/<class>, recall/<class> and f1/<class> scalars, the per-class table as text,         and the two PNGs as the images confusion_matrix and mistakes. A run of its own rather than         Keras' validation run, which holds the validation images' per-epoch scores; give the folder         of `finetune train --tensorboard` to see them beside the training curves. The step is the         checkpoint's optimizer step count (Keras logs model.evaluate at optimizer.iterations),         where `finetune train --tensorboard` logs its test scores; --step sets another.

        Examples:
          finetune evaluate run1/phase2.ftckpt photos/test
          finetune evaluate run1/best.ftckpt photos/validation --out run1/eval --mistakes 24
          finetune evaluate run1/phase2.ftckpt photos/test --tensorboard run1/logs
        """)

    @Argument(help: ArgumentHelp("A checkpoint written by `finetune train` (.ftckpt), a .safetensors file written by `finetune export`, or a Keras 3 .keras archive.", valueName: "checkpoint|model.safetensors|model.keras"))
    package var checkpoint: String

    @Argument(help: ArgumentHelp("A folder with one sub-folder of images per class.", valueName: "data-dir"))
    package var dataDirectory: String

    @Option(help: ArgumentHelp("Folder for confusion_matrix.png and mistakes.png.", valueName: "dir"))
    package var out: String = "evaluation"

    @Option(help: "How many of the most confidently wrong images mistakes.png shows.")
    package var mistakes: Int = 16

    @Option(help: ArgumentHelp("Test-time augmentation (fastai's tta): average the model's outputs over N views of each image, the original and N − 1 augmented by Chollet's training recipe (rotation 40°, shifts 0.2, shear 0.2, zoom 0.2, horizontal flips; view k seeded k), in the training pipeline itself. 1: none. fastai weighs the original by β 0.25; this is the plain mean.", valueName: "N"))
    package var tta: Int = 1

    @Option(name: .customLong("batch-size"), help: "Images per batch.")
    package var batchSize: Int = 32

    @OptionGroup(title: "Keras archives") package var archive: KerasArchiveOptions

    @OptionGroup(title: "TensorBoard") package var logs: EvaluationLogOptions

    package init() {}

    package func validate() throws {
        guard mistakes >= 0 else { throw ValidationError("--mistakes must be ≥ 0, got \(mistakes)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1, got \(batchSize)") }
        guard (1...64).contains(tta) else { throw ValidationError("--tta: \(tta) is not accepted; pass 1 (no augmentation) to 64 views") }
    }

    package func run() throws {
        try runReportingErrors("evaluate") {
            var step: Int?
            let evaluation = try evaluate(loggedAt: &step)
            print(evaluation.report)
            print("Wrote confusion_matrix.png and mistakes.png to \(out)")
            if let dir = logs.tensorboard {
                print("Logged them to \(dir)/evaluation at step \(step ?? 0); watch with `tensorboard --logdir \(dir)`")
            }
        }
    }

    /// Scores the model and writes the PNGs (and logs, with `--tensorboard`).
    package func evaluate() throws -> Evaluation {
        var step: Int?
        return try evaluate(loggedAt: &step)
    }

    /// ``evaluate()``, setting `step` to the TensorBoard step logged at (`nil` without `--tensorboard`).
    func evaluate(loggedAt step: inout Int?) throws -> Evaluation {
        let trained = try TrainedModel.load(checkpoint, overrides: archive.overrides)
        let tensorboard = try logs.logger(for: trained)
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
        let result = try trained.run(relabelled, batchSize: batchSize, withLoss: true, tta: tta, progress: StepProgress("evaluate").update)
        let evaluation = Evaluation(classNames: classes, files: listing.paths, labels: labels,
                                    probabilities: result.probabilities, loss: result.loss ?? .nan)
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let matrix = folder.appendingPathComponent("confusion_matrix.png"), sheet = folder.appendingPathComponent("mistakes.png")
        try EvaluationPlots.confusionMatrix(evaluation).writePNG(to: matrix)
        try EvaluationPlots.contactSheet(evaluation.mostConfidentlyWrong(limit: mistakes), classNames: classes).writePNG(to: sheet)
        if let tensorboard {
            step = tensorboard.step
            try evaluation.log(to: tensorboard.logger, step: tensorboard.step,
                               images: [("confusion_matrix", matrix), ("mistakes", sheet)])
        }
        return evaluation
    }
}
