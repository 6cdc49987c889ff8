import Foundation
import FinetuneCore
import FinetuneNN
import FinetuneData

/// Keras' `Model.fit` / `evaluate` / `predict` for one model: a training loop with one callback
/// protocol, a trainable set that is explicit and validated, and every bit of state needed to
/// replay or resume a run.
///
/// The two-phase transfer-learning workflow is a `fit`, then ``beginPhase(freezing:optimizer:)``
/// and a second ``fit(_:epochs:stepsPerEpoch:validation:validationSteps:callbacks:)``; the
/// `Finetune` documentation's article "Two-Phase Transfer Learning" walks through it.
///
/// Epoch numbers continue across `fit` calls (phase 2 of Chollet's recipe starts at epoch 31), as Keras'
/// `initial_epoch` makes them; `history` holds every epoch of every phase.
public final class Trainer {
    /// The model being trained (a `Sequential` for Chollet's model).
    public internal(set) var model: any Layer
    /// The optimizer of the current phase.
    public var optimizer: any Optimizer
    /// The training loss (binary cross-entropy from the logits by default, as Keras 3).
    public var loss: any Loss
    /// The metric logged as `acc` (binary accuracy by default).
    public var metric: any Metric
    /// Keys of the parameters that train in the current phase; every other parameter is frozen.
    /// Never holds state such as `BatchNormalization`'s moving statistics, which training steps
    /// update through ``/FinetuneNN/ForwardContext/stateUpdates`` instead.
    public internal(set) var trainable: Set<String>
    /// Randomness for stochastic layers (dropout); saved in checkpoints.
    package var rng: SeededRNG
    /// Current phase number (1-based), bumped by ``beginPhase(freezing:optimizer:)``.
    public internal(set) var phase: Int
    /// Every epoch trained so far, all phases.
    public internal(set) var history: History
    /// Where the training source stood after the last completed step (saved in checkpoints).
    package internal(set) var trainingPosition: DataSourcePosition?
    /// The processes this trainer trains with (`nil`: alone). Under a strategy, each process
    /// passes its own shard of the sources (``/FinetuneData/ShardableSource/sharded(_:)``);
    /// steps, evaluation and history are those of the whole batches, and only rank 0 writes
    /// checkpoints.
    public var distribution: (any DistributionStrategy)?
    /// Checked between training steps and validation batches: when set, `fit` stops cleanly and
    /// throws ``TrainerError/interrupted(epoch:step:)`` (see ``StopSignal``).
    public var stopSignal: StopSignal?
    /// A freeze policy over time for one phase (``GradualUnfreezing``), applied at the start of
    /// each of its epochs; nil: the trainable set changes only with ``beginPhase(freezing:optimizer:)``.
    package var unfreezing: GradualUnfreezing?
    /// Keras' `class_weight`: training steps weigh each sample's loss by its class's weight
    /// (``/FinetuneNN/ClassWeights``); the metric, validation and evaluation stay unweighted.
    /// Not supported under a ``distribution`` yet (`fit` refuses it).
    package var classWeights: ClassWeights?

    /// A trainer for `model`, training `trainable` (default: every parameter but state) with
    /// `optimizer`. Throws when `trainable` names a key the model does not have.
    public init(model: any Layer, optimizer: any Optimizer, loss: any Loss = Losses.binaryCrossEntropy(),
                metric: any Metric = Metrics.binaryAccuracy(), trainable: Set<String>? = nil, seed: UInt64 = 0) throws {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.metric = metric
        self.trainable = []
        self.rng = SeededRNG(seed: seed)
        self.phase = 1
        self.history = History()
        try setTrainable(trainable ?? Set(model.weightKeys))
    }

    /// Epochs completed over all phases.
    package var epochsCompleted: Int { history.epochs.count }

    /// Parameter counts of the current split, as Keras' `summary()` reports them.
    package var parameterCounts: (trainable: Int, nonTrainable: Int) {
        var t = 0, n = 0
        for (key, value) in model.parameters {
            if trainable.contains(key) { t += value.scalarCount } else { n += value.scalarCount }
        }
        return (t, n)
    }

    /// Starts a new phase: a new trainable set and a fresh optimizer (Keras recompiles, which
    /// resets optimizer state). History and epoch numbering continue.
    package func beginPhase(trainable keys: Set<String>, optimizer: any Optimizer) throws {
        try setTrainable(keys)
        featureCache.invalidate()
        self.optimizer = optimizer
        if !history.epochs.isEmpty || phase > 1 { phase += 1 }
    }

