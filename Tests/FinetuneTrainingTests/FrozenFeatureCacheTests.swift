import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
@testable import FinetuneTraining

@Suite("Frozen-feature cache")
struct FrozenFeatureCacheTests {
    static func trainer(widths: [Int] = VGG16.reducedWidths) throws -> (Trainer, TensorSource) {
        var rng = SeededRNG(seed: 3)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: widths, using: &rng)
        let x = Tensor.uniform([12, 32, 32, 3], low: -100, high: 100, using: &rng)
        let y = Tensor(shape: [12, 1], scalars: (0..<12).map { Float($0 % 2) })
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: 1e-3),
                                  freezing: .all(of: "vgg16"))
        return (trainer, TensorSource(images: x, labels: y, batchSize: 4))
    }

    @Test("validation with cached frozen features gives exactly the uncached numbers, and skips the base")
    func identicalAndSkipsBase() throws {
        let (cached, source) = try Self.trainer()
        let (plain, _) = try Self.trainer()
        plain.cachesFrozenFeatures = false
        var trainA = source, trainB = source
        let validation = RepeatableTensorSource(inner: source)
        let a = try cached.fit(&trainA, epochs: 3, validation: validation)
        let b = try plain.fit(&trainB, epochs: 3, validation: validation)
        #expect(a.validationLoss == b.validationLoss)
        #expect(a.validationAccuracy == b.validationAccuracy)

        // A further evaluation runs no convolution at all: the whole base is frozen and cached.
        var v = validation
        let (again, counts) = try KernelCounters.counting { try cached.evaluate(&v) }
        #expect(counts[.conv2DForward] == 0)
        #expect(again.loss == a.validationLoss.last)
    }

    @Test("a new phase invalidates the cache: phase 2 recomputes block5 and stays exact")
    func phaseChangeInvalidates() throws {
        let (cached, source) = try Self.trainer()
        let (plain, _) = try Self.trainer()
        plain.cachesFrozenFeatures = false
        var trainA = source, trainB = source
        let validation = RepeatableTensorSource(inner: source)
        for t in [cached, plain] {
            var train = t === cached ? trainA : trainB
            try t.fit(&train, epochs: 1, validation: validation)
            try t.beginPhase(freezing: .from("block5_conv1"), optimizer: RMSprop(learningRate: 1e-3))
            try t.fit(&train, epochs: 2, validation: validation)
            if t === cached { trainA = train } else { trainB = train }
        }
        #expect(cached.history.validationLoss == plain.history.validationLoss)
        var v = validation
        let counts = try KernelCounters.counting { try cached.evaluate(&v) }.counts
        // Only block5's three convolutions run per batch (blocks 1–4 come from the cache).
        #expect(counts[.conv2DForward] == 3 * v.batchesPerPass)
    }
}
