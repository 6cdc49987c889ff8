import Foundation
import Finetune

/// Two-phase transfer learning on a folder of classes (Chollet, Deep Learning with Python,
/// ch. 5), step by step: claim the output folder, check the whole dataset, build VGG16 + a new
/// head, load pretrained weights, (resume,) train the head with the base frozen, unfreeze the top
/// of the base and fine-tune, then write history, plots and test metrics.
///
/// Every checkpoint it writes (`phase1.ftckpt`, `phase2.ftckpt`, `last.ftckpt` after each epoch,
/// `best.ftckpt`) carries a ``ModelDescription``, so later commands need only the checkpoint,
/// and the settings a resume must share (``RunSettings``).
package struct TrainWorkflow {
    package let configuration: TrainConfiguration
    /// Where progress lines go (standard output by default).
    package var say: (String) -> Void
    /// Requested on SIGINT/SIGTERM (``StopSignal/process``): training stops after the current step.
    package var stop: StopSignal
    /// Set under `--distributed`: this rank's part of the job (every rank runs this workflow).
    package var distribution: DistributedRun?

    package init(configuration: TrainConfiguration, stop: StopSignal = StopSignal(), distribution: DistributedRun? = nil,
                say: @escaping (String) -> Void = { print($0); fflush(nil) }) {
        self.configuration = configuration
        self.stop = stop
        self.distribution = distribution
        let primary = distribution?.isPrimary ?? true
        self.say = { if primary { say($0) } }
    }

    /// What a run produced.
    package struct Result {
        package var description: ModelDescription
        package var history: History
        /// Test loss and accuracy, when the data has a `test/` folder.
        package var test: (loss: Double, accuracy: Double)?
        /// The final checkpoint (`phase2.ftckpt`).
        package var checkpoint: URL
    }

    /// Whether this process prints and writes files (rank 0, or the only process).
    var isPrimary: Bool { distribution?.isPrimary ?? true }

    @discardableResult
    package func run() throws -> Result {
        if let threads = configuration.threads { Parallel.setThreadCount(threads) }
        let folder = try claimFolder()
        var data = try loadData(folder: folder)
        let description = modelDescription(classes: data.classNames)
        let trainer = try makeTrainer(description, settings: data.settings(configuration), stepsPerEpoch: data.stepsPerEpoch(configuration), counts: data.trainClassCounts)
        try distribution?.attach(trainer)   // before a restore, so it checks the world size
        try resume(trainer, &data, description: description)
        if configuration.resume != nil { try distribution?.attach(trainer) }

        let files = ProgressFiles(folder: folder, resumeCommand: resumeCommand(folder.file("last.ftckpt").path))
        // A resumable starting point before the first step, so an interruption always has one.
        if isPrimary { try files.write(trainer.history, checkpoint: trainer.saveCheckpoint, resumable: false) }
        let callbacks = isPrimary ? try makeCallbacks(data, files: files) : []
        try trainPhases(trainer, &data, callbacks: callbacks, files: files)
        return try finish(trainer, &data, description: description, files: files)
    }

    /// Rank 0 checks and claims the output folder (``RunFolder``); the other ranks only read from it.
    func claimFolder() throws -> RunFolder {
        let c = configuration
        guard c.generatesData || FileManager.default.fileExists(atPath: c.data) else {
            throw CommandLineError.missingFile(flag: "--data", path: c.data)   // before anything is written
        }
        let folder: RunFolder
        if isPrimary {
            let (prepared, notes) = try RunFolder.prepare(configuration)
            notes.forEach(say)
            folder = prepared
        } else {
            folder = RunFolder(url: URL(fileURLWithPath: configuration.out))
        }
        try distribution?.barrier()
        return folder
    }

    func modelDescription(classes: [String]) -> ModelDescription {
        let c = configuration
        return ModelDescription(classNames: classes, imageHeight: c.imageSize, imageWidth: c.imageSize,
                                preprocessing: c.preprocessing, baseWidths: c.baseWidths, denseUnits: c.denseUnits,
                                dropout: c.dropout, backbone: c.backbone)
    }

    func resumeCommand(_ checkpoint: String) -> String {
        ResumeCommand.make(arguments: configuration.arguments, checkpoint: checkpoint)
    }
}
