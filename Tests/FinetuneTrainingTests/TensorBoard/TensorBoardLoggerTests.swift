import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
@testable import FinetuneTraining

/// Keeps the gradients of each epoch's last batch and the weights at each epoch end, to compare
/// with what the logger wrote.
final class TrainingRecorder: Callback {
    var stepsPerEpoch = 0, epoch = 0
    var lastGradients: [Int: [String: Tensor]] = [:]
    var weights: [Int: [String: Tensor]] = [:]
    var trainable: [Int: Set<String>] = [:]
    func trainBegin(_ info: TrainBeginInfo, control: TrainingControl) { stepsPerEpoch = info.stepsPerEpoch }
    func epochBegin(_ epoch: Int, control: TrainingControl) { self.epoch = epoch }
    func batchGradients(_ gradients: [String: Tensor], step: Int) {
        if step == stepsPerEpoch - 1 { lastGradients[epoch] = gradients }
    }
    func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        weights[record.epoch] = control.currentWeights()
        trainable[record.epoch] = control.trainable
        return .proceed
    }
}

@Suite("TensorBoardLogger")
struct TensorBoardLoggerTests {
    /// 8 images of 2×2×3 (0–255, class 1 brighter), labels alternating.
    static func data(seed: UInt64) throws -> ArraySource {
        var rng = SeededRNG(seed: seed)
        var images: [Float] = [], labels: [Float] = []
        for i in 0..<8 {
            labels.append(Float(i % 2))
            for _ in 0..<12 { images.append(rng.nextUnitFloat() * 128 + 127 * Float(i % 2)) }
        }
        return try ArraySource(images: Tensor(shape: [8, 2, 2, 3], scalars: images), labels: Tensor(shape: [8], scalars: labels),
                               batchSize: 4, preprocessing: .rescale255)
    }

    /// Where the logs of the tiny run go: `FINETUNE_TENSORBOARD_EXPORT` (kept, with `expected.json`
    /// listing every value logged, for `.ci/tensorboard_check.py`), or a temporary folder.
    static var exportFolder: URL? {
        ProcessInfo.processInfo.environment["FINETUNE_TENSORBOARD_EXPORT"].map { URL(fileURLWithPath: $0) }
    }