    /// Starts phase `number` (≥ the current phase) with a new trainable set and a fresh optimizer,
    /// whether or not the previous phase trained any epoch (its epoch count may be 0).
    @discardableResult
    package func beginPhase(_ number: Int, freezing policy: FreezePolicy, optimizer: any Optimizer) throws -> FreezeReport {
        guard number >= phase else {
            throw TrainerError.invalidArgument("phase \(number) cannot follow phase \(phase)")
        }
        let report = try policy.apply(to: model)
        try setTrainable(report.trainableKeys)
        featureCache.invalidate()
        self.optimizer = optimizer
        phase = number
        return report
    }

    /// Starts a new phase whose trainable set is decided by `policy` (validated against the model:
    /// unknown layer names throw), with a fresh optimizer. Returns the parameter-count report.
    @discardableResult
    public func beginPhase(freezing policy: FreezePolicy, optimizer: any Optimizer) throws -> FreezeReport {
        let report = try policy.apply(to: model)
        try beginPhase(trainable: report.trainableKeys, optimizer: optimizer)
        return report
    }

    /// A trainer whose trainable set is decided by `policy` (e.g. `.all(of: "vgg16")` for phase 1).
    public convenience init(model: any Layer, optimizer: any Optimizer, freezing policy: FreezePolicy,
                            loss: any Loss = Losses.binaryCrossEntropy(), metric: any Metric = Metrics.binaryAccuracy(),
                            seed: UInt64 = 0) throws {
        try self.init(model: model, optimizer: optimizer, loss: loss, metric: metric,
                      trainable: try policy.trainableKeys(in: model), seed: seed)
    }

    func setTrainableForRestore(_ keys: Set<String>) throws { try setTrainable(keys) }

    private func setTrainable(_ keys: Set<String>) throws {
        let known = Set(model.parameters.map(\.key))
        if let unknown = keys.subtracting(known).sorted().first {
            throw TrainerError.unknownParameter(key: unknown, known: known.sorted())
        }
        trainable = keys.subtracting(model.allStateKeys)
    }

    // MARK: fit

    /// Trains for `epochs` more epochs of `stepsPerEpoch` batches (default: one pass over
    /// `train`), validating on `validationSteps` batches of `validation` after each epoch (default:
    /// one pass). `train` continues where it stands, as Keras' iterators do; validation starts from
    /// the beginning of `validation` every epoch. Returns the history of this call.
    @discardableResult
    public func fit<Train: DataSource>(_ train: inout Train, epochs: Int, stepsPerEpoch: Int? = nil,
                                       validation: (any DataSource)? = nil, validationSteps: Int? = nil,
                                       callbacks: [any Callback] = []) throws -> History {
        guard epochs >= 0 else { throw TrainerError.invalidArgument("epochs must be ≥ 0, got \(epochs)") }
        let steps = stepsPerEpoch ?? train.batchesPerPass
        guard steps > 0 else {
            throw TrainerError.invalidArgument("steps per epoch must be > 0 (the training source has \(train.sampleCount) samples)")
        }
        if trainable.isEmpty { throw TrainerError.nothingToTrain }
        let first = epochsCompleted + 1
        let info = TrainBeginInfo(initialEpoch: first, finalEpoch: first + epochs - 1, stepsPerEpoch: steps, phase: phase)
        fitHistory = History()
        for c in callbacks { c.trainBegin(info, control: self) }
        try checkFailures(callbacks)

        epochs: for epoch in first..<(first + epochs) {
            let start = Date()
            try applyUnfreezing()
            for c in callbacks { c.epochBegin(epoch, control: self) }
            try checkFailures(callbacks)
            var mean = WeightedMean()
            for step in 0..<steps {
                if let stopSignal, stopSignal.isRequested { throw TrainerError.interrupted(epoch: epoch, step: step) }
                for c in callbacks { c.batchBegin(step) }
                let batch = try train.next()
                let result: StepResult
                do {
                    result = try self.step(batch) { gradients in
                        for c in callbacks { c.batchGradients(gradients, step: step) }
                    }
                } catch let TrainerError.nonFiniteLoss(_, _, value) {
                    // Keras' TerminateOnNaN, always on: the step is not applied, the epoch not recorded.
                    throw TrainerError.nonFiniteLoss(epoch: epoch, step: step, value: value)
                }
                trainingPosition = train.position
                mean.add(loss: Double(result.loss), accuracy: Double(result.metric), weight: result.count)
                let logs = BatchLogs(step: step, stepsPerEpoch: steps, size: result.count,
                                     loss: Double(result.loss), accuracy: Double(result.metric),
                                     meanLoss: mean.loss, meanAccuracy: mean.accuracy)
                for c in callbacks { c.batchEnd(logs) }
                try checkFailures(callbacks)
            }
            var record = EpochRecord(epoch: epoch, phase: phase, loss: mean.loss, accuracy: mean.accuracy,
                                     seconds: 0, learningRate: Double(optimizer.learningRate))
            if var validation {
                let v = try evaluate(&validation, steps: validationSteps, interruptingEpoch: epoch)
                record.validationLoss = v.loss
                record.validationAccuracy = v.accuracy
            }
            record.seconds = Date().timeIntervalSince(start)
            history.epochs.append(record)
            fitHistory.epochs.append(record)
            var stop = false
            for c in callbacks where c.epochEnd(record, control: self) == .stopTraining { stop = true }
            try checkFailures(callbacks)
            if try anyProcessStops(stop) { break epochs }
        }
        for c in callbacks { c.trainEnd(fitHistory, control: self) }
        try checkFailures(callbacks)
        return fitHistory
    }

