import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneIO
import FinetuneTestSupport
@testable import FinetuneTraining

/// A residual classifier (the article's `residualClassifier`: one ResNet block, global average
/// pooling, a sigmoid unit) trained by the `Trainer`: three SGD steps against Keras 3
/// (`Goldens/gen_graph.py`, `fit.*`) with one branch frozen, checkpoints, and the frozen-feature
/// cache on a graph.
@Suite("Trainer on a functional graph")
struct GraphTrainingTests {
    static let suite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("graph") }

    static var fitCases: [String] {
        nonEmptyCaseNames((try? suite.get())?.cases(prefix: "fit.").map(\.name), describing: "graph fit.*")
    }

    static func model() throws -> Graph {
        var rng = SeededRNG(seed: 5)
        return try #require(try residualClassifier(inputShape: [6, 6, 3], filters: 4, using: &rng) as? Graph)
    }

    /// A trainer for the golden's model and weights, freezing the golden's frozen layers by name.
    static func trainer(_ g: GoldenCase) throws -> Trainer {
        var model = try model()
        #expect(model.sublayers.map(\.name) == (try g.param("layers").array?.compactMap(\.string)))
        for (key, _) in model.parameters { try model.setParameter(key, to: try g.tensor("w/" + key)) }
        let frozen = try #require(try g.param("frozen").array).compactMap(\.string)
        let policy = frozen.dropFirst().reduce(FreezePolicy.all(of: frozen[0])) { $0.then(.all(of: $1)) }
        let trainer = try Trainer(model: model, optimizer: SGD(learningRate: 0.1), freezing: policy)
        #expect(trainer.trainable == Set(try #require(try g.param("trainable").array).compactMap(\.string)))
        return trainer
    }

    @Test("three SGD steps with one branch frozen: Keras' losses, weights and moving statistics; the frozen BN's bit for bit",
          .tags(.golden), arguments: fitCases)
    func threeSteps(_ name: String) throws {
        let g = try Self.suite.get().named(name)
        let trainer = try Self.trainer(g)
        let frozenStatistics = trainer.model.parameters.filter { key, _ in
            key.contains("moving") && !trainer.trainable.contains(key.replacingOccurrences(of: "moving_mean", with: "gamma")
                .replacingOccurrences(of: "moving_variance", with: "gamma"))
        }
        #expect(frozenStatistics.count == 2 * (name.hasSuffix("frozen_shortcut") ? 1 : 2))
        let batch = Batch(images: try g.tensor("x"), labels: try g.tensor("labels"))
        for step in 1...3 {
            let (loss, _) = try trainer.trainStep(batch)
            expectClose(Double(loss), Double(try g.tensor("step\(step)/loss").scalars[0]), tolerance: g.tolerance,
                        "\(name) loss of step \(step)")
            for (key, value) in trainer.model.parameters {
                expectClose(value, try g.tensor("step\(step)/\(key)"), tolerance: g.tolerance, "\(name) \(key) after step \(step)")
            }
        }
        let after = trainer.model.parameterDictionary
        for (key, value) in frozenStatistics { #expect(after[key] == value, "\(key) is frozen: bit for bit unchanged") }
    }

    @Test("a checkpoint saves and restores the graph's weights and moving statistics; a restored trainer continues exactly")
    func checkpoint() throws {
        let g = try Self.suite.get().named("fit.frozen_shortcut")
        let trainer = try Self.trainer(g)
        let batch = Batch(images: try g.tensor("x"), labels: try g.tensor("labels"))
        _ = try trainer.trainStep(batch)
        let fresh = try Self.trainer(g)
        try fresh.restore(from: try Checkpoint(decoding: try trainer.checkpoint().encoded().bytes))
        #expect(fresh.currentWeights() == trainer.currentWeights())
        #expect(fresh.trainable == trainer.trainable)
        _ = try trainer.trainStep(batch)
        _ = try fresh.trainStep(batch)
        #expect(fresh.currentWeights() == trainer.currentWeights())
    }

    @Test("through a distribution strategy of identical processes: the same weights and moving statistics as alone")
    func distributed() throws {
        let g = try Self.suite.get().named("fit.frozen_shortcut")
        let alone = try Self.trainer(g), shared = try Self.trainer(g)
        shared.distribution = MirroredProcesses(copies: 3)
        let source = TensorSource(images: try g.tensor("x"), labels: try g.tensor("labels"), batchSize: 8)
        var a = source, b = source
        try alone.fit(&a, epochs: 1, stepsPerEpoch: 2)
        try shared.fit(&b, epochs: 1, stepsPerEpoch: 2)
        let wa = alone.currentWeights(), wb = shared.currentWeights()
        for (key, value) in wa { expectClose(try #require(wb[key]), value, tolerance: 1e-6, key) }
        #expect(wa["conv2_block1_2_bn.moving_mean"] != (try g.tensor("w/conv2_block1_2_bn.moving_mean")))
    }

    @Test("the frozen prefix of a graph ends at a single tensor: after the block when only the head trains, nowhere inside it")
    func modelSplit() throws {
        let model = try Self.model()
        let headOnly = try #require(ModelSplit(model: model, trainable: ["predictions.kernel", "predictions.bias"]))
        #expect(headOnly.prefix.sublayers.map(\.name) == model.sublayers.dropLast().map(\.name))
        #expect(headOnly.suffix.sublayers.map(\.name) == ["predictions"])
        var rng = SeededRNG(seed: 9)
        let x = Tensor.uniform([3, 6, 6, 3], low: -2, high: 2, using: &rng)
        #expect(headOnly.suffix(headOnly.features(x)) == model(x))
        // Training 2_conv: the input reaches 0_conv past every node before it, so no cut.
        #expect(ModelSplit(model: model, trainable: ["conv2_block1_2_conv.kernel"]) == nil)
        // Inside a Sequential, the graph is looked through.
        let outer = try Sequential(name: "outer", [model, Dense(name: "extra", inputSize: 1, units: 1, using: &rng)])
        let split = try #require(ModelSplit(model: outer, trainable: ["extra.kernel"]))
        #expect(split.suffix.sublayers.map(\.name) == ["extra"])
        #expect(split.suffix(split.features(x)) == outer(x))
    }

    @Test("evaluation with cached features of the frozen block gives exactly the uncached numbers and runs no convolution")
    func featureCache() throws {
        let g = try Self.suite.get().named("fit.frozen_shortcut")
        let source = TensorSource(images: try g.tensor("x"), labels: try g.tensor("labels"), batchSize: 4)
        let cached = try Self.trainer(g), plain = try Self.trainer(g)
        for t in [cached, plain] { try t.beginPhase(freezing: .from("predictions"), optimizer: SGD(learningRate: 0.1)) }
        plain.cachesFrozenFeatures = false
        var a = source, b = source
        let validation = RepeatableTensorSource(inner: source)
        let ha = try cached.fit(&a, epochs: 2, validation: validation)
        let hb = try plain.fit(&b, epochs: 2, validation: validation)
        #expect(ha.validationLoss == hb.validationLoss)
        var v = validation
        let (again, counts) = try KernelCounters.counting { try cached.evaluate(&v) }
        #expect(counts[.conv2DForward] == 0 && counts[.batchNormForward] == 0)
        #expect(again.loss == ha.validationLoss.last)
    }

    @Test("Keras' weight files of the graph load into it — Keras 3 by class and order, Keras 2 by layer name — and predict as Keras does",
          .tags(.golden), arguments: ["classifier.weights.h5", "classifier_legacy.h5"])
    func kerasWeights(_ file: String) throws {
        let g = try Self.suite.get().named("weights.classifier")
        var model = try Self.model()
        let weights = try KerasWeights.read(from: GoldenSuite.root.appendingPathComponent("graph/" + file))
        let pairs = try weights.load(into: &model)
        #expect(pairs.count == 7)
        for (key, value) in model.parameters { #expect(value == (try g.tensor("w/" + key)), "\(key) from \(file)") }
        expectClose(model(try g.tensor("x")), try g.tensor("y"), tolerance: g.tolerance, "prediction with \(file)")
        // Written back, the Keras 3 layout is Keras' own.
        if file == "classifier.weights.h5" {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("graph-\(getpid()).weights.h5")
            defer { try? FileManager.default.removeItem(at: out) }
            try KerasWeights.write(model: model, to: out)
            let again = try KerasWeights.read(from: out)
            #expect(again.entries.map(\.path) == weights.entries.map(\.path))
            #expect(again.entries.map(\.tensors) == weights.entries.map(\.tensors))
        }
    }
}
