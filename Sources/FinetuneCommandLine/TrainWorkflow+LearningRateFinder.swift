import Foundation
import Finetune

extension TrainWorkflow {
    /// What `finetune lr-find` asks for beyond the training flags.
    package struct RangeTestSettings: Sendable {
        package var start = 1e-7, end = 10.0, steps = 100
        /// 1: the head with the base frozen (phase 1's trainable set and optimizer); 2: after
        /// unfreezing from `--unfreeze-from`, with phase 2's optimizer.
        package var phase = 1
        package init() {}
    }

    /// The learning-rate range test on the run these flags describe: the same data, model,
    /// weights (or `--resume` checkpoint) and optimizer as `finetune train`, in the phase asked
    /// for; writes `lr_find.json` and `lr_find.png` into `--out` (created if needed; other files
    /// there are left alone) and returns the result. Nothing else is written and the trainer's
    /// state is restored afterwards.
    @discardableResult
    package func findLearningRate(_ settings: RangeTestSettings) throws -> LearningRateRange {
        if let threads = configuration.threads { Parallel.setThreadCount(threads) }
        let c = configuration
        guard c.generatesData || FileManager.default.fileExists(atPath: c.data) else {
            throw CommandLineError.missingFile(flag: "--data", path: c.data)
        }
        let folder = RunFolder(url: URL(fileURLWithPath: c.out))
        do {
            try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        } catch {
            throw RunError.outputUnwritable(path: folder.url.path, reason: RunFolder.reason(error))
        }
        var data = try loadData(folder: folder)
        let description = modelDescription(classes: data.classNames)
        let trainer = try makeTrainer(description, settings: data.settings(c), stepsPerEpoch: data.stepsPerEpoch(c), counts: data.trainClassCounts)
        try resume(trainer, &data, description: description)
        if settings.phase == 2 && trainer.phase == 1 { try beginPhase2(trainer, stepsPerEpoch: data.stepsPerEpoch(c)) }
        let counts = trainer.parameterCounts
        say("Range test: \(settings.steps) steps, rate \(settings.start) → \(settings.end) (exponential), phase \(trainer.phase), "
            + "trainable params \(ModelSummary.grouped(counts.trainable)).")
        let range = try trainer.findLearningRate(&data.train, start: settings.start, end: settings.end, steps: settings.steps)
        let json = folder.file("lr_find.json"), png = folder.file("lr_find.png")
        do {
            try range.writeJSON(to: json)
            try range.writePNG(to: png)
        } catch {
            throw RunError.saveFailed(file: folder.url.path, reason: RunFolder.reason(error), resume: nil)
        }
        let stop = range.stopReason.map { " (stopped early: \($0))" } ?? ""
        say("Ran \(range.rates.count) of \(range.requestedSteps) steps\(stop); smoothed loss \(Self.format(range.smoothed.min())) at best.")
        say("Suggested learning rates: valley \(Self.format(range.valley?.rate)), steep \(Self.format(range.steep?.rate)).")
        say("Wrote \(json.path) and \(png.path).")
        return range
    }

    static func format(_ x: Double?) -> String { x.map { String(format: "%.3g", $0) } ?? "none (too few steps)" }
}