    /// The epochs of the `fit` call in progress.
    var fitHistory = History()

    /// Outputs of the frozen layers for repeatable sources (validation, test); emptied whenever
    /// the trainable set or the weights change from outside the training step.
    var featureCache = FrozenFeatureCache()
    /// Whether ``evaluate(_:steps:)`` may reuse frozen-layer outputs (on by default; results are
    /// identical either way, since frozen layers compute the same thing every time).
    package var cachesFrozenFeatures = true
    /// Extra metadata written into every checkpoint ``saveCheckpoint(to:)`` saves (callbacks
    /// included), e.g. what a later program needs to rebuild the model: class names, image size.
    package var checkpointMetadata: [String: String] = [:]

    /// One optimizer step on one batch; returns the batch's loss and metric, computed with the
    /// weights as they were before the step (as Keras logs them). This process alone: it ignores
    /// ``distribution`` (`fit` combines the processes' shards).
    public func trainStep(_ batch: Batch) throws -> (loss: Float, metric: Float) {
        try trainStep(batch) { _ in }
    }

    /// ``trainStep(_:)`` showing the gradients to `observe` before the optimizer applies them.
    /// The state the forward pass updated (moving statistics) is written after the optimizer step.
    func trainStep(_ batch: Batch, observe: ([String: Tensor]) -> Void) throws -> (loss: Float, metric: Float) {
        var context = ForwardContext(mode: .training, trainable: trainable, needsInputGradient: false, rng: rng)
        let stepLoss: any Loss = classWeights.map { WeightedLoss(base: loss, weights: $0) } ?? loss
        if let classWeights { _ = try classWeights.sampleWeights(batch.labels) }   // an unknown class throws before any work
        let (value, prediction, gradients) = model.lossAndGradients(batch.images, labels: batch.labels,
                                                                    loss: stepLoss, context: &context)
        rng = context.rng
        guard value.isFinite else { throw TrainerError.nonFiniteLoss(epoch: epochsCompleted + 1, step: nil, value: value) }
        observe(gradients)
        try model.apply(optimizer: &optimizer, gradients: gradients)
        try model.setParameters(context.stateUpdates)
        return (value, metric(prediction.output, labels: batch.labels))
    }

    private func checkFailures(_ callbacks: [any Callback]) throws {
        if let error = callbacks.lazy.compactMap(\.failure).first { throw error }
    }

    // MARK: evaluate / predict

    /// Loss and metric over `steps` batches of `source` (default: one pass), starting from the
    /// beginning of the source, weighted by batch size — Keras' `evaluate`.
    public func evaluate(_ source: inout some DataSource, steps: Int? = nil) throws -> (loss: Double, accuracy: Double) {
        try evaluate(&source, steps: steps, interruptingEpoch: nil)
    }

    /// ``evaluate(_:steps:)``, stopping at ``stopSignal`` when it validates epoch `epoch` of `fit`.
    func evaluate(_ source: inout some DataSource, steps: Int?, interruptingEpoch epoch: Int?) throws -> (loss: Double, accuracy: Double) {
        try source.seek(to: DataSourcePosition())
        let n = steps ?? source.batchesPerPass
        guard n > 0 else { throw TrainerError.invalidArgument("evaluation needs at least one step") }
        var mean = WeightedMean()
        let identity = cachesFrozenFeatures ? source.repeatablePassIdentity : nil
        let split = identity == nil ? nil : ModelSplit(model: model, trainable: trainable)
        for step in 0..<n {
            if let epoch, let stopSignal, stopSignal.isRequested { throw TrainerError.interrupted(epoch: epoch, step: nil) }
            let batch = try source.next()
            if batch.count == 0 { continue }  // an empty shard of a batch smaller than the world
            var context = ForwardContext.inference
            let prediction: Prediction
            if let identity, let split {
                let index = step % source.batchesPerPass
                let features: Tensor
                if let cached = featureCache.lookup(identity, batch: index) {
                    features = cached
                } else {
                    features = split.features(batch.images)
                    featureCache.store(features, identity: identity, batch: index)
                }
                prediction = split.suffix.predict(features, context: &context).prediction
            } else {
                prediction = model.predict(batch.images, context: &context).prediction
            }
            let value = loss.evaluate(prediction, labels: batch.labels).value
            mean.add(loss: Double(value), accuracy: Double(metric(prediction.output, labels: batch.labels)),
                     weight: batch.count)
        }
        mean = try combine(mean)
        return (mean.loss, mean.accuracy)
    }

