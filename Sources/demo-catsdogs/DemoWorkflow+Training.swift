import Foundation
import Finetune

extension DemoWorkflow {
    /// Restores `--resume`'s checkpoint after checking it belongs to this run's settings and data.
    func resumeIfAsked(_ trainer: Trainer, train: inout DirectorySource, settings: DemoRunSettings) throws {
        guard let path = options.resume else { return }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: path))
        } catch {
            throw DemoError.badInput(flag: "--resume", path: path, underlying: error)
        }
        let differences = settings.differences(fromCheckpoint: checkpoint.metadata)
        guard differences.isEmpty else { throw DemoError.resumeMismatch(file: path, differences: differences) }
        do {
            let state = try checkpoint.decodeTrainerState(TrainerState.self)
            if state.phase >= 2 {
                try trainer.beginPhase(2, freezing: phase2Policy, optimizer: RMSprop(learningRate: options.lr2))
            }
            try trainer.restore(from: checkpoint)
            if let position = trainer.trainingPosition { try train.seek(to: position) }
        } catch {
            throw DemoError.badInput(flag: "--resume", path: path, underlying: error)
        }
        say("Resumed from \(path): phase \(trainer.phase), \(trainer.epochsCompleted) epochs done.")
    }

    /// Phase 1 (base frozen) up to `--phase1-epochs` epochs in all, then phase 2 (trainable from
    /// `--unfreeze-from`) up to `--phase2-epochs`; either may be 0.
    func trainPhases(_ trainer: Trainer, train: inout DirectorySource, validation: DirectorySource,
                     schedule: DemoSchedule, callbacks: [any Callback], folder: DemoRunFolder) throws {
        func fit(_ epochs: Int) throws {
            guard epochs > 0 else { return }
            try trainer.fit(&train, epochs: epochs, stepsPerEpoch: schedule.stepsPerEpoch, validation: validation,
                            validationSteps: schedule.validationSteps, callbacks: callbacks)
        }
        if trainer.phase == 1 {
            let counts = trainer.parameterCounts
            say("Phase 1: \(FreezePolicy.all(of: "vgg16")) — trainable params \(ModelSummary.grouped(counts.trainable)), non-trainable \(ModelSummary.grouped(counts.nonTrainable)); RMSprop(\(options.lr1)).")
            try fit(max(0, schedule.phase1Epochs - trainer.history.epochs.filter { $0.phase == 1 }.count))
            try save(trainer, as: "phase1.ftckpt", in: folder)
            let report = try trainer.beginPhase(2, freezing: phase2Policy, optimizer: RMSprop(learningRate: options.lr2))
            say("Phase 2: \(phase2Policy) — trainable params \(ModelSummary.grouped(report.trainableParameters)), non-trainable \(ModelSummary.grouped(report.nonTrainableParameters)); fresh RMSprop(\(options.lr2)).")
        }
        try fit(max(0, schedule.phase2Epochs - trainer.history.epochs.filter { $0.phase >= 2 }.count))
        try save(trainer, as: "phase2.ftckpt", in: folder)
    }

    func save(_ trainer: Trainer, as name: String, in folder: DemoRunFolder) throws {
        do {
            try trainer.saveCheckpoint(to: folder.file(name).path)
        } catch {
            throw DemoError.saveFailed(file: folder.file(name).path, reason: DemoProgressFiles.reason(error),
                                       resume: resumeCommand(folder.file("last.ftckpt").path))
        }
    }

    /// History, plots, the test evaluation and metrics.json.
    func writeResults(_ trainer: Trainer, test: inout DirectorySource, folder: DemoRunFolder,
                      schedule: DemoSchedule, files: DemoProgressFiles) throws {
        // Every rank evaluates its shard of the test set; rank 0 alone writes.
        let result = try trainer.evaluate(&test, steps: schedule.testSteps)
        guard isPrimary else { return }
        try files.write(trainer.history, checkpoint: trainer.saveCheckpoint)
        let plots: [URL]
        do {
            plots = try trainer.history.writePlots(to: folder.url, smoothing: 0.8)
        } catch {
            throw DemoError.saveFailed(file: folder.url.path + "/*.png", reason: DemoProgressFiles.reason(error), resume: nil)
        }
        say("Wrote \(plots.map(\.lastPathComponent).joined(separator: ", ")), history.json, history.csv, phase1.ftckpt, phase2.ftckpt to \(folder.url.path)")
        let phaseEnd = { (p: Int) in trainer.history.epochs.last { $0.phase == p } }
        let metrics: [String: Any] = [
            "test_loss": result.loss, "test_acc": result.accuracy, "test_steps": schedule.testSteps,
            "phase1_val_acc": phaseEnd(1)?.validationAccuracy ?? NSNull(),
            "phase2_val_acc": phaseEnd(2)?.validationAccuracy ?? NSNull(),
            "epochs": trainer.epochsCompleted, "image_size": schedule.imageSize,
        ]
        try folder.write(try JSONSerialization.data(withJSONObject: metrics, options: [.prettyPrinted, .sortedKeys]),
                         to: "metrics.json")
        say(String(format: "test loss: %.4f", result.loss))
        say(String(format: "test acc: %.4f", result.accuracy))
    }

    /// The progress bar, or one line an epoch with --quiet.
    func progressCallback() -> any Callback {
        guard options.quiet else { return ProgressBar() }
        return LambdaCallback(onEpochEnd: { r, _ in
            say(String(format: "epoch %d (phase %d): loss %.4f, acc %.4f, val_loss %.4f, val_acc %.4f, %.0f s",
                       r.epoch, r.phase, r.loss, r.accuracy, r.validationLoss ?? .nan, r.validationAccuracy ?? .nan, r.seconds))
            return .proceed
        })
    }

    func resumeCommand(_ checkpoint: String) -> String {
        DemoResumeCommand.make(arguments: arguments, checkpoint: checkpoint)
    }

    func interruption(epoch: Int, completed: Int, checkpoint: String) -> DemoInterruption {
        let name = stop.signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"
        return DemoInterruption(message: """

            demo-catsdogs: interrupted (\(name)) in epoch \(epoch); that epoch is discarded. \
            \(checkpoint) holds the run after epoch \(completed) and resumes it exactly. Resume with:
              \(resumeCommand(checkpoint))
            """)
    }
}
