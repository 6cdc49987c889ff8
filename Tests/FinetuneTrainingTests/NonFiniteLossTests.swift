import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
@testable import FinetuneTraining

/// A fixed-order source whose batch `batch` of pass `pass` holds a NaN label (a NaN pixel is not
/// enough: as in TensorFlow, a max-pool drops it, and the loss can stay finite).
struct PoisonedSource: DataSource {
    var inner: TensorSource
    let pass: Int, batch: Int
    var sampleCount: Int { inner.sampleCount }
    var batchSize: Int { inner.batchSize }
    var classNames: [String] { inner.classNames }
    var position: DataSourcePosition { inner.position }
    mutating func next() throws -> Batch {
        let here = inner.position
        var b = try inner.next()
        if here.pass == pass && here.batch == batch {
            var scalars = b.labels.scalars
            scalars[1] = .nan
            b.labels = Tensor(shape: b.labels.shape, scalars: scalars)
        }
        return b
    }
    mutating func seek(to position: DataSourcePosition) throws { try inner.seek(to: position) }
}

/// Keras' TerminateOnNaN, always on: a non-finite loss stops `fit` at that step, names the epoch
/// and step, and neither applies the step nor records the epoch.
@Suite("Non-finite loss")
struct NonFiniteLossTests {
    static func trainer() throws -> (Trainer, TensorSource) {
        var rng = SeededRNG(seed: 8)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, denseUnits: 4, using: &rng)
        let images = Tensor.uniform([12, 32, 32, 3], low: 0, high: 1, using: &rng)
        let labels = Tensor(shape: [12, 1], scalars: (0..<12).map { Float($0 % 2) })
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: 1e-3), freezing: .from("block5_conv1"), seed: 2)
        return (trainer, TensorSource(images: images, labels: labels, batchSize: 4))
    }

    @Test("stops at the step whose loss is NaN, naming epoch and step, with the weights of the step before")
    func stopsAtTheStep() throws {
        let (poisoned, clean) = try Self.trainer()
        var source = PoisonedSource(inner: clean, pass: 1, batch: 2)   // epoch 2, third step
        #expect {
            try poisoned.fit(&source, epochs: 3, stepsPerEpoch: 3)
        } throws: { error in
            guard case let TrainerError.nonFiniteLoss(epoch, step, value) = error else { return false }
            return epoch == 2 && step == 2 && value.isNaN
                && "\(error)".contains("epoch 2, step 3")
        }
        #expect(poisoned.history.epochs.count == 1)

        // The same run stopped by hand after epoch 2's second step: the same weights, bit for bit.
        let (reference, _) = try Self.trainer()
        var plain = clean
        try reference.fit(&plain, epochs: 1, stepsPerEpoch: 3)
        for _ in 0..<2 { _ = try reference.trainStep(try plain.next()) }
        let a = poisoned.currentWeights(), b = reference.currentWeights()
        #expect(a.keys.sorted() == b.keys.sorted())
        for (key, value) in a { #expect(value.scalars.map(\.bitPattern) == b[key]?.scalars.map(\.bitPattern), "\(key)") }
    }
}
