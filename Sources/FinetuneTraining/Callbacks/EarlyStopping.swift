import FinetuneCore

/// Stops training when a monitored quantity has stopped improving (Keras 3's `EarlyStopping`).
///
/// At each epoch end with a value v of `monitor` (epochs without it, or before `startFromEpoch`,
/// are skipped): `wait += 1`; if v improves on the best so far by more than `minDelta`
/// (`.min`: v < best − minDelta; `.max`: v > best + minDelta) it becomes the best (and its weights
/// are kept when `restoreBestWeights`), and `wait` resets to 0 unless a `baseline` is set and v
/// does not also improve on it; otherwise, once `wait ≥ patience`, training stops. As in Keras the
/// first monitored epoch is always the best so far, and the run never stops at epoch 1.
///
/// With `restoreBestWeights`, the best epoch's weights are put back when training ends, whether
/// or not it stopped early (Keras 3; Keras 2 restored only on an early stop). Only the weights:
/// the optimizer state stays where training ended.
///
/// One difference from Keras: a NaN value never counts as an improvement (Keras would take a
/// first-epoch NaN as the best and then never see an improvement again).
package final class EarlyStopping: Callback {
    /// The quantity watched.
    package let monitor: Monitor
    /// Whether lower (`.min`) or higher (`.max`) is better; never `.auto` once made.
    package let mode: MonitorMode
    /// Epochs without improvement before stopping.
    package let patience: Int
    /// The margin a value must beat the best by to count as an improvement (≥ 0).
    package let minDelta: Double
    /// When set, `wait` resets only for values that also improve on it.
    package let baseline: Double?
    /// Put the best epoch's weights back when training ends.
    package let restoreBestWeights: Bool
    /// Epochs before this one (1-based) are ignored.
    package let startFromEpoch: Int

    /// Best value seen in the current `fit`, and its epoch.
    package private(set) var best: Double?
    /// The epoch of ``best``.
    package private(set) var bestEpoch: Int?
    /// Epochs since the last improvement (Keras' `wait`).
    package private(set) var wait = 0
    /// The epoch after which this callback stopped training, if it did.
    package private(set) var stoppedEpoch: Int?
    package private(set) var failure: (any Error)?
    private var bestWeights: [String: Tensor]?

    /// An early-stopping callback; the defaults are Keras' (watch `val_loss`, patience 0).
    ///
    /// - Parameters:
    ///   - monitor: the quantity to watch (Keras' default `val_loss`).
    ///   - mode: `.min`, `.max`, or `.auto` (losses min, accuracies max).
    ///   - patience: epochs without improvement before stopping.
    ///   - minDelta: how much a change must exceed to count as an improvement (sign ignored).
    ///   - baseline: when set, `wait` only resets for values that also improve on it.
    ///   - restoreBestWeights: put the best epoch's weights back at the end of training.
    ///   - startFromEpoch: ignore epochs before this one (1-based; warm-up).
    package init(monitor: Monitor = .validationLoss, mode: MonitorMode = .auto, patience: Int = 0,
                minDelta: Double = 0, baseline: Double? = nil, restoreBestWeights: Bool = false,
                startFromEpoch: Int = 1) {
        self.monitor = monitor; self.mode = mode.resolved(for: monitor); self.patience = patience
        self.minDelta = abs(minDelta); self.baseline = baseline
        self.restoreBestWeights = restoreBestWeights; self.startFromEpoch = startFromEpoch
    }

    package func trainBegin(_ info: TrainBeginInfo, control: TrainingControl) {
        wait = 0; stoppedEpoch = nil; best = nil; bestEpoch = nil; bestWeights = nil; failure = nil
    }

    package func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        guard let current = monitor.value(in: record), record.epoch >= startFromEpoch else { return .proceed }
        if restoreBestWeights, bestWeights == nil {
            bestWeights = control.currentWeights()
            bestEpoch = record.epoch
        }
        wait += 1
        if isImprovement(current, over: best, mode: mode, minDelta: minDelta) {
            best = current
            bestEpoch = record.epoch
            if restoreBestWeights { bestWeights = control.currentWeights() }
            if baseline == nil || isImprovement(current, over: baseline, mode: mode, minDelta: minDelta) {
                wait = 0
            }
            return .proceed
        }
        if wait >= patience, record.epoch > 1 {
            stoppedEpoch = record.epoch
            return .stopTraining
        }
        return .proceed
    }

    package func trainEnd(_ history: History, control: TrainingControl) {
        guard restoreBestWeights, let bestWeights else { return }
        do { try control.restoreWeights(bestWeights) } catch { failure = error }
    }
}
