import Foundation
import FinetuneCore
@testable import FinetuneTraining

/// A stand-in for a running `fit`: its "model" is one weight, set to the epoch number at each
/// epoch end, so restored weights tell which epoch they came from.
class FakeControl: TrainingControl {
    var learningRate: Float = 1e-3
    var weights: [String: Tensor] = ["w": Tensor(repeating: 0, shape: [1])]
    var history = History()
    var saved: [String] = []
    var restoreCount = 0
    var saveError: (any Error)?

    func currentWeights() -> [String: Tensor] { weights }
    func restoreWeights(_ weights: [String: Tensor]) throws { self.weights = weights; restoreCount += 1 }
    func saveCheckpoint(to path: String) throws {
        if let saveError { throw saveError }
        saved.append(path)
    }
    var weightEpoch: Float { weights["w"]?.scalars[0] ?? -1 }
}

struct FakeError: Error, Equatable {}

/// Drives `callbacks` through a fit over `records` the way a trainer does (train begin; per
/// epoch: begin, batches, weights ← epoch, end; train end), stopping when any callback asks.
/// Returns the epochs that ran.
@discardableResult
func simulateFit(_ callbacks: [any Callback], records: [EpochRecord], control: FakeControl,
                 stepsPerEpoch: Int = 2) -> [Int] {
    guard let first = records.first, let last = records.last else { return [] }
    let info = TrainBeginInfo(initialEpoch: first.epoch, finalEpoch: last.epoch, stepsPerEpoch: stepsPerEpoch, phase: first.phase)
    for c in callbacks { c.trainBegin(info, control: control) }
    var ran: [Int] = []
    for record in records {
        for c in callbacks { c.epochBegin(record.epoch, control: control) }
        for step in 0..<stepsPerEpoch {
            for c in callbacks { c.batchBegin(step) }
            let logs = BatchLogs(step: step, stepsPerEpoch: stepsPerEpoch, size: 4, loss: record.loss,
                                 accuracy: record.accuracy, meanLoss: record.loss, meanAccuracy: record.accuracy)
            for c in callbacks { c.batchEnd(logs) }
        }
        control.weights = ["w": Tensor(repeating: Float(record.epoch), shape: [1])]
        control.history.epochs.append(record)
        ran.append(record.epoch)
        let actions = callbacks.map { $0.epochEnd(record, control: control) }
        if actions.contains(.stopTraining) { break }
    }
    for c in callbacks { c.trainEnd(control.history, control: control) }
    return ran
}

/// Records with `val_loss` from `values` (epochs numbered from `from`), other fields derived.
func records(valLoss values: [Double], from: Int = 1, phase: Int = 1) -> [EpochRecord] {
    values.enumerated().map { i, v in
        EpochRecord(epoch: from + i, phase: phase, loss: v + 0.1, accuracy: 1 - v, validationLoss: v,
                    validationAccuracy: 1 - v, seconds: 1, learningRate: 1e-3)
    }
}

/// A fresh empty folder under the system temporary directory.
func temporaryFolder(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("finetune-training-tests-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
