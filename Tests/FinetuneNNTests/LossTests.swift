import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN

@Suite("Losses and metrics")
struct LossTests {
    @Test("binary cross-entropy from the logits of a final sigmoid matches Keras 3", .tags(.golden),
          arguments: nnCaseNames("loss.bce_logits."))
    func bceLogits(_ name: String) throws {
        let golden = try nnCase(name)
        let z = try golden.tensor("logits"), labels = try golden.tensor("labels")
        let prediction = Prediction(output: sigmoidForward(z), logits: z, finalActivation: .sigmoid)
        expectClose(prediction.output, try golden.tensor("probabilities"), tolerance: golden.tolerance, "σ")
        let r = BinaryCrossEntropy().evaluate(prediction, labels: labels)
        expectClose(Double(r.value), Double(try golden.scalar("loss")), tolerance: golden.tolerance, "\(name) loss")
        guard case let .logits(g) = r.gradient else { Issue.record("gradient not w.r.t. the logits"); return }
        expectClose(g, try golden.tensor("dlogits"), tolerance: golden.tolerance, "\(name) dlogits")
    }

    @Test("clipped binary cross-entropy (Keras 2 / JAX) matches the formula", .tags(.golden),
          arguments: nnCaseNames("loss.bce_clipped."))
    func bceClipped(_ name: String) throws {
        let golden = try nnCase(name)
        let p = try golden.tensor("probabilities"), labels = try golden.tensor("labels")
        // Even with logits at hand, the clipped path uses the probabilities.
        let logits = Tensor(shape: p.shape, scalars: p.scalars.map { logf($0 / (1 - $0)) })
        let r = BinaryCrossEntropy(path: .clipped(epsilon: 1e-7))
            .evaluate(Prediction(output: p, logits: logits, finalActivation: .sigmoid), labels: labels)
        expectClose(Double(r.value), Double(try golden.scalar("loss")), tolerance: golden.tolerance, "\(name) loss")
        guard case let .output(g) = r.gradient else { Issue.record("gradient not w.r.t. the output"); return }
        expectClose(g, try golden.tensor("dprobabilities"), tolerance: golden.tolerance, "\(name) dp")
    }

    @Test("the logits path differs from clipping where the sigmoid saturates") func saturation() throws {
        let golden = try nnCase("loss.bce_logits.saturated")
        let z = try golden.tensor("logits"), labels = try golden.tensor("labels")
        let p = Prediction(output: sigmoidForward(z), logits: z, finalActivation: .sigmoid)
        let logits = BinaryCrossEntropy().evaluate(p, labels: labels).value
        let clipped = BinaryCrossEntropy(path: .clipped(epsilon: 1e-7)).evaluate(p, labels: labels).value
        #expect(abs(logits - clipped) > 0.1, "\(logits) vs \(clipped)")
    }

    @Test("categorical cross-entropy from softmax logits matches Keras 3", .tags(.golden))
    func cce() throws {
        let golden = try nnCase("loss.cce_logits")
        let z = try golden.tensor("logits"), labels = try golden.tensor("labels")
        let r = CategoricalCrossEntropy().evaluate(Prediction(output: softmaxForward(z), logits: z, finalActivation: .softmax),
                                                   labels: labels)
        expectClose(Double(r.value), Double(try golden.scalar("loss")), tolerance: golden.tolerance, "loss")
        guard case let .logits(g) = r.gradient else { Issue.record("gradient not w.r.t. the logits"); return }
        expectClose(g, try golden.tensor("dlogits"), tolerance: golden.tolerance, "dlogits")
        // The probability path (clipped) gives the same value here, its gradient w.r.t. p.
        let clipped = CategoricalCrossEntropy(path: .clipped(epsilon: 1e-7))
            .evaluate(Prediction(output: try golden.tensor("probabilities")), labels: labels)
        expectClose(Double(clipped.value), Double(try golden.scalar("loss")), tolerance: 1e-5, "clipped loss")
    }

