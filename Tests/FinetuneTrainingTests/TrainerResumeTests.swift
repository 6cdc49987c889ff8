import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneIO
@testable import FinetuneTraining

@Suite("Exact resume from checkpoints")
struct TrainerResumeTests {
    static func setUp() throws -> (Trainer, TensorSource, TensorSource) {
        var rng = SeededRNG(seed: 5)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
        let x = Tensor.uniform([12, 32, 32, 3], low: -100, high: 100, using: &rng)
        let y = Tensor(shape: [12, 1], scalars: (0..<12).map { Float($0 % 2) })
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: 1e-3), freezing: .all(of: "vgg16"))
        // Batches of 5 over 12 samples: passes and epochs (4 steps) do not line up.
        return (trainer, TensorSource(images: x, labels: y, batchSize: 5), TensorSource(images: x, labels: y, batchSize: 6))
    }

    static func numbers(_ h: History) -> [[Double?]] {
        h.epochs.map { [Double($0.epoch), Double($0.phase), $0.loss, $0.accuracy, $0.validationLoss, $0.validationAccuracy] }
    }

    @Test("k epochs, checkpoint, a fresh trainer restored from the file, N − k epochs = N epochs straight, bit for bit")
    func resumeIsExact() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-resume-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // Straight: phase 1 two epochs, phase 2 three epochs.
        let (straight, source, validation) = try Self.setUp()
        var train = source
        try straight.fit(&train, epochs: 2, stepsPerEpoch: 4, validation: validation)
        try straight.beginPhase(freezing: .from("block5_conv1"), optimizer: RMSprop(learningRate: 5e-4))
        try straight.fit(&train, epochs: 3, stepsPerEpoch: 4, validation: validation)

        // Interrupted after the first phase-2 epoch.
        let (first, source2, _) = try Self.setUp()
        var train2 = source2
        try first.fit(&train2, epochs: 2, stepsPerEpoch: 4, validation: validation)
        try first.beginPhase(freezing: .from("block5_conv1"), optimizer: RMSprop(learningRate: 5e-4))
        try first.fit(&train2, epochs: 1, stepsPerEpoch: 4, validation: validation)
        let file = dir.appendingPathComponent("phase2.ftckpt")
        try first.saveCheckpoint(to: file.path)

        let (resumed, source3, _) = try Self.setUp()
        try resumed.beginPhase(freezing: .from("block5_conv1"), optimizer: RMSprop(learningRate: 5e-4))
        try resumed.restore(from: try Checkpoint.read(from: file))
        var train3 = source3
        try train3.seek(to: try #require(resumed.trainingPosition))
        #expect(resumed.phase == 2 && resumed.epochsCompleted == 3)
        try resumed.fit(&train3, epochs: 2, stepsPerEpoch: 4, validation: validation)

        #expect(Self.numbers(resumed.history) == Self.numbers(straight.history))
        #expect(resumed.optimizer.iterations == straight.optimizer.iterations)
        for ((k1, v1), (k2, v2)) in zip(resumed.model.parameters, straight.model.parameters) {
            #expect(k1 == k2 && v1.scalars == v2.scalars, "\(k1) differs after resume")
        }
    }

    @Test("restoring into a different model fails and leaves the trainer unchanged")
    func mismatchLeavesTrainerAlone() throws {
        let (trainer, _, _) = try Self.setUp()
        let checkpoint = try trainer.checkpoint()
        var rng = SeededRNG(seed: 9)
        let other = try Trainer(model: try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: [4, 8, 8, 16, 8], using: &rng),
                                optimizer: RMSprop(learningRate: 1e-3), freezing: .all(of: "vgg16"))
        let before = other.model.parameters.map(\.value.scalars)
        #expect(throws: CheckpointError.self) { try other.restore(from: checkpoint) }
        #expect(other.model.parameters.map(\.value.scalars) == before)
    }
}
