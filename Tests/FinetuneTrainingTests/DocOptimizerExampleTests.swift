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

/// Lion, "evolved sign momentum" (Chen et al. 2023, *Symbolic Discovery of Optimization
/// Algorithms*), as Keras 3's `keras.optimizers.Lion` computes it. Every weight moves by exactly
/// lr per step, in the direction of the sign of an interpolation between the momentum and the
/// gradient: c = β₁·m + (1 − β₁)·g; w ← w − lr·sign(c); then m ← β₂·m + (1 − β₂)·g.
/// Slot: `<key>/m`. β₁ and β₂ are cast to Float32 first, as Keras does.
struct Lion: Optimizer {
    var learningRate: Float
    var beta1 = 0.9, beta2 = 0.99
    private(set) var iterations = 0
    private var slots = OptimizerSlots()

    /// Keras 3's defaults: learning rate 1e-3, β₁ 0.9, β₂ 0.99.
    init(learningRate: Float = 1e-3, beta1: Double = 0.9, beta2: Double = 0.99) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
    }

    var state: [String: Tensor] { slots.tensors }

    mutating func restore(state: [String: Tensor], iterations: Int) throws {
        guard iterations >= 0 else { throw OptimizerError.negativeIterations(iterations) }
        try slots.restore(state, slots: ["m"], optimizer: "Lion")
        self.iterations = iterations
    }

    mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        let lr = learningRate, b1 = Float(beta1), b2 = Float(beta2)
        iterations += 1
        return slots.update(parameters, gradients: gradients, slots: ["m"]) { s in
            let w = s.parameter, g = s.gradient, m = s.slot("m")
            for i in s.indices {
                let c = m[i] * b1 + g[i] * (1 - b1)           // the direction: sign of this mix
                w[i] -= lr * (c > 0 ? 1 : c < 0 ? -1 : 0)
                m[i] = m[i] * b2 + g[i] * (1 - b2)            // then the momentum moves on
            }
        }
    }
}

@Suite("Documentation example: Lion")
struct DocOptimizerExampleTests {
    @Test("three steps match Keras 3's Lion formulas, computed in float64")
    func threeSteps() throws {
        var optimizer = Lion(learningRate: 0.01)
        var w = Tensor(shape: [3], scalars: [1, -0.5, 0.25])
        let gradients = [[0.5, 0.1, -0.2], [-0.25, 0.3, 0.4], [-0.1, 0, -0.3]].map { Tensor(shape: [3], scalars: $0) }
        // By hand, in float64: c = 0.9·m + 0.1·g; w ← w − 0.01·sign(c); m ← 0.99·m + 0.01·g.
        // Step 2's last scalar falls although its momentum is negative (c = −0.0018 + 0.04 > 0);
        // step 3's middle gradient is 0, and the momentum alone sets the sign.
        let expected: [[Double]] = [[0.99, -0.51, 0.26], [1.0, -0.52, 0.25], [1.01, -0.53, 0.26]]
        for (t, g) in gradients.enumerated() {
            w = try #require(optimizer.step(parameters: ["dense.kernel": w], gradients: ["dense.kernel": g])["dense.kernel"])
            for i in 0..<3 {
                #expect(abs(Double(w.scalars[i]) - expected[t][i]) <= 1e-6, "step \(t + 1), w[\(i)] = \(w.scalars[i]), expected \(expected[t][i])")
            }
        }
        let m = try #require(optimizer.state["dense.kernel/m"])
        for (i, expectedM) in [0.0014255, 0.0039501, -0.0010002].enumerated() {
            #expect(abs(Double(m.scalars[i]) - expectedM) <= 1e-7, "m[\(i)] = \(m.scalars[i])")
        }
        #expect(optimizer.iterations == 3 && Set(optimizer.state.keys) == ["dense.kernel/m"])
    }

