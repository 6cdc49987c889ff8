/// A callback made of closures (Keras' `LambdaCallback`), for one-off hooks:
///
///     LambdaCallback(onEpochEnd: { record, _ in print(record.epoch, record.loss); return .proceed })
///
/// Every closure is optional; a missing one does nothing (and `onEpochEnd` proceeds).
public final class LambdaCallback: Callback {
    public var onTrainBegin: ((TrainBeginInfo, TrainingControl) -> Void)?
    public var onEpochBegin: ((Int, TrainingControl) -> Void)?
    public var onBatchBegin: ((Int) -> Void)?
    public var onBatchEnd: ((BatchLogs) -> Void)?
    public var onEpochEnd: ((EpochRecord, TrainingControl) -> CallbackAction)?
    public var onTrainEnd: ((History, TrainingControl) -> Void)?

    public init(onTrainBegin: ((TrainBeginInfo, TrainingControl) -> Void)? = nil,
                onEpochBegin: ((Int, TrainingControl) -> Void)? = nil,
                onBatchBegin: ((Int) -> Void)? = nil,
                onBatchEnd: ((BatchLogs) -> Void)? = nil,
                onEpochEnd: ((EpochRecord, TrainingControl) -> CallbackAction)? = nil,
                onTrainEnd: ((History, TrainingControl) -> Void)? = nil) {
        self.onTrainBegin = onTrainBegin; self.onEpochBegin = onEpochBegin
        self.onBatchBegin = onBatchBegin; self.onBatchEnd = onBatchEnd
        self.onEpochEnd = onEpochEnd; self.onTrainEnd = onTrainEnd
    }

    public func trainBegin(_ info: TrainBeginInfo, control: TrainingControl) { onTrainBegin?(info, control) }
    public func epochBegin(_ epoch: Int, control: TrainingControl) { onEpochBegin?(epoch, control) }
    public func batchBegin(_ step: Int) { onBatchBegin?(step) }
    public func batchEnd(_ logs: BatchLogs) { onBatchEnd?(logs) }
    public func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        onEpochEnd?(record, control) ?? .proceed
    }
    public func trainEnd(_ history: History, control: TrainingControl) { onTrainEnd?(history, control) }
}
