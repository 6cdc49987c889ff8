import Foundation
import FinetuneCore

/// Writes TensorBoard logs of a run (Keras' `TensorBoard` callback): watch it with
/// `tensorboard --logdir DIR`.
///
/// Runs as Keras lays them out: `DIR/train` and `DIR/validation`, each holding one
/// `events.out.tfevents.<unix time>.<host>` file (TFRecords of TensorFlow `Event`s), made when the
/// first value goes into it; `DIR/evaluation` (`Run`) for a finished model's scores. Tags and steps
/// follow Keras 3, so a Keras run and a Finetune run can be compared side by side:
///
/// | run | tag | step | value |
/// |---|---|---|---|
/// | train | `epoch_loss`, `epoch_<metric>` | epoch − 1 (Keras counts epochs from 0) | the epoch's sample-weighted means |
/// | train | `epoch_learning_rate` | epoch − 1 | learning rate at the end of the epoch |
/// | validation | `epoch_loss`, `epoch_<metric>` | epoch − 1 | `val_loss`, `val_acc` |
/// | train | `batch_loss`, `batch_<metric>` | global step (1-based) | running means of the epoch so far, every `batchFrequency` steps |
/// | train | `phase` (text) | first epoch of the phase − 1 | phase number, epochs, steps, learning rate |
/// | train | `<key>/histogram`, `<key>/gradient` | epoch − 1 | every `histogramFrequency` epochs, trainable parameters only |
/// | train | `augmented_samples` (image) | 0 | `logAugmentedSamples(_:of:rows:columns:seed:)` |
/// | evaluation | `evaluation_loss_vs_iterations`, `evaluation_<metric>_vs_iterations` | optimizer steps | `logEvaluation(loss:accuracy:step:)` |
///
/// `<metric>` is `metricName`: `acc` for Chollet's `metrics=['acc']` (Keras names the metric after
/// the string given to `compile`). Unlike Keras, whose batch step restarts at every `fit`, the
/// global step continues across phases: `(epoch − 1) · stepsPerEpoch + step + 1`. Gradient
/// histograms are those of the last batch of the epoch (``Callback/batchGradients(_:step:)``).
///
/// The files are `fsync`ed after every epoch and when `fit` ends, and closed when the logger is
/// released; a run killed at any point leaves files TensorBoard reads up to the last whole
/// record. One logger passed to both phases' `fit` keeps writing the same files.
package final class TensorBoardLogger: Callback {
    /// The folder given to `tensorboard --logdir`.
    package let logDirectory: URL
    /// Write `batch_*` scalars every this many training steps; `nil`: per-epoch scalars only.
    package let batchFrequency: Int?
    /// Write weight and gradient histograms every this many epochs (epochs 1, 1 + n, …); 0: never.
    package let histogramFrequency: Int
    /// Buckets of each histogram.
    package let histogramBuckets: Int
    /// The metric's log name, used in tags (`epoch_acc`).
    package let metricName: String
    package private(set) var failure: (any Error)?

    private var writers: [Run: EventFileWriter] = [:]
    private var epoch = 1
    private var stepsPerEpoch = 1
    private var lastGradients: [String: Tensor] = [:]

    /// A logger writing under `logDirectory` (created if missing; throws when it cannot be, or
    /// cannot be written to).
    ///
    /// - Parameters:
    ///   - logDirectory: the log folder; the runs `train`, `validation` (and `evaluation`) go
    ///     into sub-folders, as Keras lays them out.
    ///   - batchFrequency: also log batch scalars every this many steps (Keras' `update_freq`).
    ///   - histogramFrequency: log weight and gradient histograms of the trainable parameters
    ///     every this many epochs (Keras' `histogram_freq`); 0, the default, never.
    ///   - histogramBuckets: buckets of each histogram (Keras' default 30).
    ///   - metricName: the metric's name in tags, `acc` by default (Finetune's `BinaryAccuracy`).
    package init(logDirectory: URL, batchFrequency: Int? = nil, histogramFrequency: Int = 0,
                histogramBuckets: Int = 30, metricName: String = "acc") throws {
        self.logDirectory = logDirectory
        self.batchFrequency = batchFrequency.map { max(1, $0) }
        self.histogramFrequency = max(0, histogramFrequency)
        self.histogramBuckets = max(1, histogramBuckets)
        self.metricName = metricName
        do {
            try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        } catch {
            throw TensorBoardError.unwritable(path: logDirectory.path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: logDirectory.path) else {
            throw TensorBoardError.unwritable(path: logDirectory.path, reason: "the folder is not writable")
        }
    }

    /// The event file of `run`, once the first value was written into it.
    package func eventFile(_ run: Run) -> URL? { writers[run]?.url }

    // MARK: Logging by hand

    /// Writes tagged values at `step` into `run`.
    package func log(_ values: [TensorBoardValue], step: Int, run: Run = .train) throws {
        let event = TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: Int64(step), payload: .summary(values))
        try writer(run).append(event)
    }

    /// Writes a scalar (stored as float32, as TensorBoard stores every scalar).
    package func logScalar(_ tag: String, _ value: Double, step: Int, run: Run = .train) throws {
        try log([TensorBoardValue(tag: tag, .scalar(Float(value)))], step: step, run: run)
    }

    /// Writes a Markdown text.
    package func logText(_ tag: String, _ text: String, step: Int, run: Run = .train) throws {
        try log([TensorBoardValue(tag: tag, .text(text))], step: step, run: run)
    }

    /// `fsync`s every event file.
    package func flush() throws {
        for run in Run.allCases { try writers[run]?.flush() }
    }

    // MARK: Callback

    package func trainBegin(_ info: TrainBeginInfo, control: TrainingControl) {
        stepsPerEpoch = max(1, info.stepsPerEpoch)
        record {
            try logText("phase", "Phase \(info.phase): epochs \(info.initialEpoch)–\(info.finalEpoch), \(info.stepsPerEpoch) steps each, learning rate \(control.learningRate), \(control.trainable.count) trainable parameter tensors.",
                        step: info.initialEpoch - 1)
            try flush()
        }
    }

    package func epochBegin(_ epoch: Int, control: TrainingControl) {
        self.epoch = epoch
        lastGradients = [:]
    }

    package func batchGradients(_ gradients: [String: Tensor], step: Int) {
        if logsHistograms(epoch), step == stepsPerEpoch - 1 { lastGradients = gradients }
    }

    package func batchEnd(_ logs: BatchLogs) {
        guard let batchFrequency, failure == nil else { return }
        let global = (epoch - 1) * logs.stepsPerEpoch + logs.step + 1
        guard global % batchFrequency == 0 else { return }
        record {
            try log([TensorBoardValue(tag: "batch_loss", .scalar(Float(logs.meanLoss))),
                     TensorBoardValue(tag: "batch_\(metricName)", .scalar(Float(logs.meanAccuracy)))], step: global)
        }
    }

    package func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        guard failure == nil else { return .stopTraining }
        let step = record.epoch - 1
        self.record {
            var train = [TensorBoardValue(tag: "epoch_loss", .scalar(Float(record.loss))),
                         TensorBoardValue(tag: "epoch_\(metricName)", .scalar(Float(record.accuracy)))]
            if let lr = record.learningRate { train.append(TensorBoardValue(tag: "epoch_learning_rate", .scalar(Float(lr)))) }
            try log(train, step: step)
            var validation: [TensorBoardValue] = []
            if let v = record.validationLoss { validation.append(TensorBoardValue(tag: "epoch_loss", .scalar(Float(v)))) }
            if let v = record.validationAccuracy { validation.append(TensorBoardValue(tag: "epoch_\(metricName)", .scalar(Float(v)))) }
            if !validation.isEmpty { try log(validation, step: step, run: .validation) }
            if logsHistograms(record.epoch) { try logHistograms(control: control, step: step) }
            try flush()
        }
        return failure == nil ? .proceed : .stopTraining
    }

    package func trainEnd(_ history: History, control: TrainingControl) {
        record { try flush() }
    }

    // MARK: Private

    private func logsHistograms(_ epoch: Int) -> Bool {
        histogramFrequency > 0 && (epoch - 1) % histogramFrequency == 0
    }

    private func logHistograms(control: TrainingControl, step: Int) throws {
        let weights = control.currentWeights()
        var values: [TensorBoardValue] = []
        for key in control.trainable.sorted() {
            if let w = weights[key] {
                values.append(TensorBoardValue(tag: "\(key)/histogram", .histogram(TensorBoardHistogram(w.scalars, bucketCount: histogramBuckets))))
            }
            if let g = lastGradients[key] {
                values.append(TensorBoardValue(tag: "\(key)/gradient", .histogram(TensorBoardHistogram(g.scalars, bucketCount: histogramBuckets))))
            }
        }
        lastGradients = [:]
        if !values.isEmpty { try log(values, step: step) }
    }

    private func writer(_ run: Run) throws -> EventFileWriter {
        if let writer = writers[run] { return writer }
        let writer = try EventFileWriter(directory: logDirectory.appendingPathComponent(run.rawValue))
        writers[run] = writer
        return writer
    }

    /// Runs `body`, keeping its first error as ``failure`` (hooks cannot throw).
    private func record(_ body: () throws -> Void) {
        guard failure == nil else { return }
        do { try body() } catch { failure = error }
    }
}
