import ArgumentParser
import Foundation
import Finetune

/// `finetune lr-find`: Smith's learning-rate range test on the run `finetune train` would start.
package struct LearningRateFinderCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "lr-find",
        abstract: "Find a learning rate: Smith's range test with fastai's suggestions.",
        discussion: """
        Builds the data, model, weights and optimizer exactly as `finetune train` with the same flags \
        would (or restores --resume), then trains --steps batches at a rate rising exponentially from \
        --start-lr to --end-lr (step i at start·(end/start)^(i/steps), fastai's lr_find; at least 6 steps). \
        The loss is smoothed as fastai does (moving average β = 0.98 with bias correction) and the test stops \
        once the smoothed loss exceeds 4× its minimum, or at a non-finite loss. Nothing of the training is \
        kept: weights, optimizer state, batch-norm statistics, random state and data position are restored.

        Two suggestions, fastai's, computed on the smoothed losses from step steps/10 to the fifth-last: \
        valley (a third plus a sixth of the way into the longest run of falling loss; fastai's default) and \
        steep (the steepest fall against log rate). Use one as --lr1 (--phase 1) or --lr2 (--phase 2).

        Writes into --out (default lr-find; other files there are left alone): lr_find.json (rates, losses, \
        smoothed losses, suggestions) and lr_find.png (the smoothed curve against log10 of the rate, both \
        suggestions marked).

        Exit status: 0 success, 1 runtime error, 64 usage error, 130 interrupted.

        Examples:
          finetune lr-find --data photos
          finetune lr-find --data photos --phase 2 --steps 200 --out run1/lr
          finetune lr-find --data photos --resume run1/phase1.ftckpt --phase 2
        """)

    @Option(name: .customLong("start-lr"), help: "Rate of the first step, > 0.")
    package var startLR: Double = 1e-7

    @Option(name: .customLong("end-lr"), help: "Rate the test rises towards (reached after --steps steps), > --start-lr.")
    package var endLR: Double = 10

    @Option(help: "Training steps (batches) of the test, 6 or more (fastai's minimum).")
    package var steps: Int = 100

    @Option(help: "1: train the head with the VGG16 base frozen (phase 1's optimizer and trainable set); 2: after unfreezing from --unfreeze-from, with phase 2's optimizer.")
    package var phase: Int = 1

    @OptionGroup package var options: TrainOptions

    package init() {}

    package func validate() throws {
        guard options.data != nil else { throw ValidationError(TrainOptions.missingData) }
        guard startLR > 0, startLR.isFinite else { throw ValidationError("--start-lr: \(startLR) is not accepted; pass a rate > 0, e.g. 1e-7") }
        guard endLR > startLR, endLR.isFinite else {
            throw ValidationError("--end-lr: \(endLR) is not accepted; pass a rate above --start-lr (\(startLR)), e.g. 10")
        }
        guard steps >= 6 else { throw ValidationError("--steps: \(steps) is not accepted; pass 6 or more (fastai's minimum)") }
        guard phase == 1 || phase == 2 else { throw ValidationError("--phase: \(phase) is not accepted; pass 1 (head only) or 2 (unfrozen)") }
    }

    /// The run these flags describe (`--out` defaults to `lr-find`).
    package func runConfiguration() throws -> TrainConfiguration {
        var c = try options.configuration()
        if options.out == nil { c.out = "lr-find" }
        c.commandName = "finetune lr-find"
        return c
    }

    package var settings: TrainWorkflow.RangeTestSettings {
        var s = TrainWorkflow.RangeTestSettings()
        (s.start, s.end, s.steps, s.phase) = (startLR, endLR, steps, phase)
        return s
    }

    package func run() throws {
        let configuration = try runConfiguration()
        try TrainOptions.checkPaths(of: configuration)
        StopSignal.installHandlers()
        do {
            try TrainWorkflow(configuration: configuration, stop: .process).findLearningRate(settings)
        } catch let TrainerError.interrupted(_, step) {
            FileHandle.standardError.write(Data("finetune lr-find: interrupted before step \((step ?? 0) + 1); nothing was written.\n".utf8))
            throw ExitCode(ExitStatus.interrupted)
        } catch {
            let (message, code) = ErrorMessages(program: configuration.commandName).describe(error)
            FileHandle.standardError.write(Data("\(configuration.commandName): error: \(message)\n".utf8))
            throw ExitCode(code)
        }
    }
}
