import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneIO
import FinetuneTestSupport
@testable import FinetuneTraining

@Suite("Learning-rate range test (fastai's lr_find)")
struct LearningRateFinderTests {
    static let suite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("lr_find") }
    static var caseNames: [String] {
        nonEmptyCaseNames((try? suite.get())?.cases(prefix: "lr_find.").map(\.name), describing: "lr_find.*")
    }

    @Test("smoothing, stop and both suggestions match the NumPy transcription of fastai", .tags(.golden),
          arguments: caseNames)
    func golden(_ name: String) throws {
        let g = try Self.suite.get().named(name)
        let rates = try g.tensor("rates").scalars.map(Double.init)
        let losses = try g.tensor("losses").scalars.map(Double.init)
        let steps = try integer(g, "steps")
        let range = LearningRateRange(rates: rates, losses: losses, requestedSteps: steps)
        #expect(range.rates.count == (try integer(g, "recorded")))
        #expect(range.stopReason == g.params["stop"]?.string)
        _ = expectClose(Tensor(shape: [range.smoothed.count], scalars: range.smoothed.map(Float.init)),
                        try g.tensor("smoothed"), tolerance: g.tolerance, "\(name) smoothed")
        #expect((range.valley?.index ?? -1) == (try integer(g, "valley_index")), "\(name) valley")
        #expect((range.steep?.index ?? -1) == (try integer(g, "steep_index")), "\(name) steep")
        if let valley = range.valley, let expected = g.params["valley_rate"]?.double {
            expectClose(valley.rate, expected, tolerance: 1e-12, "\(name) valley rate")
        }
    }

    func integer(_ g: GoldenCase, _ key: String) throws -> Int { try #require(g.param(key).int, "\(g.name): \(key)") }

    /// A small convolutional model with batch normalization (moving statistics) and dropout (RNG).
    static func setUp() throws -> (Trainer, TensorSource) {
        var rng = SeededRNG(seed: 4)
        let model = try Sequential(name: "stack", [
            Conv2D(name: "conv", inputChannels: 3, filters: 4, kernelSize: (3, 3), useBias: false, using: &rng),
            BatchNormalization(name: "bn", channels: 4),
            ReLU(name: "relu"),
            GlobalAveragePooling2D(name: "pool"),
            Dropout(name: "dropout", rate: 0.3),
            Dense(name: "head", inputSize: 4, units: 1, activation: .sigmoid, using: &rng),
        ])
        let x = Tensor.uniform([10, 8, 8, 3], low: -1, high: 1, using: &rng)
        let y = Tensor(shape: [10, 1], scalars: (0..<10).map { Float($0 % 2) })
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: 1e-3, momentum: 0.5), seed: 3)
        return (trainer, TensorSource(images: x, labels: y, batchSize: 4))
    }

    @Test("the trainer and the data are bit-identical before and after, and training goes on as if no test ran")
    func restoresEverything() throws {
        let (trainer, source) = try Self.setUp()
        var train = source
        try trainer.fit(&train, epochs: 1, stepsPerEpoch: 2)
        let before = try trainer.checkpoint().encoded().bytes
        let positionBefore = train.position
        let range = try trainer.findLearningRate(&train, start: 1e-5, end: 10, steps: 30)
        #expect(range.rates.count >= 6)
        let after = try trainer.checkpoint().encoded().bytes
        #expect(after == before, "the checkpoint after the test differs from the one before")
        #expect(train.position == positionBefore)
        try trainer.fit(&train, epochs: 2, stepsPerEpoch: 3)

        let (straight, source2) = try Self.setUp()
        var train2 = source2
        try straight.fit(&train2, epochs: 1, stepsPerEpoch: 2)
        try straight.fit(&train2, epochs: 2, stepsPerEpoch: 3)
        // Everything but the epochs' wall times.
        #expect(trainer.rng == straight.rng && trainer.optimizer.iterations == straight.optimizer.iterations)
        #expect(trainer.history.epochs.map(\.loss) == straight.history.epochs.map(\.loss))
        for (k, v) in straight.optimizer.state { #expect(trainer.optimizer.state[k]?.scalars == v.scalars, "slot \(k)") }
        for ((k1, v1), (k2, v2)) in zip(trainer.model.parameters, straight.model.parameters) {
            #expect(k1 == k2 && v1.scalars == v2.scalars, "\(k1) differs")
        }
    }

    @Test("rates grow as fastai's SchedExp: start·(end/start)^(i/steps), as Float; at least 6 steps")
    func schedule() throws {
        let (trainer, source) = try Self.setUp()
        var train = source
        let range = try trainer.findLearningRate(&train, start: 1e-6, end: 1e-3, steps: 3)
        #expect(range.requestedSteps == 6 && range.rates.count == 6 && range.stopReason == nil)
        #expect(range.rates == (0..<6).map { Double(Float(1e-6 * pow(1e3, Double($0) / 6))) })
        #expect(range.losses.allSatisfy { $0.isFinite })
    }

    @Test("a huge rate diverges: the test stops early and says so")
    func divergence() throws {
        let (trainer, source) = try Self.setUp()
        var train = source
        let range = try trainer.findLearningRate(&train, start: 1e-3, end: 1e9, steps: 60)
        #expect(range.rates.count < 60)
        #expect(range.stopReason != nil)
    }

    @Test("a schedule on the optimizer does not override the test's rates, and is back afterwards")
    func schedulesAreSetAside() throws {
        let (trainer, source) = try Self.setUp()
        trainer.optimizer = AdamW(schedule: OneCycle(maxLearningRate: 1e-2, totalSteps: 10))
        var a = source
        let range = try trainer.findLearningRate(&a, start: 1e-5, end: 1e-2, steps: 10)
        #expect(range.rates.first == Double(Float(1e-5)))
        #expect((trainer.optimizer as? AdamW)?.schedule != nil)
        _ = source
    }

    @Test("JSON and PNG files are written")
    func files() throws {
        let g = try Self.suite.get().named("lr_find.typical")
        let range = LearningRateRange(rates: try g.tensor("rates").scalars.map(Double.init),
                                      losses: try g.tensor("losses").scalars.map(Double.init), requestedSteps: 100)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-lrfind-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try range.writeJSON(to: dir.appendingPathComponent("lr_find.json"))
        try range.writePNG(to: dir.appendingPathComponent("lr_find.png"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("lr_find.json"))) as? [String: Any]
        let suggestions = json?["suggestions"] as? [String: Double]
        expectClose(try #require(suggestions?["valley"]), try #require(range.valley?.rate), tolerance: 1e-15, "valley")
        expectClose(try #require(suggestions?["steep"]), try #require(range.steep?.rate), tolerance: 1e-15, "steep")
        #expect((json?["smoothed"] as? [Double])?.count == range.smoothed.count)
        #expect(json?["stop"] as? String == "diverged")
        let png = try Data(contentsOf: dir.appendingPathComponent("lr_find.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(range.chart().markers.count == 2)
    }
}