    @Test("a two-phase run through the Trainer logs what Keras logs, and reads back exactly")
    func roundTrip() throws {
        let folder = try Self.exportFolder ?? temporaryFolder()
        defer { if Self.exportFolder == nil { try? FileManager.default.removeItem(at: folder) } }
        try? FileManager.default.removeItem(at: folder)
        var rng = SeededRNG(seed: 3)
        let model = try Sequential([Flatten(), Dense(name: "hidden", inputSize: 12, units: 3, activation: .relu, using: &rng),
                                    Dense(name: "dense", inputSize: 3, units: 1, using: &rng)])
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: 1e-2))
        var train = try Self.data(seed: 1)
        let validation = try Self.data(seed: 2)
        let logger = try TensorBoardLogger(logDirectory: folder, batchFrequency: 3, histogramFrequency: 2)
        let recorder = TrainingRecorder()

        let image = RGBImage(width: 6, height: 5, pixels: (0..<90).map { UInt8($0 * 2) })
        let png = try logger.logAugmentedSamples(Augmentation(rotationRange: 30, horizontalFlip: true), of: image, rows: 2, columns: 2, seed: 4)
        try trainer.fit(&train, epochs: 3, stepsPerEpoch: 2, validation: validation, callbacks: [logger, recorder])
        try trainer.beginPhase(trainable: ["dense.kernel", "dense.bias"], optimizer: RMSprop(learningRate: 1e-3))
        try trainer.fit(&train, epochs: 2, stepsPerEpoch: 2, validation: validation, callbacks: [logger, recorder])
        #expect(logger.failure == nil)

        let (trainValues, trainVersions) = try readLoggedValues(in: folder.appendingPathComponent("train"))
        let (validationValues, validationVersions) = try readLoggedValues(in: folder.appendingPathComponent("validation"))
        #expect(trainVersions == ["brain.Event:2"] && validationVersions == ["brain.Event:2"])
        func scalars(_ values: [LoggedValue], _ tag: String) -> [[Double]] {
            values.filter { $0.tag == tag }.map { [Double($0.step), Double($0.scalar ?? .nan)] }
        }
        let epochs = trainer.history.epochs
        #expect(epochs.count == 5)
        let steps = epochs.map { Double($0.epoch - 1) }
        let f = { (x: Double?) in Double(Float(x ?? .nan)) }
        #expect(scalars(trainValues, "epoch_loss") == zip(steps, epochs).map { [$0, f($1.loss)] })
        #expect(scalars(trainValues, "epoch_acc") == zip(steps, epochs).map { [$0, f($1.accuracy)] })
        #expect(scalars(trainValues, "epoch_learning_rate") == zip(steps, epochs).map { [$0, f($1.learningRate)] })
        #expect(scalars(validationValues, "epoch_loss") == zip(steps, epochs).map { [$0, f($1.validationLoss)] })
        #expect(scalars(validationValues, "epoch_acc") == zip(steps, epochs).map { [$0, f($1.validationAccuracy)] })
        #expect(scalars(trainValues, "batch_loss").map { $0[0] } == [3, 6, 9])

        let texts = trainValues.filter { $0.tag == "phase" }
        #expect(texts.map(\.step) == [0, 3])
        #expect(texts.last?.text?.hasPrefix("Phase 2: epochs 4–5, 2 steps each") == true)

        let images = trainValues.filter { $0.tag == "augmented_samples" }
        #expect(images.count == 1 && images.first?.image == png && images.first?.step == 0)
        #expect(TensorBoardLogger.pngSize(png).map { [$0.width, $0.height] } == [2 * 6 + 3 * 2, 2 * 5 + 3 * 2])

        // Histograms at epochs 1, 3 and 5 (steps 0, 2, 4), trainable parameters only.
        let histograms = trainValues.filter { $0.histogram != nil }
        #expect(Set(histograms.map(\.step)) == [0, 2, 4])
        #expect(histograms.filter { $0.step == 4 }.map(\.tag) == ["dense.bias/histogram", "dense.bias/gradient",
                                                                  "dense.kernel/histogram", "dense.kernel/gradient"])
        #expect(histograms.filter { $0.step == 0 }.count == 8)
        for h in histograms {
            let epoch = Int(h.step) + 1
            let key = String(h.tag.split(separator: "/")[0])
            let source = h.tag.hasSuffix("/gradient") ? recorder.lastGradients[epoch]?[key] : recorder.weights[epoch]?[key]
            let values = try #require(source, "\(h.tag) at epoch \(epoch)").scalars.map(Double.init)
            let proto = try #require(h.histogram)
            #expect(proto.double(1) == values.min() && proto.double(2) == values.max(), "\(h.tag)")
            #expect(proto.double(3) == Double(values.count), "\(h.tag)")
        }
        if Self.exportFolder != nil {
            try writeExpected(to: folder.appendingPathComponent("expected.json"), trainer: trainer, recorder: recorder, png: png)
        }
    }

    @Test("a failing log folder is reported and stops training")
    func failure() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let logger = try TensorBoardLogger(logDirectory: folder)
        // A file where the validation run's folder would go.
        try Data("x".utf8).write(to: folder.appendingPathComponent("validation"))
        let ran = simulateFit([logger], records: records(valLoss: [0.5, 0.4]), control: FakeControl())
        #expect(ran == [1])
        #expect(logger.failure is TensorBoardError)
        #expect(logger.failure.map { "\($0)" }?.contains(folder.appendingPathComponent("validation").path) == true)
    }

    @Test("images must be PNG files")
    func notPNG() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let logger = try TensorBoardLogger(logDirectory: folder)
        #expect(throws: TensorBoardError.self) { try logger.logImage("x", png: [1, 2, 3], step: 0) }
    }

    /// Every value the tiny run logged, from the trainer's own records (not from the event files):
    /// scalars by run and tag, raw weights and gradients behind each histogram, the image's bytes.
    func writeExpected(to url: URL, trainer: Trainer, recorder: TrainingRecorder, png: [UInt8]) throws {
        var train: [String: [[Double]]] = [:], validation: [String: [[Double]]] = [:]
        for r in trainer.history.epochs {
            let s = Double(r.epoch - 1)
            train["epoch_loss", default: []].append([s, r.loss])
            train["epoch_acc", default: []].append([s, r.accuracy])
            if let lr = r.learningRate { train["epoch_learning_rate", default: []].append([s, lr]) }
            if let v = r.validationLoss { validation["epoch_loss", default: []].append([s, v]) }
            if let v = r.validationAccuracy { validation["epoch_acc", default: []].append([s, v]) }
        }
        var histograms: [[String: Any]] = []
        for epoch in [1, 3, 5] {
            for key in (recorder.trainable[epoch] ?? []).sorted() {
                if let w = recorder.weights[epoch]?[key] {
                    histograms.append(["tag": "\(key)/histogram", "step": epoch - 1, "values": w.scalars.map(Double.init)])
                }
                if let g = recorder.lastGradients[epoch]?[key] {
                    histograms.append(["tag": "\(key)/gradient", "step": epoch - 1, "values": g.scalars.map(Double.init)])
                }
            }
        }
        let expected: [String: Any] = [
            "scalars": ["train": train, "validation": validation],
            "batch_scalar_steps": [3, 6, 9],
            "histograms": histograms, "histogram_buckets": 30,
            "images": [["tag": "augmented_samples", "step": 0, "png_hex": png.map { String(format: "%02x", $0) }.joined()]],
            "texts": [["tag": "phase", "step": 0, "prefix": "Phase 1: epochs 1–3"], ["tag": "phase", "step": 3, "prefix": "Phase 2: epochs 4–5"]],
        ]
        try JSONSerialization.data(withJSONObject: expected, options: [.prettyPrinted, .sortedKeys]).write(to: url, options: .atomic)
    }
}
