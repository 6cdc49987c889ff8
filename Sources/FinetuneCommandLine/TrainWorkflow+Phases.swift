import Foundation
import Finetune

extension TrainWorkflow {
    /// Phase 1: the whole VGG16 base frozen, only the new head trains.
    func trainPhase1(_ trainer: Trainer, _ data: inout TrainingData, callbacks: [any Callback]) throws {
        let c = configuration
        guard trainer.phase == 1 else { return }  // resumed in phase 2
        let counts = trainer.parameterCounts
        say("Phase 1: all of vgg16 frozen — trainable params \(ModelSummary.grouped(counts.trainable)), "
            + "non-trainable \(ModelSummary.grouped(counts.nonTrainable)); RMSprop(\(c.learningRate1)), \(c.phase1Epochs) epochs.")
        let remaining = c.phase1Epochs - trainer.history.epochs.count
        if remaining > 0 {
            try trainer.fit(&data.train, epochs: remaining, stepsPerEpoch: c.stepsPerEpoch, validation: data.validation,
                            validationSteps: c.validationSteps, callbacks: callbacks + earlyStopping(data))
        }
        try trainer.saveCheckpoint(to: out.appendingPathComponent("phase1.ftckpt").path)
    }

    /// Phase 2: the base trainable from `--unfreeze-from` on, with a fresh optimizer.
    func trainPhase2(_ trainer: Trainer, _ data: inout TrainingData, callbacks: [any Callback]) throws {
        let c = configuration
        let policy = FreezePolicy.from(c.unfreezeFrom)
        let done = trainer.history.epochs.filter { $0.phase >= 2 }.count
        if trainer.phase == 1 { try trainer.beginPhase(freezing: policy, optimizer: RMSprop(learningRate: c.learningRate2)) }
        let report = try policy.apply(to: trainer.model)
        say("Phase 2: \(policy) — trainable params \(ModelSummary.grouped(report.trainableParameters)), "
            + "non-trainable \(ModelSummary.grouped(report.nonTrainableParameters)); fresh RMSprop(\(c.learningRate2)), \(c.phase2Epochs) epochs.")
        if c.phase2Epochs - done > 0 {
            try trainer.fit(&data.train, epochs: c.phase2Epochs - done, stepsPerEpoch: c.stepsPerEpoch, validation: data.validation,
                            validationSteps: c.validationSteps, callbacks: callbacks + earlyStopping(data))
        }
        try trainer.saveCheckpoint(to: out.appendingPathComponent("phase2.ftckpt").path)
    }

    /// History, plots, test evaluation and `metrics.json`.
    func finish(_ trainer: Trainer, _ data: inout TrainingData, description: ModelDescription) throws -> Result {
        try trainer.history.writeJSON(to: out.appendingPathComponent("history.json"))
        try trainer.history.writeCSV(to: out.appendingPathComponent("history.csv"))
        let plots = trainer.history.epochs.isEmpty ? [] : try trainer.history.writePlots(to: out, smoothing: 0.8)
        var written = plots.map(\.lastPathComponent) + ["history.json", "history.csv", "phase1.ftckpt", "phase2.ftckpt", "metrics.json"]
        if configuration.keepBestCheckpoint, data.validation != nil, trainer.epochsCompleted > 0 { written.append("best.ftckpt") }
        var test: (loss: Double, accuracy: Double)?
        if var source = data.test { test = try trainer.evaluate(&source, steps: configuration.testSteps) }
        let phaseEnd = { (p: Int) in trainer.history.epochs.last { $0.phase == p }?.validationAccuracy }
        let metrics: [String: Any] = [
            "test_loss": test?.loss ?? NSNull(), "test_acc": test?.accuracy ?? NSNull(),
            "phase1_val_acc": phaseEnd(1) ?? NSNull(), "phase2_val_acc": phaseEnd(2) ?? NSNull(),
            "epochs": trainer.epochsCompleted, "image_size": configuration.imageSize, "classes": description.classNames,
        ]
        let json = try JSONSerialization.data(withJSONObject: metrics, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(json), to: out.appendingPathComponent("metrics.json"))
        say("Wrote \(written.joined(separator: ", ")) to \(out.path)")
        if let test {
            say(String(format: "test loss: %.4f", test.loss))
            say(String(format: "test acc: %.4f", test.accuracy))
        }
        return Result(description: description, history: trainer.history, test: test,
                      checkpoint: out.appendingPathComponent("phase2.ftckpt"))
    }
}
