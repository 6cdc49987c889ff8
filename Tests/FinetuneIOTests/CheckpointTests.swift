import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneTestSupport
@testable import FinetuneIO

/// What a trainer might keep in a checkpoint: every field a resumed run needs.
struct TrainerProgress: Codable, Equatable {
    var phase: String
    var epoch: Int
    var step: Int
    var rng: SeededRNG
    var dataPositions: [String: Int]
    var history: [String: [Double]]
    var bestMetric: Double
}

@Suite("Checkpoint round trips")
struct CheckpointTests {
    func sampleOptimizer(for model: some Layer) -> TestRMSprop {
        var rng = SeededRNG(seed: 9)
        var optimizer = TestRMSprop()
        for (key, value) in model.parameters where key.hasPrefix("block5") || key.hasPrefix("dense") {
            optimizer.state["\(key)/rms"] = .random(value.shape, &rng)
        }
        optimizer.iterations = 4321
        return optimizer
    }

    var progress: TrainerProgress {
        var rng = SeededRNG(seed: 77)
        _ = rng.next()
        return TrainerProgress(phase: "phase2", epoch: 12, step: 1234, rng: rng,
                               dataPositions: ["train": 2400, "validation": 0],
                               history: ["loss": [0.69, 0.5, 0.41], "val_acc": [0.5, 0.61, 0.7]],
                               bestMetric: -.infinity)
    }

    @Test("weights, optimizer state, trainer state and metadata survive write and read",
          arguments: [(1, true), (3, false), (-5, true), (19, true)])
    func roundTrip(level: Int, byteShuffle: Bool) throws {
        let directory = try TemporaryDirectory()
        let model = tinySeed()
        let optimizer = sampleOptimizer(for: model)
        var checkpoint = Checkpoint(model: model, optimizer: optimizer, metadata: ["model": "tiny VGG16 classifier", "created": "today"])
        try checkpoint.encodeTrainerState(progress)
        try checkpoint.encodeOptimizerConfig(["learningRate": 1e-5, "rho": 0.9])
        let url = directory.file("a.ftckpt")
        let written = try checkpoint.write(to: url, compressionLevel: level, byteShuffle: byteShuffle)
        #expect(written.fileLength == (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int))

        let back = try Checkpoint.read(from: url)
        #expect(back.source == url)
        #expect(back.weights.map(\.key) == model.parameters.map(\.key))
        for ((_, a), (_, b)) in zip(back.weights, model.parameters) { #expect(a.isBitwiseEqual(to: b)) }
        #expect(back.optimizerName == "TestRMSprop")
        #expect(back.optimizerIterations == 4321)
        #expect(back.optimizerState.keys.sorted() == optimizer.state.keys.sorted())
        for (key, value) in optimizer.state { #expect(back.optimizerState[key]?.isBitwiseEqual(to: value) == true, "\(key)") }
        #expect(back.metadata == ["model": "tiny VGG16 classifier", "created": "today"])
        #expect(try back.decodeTrainerState(TrainerProgress.self) == progress)
        #expect(try back.decodeOptimizerConfig([String: Double].self) == ["learningRate": 1e-5, "rho": 0.9])

        // Restoring reproduces the model and the optimizer exactly.
        var fresh = tinySeed(seed: 99)
        #expect(!parameterDictionary(fresh)["dense.kernel"]!.isBitwiseEqual(to: parameterDictionary(model)["dense.kernel"]!))
        try back.restore(into: &fresh)
        for ((_, a), (_, b)) in zip(fresh.parameters, model.parameters) { #expect(a.isBitwiseEqual(to: b)) }
        var resumed = TestRMSprop()
        try back.restore(optimizer: &resumed)
        #expect(resumed.iterations == 4321)
        #expect(resumed.state.keys.sorted() == optimizer.state.keys.sorted())
    }

    @Test("the same checkpoint gives the same bytes, and special floats survive")
    func deterministic() throws {
        var model = tinyVGG()
        try model.setParameter("block1_conv1.bias", to: Tensor(shape: [4], scalars: [.nan, -0.0, .infinity, -.greatestFiniteMagnitude]))
        let checkpoint = Checkpoint(model: model)
        let a = try checkpoint.encoded().bytes, b = try checkpoint.encoded(threads: 1).bytes
        #expect(a == (try checkpoint.encoded().bytes))
        let back = try Checkpoint(decoding: a, allowingNonFinite: true)
        #expect(back.weight("block1_conv1.bias")!.isBitwiseEqual(to: parameterDictionary(model)["block1_conv1.bias"]!))
        #expect(try Checkpoint(decoding: b, allowingNonFinite: true).weights.count == 26)
        // Reading for training refuses them, naming the key and the first bad value.
        #expect(throws: CheckpointError.nonFinite(file: "(in memory)", key: "block1_conv1.bias", group: "weights",
                                                  values: NonFiniteValues(count: 2, total: 4, firstIndex: 0, firstValue: .nan))) {
            try Checkpoint(decoding: a)
        }
        #expect(back.optimizerName == nil)
        #expect(back.trainerState.isEmpty)
    }

    @Test("a checkpoint written by the Python reference writer reads back exactly", .tags(.golden))
    func pythonWritten() throws {
        let golden = try GoldenSuite.load("io").named("python_written_checkpoint")
        let url = GoldenSuite.root.appendingPathComponent("io/python_written.ftckpt")
        // The reference file stores a −∞ bias to pin the format's special floats: reading it for
        // training refuses it, naming the key; reading it to inspect the format keeps every bit.
        #expect(throws: CheckpointError.nonFinite(file: url.path, key: "dense.bias", group: "weights",
                                                  values: NonFiniteValues(count: 1, total: 2, firstIndex: 1, firstValue: -.infinity))) {
            try Checkpoint.read(from: url)
        }
        let checkpoint = try Checkpoint.read(from: url, allowingNonFinite: true)
        let order = try #require(golden.params["weight_order"]?.array).compactMap(\.string)
        #expect(checkpoint.weights.map(\.key) == order)
        for (key, value) in checkpoint.weights { #expect(value.isBitwiseEqual(to: try golden.tensor(key)), "\(key)") }
        #expect(checkpoint.optimizerName == golden.params["optimizer"]?.string)
        #expect(checkpoint.optimizerIterations == golden.params["iterations"]?.int)
        #expect(checkpoint.optimizerState.count == 2)
        for (key, value) in checkpoint.optimizerState {
            #expect(value.isBitwiseEqual(to: try golden.tensor("optimizer:\(key)")), "\(key)")
        }
        #expect(String(decoding: checkpoint.trainerState, as: UTF8.self) == golden.params["trainerState"]?.string)
        #expect(String(decoding: checkpoint.optimizerConfig, as: UTF8.self) == golden.params["optimizerConfig"]?.string)
        #expect(checkpoint.metadata == ["model": "tiny", "writer": "Goldens/gen_io.py"])
    }

