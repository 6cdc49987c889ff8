import Foundation
import Finetune

extension TrainWorkflow {
    /// The backbone + head, with pretrained or initial weights, in a trainer whose checkpoints carry
    /// `description` and `settings`.
    /// Phase 1's optimizer follows ``TrainConfiguration/method`` over phase 1's steps
    /// (`stepsPerEpoch` each).
    func makeTrainer(_ description: ModelDescription, settings: RunSettings, stepsPerEpoch: Int, counts: [Int]) throws -> Trainer {
        let c = configuration
        var rng = SeededRNG(seed: c.seed)
        var model = try description.makeModel(using: &rng)
        try loadWeights(into: &model)
        do {
            _ = try FreezePolicy.from(c.unfreezeFrom).trainableKeys(in: model)  // unknown name: fail before phase 1
        } catch LayerError.unknownLayer(let name, _) {
            let convolutions = LayerTree(model.layers[0]).leaves.filter { $0 is Conv2D || $0 is DepthwiseConv2D }.map(\.name)
            throw CommandLineError.invalidValue(flag: "--unfreeze-from", value: name,
                                                expected: "a layer of the \(c.backbone.displayName) base (default "
                                                    + "\(c.backbone.defaultUnfreezeFrom)); its convolutions, in order: "
                                                    + convolutions.joined(separator: ", "))
        }
        let baseFrozen = FreezePolicy.all(of: model.layers[0].name)
        let frozen = try baseFrozen.trainableKeys(in: model)
        let optimizer = try c.method.makeOptimizer(phase: 1, learningRate: c.learningRate1,
                                                   totalSteps: c.phase1Epochs * stepsPerEpoch, model: model, trainable: frozen,
                                                   backbone: c.backbone)
        let trainer = try Trainer(model: model, optimizer: optimizer,
                                  freezing: baseFrozen, loss: c.method.loss(binary: description.isBinary),
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
        let backbone = configuration.backbone
        switch try backbone.locateWeights(flag: configuration.weights) {
        case let .file(url, origin):
            do {
                var base = model.layers[0]
                let what = try backbone.loadWeights(from: url, into: &base)
                for (key, value) in base.parameters { try model.setParameter(key, to: value) }
                say("Pretrained \(what) from \(origin): \(url.path)")
            } catch {
                throw RunError.badInput(flag: origin == "$FINETUNE_WEIGHTS" ? "$FINETUNE_WEIGHTS" : "--weights", path: url.path,
                                        underlying: error)
            }
        case let .none(reason) where backbone == .vgg16:
            say("WARNING: \(reason): the VGG16 base starts from random weights, so transfer learning has nothing to transfer.")
            say("         Get Keras' ImageNet weights with `finetune weights fetch vgg16` (into \(PretrainedWeights.kerasCache().path)),")
            say("         HED's VGG16 backbone with `bash .ci/install-deps --weights`, or pass --weights FILE.")
        case let .none(reason):
            say("WARNING: \(reason): the \(backbone.displayName) base starts from random weights, so transfer learning has nothing to transfer.")
        }
    }
}
