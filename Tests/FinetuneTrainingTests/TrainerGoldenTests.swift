import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneTestSupport
@testable import FinetuneTraining

/// Replays Keras 3's two-phase run (Goldens/gen_training.py): reduced-width VGG16 + Chollet's head,
/// the same initial weights, data and batch order; phase 1 with the base frozen, phase 2 unfrozen
/// from block5_conv1, each with a fresh RMSprop.
@Suite("Two-phase training against Keras")
struct TrainerGoldenTests {
    /// Records the running means that Keras logs after each batch.
    final class StepRecorder: Callback {
        var loss: [Double] = [], accuracy: [Double] = []
        func batchEnd(_ logs: BatchLogs) {
            loss.append(logs.meanLoss)
            accuracy.append(logs.meanAccuracy)
        }
    }

    struct Run {
        var trainer: Trainer
        var steps1: StepRecorder, steps2: StepRecorder
        var history1: History, history2: History
    }

    static func run(_ golden: GoldenCase) throws -> Run {
        let widthValues = try golden.param("widths").array ?? []
        let widths = widthValues.compactMap(\.int)
        #expect(widths.count == 5)
        let image = try #require(golden.param("image").int)
        let batch = try #require(golden.param("batch").int)
        var rng = SeededRNG(seed: 0)
        var model = try VGG16.binaryClassifier(inputShape: [image, image, 3], widths: widths, using: &rng)
        let keyValues = try golden.param("keys").array ?? []
        let keys = keyValues.compactMap(\.string)
        #expect(!keys.isEmpty)
        #expect(Set(keys) == Set(model.parameters.map(\.key)), "model keys differ from Keras'")
        for key in keys { try model.setParameter(key, to: golden.tensor("initial/" + key)) }

        var train = TensorSource(images: try golden.tensor("x"), labels: try golden.tensor("y"), batchSize: batch)
        let validation = TensorSource(images: try golden.tensor("x_val"), labels: try golden.tensor("y_val"), batchSize: batch)
        let lr1 = Float(try #require(golden.param("lr1").double)), lr2 = Float(try #require(golden.param("lr2").double))

        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: lr1),
                                  trainable: FreezePolicy.all(of: "vgg16").trainableKeys(in: model))
        let steps1 = StepRecorder(), steps2 = StepRecorder()
        let h1 = try trainer.fit(&train, epochs: try #require(golden.param("epochs1").int),
                                 validation: validation, callbacks: [steps1])
        try trainer.beginPhase(trainable: FreezePolicy.from(try #require(golden.param("unfreeze_from").string))
                                    .trainableKeys(in: trainer.model),
                               optimizer: RMSprop(learningRate: lr2))
        let h2 = try trainer.fit(&train, epochs: try #require(golden.param("epochs2").int),
                                 validation: validation, callbacks: [steps2])
        return Run(trainer: trainer, steps1: steps1, steps2: steps2, history1: h1, history2: h2)
    }

    static func historyTensor(_ h: History) -> Tensor {
        Tensor(shape: [h.epochs.count, 4], scalars: h.epochs.flatMap {
            [Float($0.loss), Float($0.accuracy), Float($0.validationLoss ?? .nan), Float($0.validationAccuracy ?? .nan)]
        })
    }

    @Test("per-step losses, per-epoch history and final weights match Keras", .tags(.golden),
          arguments: ["two_phase_seed_lr", "two_phase_large_lr"])
    func matchesKeras(_ name: String) throws {
        let golden = try GoldenSuite.load("training").named(name)
        let r = try Self.run(golden)
        let tol = golden.tolerance
        var worst: [String: Double] = [:]
        func check(_ actual: Tensor, _ key: String) throws {
            let d = expectClose(actual, try golden.tensor(key), tolerance: tol, "\(name) \(key)")
            worst[key] = d.relative
        }
        try check(Tensor(shape: [r.steps1.loss.count], scalars: r.steps1.loss.map(Float.init)), "phase1_step_loss")
        try check(Tensor(shape: [r.steps2.loss.count], scalars: r.steps2.loss.map(Float.init)), "phase2_step_loss")
        try check(Tensor(shape: [r.steps1.accuracy.count], scalars: r.steps1.accuracy.map(Float.init)), "phase1_step_acc")
        try check(Tensor(shape: [r.steps2.accuracy.count], scalars: r.steps2.accuracy.map(Float.init)), "phase2_step_acc")
        try check(Self.historyTensor(r.history1), "phase1_history")
        try check(Self.historyTensor(r.history2), "phase2_history")
        var weights = 0.0
        for (key, value) in r.trainer.model.parameters {
            let d = expectClose(value, try golden.tensor("final/" + key), tolerance: tol, "\(name) final \(key)")
            weights = max(weights, d.relative)
        }
        worst["final weights"] = weights
        #expect(r.history2.epochs.first?.epoch == (r.history1.epochs.last?.epoch ?? 0) + 1, "epochs continue across phases")
        print("[\(name)] largest relative deviation from Keras:",
              worst.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.2e", $0.value))" }.joined(separator: ", "))
    }

    @Test("repeating a run with the same seed and thread count is bit-identical")
    func bitIdentical() throws {
        let golden = try GoldenSuite.load("training").named("two_phase_large_lr")
        let a = try Self.run(golden), b = try Self.run(golden)
        #expect(a.steps1.loss == b.steps1.loss && a.steps2.loss == b.steps2.loss)
        #expect(a.history1.loss == b.history1.loss && a.history2.validationLoss == b.history2.validationLoss)
        for ((ka, va), (kb, vb)) in zip(a.trainer.model.parameters, b.trainer.model.parameters) {
            #expect(ka == kb && va.scalars == vb.scalars, "\(ka) differs between identical runs")
        }
    }
}