    /// Model outputs for `steps` batches of `source` (default: one pass), from its beginning.
    /// Under a ``distribution`` with a sharded source, the outputs of this process's shards only.
    public func predict(_ source: inout some DataSource, steps: Int? = nil) throws -> Tensor {
        try source.seek(to: DataSourcePosition())
        var outputs: [Tensor] = []
        for _ in 0..<(steps ?? source.batchesPerPass) {
            outputs.append(model(try source.next().images))
        }
        guard !outputs.isEmpty else { throw TrainerError.invalidArgument("prediction needs at least one step") }
        return Tensor.concatenate(batches: outputs)
    }
}

/// Sample-weighted running means of loss and metric (Keras' `Mean` metrics with batch-size weights).
struct WeightedMean {
    private(set) var lossSum = 0.0, accuracySum = 0.0, count = 0
    init() {}
    init(lossSum: Double, accuracySum: Double, count: Int) {
        self.lossSum = lossSum; self.accuracySum = accuracySum; self.count = count
    }
    mutating func add(loss: Double, accuracy: Double, weight: Int) {
        lossSum += loss * Double(weight)
        accuracySum += accuracy * Double(weight)
        count += weight
    }
    var loss: Double { count > 0 ? lossSum / Double(count) : 0 }
    var accuracy: Double { count > 0 ? accuracySum / Double(count) : 0 }
}

/// A loss whose training value weighs samples by class (``Trainer/classWeights``).
struct WeightedLoss: Loss {
    let base: any Loss
    let weights: ClassWeights
    var name: String { base.name }
    func evaluate(_ prediction: Prediction, labels: Tensor) -> LossEvaluation {
        // The classes were checked before the forward pass, so this cannot throw.
        (try? weights.evaluate(base, prediction, labels: labels)) ?? base.evaluate(prediction, labels: labels)
    }
}

/// Why training could not start or go on; each case says what to do.
public enum TrainerError: Error, CustomStringConvertible {
    /// The trainable set names a key the model does not have.
    case unknownParameter(key: String, known: [String])
    /// `fit` was called with every parameter frozen.
    case nothingToTrain
    /// An argument is out of range (epochs, steps).
    case invalidArgument(String)
    /// The loss of training step `step` (0-based; nil outside `fit`) of `epoch` became NaN or
    /// infinite. That step was not applied: the weights are as the previous step left them, and
    /// the epoch is not in `history` (Keras' `TerminateOnNaN`, always on).
    case nonFiniteLoss(epoch: Int, step: Int?, value: Float)
    /// A checkpoint written by a run of `saved` processes was restored into one of `current`.
    case worldSizeMismatch(saved: Int, current: Int)
    /// ``Trainer/stopSignal`` was set: `fit` stopped before training step `step` of `epoch` (nil:
    /// during its validation). The epoch is not in `history`; the weights are as the last
    /// finished step left them.
    case interrupted(epoch: Int, step: Int?)

    public var description: String {
        switch self {
        case let .unknownParameter(key, known):
            return "the trainable set names '\(key)', which the model does not have; its parameters are \(known.prefix(8).joined(separator: ", "))\(known.count > 8 ? ", …" : "")"
        case .nothingToTrain:
            return "nothing is trainable: every parameter is frozen. Unfreeze some layers (a FreezePolicy) before fit"
        case let .invalidArgument(message):
            return message
        case let .worldSizeMismatch(saved, current):
            return "the checkpoint was written by a run of \(saved) processes and this run has \(current); resume it with `mpirun -np \(saved)`, or in a single process"
        case let .nonFiniteLoss(epoch, step, value):
            return "the loss became \(value) in epoch \(epoch)\(step.map { ", step \($0 + 1)" } ?? ""), so training stopped "
                + "without applying that step; lower the learning rate or check the input scaling"
        case let .interrupted(epoch, step):
            return "training was interrupted in epoch \(epoch) (\(step.map { "before step \($0 + 1)" } ?? "during validation"))"
        }
    }
}
