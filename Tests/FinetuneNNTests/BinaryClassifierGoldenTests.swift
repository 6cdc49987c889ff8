import Testing
import FinetuneCore
import FinetuneTestSupport
import FinetuneNN

/// The reduced-width VGG16 + Chollet's binary head end to end against Keras 3 (`model.seed.*`):
/// the Keras initial weights are loaded by key, then prediction, BCE loss and the gradients of the
/// phase-1 (base frozen) and phase-2 (trainable from block5_conv1) trainable sets are compared.
@Suite("VGG16 binary classifier matches Keras 3 end to end", .tags(.golden))
struct BinaryClassifierGoldenTests {
    static func model(for golden: GoldenCase) throws -> Sequential {
        let image = try golden.int("image")
        var rng = SeededRNG(seed: 99)
        var model = try VGG16.binaryClassifier(inputShape: [image, image, 3], widths: VGG16.reducedWidths, using: &rng)
        var loaded = 0
        for (key, _) in model.parameters {
            try model.setParameter(key, to: try golden.tensor("w/" + key))
            loaded += 1
        }
        #expect(loaded == golden.tensors.keys.filter { $0.hasPrefix("w/") }.count, "every Keras weight has a key here")
        return model
    }

    @Test("phase gradients, loss and prediction", arguments: nnCaseNames("model.seed."), [1, 2])
    func phase(_ name: String, phase: Int) throws {
        let golden = try nnCase(name)
        let model = try Self.model(for: golden)
        let policy: FreezePolicy = phase == 1 ? .all(of: "vgg16") : .all(of: "vgg16").then(.from("block5_conv1"))
        let report = try policy.apply(to: model)
        #expect(Float(report.trainableParameters) == (try golden.scalar("phase\(phase)/trainable_count")))
        let expectedKeys = Set(golden.tensors.keys.filter { $0.hasPrefix("phase\(phase)/g/") }
            .map { String($0.dropFirst("phase\(phase)/g/".count)) })
        #expect(report.trainableKeys == expectedKeys)

        var context = trainingContext(report.trainableKeys)
        let (loss, prediction, gradients) = model.lossAndGradients(
            try golden.tensor("x"), labels: try golden.tensor("labels"), loss: BinaryCrossEntropy(), context: &context)
        expectClose(prediction.output, try golden.tensor("phase\(phase)/prediction"), tolerance: golden.tolerance, "prediction")
        #expect(prediction.logits != nil && prediction.finalActivation == .sigmoid)
        expectClose(Double(loss), Double(try golden.scalar("phase\(phase)/loss")), tolerance: golden.tolerance, "loss")
        #expect(Set(gradients.keys) == expectedKeys)
        for key in expectedKeys.sorted() {
            expectClose(try #require(gradients[key]), try golden.tensor("phase\(phase)/g/" + key),
                        tolerance: golden.tolerance, "\(name) phase \(phase) gradient \(key)")
        }
    }
}
