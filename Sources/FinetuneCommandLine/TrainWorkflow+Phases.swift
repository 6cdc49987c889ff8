import Foundation
import Finetune

extension TrainWorkflow {
    /// Phase 1 (base frozen) up to `phase1Epochs` epochs in all, then phase 2 (trainable from
    /// `unfreezeFrom`, fresh RMSprop) up to `phase2Epochs`; either may be 0. A resumed run
    /// continues the phase its checkpoint was in. SIGINT/SIGTERM ends it with a
    /// ``RunInterruption`` that says how to resume.
    func trainPhases(_ trainer: Trainer, _ data: inout TrainingData, callbacks: [any Callback], files: ProgressFiles) throws {
        let c = configuration
        func fit(_ epochs: Int) throws {
            guard epochs > 0 else { return }
            try trainer.fit(&data.train, epochs: epochs, stepsPerEpoch: c.stepsPerEpoch, validation: data.validation,
                            validationSteps: c.validationSteps, callbacks: callbacks + earlyStopping(data))
            if let failure = files.failure { throw failure }
        }
        do {
            if trainer.phase == 1 {
                let counts = trainer.parameterCounts
                say("Phase 1: \(FreezePolicy.all(of: trainer.model.sublayers[0].name)) — trainable params \(ModelSummary.grouped(counts.trainable)), "
                    + "non-trainable \(ModelSummary.grouped(counts.nonTrainable)); \(c.method.describe(phase: 1, learningRate: c.learningRate1)), \(c.phase1Epochs) epochs.")
                try fit(max(0, c.phase1Epochs - trainer.history.epochs.filter { $0.phase == 1 }.count))
                try save(trainer, as: "phase1.ftckpt")
                try beginPhase2(trainer, stepsPerEpoch: data.stepsPerEpoch(c))
            }
            try fit(max(0, c.phase2Epochs - trainer.history.epochs.filter { $0.phase >= 2 }.count))
            if stop.isRequested { throw TrainerError.interrupted(epoch: trainer.epochsCompleted, step: nil) }
        } catch let TrainerError.interrupted(epoch, _) {
            throw interruption(epoch: epoch, completed: trainer.epochsCompleted)
        } catch let TrainerError.nonFiniteLoss(epoch, step, value) {
            // last.ftckpt is written after every finished epoch, so it holds the last good one.
            let checkpoint = URL(fileURLWithPath: c.out).appendingPathComponent("last.ftckpt").path
            let kept = trainer.epochsCompleted > 0 && FileManager.default.fileExists(atPath: checkpoint)
            throw RunError.diverged(epoch: epoch, step: step, stepsPerEpoch: c.stepsPerEpoch ?? 0, value: value,
                                    checkpoint: kept ? checkpoint : nil, completedEpochs: trainer.epochsCompleted,
                                    resume: kept ? resumeCommand(checkpoint) : nil)
        }
        try save(trainer, as: "phase2.ftckpt")
    }

    func beginPhase2(_ trainer: Trainer, stepsPerEpoch: Int) throws {
        let c = configuration
        let policy = try phase2Policy(trainer.model)
        let report = try trainer.beginPhase(2, freezing: policy, optimizer: try phase2Optimizer(trainer, stepsPerEpoch: stepsPerEpoch))
        trainer.unfreezing = try c.method.unfreezing(model: trainer.model, trainable: report.trainableKeys, backbone: c.backbone)
        say("Phase 2: \(describePhase2(trainer.model)) — trainable params \(ModelSummary.grouped(report.trainableParameters)), "
            + "non-trainable \(ModelSummary.grouped(report.nonTrainableParameters)); fresh \(c.method.describe(phase: 2, learningRate: c.learningRate2)), \(c.phase2Epochs) epochs.")
    }

    /// Phase 2's freeze policy: trainable from `--unfreeze-from` on, except the BatchNormalization
    /// layers unless `--train-bn` (``TrainConfiguration/trainBatchNorm``): those stay frozen and
    /// run in inference mode.
    func phase2Policy(_ model: any Layer) throws -> FreezePolicy {
        let policy = FreezePolicy.from(configuration.unfreezeFrom)
        let batchNorm = Self.batchNormKeys(model)
        guard !configuration.trainBatchNorm, !batchNorm.isEmpty else { return policy }
        return .keys(try policy.trainableKeys(in: model).subtracting(batchNorm))
    }

    /// Phase 2's policy in words.
    func describePhase2(_ model: any Layer) -> String {
        let from = "\(FreezePolicy.from(configuration.unfreezeFrom))"
        guard !Self.batchNormKeys(model).isEmpty else { return from }
        return from + (configuration.trainBatchNorm ? ", BatchNorm layers training (--train-bn)"
                                                    : ", BatchNorm layers frozen in inference mode (--train-bn trains them)")
    }

    /// The parameter keys of every BatchNormalization layer of `model`.
    static func batchNormKeys(_ model: any Layer) -> Set<String> {
        return Set(LayerTree(model).leaves.filter { $0 is BatchNormalization }.flatMap { $0.parameters.map(\.key) })
    }

    /// Phase 2's fresh optimizer (``TrainConfiguration/method``) over phase 2's steps.
    func phase2Optimizer(_ trainer: Trainer, stepsPerEpoch: Int) throws -> any Optimizer {
        let c = configuration
        let trainable = try phase2Policy(trainer.model).trainableKeys(in: trainer.model)
        return try c.method.makeOptimizer(phase: 2, learningRate: c.learningRate2, totalSteps: c.phase2Epochs * stepsPerEpoch,
                                          model: trainer.model, trainable: trainable, backbone: c.backbone)
    }

    /// Rank 0 saves the trainer as `name` in `--out`; a failure says how to resume.
    func save(_ trainer: Trainer, as name: String) throws {
        guard isPrimary else { return }
        let out = URL(fileURLWithPath: configuration.out)
        do {
            try trainer.saveCheckpoint(to: out.appendingPathComponent(name).path)
        } catch {
            throw RunError.saveFailed(file: out.appendingPathComponent(name).path, reason: RunFolder.reason(error),
                                      resume: resumeCommand(out.appendingPathComponent("last.ftckpt").path))
        }
    }

    /// What the user reads after SIGINT/SIGTERM: the epoch discarded, the checkpoint kept, the
    /// command that resumes the run.
    func interruption(epoch: Int, completed: Int) -> RunInterruption {
        let checkpoint = URL(fileURLWithPath: configuration.out).appendingPathComponent("last.ftckpt").path
        let name = stop.signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"
        return RunInterruption(message: """

            \(configuration.commandName): interrupted (\(name)) in epoch \(epoch); that epoch is discarded. \
            \(checkpoint) holds the run after epoch \(completed) and resumes it exactly. Resume with:
              \(resumeCommand(checkpoint))
            """)
    }
}
