import Foundation
import Finetune

extension TrainWorkflow {
    /// Callbacks shared by both phases on rank 0: progress (bar, or one line an epoch with
    /// `--quiet`), history files and `last.ftckpt` after every epoch, `best.ftckpt` (lowest
    /// validation loss), and TensorBoard logs with `--tensorboard`.
    func makeCallbacks(_ data: TrainingData, files: ProgressFiles) throws -> [any Callback] {
        var callbacks: [any Callback] = [progressCallback(), files]
        if configuration.keepBestCheckpoint, data.validation != nil {
            let best = URL(fileURLWithPath: configuration.out).appendingPathComponent("best.ftckpt")
            callbacks.append(try ModelCheckpoint(path: best.path, monitor: .validationLoss, saveBestOnly: true))
        }
        callbacks += try tensorBoardCallbacks(data)
        return callbacks
    }

    /// Early stopping for one phase (each phase starts a fresh count), when asked for and possible.
    func earlyStopping(_ data: TrainingData) -> [any Callback] {
        guard let patience = configuration.earlyStoppingPatience else { return [] }
        let monitor: Monitor = data.validation == nil ? .loss : .validationLoss
        return [EarlyStopping(monitor: monitor, patience: patience, restoreBestWeights: configuration.restoreBestWeights)]
    }

    func progressCallback() -> any Callback {
        guard configuration.quiet else { return ProgressBar() }
        let say = self.say
        return LambdaCallback(onEpochEnd: { r, _ in
            say(String(format: "epoch %d (phase %d): loss %.4f, acc %.4f, val_loss %.4f, val_acc %.4f, %.0f s",
                       r.epoch, r.phase, r.loss, r.accuracy, r.validationLoss ?? .nan, r.validationAccuracy ?? .nan, r.seconds))
            return .proceed
        })
    }

    /// A ``TensorBoardLogger`` writing to `--tensorboard DIR` (none without the flag): per-epoch
    /// scalars, batch means ten times an epoch, phase texts, and augmented versions of the first
    /// training image as the model sees them; the test scores follow in ``finish(_:_:description:files:)``.
    func tensorBoardCallbacks(_ data: TrainingData) throws -> [any Callback] {
        guard let dir = configuration.tensorboard else { return [] }
        let steps = configuration.stepsPerEpoch ?? data.train.batchesPerPass
        let logger = try TensorBoardLogger(logDirectory: URL(fileURLWithPath: dir), batchFrequency: max(1, steps / 10))
        if let augmentation = configuration.augmentation, let first = data.train.listing.paths.first {
            let size = configuration.imageSize
            let image = try ImageDecoder.decode(path: first).resized(width: size, height: size, filter: .nearest)
            try logger.logAugmentedSamples(augmentation, of: image, seed: configuration.dataSeed)
        }
        let test = data.test == nil ? "" : ", the test scores to \(dir)/evaluation"
        say("TensorBoard logs go to \(dir)/train and \(dir)/validation\(test); watch them with `tensorboard --logdir \(dir)`.")
        return [logger]
    }
}
