import Foundation

/// Keras' built-in callbacks (`keras.callbacks.*`), made by name and passed to
/// ``Trainer/fit(_:epochs:stepsPerEpoch:validation:validationSteps:callbacks:)``:
///
/// ```swift
/// try trainer.fit(&train, epochs: 30, validation: validation,
///                 callbacks: [Callbacks.progressBar(),
///                             Callbacks.earlyStopping(patience: 5, restoreBestWeights: true),
///                             try Callbacks.modelCheckpoint(path: "ckpt/best.ftckpt", saveBestOnly: true)])
/// ```
///
/// Each returns a fresh callback object; what it finds (the best epoch, the epoch it stopped at, the
/// files it saved) is in the returned ``History`` and on disk. A callback of your own conforms to
/// ``Callback`` (see the article "Writing a callback").
public enum Callbacks {
    /// Keras' progress bar (`verbose=1`): an `Epoch 3/30` line, then a step counter with a bar,
    /// the time left and the running means, and a summary line when the epoch ends (seconds
    /// include validation). Redrawn in place on a terminal; whole lines only on a pipe or log file.
    /// `quiet` writes nothing.
    public static func progressBar(quiet: Bool = false) -> any Callback { ProgressBar(quiet: quiet) }

    /// Stops training when `monitor` has stopped improving (Keras 3's `EarlyStopping`, with its
    /// defaults: watch `val_loss`, patience 0).
    ///
    /// At each epoch end with a value v of `monitor` (epochs without it, or before
    /// `startFromEpoch`, are skipped) `wait` grows by one; a value that beats the best by more than
    /// `minDelta` becomes the best (and, with `restoreBestWeights`, its weights are kept) and resets
    /// `wait`, unless a `baseline` is set and v does not also beat it; once `wait ≥ patience`,
    /// training stops. With `restoreBestWeights` the best epoch's weights are put back when
    /// training ends, stopped early or not (Keras 3). A NaN never counts as an improvement.
    ///
    /// - Parameters:
    ///   - monitor: the quantity to watch.
    ///   - mode: `.min`, `.max`, or `.auto` (losses min, accuracies max).
    ///   - patience: epochs without improvement before stopping.
    ///   - minDelta: how much a change must exceed to count as an improvement (sign ignored).
    ///   - baseline: when set, `wait` only resets for values that also improve on it.
    ///   - restoreBestWeights: put the best epoch's weights back at the end of training.
    ///   - startFromEpoch: ignore epochs before this one (1-based; warm-up).
    public static func earlyStopping(monitor: Monitor = .validationLoss, mode: MonitorMode = .auto,
                                     patience: Int = 0, minDelta: Double = 0, baseline: Double? = nil,
                                     restoreBestWeights: Bool = false, startFromEpoch: Int = 1) -> any Callback {
        EarlyStopping(monitor: monitor, mode: mode, patience: patience, minDelta: minDelta, baseline: baseline,
                      restoreBestWeights: restoreBestWeights, startFromEpoch: startFromEpoch)
    }

    /// Saves a checkpoint of the whole training state at epoch ends (Keras' `ModelCheckpoint`), to a
    /// path filled from the epoch's values as Keras fills its `filepath`:
    /// `"ckpt/phase{phase}-{epoch:03d}-{val_loss:.2f}.ftckpt"` → `ckpt/phase2-031-0.27.ftckpt`
    /// (fields `epoch`, `phase`, `loss`, `acc`, `val_loss`, `val_acc`, `lr`; specs
    /// `[0][width][.precision][d|f|e|g]`). Missing folders are created; each file is written
    /// atomically.
    ///
    /// With `saveBestOnly` it saves only when `monitor` improves on the best value so far (the
    /// first value always counts unless `initialValueThreshold` sets the bar); the best value is
    /// kept across `fit` calls, so in a two-phase run phase 2 saves only what beats phase 1.
    /// Throws when `path` has an unknown field or format, naming it.
    public static func modelCheckpoint(path: String, monitor: Monitor = .validationLoss,
                                       mode: MonitorMode = .auto, saveBestOnly: Bool = false,
                                       initialValueThreshold: Double? = nil) throws -> any Callback {
        try ModelCheckpoint(path: path, monitor: monitor, mode: mode, saveBestOnly: saveBestOnly,
                            initialValueThreshold: initialValueThreshold)
    }

    /// Appends one CSV row per epoch to `url` (Keras' `CSVLogger`), columns
    /// `epoch,acc,loss,val_acc,val_loss,seconds,phase,lr`, each row written as its epoch ends. One
    /// logger passed to both phases keeps appending; `append: false` starts the file afresh at the
    /// first `fit` only. Appending to a file whose header differs fails instead of mixing layouts.
    public static func csvLogger(url: URL, append: Bool = false) -> any Callback {
        CSVLogger(url: url, append: append)
    }

    /// Writes TensorBoard event files under `logDirectory` (Keras' `TensorBoard` callback): epoch
    /// scalars in `train/` and `validation/`, batch scalars every `batchFrequency` steps, weight and
    /// gradient histograms of the trainable parameters every `histogramFrequency` epochs (0: never)
    /// in `histogramBuckets` buckets; `metricName` names the metric in tags. Throws when the folder
    /// cannot be created or written.
    public static func tensorBoard(logDirectory: URL, batchFrequency: Int? = nil, histogramFrequency: Int = 0,
                                   histogramBuckets: Int = 30, metricName: String = "acc") throws -> any Callback {
        try TensorBoardLogger(logDirectory: logDirectory, batchFrequency: batchFrequency,
                              histogramFrequency: histogramFrequency, histogramBuckets: histogramBuckets,
                              metricName: metricName)
    }

    /// Sets the learning rate at the start of every epoch (Keras' `LearningRateScheduler`):
    /// `lr ← schedule(epoch, lr)`, `epoch` 1-based and continuing across phases, `lr` the rate in
    /// effect. A negative, infinite or NaN rate stops training with an error naming the epoch. For a
    /// rate that changes every step, give the optimizer a ``/FinetuneNN/LearningRateSchedule`` instead.
    public static func learningRateScheduler(_ schedule: @escaping (_ epoch: Int, _ learningRate: Double) -> Double)
        -> any Callback {
        LearningRateScheduler(schedule)
    }

    /// A callback made of closures (Keras' `LambdaCallback`), for one-off hooks; every closure is
    /// optional, and a missing `onEpochEnd` proceeds.
    public static func lambda(onTrainBegin: ((TrainBeginInfo, TrainingControl) -> Void)? = nil,
                              onEpochBegin: ((Int, TrainingControl) -> Void)? = nil,
                              onBatchBegin: ((Int) -> Void)? = nil,
                              onBatchEnd: ((BatchLogs) -> Void)? = nil,
                              onEpochEnd: ((EpochRecord, TrainingControl) -> CallbackAction)? = nil,
                              onTrainEnd: ((History, TrainingControl) -> Void)? = nil) -> any Callback {
        LambdaCallback(onTrainBegin: onTrainBegin, onEpochBegin: onEpochBegin, onBatchBegin: onBatchBegin,
                       onBatchEnd: onBatchEnd, onEpochEnd: onEpochEnd, onTrainEnd: onTrainEnd)
    }
}
