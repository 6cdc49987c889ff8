import Foundation
import Finetune

extension TrainWorkflow {
    /// With `--resume`: restores weights, optimizer state, phase, history and the training
    /// stream's position from the checkpoint, so the run continues exactly where it stopped.
    /// The checkpoint must describe the same model (classes, image size, head).
    func resume(_ trainer: Trainer, _ data: inout TrainingData, description: ModelDescription) throws {
        guard let path = configuration.resume else { return }
        guard FileManager.default.fileExists(atPath: path) else { throw CommandLineError.missingFile(flag: "--resume", path: path) }
        let checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: path))
        let saved = try ModelDescription(checkpoint: checkpoint, path: path)
        guard saved == description else {
            throw CommandLineError.invalidValue(flag: "--resume", value: path,
                                                expected: "a checkpoint of this model (it has classes \(saved.classNames.joined(separator: ", ")), "
                                                    + "\(saved.imageHeight)×\(saved.imageWidth) images; this run has "
                                                    + "\(description.classNames.joined(separator: ", ")), \(description.imageHeight)×\(description.imageWidth))")
        }
        let state = try checkpoint.decodeTrainerState(TrainerState.self)
        if state.phase >= 2 {
            try trainer.beginPhase(freezing: .from(configuration.unfreezeFrom), optimizer: RMSprop(learningRate: configuration.learningRate2))
        }
        try trainer.restore(from: checkpoint)
        if let position = trainer.trainingPosition { try data.train.seek(to: position) }
        say("Resumed from \(path): phase \(trainer.phase), \(trainer.epochsCompleted) epochs done.")
    }
}
