import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneTraining
import FinetuneTestSupport

// The optimizer of Documentation/Finetune.docc/WritingAnOptimizer.md, verbatim (the article says
// `import Finetune`; the sync test below ignores import lines). Change both together. Nothing
// here imports a module `@testable`: another package can write the same code.

/// Adam with decoupled weight decay (Loshchilov & Hutter 2019), as Keras 3's
/// `keras.optimizers.AdamW` computes it. Each step first decays every parameter it updates,
/// w ← w − w·wd·lr, then applies Adam to the decayed w, with t = iterations + 1:
/// α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ); m ← m + (g − m)(1 − β₁); v ← v + (g² − v)(1 − β₂);
/// w ← w − m·α / (√v + ε). Slots: `<key>/m`, `<key>/v`. Hyper-parameters are Doubles, cast
/// to Float32 where Keras casts them.
struct AdamW: Optimizer {
    var learningRate: Float
    var weightDecay: Double
    var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7
    private(set) var iterations = 0
    private var slots = OptimizerSlots()

    /// Keras 3's defaults: learning rate 1e-3, weight decay 0.004.
    init(learningRate: Float = 1e-3, weightDecay: Double = 0.004) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    var state: [String: Tensor] { slots.tensors }

    mutating func restore(state: [String: Tensor], iterations: Int) throws {
        guard iterations >= 0 else { throw OptimizerError.negativeIterations(iterations) }
        try slots.restore(state, slots: ["m", "v"], optimizer: "AdamW")
        self.iterations = iterations
    }

    mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        let lr = learningRate, wd = Float(weightDecay), eps = Float(epsilon), t = Float(iterations + 1)
        let alpha = lr * (1 - powf(Float(beta2), t)).squareRoot() / (1 - powf(Float(beta1), t))
        let oneMinusBeta1 = Float(1 - beta1), oneMinusBeta2 = Float(1 - beta2)
        iterations += 1
        return slots.update(parameters, gradients: gradients, slots: ["m", "v"]) { s in
            let w = s.parameter, g = s.gradient, m = s.slot("m"), v = s.slot("v")
            for i in s.indices {
                w[i] -= w[i] * wd * lr                        // decoupled weight decay, before Adam
                m[i] += (g[i] - m[i]) * oneMinusBeta1
                v[i] += (g[i] * g[i] - v[i]) * oneMinusBeta2
                w[i] -= m[i] * alpha / (v[i].squareRoot() + eps)
            }
        }
    }
}

