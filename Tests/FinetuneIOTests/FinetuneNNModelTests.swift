import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneTestSupport
@testable import FinetuneIO

/// The same I/O paths on FinetuneNN's own `VGG16` / `Sequential` / `Conv2D` / `Dense`.
@Suite("FinetuneNN models through FinetuneIO")
struct FinetuneNNModelTests {
    static let image: Shape = [32, 32, 3]

    func makeModel(seed: UInt64) throws -> Sequential {
        var rng = SeededRNG(seed: seed)
        return try VGG16.binaryClassifier(inputShape: Self.image, widths: VGG16.reducedWidths, denseUnits: 8, using: &rng)
    }

    @Test("Keras 3 weights of the binary classifier give Keras' prediction", .tags(.golden))
    func kerasPrediction() throws {
        let golden = try GoldenSuite.load("io").named("keras3_seed_prediction")
        let weights = try KerasWeights.read(from: GoldenSuite.root.appendingPathComponent("io/keras3_seed.weights.h5"))
        var model = try makeModel(seed: 1)
        try weights.load(into: &model)
        let prediction = model(try golden.tensor("input"))
        expectClose(prediction, try golden.tensor("prediction"), tolerance: golden.tolerance, "binary classifier after load")
    }

    @Test("HED-layout and Keras 2 weights load onto the VGG16 base and the binary classifier's base", .tags(.golden))
    func bases() throws {
        for name in ["hed_tiny", "keras2_vgg16_notop"] {
            let golden = try GoldenSuite.load("io").named(name)
            let weights = try KerasWeights.read(from: GoldenSuite.root.appendingPathComponent("io/\(try golden.param("file").string!)"))
            var base = try VGG16.base(inputShape: Self.image, widths: VGG16.reducedWidths)
            try weights.load(into: &base)
            var model = try makeModel(seed: 2)
            try weights.load(into: &model, scope: .convolutions)
            for m in [parameterDictionary(base), parameterDictionary(model)] {
                for key in golden.tensors.keys { #expect(m[key]?.isBitwiseEqual(to: try golden.tensor(key)) == true, "\(name) \(key)") }
            }
        }
    }

    @Test("a checkpoint with RMSprop state restores model and optimizer; the next step is identical")
    func checkpointResume() throws {
        let directory = try TemporaryDirectory()
        var model = try makeModel(seed: 3)
        var optimizer = RMSprop(learningRate: 1e-3)
        var rng = SeededRNG(seed: 4)
        let trainable = model.parameters.filter { $0.key.hasPrefix("block5") || $0.key.hasPrefix("dense") }
        func gradients() -> [String: Tensor] {
            Dictionary(uniqueKeysWithValues: trainable.map { ($0.key, Tensor.random($0.value.shape, &rng)) })
        }
        func step(_ model: inout Sequential, _ optimizer: inout RMSprop, _ g: [String: Tensor]) throws {
            let current = parameterDictionary(model)
            for (key, value) in optimizer.step(parameters: current.filter { g[$0.key] != nil }, gradients: g) {
                try model.setParameter(key, to: value)
            }
        }
        try step(&model, &optimizer, gradients())
        let url = directory.file("phase2.ftckpt")
        try Checkpoint(model: model, optimizer: optimizer).write(to: url)

        let g = gradients()
        var continued = (model, optimizer)
        try step(&continued.0, &continued.1, g)

        var resumedModel = try makeModel(seed: 99)
        var resumedOptimizer = RMSprop(learningRate: 1e-3)
        let checkpoint = try Checkpoint.read(from: url)
        #expect(checkpoint.optimizerName == "RMSprop")
        try checkpoint.restore(into: &resumedModel)
        try checkpoint.restore(optimizer: &resumedOptimizer)
        #expect(resumedOptimizer.iterations == 1)
        try step(&resumedModel, &resumedOptimizer, g)
        for ((key, a), (_, b)) in zip(resumedModel.parameters, continued.0.parameters) {
            #expect(a.isBitwiseEqual(to: b), "\(key)")
        }
    }

    @Test("a written .weights.h5 of the binary classifier has Keras' layout and reads back exactly", .tags(.golden))
    func export() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("seed.weights.h5")
        let model = try makeModel(seed: 5)
        try KerasWeights.write(model: model, to: url)
        let written = try KerasWeights.read(from: url)
        let keras = try KerasWeights.read(from: GoldenSuite.root.appendingPathComponent("io/keras3_seed.weights.h5"))
        #expect(written.entries.map(\.path) == keras.entries.map(\.path))
        #expect(written.entries.map(\.layerName) == keras.entries.map(\.layerName))
        var back = try makeModel(seed: 6)
        try written.load(into: &back)
        for ((key, a), (_, b)) in zip(back.parameters, model.parameters) { #expect(a.isBitwiseEqual(to: b), "\(key)") }
    }
}
