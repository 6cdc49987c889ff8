import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneIO
import FinetuneTestSupport
@testable import FinetuneTraining

/// Three SGD steps of a small inverted-residual stack (zero padding, 3×3/2 convolution, three
/// BatchNormalization layers, ReLU6, a depthwise convolution, a 1×1 projection, global average
/// pooling, a sigmoid head) against Keras 3 (`Goldens/gen_layers.py`, `model.stack.*`): the
/// trainer must write the moving statistics back after each step, leave them alone when the
/// layers are frozen, and update them for frozen layers kept in training mode.
@Suite("Trainer with BatchNormalization matches Keras 3", .tags(.golden))
struct BatchNormTrainingGoldenTests {
    static let suite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("layers") }

    static var caseNames: [String] {
        nonEmptyCaseNames((try? suite.get())?.cases(prefix: "model.stack.").map(\.name), describing: "layers model.stack.*")
    }

    /// The stack of `gen_layers.py`'s `stack()`, its BN layers kept in training mode when frozen if
    /// `trainBN`.
    static func stack(trainBN: Bool) throws -> Sequential {
        var rng = SeededRNG(seed: 1)
        return try Sequential(name: "stack", [
            ZeroPadding2D(name: "stem_pad", padding: ((0, 1), (0, 1))),
            Conv2D(name: "stem_conv", inputChannels: 3, filters: 6, kernelSize: (3, 3), strides: (2, 2), useBias: false,
                   using: &rng),
            BatchNormalization(name: "stem_bn", channels: 6, batchStatisticsWhenFrozen: trainBN),
            ReLU(maxValue: 6, name: "stem_relu"),
            DepthwiseConv2D(name: "block_dwconv", inputChannels: 6, padding: .same, useBias: false, using: &rng),
            BatchNormalization(name: "block_dwconv_bn", channels: 6, batchStatisticsWhenFrozen: trainBN),
            ReLU(maxValue: 6, name: "block_dwconv_relu"),
            Conv2D(name: "block_project", inputChannels: 6, filters: 8, kernelSize: (1, 1), useBias: false, using: &rng),
            BatchNormalization(name: "block_project_bn", channels: 8, batchStatisticsWhenFrozen: trainBN),
            GlobalAveragePooling2D(name: "pool"),
            Dense(name: "head", inputSize: 8, units: 1, activation: .sigmoid, using: &rng),
        ])
    }

    static func trainer(_ g: GoldenCase) throws -> Trainer {
        var model = try stack(trainBN: g.name.hasSuffix("train_bn"))
        #expect(model.layers.map(\.name) == (try g.param("layers").array?.compactMap(\.string)))
        for (key, _) in model.parameters { try model.setParameter(key, to: try g.tensor("w/" + key)) }
        let keys = Set(try #require(try g.param("trainable").array).compactMap(\.string))
        // Everything trainable is the trainer's default: every parameter but the moving statistics.
        let trainer = try Trainer(model: model, optimizer: SGD(learningRate: 0.1),
                                  trainable: g.name.hasSuffix(".all") ? nil : keys)
        #expect(trainer.trainable == keys)
        return trainer
    }

    @Test("three steps: losses, weights and moving statistics after each", arguments: caseNames)
    func threeSteps(_ name: String) throws {
        let g = try Self.suite.get().named(name)
        let trainer = try Self.trainer(g)
        let batch = Batch(images: try g.tensor("x"), labels: try g.tensor("labels"))
        for step in 1...3 {
            let (loss, _) = try trainer.trainStep(batch)
            expectClose(Double(loss), Double(try g.tensor("step\(step)/loss").scalars[0]), tolerance: g.tolerance,
                        "\(name) loss of step \(step)")
            for (key, value) in trainer.model.parameters {
                expectClose(value, try g.tensor("step\(step)/\(key)"), tolerance: g.tolerance, "\(name) \(key) after step \(step)")
            }
        }
    }

    @Test("through a distribution strategy of identical processes: the same moving statistics as alone")
    func distributed() throws {
        let g = try Self.suite.get().named("model.stack.all")
        let alone = try Self.trainer(g), shared = try Self.trainer(g)
        shared.distribution = MirroredProcesses(copies: 3)
        let source = TensorSource(images: try g.tensor("x"), labels: try g.tensor("labels"), batchSize: 8)
        var a = source, b = source
        try alone.fit(&a, epochs: 1, stepsPerEpoch: 2)
        try shared.fit(&b, epochs: 1, stepsPerEpoch: 2)
        let wa = alone.currentWeights(), wb = shared.currentWeights()
        for key in ["stem_bn.moving_mean", "stem_bn.moving_variance", "block_project_bn.moving_variance"] {
            expectClose(try #require(wb[key]), try #require(wa[key]), tolerance: 1e-6, key)
            #expect(wa[key] != (try g.tensor("w/" + key)), "\(key) moved")
        }
    }

    @Test("a checkpoint saves and restores the moving statistics")
    func checkpoint() throws {
        let g = try Self.suite.get().named("model.stack.all")
        let trainer = try Self.trainer(g)
        _ = try trainer.trainStep(Batch(images: try g.tensor("x"), labels: try g.tensor("labels")))
        let checkpoint = try trainer.checkpoint()
        let fresh = try Self.trainer(g)
        try fresh.restore(from: checkpoint)
        #expect(fresh.currentWeights() == trainer.currentWeights())
        #expect(fresh.trainable == trainer.trainable)
        #expect(fresh.parameterCounts == trainer.parameterCounts)
        #expect(trainer.parameterCounts.nonTrainable == 2 * (6 + 6 + 8))
    }
}
