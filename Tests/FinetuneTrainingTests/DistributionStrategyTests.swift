import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneIO
@testable import FinetuneTraining

/// A stand-in for `copies` processes that all read the same shard: every sum multiplies by
/// `copies`, as an all-reduce over identical contributions would. Training must then equal
/// training alone, since the mean of identical gradients is that gradient.
final class MirroredProcesses: DistributionStrategy {
    let rank = 0
    let worldSize: Int
    private(set) var floatsSummed = 0
    init(copies: Int) { worldSize = copies }
    func sum(_ buffer: inout [Float]) throws {
        floatsSummed += buffer.count
        for i in buffer.indices { buffer[i] *= Float(worldSize) }
    }
    func sum(_ buffer: inout [Double]) throws { for i in buffer.indices { buffer[i] *= Double(worldSize) } }
}

@Suite("DistributionStrategy")
struct DistributionStrategyTests {
    static func setup() throws -> (Trainer, TensorSource) {
        var rng = SeededRNG(seed: 21)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, denseUnits: 8, using: &rng)
        let images = Tensor.uniform([10, 32, 32, 3], low: 0, high: 1, using: &rng)
        let labels = Tensor(shape: [10, 1], scalars: (0..<10).map { Float($0 % 2) })
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: 1e-3), freezing: .all(of: "vgg16"), seed: 1)
        return (trainer, TensorSource(images: images, labels: labels, batchSize: 4))
    }

    @Test("gradients, losses and history through a strategy equal training alone; only trainable floats are summed")
    func mirroredEqualsAlone() throws {
        let (alone, source) = try Self.setup()
        let (shared, _) = try Self.setup()
        let strategy = MirroredProcesses(copies: 3)
        shared.distribution = strategy
        var a = source, b = source
        try alone.fit(&a, epochs: 2, stepsPerEpoch: 3, validation: source)
        try shared.fit(&b, epochs: 2, stepsPerEpoch: 3, validation: source)
        for (x, y) in zip(alone.history.epochs, shared.history.epochs) {
            #expect(abs(x.loss - y.loss) <= 1e-6 * abs(x.loss))
            #expect(x.accuracy == y.accuracy)
            #expect(abs(x.validationLoss! - y.validationLoss!) <= 1e-6 * abs(x.validationLoss!))
        }
        let wa = alone.currentWeights(), wb = shared.currentWeights()
        for (key, value) in wa {
            let other = try #require(wb[key])
            let worst = zip(value.scalars, other.scalars).map { abs($0 - $1) }.max() ?? 0
            let scale = value.scalars.map(abs).max() ?? 0
            #expect(worst <= 1e-5 * max(scale, 1e-6), "\(key): max |Δ| \(worst)")
        }
        #expect(strategy.floatsSummed == 6 * (shared.parameterCounts.trainable + 3))
    }

    @Test("a checkpoint of N > 1 processes is refused under another N > 1, accepted alone and under N")
    func worldSizeOnResume() throws {
        let (trainer, source) = try Self.setup()
        trainer.distribution = MirroredProcesses(copies: 4)
        var s = source
        try trainer.fit(&s, epochs: 1, stepsPerEpoch: 1)
        let checkpoint = try trainer.checkpoint()
        #expect(try checkpoint.decodeTrainerState(TrainerState.self).worldSize == 4)

        let (other, _) = try Self.setup()
        other.distribution = MirroredProcesses(copies: 2)
        let error = #expect(throws: TrainerError.self) { try other.restore(from: checkpoint) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("mpirun -np 4"))
        other.distribution = MirroredProcesses(copies: 4)
        try other.restore(from: checkpoint)
        other.distribution = nil
        try other.restore(from: checkpoint)

        let (alone, _) = try Self.setup()
        var t = source
        try alone.fit(&t, epochs: 1, stepsPerEpoch: 1)
        other.distribution = MirroredProcesses(copies: 2)
        try other.restore(from: try alone.checkpoint())
    }

    @Test("only rank 0 writes checkpoints")
    func onlyPrimaryWrites() throws {
        final class Rank1: DistributionStrategy {
            let rank = 1, worldSize = 2
            func sum(_ buffer: inout [Float]) throws {}
            func sum(_ buffer: inout [Double]) throws {}
        }
        let (trainer, _) = try Self.setup()
        trainer.distribution = Rank1()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rank1-\(UUID().uuidString).ftckpt").path
        try trainer.saveCheckpoint(to: path)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!trainer.isPrimaryProcess)
    }

    @Test("the article's Swift code is finetune-mpi's example, verbatim (which .ci/mpi runs under mpirun)")
    func articleCodeIsRun() throws {
        let root = DocExampleTests.repository
        let article = try String(contentsOf: root.appendingPathComponent("Documentation/Finetune.docc/ScalingOutOnMPI.md"), encoding: .utf8)
        let example = try String(contentsOf: root.appendingPathComponent("Sources/finetune-mpi/ArticleExample.swift"), encoding: .utf8)
        let blocks = swiftCodeBlocks(in: article)
        #expect(!blocks.isEmpty)
        for block in blocks {
            let found = example.contains(block)
            #expect(found, "ScalingOutOnMPI.md: this block is not in Sources/finetune-mpi/ArticleExample.swift:\n\(block)")
        }
    }
}
