import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneIO
@testable import FinetuneTraining

@Suite("Exact resume in the middle of a one-cycle schedule")
struct OneCycleResumeTests {
    static let epochs = 3, steps = 4

    /// Phase 2 of a fine-tuning run: trainable from block5_conv1, discriminative rates over
    /// block5 and the head, AdamW following a one-cycle schedule over all its epochs.
    static func setUp() throws -> (Trainer, TensorSource, TensorSource) {
        var rng = SeededRNG(seed: 9)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
        let x = Tensor.uniform([12, 32, 32, 3], low: -100, high: 100, using: &rng)
        let y = Tensor(shape: [12, 1], scalars: (0..<12).map { Float($0 % 2) })
        let cycle = OneCycle(maxLearningRate: 1e-3, totalSteps: epochs * steps)
        let optimizer = try ParameterGroups(AdamW(weightDecay: 0.01, schedule: cycle),
                                            groups: [["block5_conv1", "block5_conv2", "block5_conv3"]],
                                            rates: 1e-4...1e-3, in: model)
        let trainer = try Trainer(model: model, optimizer: optimizer, freezing: .from("block5_conv1"))
        return (trainer, TensorSource(images: x, labels: y, batchSize: 5), TensorSource(images: x, labels: y, batchSize: 6))
    }

    @Test("one epoch, checkpoint, restore into a fresh trainer, two more epochs = three epochs straight, bit for bit")
    func resumeIsExact() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-onecycle-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let (straight, source, validation) = try Self.setUp()
        var train = source
        try straight.fit(&train, epochs: Self.epochs, stepsPerEpoch: Self.steps, validation: validation)

        let (first, source2, _) = try Self.setUp()
        var train2 = source2
        try first.fit(&train2, epochs: 1, stepsPerEpoch: Self.steps, validation: validation)
        let file = dir.appendingPathComponent("last.ftckpt")
        try first.saveCheckpoint(to: file.path)

        let (resumed, source3, _) = try Self.setUp()
        let checkpoint = try Checkpoint.read(from: file)
        #expect(checkpoint.optimizerName == "ParameterGroups" && checkpoint.optimizerIterations == Self.steps)
        try resumed.restore(from: checkpoint)
        var train3 = source3
        try train3.seek(to: try #require(resumed.trainingPosition))
        try resumed.fit(&train3, epochs: Self.epochs - 1, stepsPerEpoch: Self.steps, validation: validation)

        #expect(resumed.history.epochs.map(\.loss) == straight.history.epochs.map(\.loss))
        #expect(resumed.history.epochs.map(\.validationLoss) == straight.history.epochs.map(\.validationLoss))
        #expect(resumed.history.epochs.map(\.learningRate) == straight.history.epochs.map(\.learningRate))
        #expect(resumed.optimizer.iterations == Self.epochs * Self.steps)
        #expect(Set(resumed.optimizer.state.keys) == Set(straight.optimizer.state.keys))
        for (k, v) in straight.optimizer.state { #expect(resumed.optimizer.state[k]?.scalars == v.scalars, "slot \(k)") }
        for ((k1, v1), (k2, v2)) in zip(resumed.model.parameters, straight.model.parameters) {
            #expect(k1 == k2 && v1.scalars == v2.scalars, "\(k1) differs after resume")
        }
    }
}
