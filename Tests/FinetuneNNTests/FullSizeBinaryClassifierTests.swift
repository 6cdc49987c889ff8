import Testing
import FinetuneCore
import FinetuneTestSupport
import FinetuneNN

/// Chollet's model at full size (VGG16 binary classifier, 150×150), one training evaluation per
/// phase (release only: `FINETUNE_SLOW=1 swift test -c release --filter FullSizeBinaryClassifier`).
@Suite("Full-size VGG16 binary classifier", .enabled(if: slowTestsEnabled), .tags(.slow), .serialized)
struct FullSizeBinaryClassifierTests {
    @Test("phase 1 and phase 2 steps at 150×150 compute exactly the planned kernels", arguments: [1, 2])
    func phase(_ phase: Int) throws {
        var rng = SeededRNG(seed: 42)
        var model = try VGG16.binaryClassifier(using: &rng)
        let policy: FreezePolicy = phase == 1 ? .all(of: "vgg16") : .all(of: "vgg16").then(.from("block5_conv1"))
        let report = try policy.apply(to: model)
        #expect(report.trainableParameters == (phase == 1 ? 2_097_665 : 9_177_089))
        var xrng = SeededRNG(seed: 7)
        let x = Tensor.uniform([2, 150, 150, 3], low: 0, high: 1, using: &xrng)
        let labels = Tensor(shape: [2, 1], scalars: [0, 1])
        var gradients: [String: Tensor] = [:]
        var loss: Float = 0
        let expected: [KernelCounters.Kind: Int] = phase == 1
            ? [.conv2DForward: 13, .maxPoolForward: 5, .denseForward: 2, .denseKernelGradient: 2, .denseInputGradient: 1]
            : [.conv2DForward: 13, .maxPoolForward: 5, .denseForward: 2, .conv2DKernelGradient: 3, .conv2DInputGradient: 2,
               .maxPoolBackward: 1, .denseKernelGradient: 2, .denseInputGradient: 2]
        let clock = ContinuousClock()
        let inferenceStart = clock.now
        _ = model(x)
        let inference = clock.now - inferenceStart
        var elapsed = Duration.zero
        let counts = kernelCalls(expected: expected, patience: .seconds(120)) {
            let start = clock.now
            var context = ForwardContext(mode: .training, trainable: report.trainableKeys)
            (loss, _, gradients) = model.lossAndGradients(x, labels: labels, loss: BinaryCrossEntropy(), context: &context)
            elapsed = clock.now - start
        }
        #expect(counts == Dictionary(uniqueKeysWithValues: KernelCounters.Kind.allCases.map { ($0, expected[$0] ?? 0) }))
        #expect(Set(gradients.keys) == report.trainableKeys)
        #expect(loss.isFinite && loss > 0)
        var optimizer = RMSprop(learningRate: phase == 1 ? 2e-5 : 1e-5)
        let stepStart = clock.now
        try model.apply(optimizer: &optimizer, gradients: gradients)
        let stepTime = clock.now - stepStart
        #expect(optimizer.state.count == report.trainableKeys.count)
        print("phase \(phase), batch 2 at 150×150: inference \(inference), forward+backward \(elapsed), RMSprop step \(stepTime)")
    }
}