    @Test("120 steps of fixed gradients match keras.optimizers.Lion", .tags(.golden), arguments: ["optimizer.lion.default", "optimizer.lion.betas"])
    func matchesKeras(_ name: String) throws {
        let golden = try GoldenSuite.load("methods").named(name)
        var optimizer = Lion(learningRate: Float(try #require(golden.param("learning_rate").double)),
                             beta1: try #require(golden.param("beta_1").double), beta2: try #require(golden.param("beta_2").double))
        let gradients = try golden.tensor("gradients"), expected = try golden.tensor("trajectory")
        let steps = gradients.shape[0], shape: Shape = [gradients.shape[1], gradients.shape[2]]
        var w = try golden.tensor("w0"), actual: [Float] = []
        for t in 0..<steps {
            let g = gradients.slice(batch: t..<t + 1).reshaped(shape)
            w = try #require(optimizer.step(parameters: ["var.kernel": w], gradients: ["var.kernel": g])["var.kernel"])
            actual += w.scalars
        }
        expectClose(Tensor(shape: expected.shape, scalars: actual), expected, tolerance: golden.tolerance, name)
    }

    @Test("large parameters are updated in slices on several threads, with the bits of one pass")
    func slicesAgree() throws {
        var rng = SeededRNG(seed: 8)
        var lion = Lion(learningRate: 0.01)
        var w = ["w": Tensor.uniform([70_000], low: -1, high: 1, using: &rng)]   // large: updated in slices
        var m = Tensor.zeros([70_000]), reference = w["w"]!.scalars
        for _ in 0..<4 {
            let g = ["w": Tensor.uniform([70_000], low: -1, high: 1, using: &rng)]
            w = lion.step(parameters: w, gradients: g)
            // The same rule in one plain loop.
            let gs = g["w"]!.scalars
            var ms = m.scalars
            for i in 0..<ms.count {
                let c = ms[i] * Float(0.9) + gs[i] * (1 - Float(0.9))
                reference[i] -= Float(0.01) * (c > 0 ? 1 : c < 0 ? -1 : 0)
                ms[i] = ms[i] * Float(0.99) + gs[i] * (1 - Float(0.99))
            }
            m = Tensor(shape: [70_000], scalars: ms)
        }
        let x = try #require(w["w"]).scalars
        let differs = x.indices.first { x[$0].bitPattern != reference[$0].bitPattern }
        #expect(differs == nil, "first difference at scalar \(differs ?? -1)")
        #expect(lion.state["w/m"]?.scalars == m.scalars)
    }

    @Test("restore takes Lion-shaped state and refuses another optimizer's")
    func restoreChecks() throws {
        var optimizer = Lion()
        try optimizer.restore(state: ["dense.kernel/m": .zeros([2])], iterations: 3)
        #expect(optimizer.iterations == 3)
        #expect(throws: OptimizerError.unknownSlot(key: "dense.kernel/v", optimizer: "Lion", slots: ["m"])) {
            try optimizer.restore(state: ["dense.kernel/v": .zeros([2])], iterations: 1)
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
        let trainer = try Trainer(model: model, optimizer: Lion(learningRate: 2e-3), freezing: .from("block3_conv1"))
        let before = try trainer.evaluate(&source).loss
        // 15 steps at 2e-3 fall steadily, to about a quarter of the start, whatever the GEMM kernel's
        // rounding (10 steps at 5e-3 oscillated: 0.10 after the last on OpenBLAS, 0.45 on the AVX-512 kernel).
        try trainer.fit(&source, epochs: 3, stepsPerEpoch: 5)
        let after = try trainer.evaluate(&source).loss
        #expect(after.isFinite && after < 0.5 * before, "loss \(before) → \(after) after 15 Lion steps on the same 16 photos")

        let initial = model.parameterDictionary, trained = trainer.model.parameterDictionary
        for key in ["block1_conv1.kernel", "block2_conv2.bias"] { #expect(trained[key] == initial[key], "\(key) is frozen") }
        // (Not a one-scalar bias: steps of exactly ±lr may bring a single weight back to its start.)
        for key in ["block3_conv1.kernel", "block5_conv1.kernel", "dense_1.kernel"] { #expect(trained[key] != initial[key], "\(key) trains") }
        #expect(Set(trainer.optimizer.state.keys) == Set(trainer.trainable.map { $0 + "/m" }))

        // A checkpoint carries Lion's slots and step count: a new trainer continues exactly.
        let checkpoint = try trainer.checkpoint()
        let resumed = try Trainer(model: try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths),
                                  optimizer: Lion(learningRate: 2e-3), freezing: .from("block3_conv1"))
        try resumed.restore(from: checkpoint)
        #expect(resumed.optimizer.iterations == 15)
        var a = source, b = source
        try trainer.fit(&a, epochs: 1, stepsPerEpoch: 2)
        try resumed.fit(&b, epochs: 1, stepsPerEpoch: 2)
        #expect(resumed.model.parameterDictionary == trainer.model.parameterDictionary)
        #expect(resumed.optimizer.state == trainer.optimizer.state && resumed.optimizer.iterations == 17)
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
