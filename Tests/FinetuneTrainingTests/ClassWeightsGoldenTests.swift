import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneTestSupport
@testable import FinetuneTraining

/// Replays Keras 3's `fit(class_weight=…)` of a small dense model on imbalanced data
/// (Goldens/gen_class_weight.py).
@Suite("Class weights against Keras' class_weight")
struct ClassWeightsGoldenTests {
    static let suite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("class_weight") }
    static var caseNames: [String] {
        nonEmptyCaseNames((try? suite.get())?.cases(prefix: "class_weight.").map(\.name), describing: "class_weight.*")
    }

    @Test("per-step running loss and acc, history and final weights match Keras 3", .tags(.golden), arguments: caseNames)
    func matchesKeras(_ name: String) throws {
        let golden = try Self.suite.get().named(name)
        func int(_ key: String) throws -> Int { try #require(golden.param(key).int) }
        let features = try int("features"), hidden = try int("hidden"), classes = try int("classes")
        let binary = classes == 2
        var rng = SeededRNG(seed: 0)
        var model = try Sequential([
            Dense(name: "dense", inputSize: features, units: hidden, activation: .relu, using: &rng),
            Dense(name: "dense_1", inputSize: hidden, units: binary ? 1 : classes,
                  activation: binary ? .sigmoid : .softmax, using: &rng)])
        for key in model.parameters.map(\.key) { try model.setParameter(key, to: golden.tensor("initial/" + key)) }
        let lr = Float(try #require(golden.param("learning_rate").double))
        let optimizer: any Optimizer = try golden.param("optimizer").string == "adam" ? Adam(learningRate: lr) : RMSprop(learningRate: lr)
        let trainer = try Trainer(model: model, optimizer: optimizer,
                                  loss: binary ? BinaryCrossEntropy() : CategoricalCrossEntropy(),
                                  metric: binary ? BinaryAccuracy() : CategoricalAccuracy())
        trainer.classWeights = ClassWeights(try golden.tensor("weights").scalars)
        let batch = try int("batch")
        var train = TensorSource(images: try golden.tensor("x"), labels: try golden.tensor("y"), batchSize: batch)
        let validation = TensorSource(images: try golden.tensor("x_val"), labels: try golden.tensor("y_val"), batchSize: batch)
        let steps = MethodsMiniRunGoldenTests.StepRecorder()
        let history = try trainer.fit(&train, epochs: try int("epochs"), validation: validation, callbacks: [steps])

        func series(_ values: [Double]) -> Tensor { Tensor(shape: [values.count], scalars: values.map(Float.init)) }
        _ = expectClose(series(steps.loss), try golden.tensor("step_loss"), tolerance: golden.tolerance, "\(name) step loss")
        _ = expectClose(series(steps.accuracy), try golden.tensor("step_acc"), tolerance: golden.tolerance, "\(name) step acc")
        _ = expectClose(MethodsMiniRunGoldenTests.historyTensor(history), try golden.tensor("history"),
                        tolerance: golden.tolerance, "\(name) history")
        for (key, value) in trainer.model.parameters {
            _ = expectClose(value, try golden.tensor("final/" + key), tolerance: golden.tolerance, "\(name) final \(key)")
        }
    }

    @Test("auto is sklearn's balanced: n / (k · count)")
    func balanced() {
        #expect(ClassWeights.balanced(counts: [18, 6]).weights == [Float(24.0 / 36), Float(24.0 / 12)])
        #expect(ClassWeights.balanced(counts: [3, 0]).weights == [Float(3.0 / 6), 0])
    }

    @Test("a label outside the weights is refused before the step, naming the count")
    func unknownClass() throws {
        var rng = SeededRNG(seed: 1)
        let model = try Sequential([Dense(name: "d", inputSize: 2, units: 3, activation: .softmax, using: &rng)])
        let trainer = try Trainer(model: model, optimizer: RMSprop(), loss: CategoricalCrossEntropy(), metric: CategoricalAccuracy())
        trainer.classWeights = ClassWeights([1, 2])
        let batch = Batch(images: Tensor(shape: [1, 2], scalars: [1, 2]), labels: Tensor(shape: [1, 3], scalars: [0, 0, 1]))
        #expect { _ = try trainer.trainStep(batch) } throws: { "\($0)".contains("cover 2 class") }
        #expect(trainer.optimizer.iterations == 0)
    }
}
