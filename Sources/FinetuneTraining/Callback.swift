import FinetuneCore

/// Numbers known after one training batch.
public struct BatchLogs: Sendable {
    /// 0-based step within the epoch.
    public var step: Int
    /// Steps (batches) in each epoch of this `fit`.
    public var stepsPerEpoch: Int
    /// Samples in this batch.
    public var size: Int
    /// This batch's loss and accuracy.
    public var loss: Double
    /// This batch's metric (binary accuracy for a binary head).
    public var accuracy: Double
    /// Running sample-weighted means over the epoch so far (what Keras' progress bar shows).
    public var meanLoss: Double
    /// Running sample-weighted mean of the metric over the epoch so far.
    public var meanAccuracy: Double
    /// Logs of one batch.
    package init(step: Int, stepsPerEpoch: Int, size: Int, loss: Double, accuracy: Double,
                meanLoss: Double, meanAccuracy: Double) {
        self.step = step; self.stepsPerEpoch = stepsPerEpoch; self.size = size; self.loss = loss
        self.accuracy = accuracy; self.meanLoss = meanLoss; self.meanAccuracy = meanAccuracy
    }
}

/// What the training loop tells callbacks at the start of `fit`.
public struct TrainBeginInfo: Sendable {
    /// First epoch to run (1-based; > 1 when continuing a previous fit or resuming).
    public var initialEpoch: Int
    /// Last epoch to run (inclusive).
    public var finalEpoch: Int
    /// Steps (batches) in each epoch of this `fit`.
    public var stepsPerEpoch: Int
    /// Training phase (1, 2, …) of this `fit`.
    public var phase: Int
    /// What a `fit` call is about to run.
    package init(initialEpoch: Int, finalEpoch: Int, stepsPerEpoch: Int, phase: Int) {
        self.initialEpoch = initialEpoch; self.finalEpoch = finalEpoch
        self.stepsPerEpoch = stepsPerEpoch; self.phase = phase
    }
}

/// A callback's answer: keep going, or stop after this epoch (Keras' `stop_training`).
public enum CallbackAction: Sendable, Equatable { case proceed, stopTraining }

/// Hooks into the training loop. Every hook has an empty default; a callback implements the ones it
/// needs. Callbacks are classes when they keep state across hooks (a file handle, a best value).
///
/// The ``TrainingControl`` passed to epoch-end hooks lets a callback change the learning rate,
/// read or restore weights (early stopping's `restore_best_weights`), or save a checkpoint.
public protocol Callback: AnyObject {
    /// Called once when `fit` starts, before the first epoch.
    func trainBegin(_ info: TrainBeginInfo, control: TrainingControl)
    /// Called at the start of each epoch (1-based, continuing across phases).
    func epochBegin(_ epoch: Int, control: TrainingControl)
    /// Called before each training step; `step` is 0-based within the epoch.
    func batchBegin(_ step: Int)
    /// Called in each training step after back-propagation, before the optimizer step, with the
    /// gradients of this batch's loss for the trainable parameters, by Keras key (histograms of
    /// gradients; most callbacks ignore it). `step` is 0-based within the epoch.
    func batchGradients(_ gradients: [String: Tensor], step: Int)
    /// Called after each training step with its loss and metric and the epoch's running means.
    func batchEnd(_ logs: BatchLogs)
    /// Called after validation; `record` is complete. Return `.stopTraining` to end `fit` here.
    func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction
    /// Called once when `fit` ends normally — after its last epoch or an early stop, not when it
    /// throws — with the epochs of this `fit` call.
    func trainEnd(_ history: History, control: TrainingControl)
    /// An error the callback hit in a hook (hooks cannot throw: a log file that could not be
    /// written, a checkpoint that failed). `nil` while all is well. The training loop checks it
    /// after each hook and, when set, ends `fit` by throwing it; a failing callback also returns
    /// `.stopTraining` from `epochEnd`, so a loop that ignores `failure` still stops.
    var failure: (any Error)? { get }
}

extension Callback {
    /// Does nothing.
    public func trainBegin(_ info: TrainBeginInfo, control: TrainingControl) {}
    /// Does nothing.
    public func epochBegin(_ epoch: Int, control: TrainingControl) {}
    /// Does nothing.
    public func batchBegin(_ step: Int) {}
    /// Does nothing.
    public func batchGradients(_ gradients: [String: Tensor], step: Int) {}
    /// Does nothing.
    public func batchEnd(_ logs: BatchLogs) {}
    /// Proceeds.
    public func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction { .proceed }
    /// Does nothing.
    public func trainEnd(_ history: History, control: TrainingControl) {}
    /// Never fails.
    public var failure: (any Error)? { nil }
}

extension TrainingControl {
    /// Every parameter key (for controls that do not freeze anything).
    public var trainable: Set<String> { Set(currentWeights().keys) }
}

/// The parts of a running `fit` that callbacks may read or change.
public protocol TrainingControl: AnyObject {
    /// The optimizer's learning rate; setting it takes effect from the next step.
    var learningRate: Float { get set }
    /// A copy of every model parameter, by Keras key.
    func currentWeights() -> [String: Tensor]
    /// Keys of the parameters that train in the current phase.
    var trainable: Set<String> { get }
    /// Replaces model parameters (keys and shapes must match).
    func restoreWeights(_ weights: [String: Tensor]) throws
    /// Every epoch trained so far, all phases (the current `fit` call's epochs are the last ones).
    var history: History { get }
    /// Writes a checkpoint of the whole training state (model, optimizer, data position, RNG,
    /// history) to `path`, atomically.
    func saveCheckpoint(to path: String) throws
}
