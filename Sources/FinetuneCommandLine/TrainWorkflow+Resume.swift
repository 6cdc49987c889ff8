import Foundation
import Finetune

extension TrainWorkflow {
    /// With `--resume`: checks that the checkpoint belongs to this run (settings, data, model),
    /// listing every difference, then restores weights, optimizer state, phase, history and the
    /// training stream's position, so the run continues exactly where it stopped.
    func resume(_ trainer: Trainer, _ data: inout TrainingData, description: ModelDescription) throws {
        guard let path = configuration.resume else { return }
        guard FileManager.default.fileExists(atPath: path) else { throw CommandLineError.missingFile(flag: "--resume", path: path) }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: path))
        } catch {
            throw RunError.badInput(flag: "--resume", path: path, underlying: error)
        }
        let differences = data.settings(configuration).differences(fromCheckpoint: checkpoint.metadata)
            + modelDifferences(checkpoint, path: path, description: description)
        guard differences.isEmpty else { throw RunError.resumeMismatch(file: path, differences: differences) }
        do {
            let state = try checkpoint.decodeTrainerState(TrainerState.self)
            if state.phase >= 2 {
                try trainer.beginPhase(2, freezing: try phase2Policy(trainer.model),
                                       optimizer: try phase2Optimizer(trainer, stepsPerEpoch: data.stepsPerEpoch(configuration)))
                trainer.unfreezing = try configuration.method.unfreezing(
                    model: trainer.model, trainable: try phase2Policy(trainer.model).trainableKeys(in: trainer.model),
                    backbone: configuration.backbone)
            }
            try trainer.restore(from: checkpoint)
            if let position = trainer.trainingPosition { try data.train.seek(to: position) }
        } catch {
            throw RunError.badInput(flag: "--resume", path: path, underlying: error)
        }
        say("Resumed from \(path): phase \(trainer.phase), \(trainer.epochsCompleted) epochs done.")
    }

    /// How the model stored in the checkpoint differs from this run's, beyond what
    /// ``RunSettings`` compares (none for a checkpoint without a model description).
    func modelDifferences(_ checkpoint: Checkpoint, path: String, description: ModelDescription) -> [String] {
        guard checkpoint.metadata[ModelDescription.metadataKey] != nil,
              let saved = try? ModelDescription(checkpoint: checkpoint, path: path) else { return [] }
        var found: [String] = []
        if saved.classNames != description.classNames, checkpoint.metadata[RunSettings.keys.classes] == nil {
            found.append("the classes are \(description.classNames.joined(separator: ", ")), the checkpoint's were "
                + saved.classNames.joined(separator: ", "))
        }
        if saved.backbone != description.backbone {
            found.append("--backbone is \(description.backbone ?? "vgg16"), the checkpoint's run used \(saved.backbone ?? "vgg16")")
        } else if saved.baseWidths != description.baseWidths || saved.denseUnits != description.denseUnits || saved.dropout != description.dropout {
            found.append("the model is VGG16 widths \(description.baseWidths) + Dense(\(description.denseUnits)), dropout \(description.dropout); "
                + "the checkpoint's was widths \(saved.baseWidths) + Dense(\(saved.denseUnits)), dropout \(saved.dropout)")
        }
        if saved.preprocessing != description.preprocessing {
            found.append("--preprocessing is \(description.preprocessing), the checkpoint's run used \(saved.preprocessing)")
        }
        if saved.imageHeight != description.imageHeight, checkpoint.metadata[RunSettings.keys.imageSize] == nil {
            found.append("--image-size is \(description.imageHeight), the checkpoint's run used \(saved.imageHeight)")
        }
        return found
    }
}
