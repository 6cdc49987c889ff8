import Foundation
import Finetune

/// Two-phase transfer learning on a folder of classes (Chollet, Deep Learning with Python,
/// ch. 5), step by step: read the splits, build VGG16 + a new head, load pretrained weights,
/// train the head with the base frozen, unfreeze the top of the base and fine-tune, then write
/// history, plots and test metrics.
///
/// Every checkpoint it writes (`phase1.ftckpt`, `phase2.ftckpt`, `last.ftckpt` after each epoch,
/// `best.ftckpt`) carries a ``ModelDescription``, so later commands need only the checkpoint.
public struct TrainWorkflow {
    public let configuration: TrainConfiguration
    /// Where progress lines go (standard output by default).
    public var say: (String) -> Void

    public init(configuration: TrainConfiguration, say: @escaping (String) -> Void = { print($0); fflush(nil) }) {
        self.configuration = configuration
        self.say = say
    }

    /// What a run produced.
    public struct Result {
        public var description: ModelDescription
        public var history: History
        /// Test loss and accuracy, when the data has a `test/` folder.
        public var test: (loss: Double, accuracy: Double)?
        /// The final checkpoint (`phase2.ftckpt`).
        public var checkpoint: URL
    }

    var out: URL { URL(fileURLWithPath: configuration.out) }

    @discardableResult
    public func run() throws -> Result {
        let c = configuration
        if let threads = c.threads { Parallel.setThreadCount(threads) }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let description = ModelDescription(classNames: [], imageHeight: c.imageSize, imageWidth: c.imageSize,
                                           preprocessing: c.preprocessing, baseWidths: c.baseWidths,
                                           denseUnits: c.denseUnits, dropout: c.dropout)
        var data = try TrainingData(c, preprocessing: try description.preprocessingValue(), classMode: nil)
        var model = description
        model.classNames = data.classNames
        report(data)
        let trainer = try makeTrainer(model)
        try resume(trainer, &data, description: model)
        let callbacks = try makeCallbacks(data)
        try trainPhase1(trainer, &data, callbacks: callbacks)
        try trainPhase2(trainer, &data, callbacks: callbacks)
        return try finish(trainer, &data, description: model)
    }

    func report(_ data: TrainingData) {
        let classes = data.classNames.enumerated().map { "\($1)=\($0)" }.joined(separator: ", ")
        say("Found \(data.train.sampleCount) training, \(data.validation?.sampleCount ?? 0) validation (\(data.validationOrigin)) "
            + "and \(data.test?.sampleCount ?? 0) test images in \(data.classNames.count) classes: \(classes).")
        say(data.classNames.count == 2 ? "Head: Dense(1, sigmoid), binary cross-entropy."
            : "Head: Dense(\(data.classNames.count), softmax), categorical cross-entropy.")
    }

    /// VGG16 + head, with pretrained or initial weights, in a trainer whose checkpoints carry `description`.
    func makeTrainer(_ description: ModelDescription) throws -> Trainer {
        var rng = SeededRNG(seed: configuration.seed)
        var model = try description.makeModel(using: &rng)
        try loadWeights(into: &model)
        _ = try FreezePolicy.from(configuration.unfreezeFrom).trainableKeys(in: model)  // unknown name: fail before phase 1
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: configuration.learningRate1),
                                  freezing: .all(of: "vgg16"), loss: description.loss, metric: description.metric,
                                  seed: configuration.seed)
        trainer.checkpointMetadata = [ModelDescription.metadataKey: try description.encoded()]
        return trainer
    }

    func loadWeights(into model: inout Sequential) throws {
        if let initial = configuration.initialWeights {
            guard FileManager.default.fileExists(atPath: initial) else {
                throw CommandLineError.missingFile(flag: "--initial-weights", path: initial)
            }
            _ = try KerasWeights.read(from: URL(fileURLWithPath: initial)).load(into: &model, scope: .all)
            say("Initial weights of the whole model: \(initial)")
            return
        }
        switch try PretrainedWeights.locate(flag: configuration.weights) {
        case let .file(url, origin):
            let file = try KerasWeights.read(from: url)
            _ = try file.load(into: &model, scope: .convolutions)
            say("Pretrained VGG16 convolution weights from \(origin): \(url.path) (\(file.layout) layout)")
        case let .none(reason):
            say("WARNING: \(reason): the VGG16 base starts from random weights, so transfer learning has nothing to transfer.")
            say("         Put Keras' vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 in ~/.keras/models/, run")
            say("         `bash .ci/install-deps --weights`, or pass --weights FILE.")
        }
    }
}
