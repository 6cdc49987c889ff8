import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneIO
@testable import FinetuneTraining

@Suite("Gradual unfreezing: a freeze policy over time")
struct GradualUnfreezingTests {
    static let blocks = [["block5_conv1", "block5_conv2", "block5_conv3"], ["block4_conv1", "block4_conv2", "block4_conv3"],
                         ["block3_conv1", "block3_conv2", "block3_conv3"]]

    /// Phase 2 from block3_conv1 on, unfreezing one block an epoch, top first, keeping the optimizer.
    static func setUp() throws -> (Trainer, TensorSource) {
        var rng = SeededRNG(seed: 5)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
        let x = Tensor.uniform([8, 32, 32, 3], low: -1, high: 1, using: &rng)
        let y = Tensor(shape: [8, 1], scalars: (0..<8).map { Float($0 % 2) })
        let trainer = try Trainer(model: model, optimizer: Adam(learningRate: 1e-3), freezing: .all(of: "vgg16"))
        let report = try trainer.beginPhase(2, freezing: .from("block3_conv1"), optimizer: Adam(learningRate: 1e-4))
        let head = report.trainableKeys.filter { !$0.hasPrefix("block") }
        trainer.unfreezing = try GradualUnfreezing(phase: 2, model: model, alwaysTrainable: head, groups: blocks)
        return (trainer, TensorSource(images: x, labels: y, batchSize: 4))
    }

    @Test("epoch e of the phase trains the head and the top e + 1 blocks; then all")
    func schedule() throws {
        let (trainer, source) = try Self.setUp()
        var train = source
        var seen: [Set<String>] = []
        for _ in 0..<4 {
            try trainer.fit(&train, epochs: 1, stepsPerEpoch: 1)
            seen.append(Set(trainer.trainable.compactMap { $0.hasPrefix("block") ? String($0.prefix(6)) : nil }))
        }
        #expect(seen == [["block5"], ["block5", "block4"], ["block5", "block4", "block3"], ["block5", "block4", "block3"]])
        #expect(trainer.trainable.contains("dense.kernel") || trainer.trainable.contains { !$0.hasPrefix("block") })
        // The optimizer was kept: block 5's slots have trained 4 steps, block 3's 2.
        #expect(trainer.optimizer.iterations == 4)
    }

    @Test("a frozen block does not change while it waits its turn")
    func frozenStaysFrozen() throws {
        let (trainer, source) = try Self.setUp()
        var train = source
        let before = trainer.model.parameterDictionary["block3_conv1.kernel"]?.scalars
        try trainer.fit(&train, epochs: 2, stepsPerEpoch: 2)
        #expect(trainer.model.parameterDictionary["block3_conv1.kernel"]?.scalars == before)
        try trainer.fit(&train, epochs: 1, stepsPerEpoch: 2)
        #expect(trainer.model.parameterDictionary["block3_conv1.kernel"]?.scalars != before)
    }

    @Test("resume mid-unfreezing is bit-exact")
    func resume() throws {
        let (straight, source) = try Self.setUp()
        var a = source
        try straight.fit(&a, epochs: 3, stepsPerEpoch: 2)

        let (first, source2) = try Self.setUp()
        var b = source2
        try first.fit(&b, epochs: 1, stepsPerEpoch: 2)
        let checkpoint = try first.checkpoint()
        let (resumed, source3) = try Self.setUp()
        try resumed.restore(from: checkpoint)
        var c = source3
        try c.seek(to: try #require(resumed.trainingPosition))
        try resumed.fit(&c, epochs: 2, stepsPerEpoch: 2)
        #expect(resumed.history.epochs.map(\.loss) == straight.history.epochs.map(\.loss))
        for ((k1, v1), (k2, v2)) in zip(resumed.model.parameters, straight.model.parameters) {
            #expect(k1 == k2 && v1.scalars == v2.scalars, "\(k1) differs after resume")
        }
    }
}
