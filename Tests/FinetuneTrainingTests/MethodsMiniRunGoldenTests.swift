import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneTestSupport
@testable import FinetuneTraining

/// Replays Keras 3's two-phase `fit` of a small dense model (Goldens/gen_methods.py, `mini.*`):
/// phase 1 with "dense" frozen, phase 2 everything trainable with a fresh optimizer; AdamW and
/// label smoothing in the binary and categorical cross-entropy.
@Suite("AdamW and label smoothing in a two-phase run against Keras")
struct MethodsMiniRunGoldenTests {
    final class StepRecorder: Callback {
        var loss: [Double] = [], accuracy: [Double] = []
        func batchEnd(_ logs: BatchLogs) {
            loss.append(logs.meanLoss)
            accuracy.append(logs.meanAccuracy)
        }
    }

    static func historyTensor(_ h: History) -> Tensor {
        Tensor(shape: [h.epochs.count, 4], scalars: h.epochs.flatMap {
            [Float($0.loss), Float($0.accuracy), Float($0.validationLoss ?? .nan), Float($0.validationAccuracy ?? .nan)]
        })
    }

    @Test("per-step losses, history and final weights match Keras 3", .tags(.golden),
          arguments: ["mini.binary_adamw_smoothing", "mini.categorical_adamw_smoothing", "mini.binary_adam_no_smoothing"])
    func matchesKeras(_ name: String) throws {
        let golden = try GoldenSuite.load("methods").named(name)
        func int(_ key: String) throws -> Int { try #require(golden.param(key).int) }
        func double(_ key: String) throws -> Double { try #require(golden.param(key).double) }
        let features = try int("features"), hidden = try int("hidden"), classes = try int("classes")
        let binary = classes == 2
        var rng = SeededRNG(seed: 0)
        var model = try Sequential([
            Dense(name: "dense", inputSize: features, units: hidden, activation: .relu, using: &rng),
            Dense(name: "dense_1", inputSize: hidden, units: binary ? 1 : classes,
                  activation: binary ? .sigmoid : .softmax, using: &rng)])
        for key in model.parameters.map(\.key) { try model.setParameter(key, to: golden.tensor("initial/" + key)) }

        let smoothing = try double("label_smoothing"), decay = try double("weight_decay")
        let loss: any Loss = binary ? BinaryCrossEntropy(labelSmoothing: smoothing)
                                    : CategoricalCrossEntropy(labelSmoothing: smoothing)
        let metric: any Metric = binary ? BinaryAccuracy() : CategoricalAccuracy()
        func optimizer(_ lr: Double) throws -> any Optimizer {
            try golden.param("optimizer").string == "adamw" ? AdamW(learningRate: Float(lr), weightDecay: decay)
                                                            : Adam(learningRate: Float(lr))
        }
        let batch = try int("batch")
        var train = TensorSource(images: try golden.tensor("x"), labels: try golden.tensor("y"), batchSize: batch)
        let validation = TensorSource(images: try golden.tensor("x_val"), labels: try golden.tensor("y_val"), batchSize: batch)
        let trainer = try Trainer(model: model, optimizer: try optimizer(double("lr1")), freezing: .freeze("dense"),
                                  loss: loss, metric: metric)
        let steps1 = StepRecorder(), steps2 = StepRecorder()
        let h1 = try trainer.fit(&train, epochs: try int("epochs1"), validation: validation, callbacks: [steps1])
        try trainer.beginPhase(freezing: .none, optimizer: try optimizer(double("lr2")))
        let h2 = try trainer.fit(&train, epochs: try int("epochs2"), validation: validation, callbacks: [steps2])

        var worst: [String: Double] = [:]
        func check(_ actual: Tensor, _ key: String) throws {
            worst[key] = expectClose(actual, try golden.tensor(key), tolerance: golden.tolerance, "\(name) \(key)").relative
        }
        func series(_ values: [Double]) -> Tensor { Tensor(shape: [values.count], scalars: values.map(Float.init)) }
        try check(series(steps1.loss), "phase1_step_loss")
        try check(series(steps2.loss), "phase2_step_loss")
        try check(series(steps1.accuracy), "phase1_step_acc")
        try check(series(steps2.accuracy), "phase2_step_acc")
        try check(Self.historyTensor(h1), "phase1_history")
        try check(Self.historyTensor(h2), "phase2_history")
        for (key, value) in trainer.model.parameters {
            worst["final " + key] = expectClose(value, try golden.tensor("final/" + key), tolerance: golden.tolerance,
                                                "\(name) final \(key)").relative
        }
        print("[\(name)] largest relative deviation from Keras:",
              worst.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.2e", $0.value))" }.joined(separator: ", "))
    }

    @Test("label smoothing moves the targets as Keras does: 1 − s/2 and s/2 (binary), z(1 − s) + s/k (categorical)")
    func smoothedTargets() {
        // With the output equal to the smoothed target, the gradient from the logits vanishes.
        let s = 0.2
        let bce = BinaryCrossEntropy(fromLogits: true, labelSmoothing: s)
        let logit = Float(log(0.9 / 0.1))   // sigmoid = 0.9 = 1 − s/2
        let r = bce.evaluate(Prediction(output: Tensor(shape: [1, 1], scalars: [logit])), labels: Tensor(shape: [1, 1], scalars: [1]))
        guard case let .output(g) = r.gradient else { Issue.record("expected an output gradient"); return }
        #expect(abs(g.scalars[0]) < 1e-6)
        let cce = CategoricalCrossEntropy(fromLogits: true, labelSmoothing: 0.3)
        // Targets (1 − 0.3)·z + 0.1: [0.8, 0.1, 0.1]; logits whose softmax is exactly that.
        let x = Tensor(shape: [1, 3], scalars: [Float(log(0.8)), Float(log(0.1)), Float(log(0.1))])
        let c = cce.evaluate(Prediction(output: x), labels: Tensor(shape: [1, 3], scalars: [1, 0, 0]))
        guard case let .output(gc) = c.gradient else { Issue.record("expected an output gradient"); return }
        #expect(gc.scalars.allSatisfy { abs($0) < 1e-6 }, "\(gc.scalars)")
    }
}
