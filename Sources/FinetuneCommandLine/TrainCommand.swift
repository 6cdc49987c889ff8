import ArgumentParser
import Foundation

/// `finetune train`: the two-phase workflow on a folder of classes.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train VGG16 + a new head on a folder of classes, in two phases.",
        discussion: """
        Phase 1 trains the new head with the VGG16 base frozen; phase 2 unfreezes the base from \
        --unfreeze-from on and fine-tunes with a lower learning rate. Two class folders give a \
        Dense(1, sigmoid) head with binary cross-entropy; more give Dense(classes, softmax) with \
        categorical cross-entropy.

        Writes into --out: phase1.ftckpt, phase2.ftckpt, last.ftckpt (after every epoch), \
        best.ftckpt (lowest validation loss), history.json, history.csv, accuracy.png, loss.png, \
        accuracy_smoothed.png, loss_smoothed.png and metrics.json. Each checkpoint stores the class \
        names, image size and preprocessing, so `finetune predict` needs nothing else.

        Examples:
          finetune train --data photos --out run1
          finetune train --data photos --validation-split 0.2
          finetune train --data photos --phase2-epochs 20 --early-stopping 3
          finetune train --data photos --preprocessing caffe --weights notop.h5
          finetune train --data photos --out run1 --resume run1/last.ftckpt
        """)

    @OptionGroup public var options: TrainOptions

    public init() {}

    public func run() throws {
        let configuration = try options.configuration()
        InterruptHandler.install(message: "checkpoints so far are in \(configuration.out); continue with "
            + "`finetune train <same flags> --resume \(configuration.out)/last.ftckpt`.")
        try runReportingErrors("train") { try TrainWorkflow(configuration: configuration).run() }
    }
}