    @Test("the trainer state decodes only as the type that encoded it")
    func trainerStateTypeMismatch() throws {
        var checkpoint = Checkpoint(model: tinyVGG())
        #expect(throws: CheckpointError.self) { try checkpoint.decodeTrainerState(TrainerProgress.self) }
        try checkpoint.encodeTrainerState(["epoch": 3])
        let error = try #require(throws: CheckpointError.self) { try checkpoint.decodeTrainerState(TrainerProgress.self) }
        #expect(error.description.contains("trainer state"))
    }

    @Test("optimizer state restores only into the optimizer type that saved it")
    func optimizerMismatch() throws {
        let model = tinySeed()
        let checkpoint = Checkpoint(model: model, optimizer: sampleOptimizer(for: model))
        var sgd = TestSGD()
        let error = try #require(throws: CheckpointError.self) { try checkpoint.restore(optimizer: &sgd) }
        #expect(error == .optimizerMismatch(file: "(in memory)", saved: "TestRMSprop", given: "TestSGD"))
        #expect(sgd.iterations == 0)
        var rms = TestRMSprop()
        #expect(throws: CheckpointError.optimizerMismatch(file: "(in memory)", saved: nil, given: "TestRMSprop")) {
            try Checkpoint(model: model).restore(optimizer: &rms)
        }
    }

    @Test("writing refuses duplicate keys and unknown compression levels")
    func invalidArguments() throws {
        let t = Tensor.zeros([2])
        #expect(throws: CheckpointError.self) { try Checkpoint(weights: [("a", t), ("a", t)]).encoded() }
        #expect(throws: CheckpointError.self) { try Checkpoint(weights: [("a", t)]).encoded(compressionLevel: 99) }
    }

    @Test("a parameter the model refuses is reported by key, and the model is unchanged")
    func modelRejects() throws {
        struct Frozen: Layer {
            var name = "frozen"
            var parameters: [(key: String, value: Tensor)] { [("frozen.kernel", .zeros([2, 2]))] }
            mutating func setParameter(_ key: String, to value: Tensor) throws {
                throw LayerError.incompatibleInput(layer: name, input: value.shape, reason: "read-only in this test")
            }
            func outputShape(for input: Shape) throws -> Shape { input }
            func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) { (input, nil) }
        }
        var model = Frozen()
        let error = try #require(throws: CheckpointError.self) { try Checkpoint(model: model).restore(into: &model) }
        guard case let .modelRejected(_, key, reason) = error else { Issue.record("\(error)"); return }
        #expect(key == "frozen.kernel" && reason.contains("read-only"))
    }
}
