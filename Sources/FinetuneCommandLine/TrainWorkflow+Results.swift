import Foundation
import Finetune

extension TrainWorkflow {
    /// The test evaluation (every rank evaluates its shard), then on rank 0: history, a last
    /// `last.ftckpt`, plots, `metrics.json`, the test loss and accuracy in the `evaluation` run of
    /// `--tensorboard` (Keras' `evaluation_*_vs_iterations` tags at the optimizer's step count,
    /// where `finetune evaluate --tensorboard` logs too), and the test scores as the last lines.
    func finish(_ trainer: Trainer, _ data: inout TrainingData, description: ModelDescription,
                files: ProgressFiles) throws -> Result {
        var test: (loss: Double, accuracy: Double)?
        if var source = data.test { test = try trainer.evaluate(&source, steps: configuration.testSteps) }
        let out = URL(fileURLWithPath: configuration.out)
        let result = Result(description: description, history: trainer.history, test: test,
                            checkpoint: out.appendingPathComponent("phase2.ftckpt"))
        guard isPrimary else { return result }
        try files.write(trainer.history, checkpoint: trainer.saveCheckpoint)
        let plots: [URL]
        do {
            plots = try trainer.history.writePlots(to: out, smoothing: 0.8)
        } catch {
            throw RunError.saveFailed(file: out.path + "/*.png", reason: RunFolder.reason(error), resume: nil)
        }
        try files.folder.write(try metrics(trainer, data: data, test: test), to: "metrics.json")
        if let test, let dir = configuration.tensorboard {
            try TensorBoardLogger(logDirectory: URL(fileURLWithPath: dir))
                .logEvaluation(loss: test.loss, accuracy: test.accuracy, step: trainer.optimizer.iterations)
        }
        var written = plots.map(\.lastPathComponent) + ["history.json", "history.csv", "phase1.ftckpt", "phase2.ftckpt"]
        if configuration.keepBestCheckpoint, data.validation != nil, trainer.epochsCompleted > 0 { written.append("best.ftckpt") }
        say("Wrote \((written + ["metrics.json"]).joined(separator: ", ")) to \(out.path)")
        if let test {
            say(String(format: "test loss: %.4f", test.loss))
            say(String(format: "test acc: %.4f", test.accuracy))
        }
        return result
    }

    /// `metrics.json`: test loss and accuracy (null without `test/`), the validation accuracy at
    /// the end of each phase, epochs, image size and classes.
    func metrics(_ trainer: Trainer, data: TrainingData, test: (loss: Double, accuracy: Double)?) throws -> Data {
        let phaseEnd = { (p: Int) in trainer.history.epochs.last { $0.phase == p }?.validationAccuracy }
        var metrics: [String: Any] = [
            "test_loss": test?.loss ?? NSNull(), "test_acc": test?.accuracy ?? NSNull(),
            "phase1_val_acc": phaseEnd(1) ?? NSNull(), "phase2_val_acc": phaseEnd(2) ?? NSNull(),
            "epochs": trainer.epochsCompleted, "image_size": configuration.imageSize, "classes": data.classNames,
        ]
        if let steps = configuration.testSteps, test != nil { metrics["test_steps"] = steps }
        return try JSONSerialization.data(withJSONObject: metrics, options: [.prettyPrinted, .sortedKeys])
    }
}
