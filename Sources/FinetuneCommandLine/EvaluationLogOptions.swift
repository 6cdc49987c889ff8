import ArgumentParser
import Foundation
import Finetune

/// `--tensorboard DIR` and `--step N` of `finetune evaluate` and `finetune explain`: what they
/// compute goes, besides the PNG files, into the `evaluation` run of a TensorBoard log folder.
///
/// The run is `evaluation`, not Keras' `validation`: these commands score a finished model on
/// any labelled folder, usually the test images, and `validation` holds the validation images'
/// per-epoch scores. Logging into the folder given to `finetune train --tensorboard` puts these
/// beside the training curves. The step defaults to the checkpoint's optimizer step count, the
/// step Keras logs `model.evaluate` at (`evaluation_*_vs_iterations`), which is also where
/// `finetune train --tensorboard` logs its test scores.
package struct EvaluationLogOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Also log what is printed and drawn to the `evaluation` run of this TensorBoard folder "
                               + "(e.g. the one given to `finetune train --tensorboard`); watch with `tensorboard --logdir dir`.",
                               valueName: "dir"))
    package var tensorboard: String?

    @Option(help: ArgumentHelp("With --tensorboard: the step to log at (default: the checkpoint's optimizer step count, "
                               + "Keras' optimizer.iterations; 0 for a .keras archive).", valueName: "n"))
    package var step: Int?

    package init() {}

    package func validate() throws {
        if let step, step < 0 { throw ValidationError("--step must be ≥ 0, got \(step)") }
        if step != nil, tensorboard == nil {
            throw ValidationError("--step only sets the step of TensorBoard logs: add --tensorboard DIR, or drop --step")
        }
    }

    /// A logger writing into `--tensorboard DIR` and the step to log at, or `nil` without the flag.
    func logger(for trained: TrainedModel) throws -> (logger: TensorBoardLogger, step: Int)? {
        guard let tensorboard else { return nil }
        // A folder that cannot be made throws TensorBoardError, which names it and --tensorboard.
        return (try TensorBoardLogger(logDirectory: URL(fileURLWithPath: tensorboard)), step ?? trained.optimizerIterations)
    }
}