@Suite("Documentation example: AdamW")
struct DocOptimizerExampleTests {
    @Test("two steps with weight decay match Keras 3's AdamW formulas, computed in float64")
    func twoSteps() throws {
        var optimizer = AdamW(learningRate: 0.01, weightDecay: 0.1)
        var w = Tensor(shape: [3], scalars: [1, -0.5, 0.25])
        let gradients = [Tensor(shape: [3], scalars: [0.5, 0.1, -0.2]), Tensor(shape: [3], scalars: [-0.25, 0.3, 0.4])]
        // By hand, in float64 (as NumPy would): for t = 1, 2: w ← w − w·0.1·0.01;
        // m ← m + (g − m)·0.1; v ← v + (g² − v)·0.001; w ← w − m·α / (√v + 1e-7) with
        // α = 0.01·√(1 − 0.999ᵗ) / (1 − 0.9ᵗ). (Decaying after the Adam step instead would give
        // 0.98536036… for the first scalar at t = 2, 1.3e-5 away.)
        let expected: [[Double]] = [[0.9890000632451532, -0.5094996837822336, 0.25974984188861694],
                                    [0.985347707857547, -0.5181679035064711, 0.25582908266620463]]
        for (t, g) in gradients.enumerated() {
            w = try #require(optimizer.step(parameters: ["dense.kernel": w], gradients: ["dense.kernel": g])["dense.kernel"])
            for i in 0..<3 {
                #expect(abs(Double(w.scalars[i]) - expected[t][i]) <= 1e-6, "step \(t + 1), w[\(i)] = \(w.scalars[i]), expected \(expected[t][i])")
            }
        }
        let m = try #require(optimizer.state["dense.kernel/m"]), v = try #require(optimizer.state["dense.kernel/v"])
        for (i, (expectedM, expectedV)) in zip([0.02, 0.039, 0.022], [0.00031225, 0.00009999, 0.00019996]).enumerated() {
            #expect(abs(Double(m.scalars[i]) - expectedM) <= 1e-6 && abs(Double(v.scalars[i]) - expectedV) <= 1e-6,
                    "m[\(i)] = \(m.scalars[i]), v[\(i)] = \(v.scalars[i])")
        }
        #expect(optimizer.iterations == 2 && Set(optimizer.state.keys) == ["dense.kernel/m", "dense.kernel/v"])
    }

    @Test("with weight decay 0 it takes the built-in Adam's steps, bit for bit")
    func withoutDecayIsAdam() throws {
        var rng = SeededRNG(seed: 8)
        var adamW = AdamW(learningRate: 0.01, weightDecay: 0), adam = Adam(learningRate: 0.01)
        var a = ["w": Tensor.uniform([70_000], low: -1, high: 1, using: &rng)], b = a   // large: updated in slices
        for _ in 0..<4 {
            let g = ["w": Tensor.uniform([70_000], low: -1, high: 1, using: &rng)]
            a = adamW.step(parameters: a, gradients: g)
            b = adam.step(parameters: b, gradients: g)
        }
        let (x, y) = (try #require(a["w"]).scalars, try #require(b["w"]).scalars)
        let differs = x.indices.first { x[$0].bitPattern != y[$0].bitPattern }
        #expect(differs == nil, "first difference at scalar \(differs ?? -1)")
        #expect(adamW.state == adam.state)
    }

    @Test("restore takes Adam-shaped state and refuses another optimizer's")
    func restoreChecks() throws {
        var optimizer = AdamW()
        try optimizer.restore(state: ["dense.kernel/m": .zeros([2]), "dense.kernel/v": .zeros([2])], iterations: 3)
        #expect(optimizer.iterations == 3)
        #expect(throws: OptimizerError.unknownSlot(key: "dense.kernel/rms", optimizer: "AdamW", slots: ["m", "v"])) {
            try optimizer.restore(state: ["dense.kernel/rms": .zeros([2])], iterations: 1)
        }
        #expect(throws: OptimizerError.negativeIterations(-1)) { try optimizer.restore(state: [:], iterations: -1) }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let photos = Prerequisite(path: repository.deletingLastPathComponent().appendingPathComponent("shared/data/cats_and_dogs_mini").path,
                                     what: "the shared photos (they live beside the repository, never in it)")

    @Test("trains the reduced VGG16 on real photos: the loss falls, frozen weights keep their values and get no state, and a checkpoint resumes it bit for bit",
          .enabled(if: photos.shouldRun))
    func trainsOnPhotos() throws {
        try Self.photos.require()
        let folder = try PhotoFolder(photos: Self.photos.path, perClass: 8)
        // All 16 photos in every batch, in a fixed order: the model can fit them. (Caffe
        // preprocessing keeps pixel values near ±100; scaled to 0–1, they fade to almost nothing in
        // a randomly initialised narrow VGG16, whose output then stays at 0.5.)
        var source = try DirectorySource(directory: folder.path, targetSize: (32, 32), classMode: .binary, batchSize: 16,
                                         shuffle: false, preprocessing: .caffe)
        var rng = SeededRNG(seed: 3)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
        let trainer = try Trainer(model: model, optimizer: AdamW(learningRate: 3e-3), freezing: .from("block3_conv1"))
        let before = try trainer.evaluate(&source).loss
        try trainer.fit(&source, epochs: 2, stepsPerEpoch: 5)
        let after = try trainer.evaluate(&source).loss
        #expect(after.isFinite && after < 0.5 * before, "loss \(before) → \(after) after 10 AdamW steps on the same 16 photos")

        let initial = model.parameterDictionary, trained = trainer.model.parameterDictionary
        for key in ["block1_conv1.kernel", "block2_conv2.bias"] { #expect(trained[key] == initial[key], "\(key) is frozen") }
        for key in ["block3_conv1.kernel", "block5_conv1.kernel", "dense_1.bias"] { #expect(trained[key] != initial[key], "\(key) trains") }
        #expect(Set(trainer.optimizer.state.keys) == Set(trainer.trainable.flatMap { [$0 + "/m", $0 + "/v"] }))

        // A checkpoint carries AdamW's slots and step count: a new trainer continues exactly.
        let checkpoint = try trainer.checkpoint()
        let resumed = try Trainer(model: try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths),
                                  optimizer: AdamW(learningRate: 3e-3), freezing: .from("block3_conv1"))
        try resumed.restore(from: checkpoint)
        #expect(resumed.optimizer.iterations == 10)
        var a = source, b = source
        try trainer.fit(&a, epochs: 1, stepsPerEpoch: 2)
        try resumed.fit(&b, epochs: 1, stepsPerEpoch: 2)
        #expect(resumed.model.parameterDictionary == trainer.model.parameterDictionary)
        #expect(resumed.optimizer.state == trainer.optimizer.state && resumed.optimizer.iterations == 12)
    }

    @Test("WritingAnOptimizer.md shows this file's optimizer, verbatim")
    func articleCodeIsTested() throws {
        let article = Self.repository.appendingPathComponent("Documentation/Finetune.docc/WritingAnOptimizer.md")
        let blocks = swiftCodeBlocks(in: try String(contentsOf: article, encoding: .utf8))
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        #expect(!blocks.isEmpty, "WritingAnOptimizer.md has no ```swift block")
        for block in blocks {
            let found = source.contains(block)   // (not inside #expect, which would print the whole file)
            #expect(found, "WritingAnOptimizer.md: this block is not in DocOptimizerExampleTests.swift:\n\(block)")
        }
    }
}

/// A scratch dataset folder, `cats/` and `dogs/`, holding links to the first `perClass` photos
/// of each class of the shared training split; removed when released.
final class PhotoFolder {
    let url: URL
    var path: String { url.path }

    init(photos: String, perClass: Int) throws {
        let fm = FileManager.default
        url = fm.temporaryDirectory.appendingPathComponent("finetune-photos-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        for name in ["cats", "dogs"] {
            let from = URL(fileURLWithPath: photos).appendingPathComponent("train/" + name)
            let to = url.appendingPathComponent(name)
            try fm.createDirectory(at: to, withIntermediateDirectories: true)
            for file in try fm.contentsOfDirectory(atPath: from.path).sorted().prefix(perClass) {
                try fm.createSymbolicLink(at: to.appendingPathComponent(file), withDestinationURL: from.appendingPathComponent(file))
            }
        }
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
