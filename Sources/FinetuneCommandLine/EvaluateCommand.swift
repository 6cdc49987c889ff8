import ArgumentParser
import Foundation
import Finetune

/// `finetune evaluate`: scores on a labelled folder, with PNGs of the confusion matrix, the most
/// confidently wrong images and the images with the highest loss, the most confused class pairs,
/// and all of it in `evaluation.json`.
package struct EvaluateCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a trained model on a folder of labelled images.",
        discussion: """
        DATA_DIR holds one folder per class, named as in training (e.g. photos/test). Prints the \
        loss, accuracy, balanced accuracy (mean recall over classes, scikit-learn's), per-class precision, recall and F1, and the confusion matrix; writes \
        confusion_matrix.png, mistakes.png (the most confidently wrong images, captioned with \
        their true and predicted class) and top_losses.png into --out.

        Interpretation, as fastai's ClassificationInterpretation: the --top-losses images with \
        the highest loss, right or wrong (each image's binary or categorical cross-entropy as \
        Keras computes it from probabilities, clipped to [1e-7, 1 − 1e-7]), listed and drawn in \
        top_losses.png, each captioned predicted / actual, loss and the probability of the \
        prediction (plot_top_losses); and the most confused class pairs (most_confused): \
        actual → predicted with at least --most-confused images, most frequent first. \
        evaluation.json holds the scores, the per-class table, the confusion matrix, the top \
        losses and the confused pairs.

        With --tensorboard DIR, also logs them to the run DIR/evaluation: the loss and accuracy         under Keras' evaluation_loss_vs_iterations and evaluation_acc_vs_iterations tags,         precision/<class>, recall/<class> and f1/<class> scalars, the per-class table as text,         and the PNGs as the images confusion_matrix, mistakes and top_losses. A run of its own rather than         Keras' validation run, which holds the validation images' per-epoch scores; give the folder         of `finetune train --tensorboard` to see them beside the training curves. The step is the         checkpoint's optimizer step count (Keras logs model.evaluate at optimizer.iterations),         where `finetune train --tensorboard` logs its test scores; --step sets another.

        Examples:
          finetune evaluate run1/phase2.ftckpt photos/test
          finetune evaluate run1/best.ftckpt photos/validation --out run1/eval --mistakes 24
          finetune evaluate run1/phase2.ftckpt photos/test --top-losses 16 --most-confused 2
          finetune evaluate run1/phase2.ftckpt photos/test --tensorboard run1/logs
        """)

    @Argument(help: ArgumentHelp("A checkpoint written by `finetune train` (.ftckpt), a .safetensors file written by `finetune export`, or a Keras 3 .keras archive.", valueName: "checkpoint|model.safetensors|model.keras"))
    package var checkpoint: String

    @Argument(help: ArgumentHelp("A folder with one sub-folder of images per class.", valueName: "data-dir"))
    package var dataDirectory: String

    @Option(help: ArgumentHelp("Folder for confusion_matrix.png, mistakes.png, top_losses.png and evaluation.json.", valueName: "dir"))
    package var out: String = "evaluation"

    @Option(help: "How many of the most confidently wrong images mistakes.png shows.")
    package var mistakes: Int = 16

    @Option(name: .customLong("top-losses"), help: ArgumentHelp("How many of the images with the highest loss (right or wrong) to list and draw in top_losses.png (fastai's plot_top_losses); 0: none.", valueName: "K"))
    package var topLosses: Int = 9

    @Option(name: .customLong("most-confused"), help: ArgumentHelp("List the (actual, predicted) class pairs with at least N images, most frequent first (fastai's most_confused(min_val)).", valueName: "N"))
    package var mostConfused: Int = 1

    @Option(help: ArgumentHelp("Test-time augmentation (fastai's tta): average the model's outputs over N views of each image, the original and N − 1 augmented by Chollet's training recipe (rotation 40°, shifts 0.2, shear 0.2, zoom 0.2, horizontal flips; view k seeded k), in the training pipeline itself. 1: none. fastai weighs the original by β 0.25; this is the plain mean.", valueName: "N"))
    package var tta: Int = 1

    @Option(name: .customLong("batch-size"), help: "Images per batch.")
    package var batchSize: Int = 32

    @OptionGroup(title: "Keras archives") package var archive: KerasArchiveOptions

    @OptionGroup(title: "TensorBoard") package var logs: EvaluationLogOptions

    package init() {}

    package func validate() throws {
        guard mistakes >= 0 else { throw ValidationError("--mistakes must be ≥ 0, got \(mistakes)") }
        guard topLosses >= 0 else { throw ValidationError("--top-losses must be ≥ 0 (0: no top_losses.png), got \(topLosses)") }
        guard mostConfused >= 1 else { throw ValidationError("--most-confused must be ≥ 1 (the fewest images a listed pair has), got \(mostConfused)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1, got \(batchSize)") }
        guard (1...64).contains(tta) else { throw ValidationError("--tta: \(tta) is not accepted; pass 1 (no augmentation) to 64 views") }
    }

    package func run() throws {
        try runReportingErrors("evaluate") {
            var step: Int?
            let evaluation = try evaluate(loggedAt: &step)
            print(evaluation.report)
            print("")
            print(evaluation.topLossesReport(evaluation.topLosses(topLosses)))
            print("")
            print(evaluation.mostConfusedReport(evaluation.mostConfused(minimumCount: mostConfused), minimumCount: mostConfused))
            print("Wrote \(writtenFiles.joined(separator: ", ")) to \(out)")
            if let dir = logs.tensorboard {
                print("Logged them to \(dir)/evaluation at step \(step ?? 0); watch with `tensorboard --logdir \(dir)`")
            }
        }
    }

    /// The files ``evaluate()`` writes into `--out`.
    var writtenFiles: [String] {
        ["confusion_matrix.png", "mistakes.png"] + (topLosses > 0 ? ["top_losses.png"] : []) + ["evaluation.json"]
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
                                    probabilities: result.probabilities, loss: result.loss ?? .nan,
                                    sigmoidOutput: trained.description.isBinary)
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let matrix = folder.appendingPathComponent("confusion_matrix.png"), sheet = folder.appendingPathComponent("mistakes.png")
        try EvaluationPlots.confusionMatrix(evaluation).writePNG(to: matrix)
        try EvaluationPlots.contactSheet(evaluation.mostConfidentlyWrong(limit: mistakes), classNames: classes).writePNG(to: sheet)
        var images: [(tag: String, png: URL)] = [("confusion_matrix", matrix), ("mistakes", sheet)]
        let top = evaluation.topLosses(topLosses)
        if topLosses > 0 {
            let url = folder.appendingPathComponent("top_losses.png")
            try EvaluationPlots.topLosses(top, classNames: classes).writePNG(to: url)
            images.append(("top_losses", url))
        }
        let json = try evaluation.json(topLosses: top, mostConfused: evaluation.mostConfused(minimumCount: mostConfused),
                                       minimumCount: mostConfused, files: writtenFiles)
        try AtomicFile.write(json, to: folder.appendingPathComponent("evaluation.json"))
        if let tensorboard {
            step = tensorboard.step
            try evaluation.log(to: tensorboard.logger, step: tensorboard.step, images: images)
        }
        return evaluation
    }
}
