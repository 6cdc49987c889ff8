/// A callback made of closures (Keras' `LambdaCallback`), for one-off hooks:
///
///     LambdaCallback(onEpochEnd: { record, _ in print(record.epoch, record.loss); return .proceed })
///
/// Every closure is optional; a missing one does nothing (and `onEpochEnd` proceeds).
package final class LambdaCallback: Callback {
    /// Runs at ``trainBegin(_:control:)``.
    package var onTrainBegin: ((TrainBeginInfo, TrainingControl) -> Void)?
    /// Runs at ``epochBegin(_:control:)``.
    package var onEpochBegin: ((Int, TrainingControl) -> Void)?
    /// Runs at ``batchBegin(_:)``.
    package var onBatchBegin: ((Int) -> Void)?
    /// Runs at ``batchEnd(_:)``.
    package var onBatchEnd: ((BatchLogs) -> Void)?
    /// Runs at ``epochEnd(_:control:)``; its answer is the callback's.
    package var onEpochEnd: ((EpochRecord, TrainingControl) -> CallbackAction)?
    /// Runs at ``trainEnd(_:control:)``.
    package var onTrainEnd: ((History, TrainingControl) -> Void)?

    /// A callback running the given closures; leave out the hooks you do not need.
    package init(onTrainBegin: ((TrainBeginInfo, TrainingControl) -> Void)? = nil,
                onEpochBegin: ((Int, TrainingControl) -> Void)? = nil,
                onBatchBegin: ((Int) -> Void)? = nil,
                onBatchEnd: ((BatchLogs) -> Void)? = nil,
                onEpochEnd: ((EpochRecord, TrainingControl) -> CallbackAction)? = nil,
                onTrainEnd: ((History, TrainingControl) -> Void)? = nil) {
        self.onTrainBegin = onTrainBegin; self.onEpochBegin = onEpochBegin
        self.onBatchBegin = onBatchBegin; self.onBatchEnd = onBatchEnd
        self.onEpochEnd = onEpochEnd; self.onTrainEnd = onTrainEnd
    }

    package func trainBegin(_ info: TrainBeginInfo, control: TrainingControl) { onTrainBegin?(info, control) }
    package func epochBegin(_ epoch: Int, control: TrainingControl) { onEpochBegin?(epoch, control) }
    package func batchBegin(_ step: Int) { onBatchBegin?(step) }
    package func batchEnd(_ logs: BatchLogs) { onBatchEnd?(logs) }
    package func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        onEpochEnd?(record, control) ?? .proceed
    }
    package func trainEnd(_ history: History, control: TrainingControl) { onTrainEnd?(history, control) }
}