    @Test("fromLogits treats a linear output as logits, with the gradient w.r.t. the output")
    func fromLogits() throws {
        let golden = try nnCase("loss.bce_logits.moderate")
        let z = try golden.tensor("logits")
        let r = BinaryCrossEntropy(fromLogits: true).evaluate(Prediction(output: z), labels: try golden.tensor("labels"))
        expectClose(Double(r.value), Double(try golden.scalar("loss")), tolerance: 1e-5, "loss")
        guard case let .output(g) = r.gradient else { Issue.record("gradient not w.r.t. the output"); return }
        expectClose(g, try golden.tensor("dlogits"), tolerance: 1e-5, "d output")
    }

    @Test("a model ending in Dense(sigmoid) or Activation(sigmoid) hands its logits to the loss")
    func modelLogits() throws {
        var rng = SeededRNG(seed: 12)
        let dense = Dense(name: "d", inputSize: 3, units: 1, using: &rng)
        let fused = try Sequential([try Dense(name: "d", kernel: dense.kernel, bias: dense.bias, activation: .sigmoid)])
        let separate = try Sequential([dense, Activation(.sigmoid, name: "act")])
        let x = randomTensor([4, 3], seed: 1, scale: 3), labels = Tensor(shape: [4, 1], scalars: [1, 0, 0, 1])
        let keys: Set<String> = ["d.kernel", "d.bias"]
        var results: [(Float, [String: Tensor])] = []
        for model in [fused, separate] {
            var context = trainingContext(keys)
            let (p, _) = model.predict(x, context: &context)
            #expect(p.finalActivation == .sigmoid)
            expectClose(try #require(p.logits), denseForward(input: x, kernel: dense.kernel, bias: dense.bias), tolerance: 1e-6, "logits")
            var c2 = trainingContext(keys)
            let (loss, _, g) = model.lossAndGradients(x, labels: labels, loss: BinaryCrossEntropy(), context: &c2)
            results.append((loss, g))
        }
        #expect(results[0].0 == results[1].0)
        #expect(results[0].1 == results[1].1)
        // A model without a final sigmoid exposes no logits: BCE falls back to clipped probabilities.
        var context = trainingContext(keys)
        let (p, _) = try Sequential([dense]).predict(x, context: &context)
        #expect(p.logits == nil && p.finalActivation == .linear)
    }

    @Test("the clipped path back-propagates through the sigmoid with the output gradient")
    func clippedThroughModel() throws {
        var rng = SeededRNG(seed: 13)
        let model = try Sequential([Dense(name: "d", inputSize: 3, units: 1, activation: .sigmoid, using: &rng)])
        let x = randomTensor([4, 3], seed: 2), labels = Tensor(shape: [4, 1], scalars: [1, 0, 0, 1])
        var c1 = trainingContext(["d.kernel"]), c2 = trainingContext(["d.kernel"])
        let a = model.lossAndGradients(x, labels: labels, loss: BinaryCrossEntropy(), context: &c1)
        let b = model.lossAndGradients(x, labels: labels, loss: BinaryCrossEntropy(path: .clipped(epsilon: 1e-7)), context: &c2)
        // Away from saturation both paths agree.
        expectClose(Double(a.loss), Double(b.loss), tolerance: 1e-5, "loss")
        expectClose(try #require(b.gradients["d.kernel"]), try #require(a.gradients["d.kernel"]), tolerance: 1e-4, "kernel gradient")
    }

    @Test("binary accuracy is strict p > 0.5, as Keras", .tags(.golden))
    func binaryAccuracyGolden() throws {
        let golden = try nnCase("metric.binary_accuracy")
        let metric = BinaryAccuracy()
        #expect(metric.name == "acc")
        #expect(metric(try golden.tensor("probabilities"), labels: try golden.tensor("labels")) == (try golden.scalar("accuracy")))
    }

    @Test("categorical accuracy compares arg-maxes", .tags(.golden))
    func categoricalAccuracyGolden() throws {
        let golden = try nnCase("metric.categorical_accuracy")
        #expect(CategoricalAccuracy()(try golden.tensor("probabilities"), labels: try golden.tensor("labels"))
                == (try golden.scalar("accuracy")))
    }
}
