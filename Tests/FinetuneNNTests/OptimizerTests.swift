import Testing
import FinetuneCore
import FinetuneTestSupport
import FinetuneNN

/// The optimizer a golden case describes (`optimizer.*` params are Keras' get_config()).
func optimizer(for golden: GoldenCase) throws -> any Optimizer {
    func number(_ key: String) throws -> Double {
        guard let v = try golden.param(key).double else { throw GoldenError.missing("\(golden.name): \(key)") }
        return v
    }
    func flag(_ key: String) throws -> Bool {
        guard let v = try golden.param(key).bool else { throw GoldenError.missing("\(golden.name): \(key)") }
        return v
    }
    let lr = Float(try number("learning_rate"))
    switch try golden.string("optimizer") {
    case "rmsprop":
        if golden.params["epsilon_outside_sqrt"]?.bool == true {
            var o = RMSprop.keras2(learningRate: lr)
            o.rho = try number("rho")
            #expect(o.epsilon == (try number("epsilon")))
            return o
        }
        return RMSprop(learningRate: lr, rho: try number("rho"), momentum: try number("momentum"),
                       epsilon: try number("epsilon"), centered: try flag("centered"))
    case "sgd":
        return SGD(learningRate: lr, momentum: try number("momentum"), nesterov: try flag("nesterov"))
    case "adam":
        return Adam(learningRate: lr, beta1: try number("beta_1"), beta2: try number("beta_2"),
                    epsilon: try number("epsilon"), amsgrad: try flag("amsgrad"))
    default:
        throw GoldenError.missing("\(golden.name): unknown optimizer")
    }
}

@Suite("Optimizers")
struct OptimizerTests {
    @Test("trajectories over 120 fixed gradients match Keras 3 (and the Keras 2.0.8 formula)",
          .tags(.golden), arguments: nnCaseNames("optimizer."))
    func trajectory(_ name: String) throws {
        let golden = try nnCase(name)
        var opt = try optimizer(for: golden)
        let gradients = try golden.tensor("gradients"), expected = try golden.tensor("trajectory")
        let steps = gradients.shape[0], shape: Shape = [gradients.shape[1], gradients.shape[2]]
        var w = try golden.tensor("w0")
        var actual: [Float] = []
        for t in 0..<steps {
            if t == 60, let lr = golden.params["lr_at_60"]?.double { opt.learningRate = Float(lr) }
            let g = gradients.slice(batch: t..<t + 1).reshaped(shape)
            w = try #require(opt.step(parameters: ["var.kernel": w], gradients: ["var.kernel": g])["var.kernel"])
            actual += w.scalars
        }
        #expect(opt.iterations == steps)
        expectClose(Tensor(shape: expected.shape, scalars: actual), expected, tolerance: golden.tolerance, name)
        // The last step alone, too (an error early in the run must not hide in the sum).
        expectClose(w, expected.slice(batch: steps - 1..<steps).reshaped(shape), tolerance: golden.tolerance, "\(name) final")
    }

    @Test("every option has a golden trajectory") func coverage() {
        let names = Set(nnCaseNames("optimizer."))
        for n in ["rmsprop.plain", "rmsprop.momentum", "rmsprop.centered", "rmsprop.keras2", "rmsprop.lr_change",
                  "sgd.plain", "sgd.momentum", "sgd.nesterov", "adam.plain", "adam.amsgrad"] {
            #expect(names.contains("optimizer." + n), "missing golden optimizer.\(n)")
        }
    }

    @Test("ε inside vs outside the square root: the first step differs 10× for |g| = 1e-4")
    func epsilonPlacement() {
        let w = Tensor.zeros([1]), g = Tensor(repeating: 1e-4, shape: [1])
        var keras3 = RMSprop(learningRate: 1), keras2 = RMSprop.keras2(learningRate: 1)
        let a = keras3.step(parameters: ["k": w], gradients: ["k": g])["k"]!.scalars[0]
        let b = keras2.step(parameters: ["k": w], gradients: ["k": g])["k"]!.scalars[0]
        // v = 0.1·1e-8 = 1e-9: Keras 3 divides by √(1e-9 + 1e-7) ≈ 3.2e-4, Keras 2 by √1e-9 + 1e-8 ≈ 3.2e-5.
        #expect(abs(a / b - 0.1) < 0.01 * 0.1 + 0.01, "\(a) vs \(b)")
    }

    @Test("state is created lazily, keyed <parameter key>/<slot>, only for keys that got gradients",
          arguments: [(RMSprop(momentum: 0.9, centered: true) as any Optimizer, ["rms", "momentum", "mean_gradient"]),
                      (RMSprop() as any Optimizer, ["rms"]),
                      (SGD(momentum: 0.9) as any Optimizer, ["momentum"]), (SGD() as any Optimizer, []),
                      (Adam(amsgrad: true) as any Optimizer, ["m", "v", "v_hat"]), (Adam() as any Optimizer, ["m", "v"])])
    func lazyState(_ optimizer: any Optimizer, slots: [String]) throws {
        var opt = optimizer
        #expect(opt.state.isEmpty)
        let params = ["a.kernel": randomTensor([2, 3], seed: 1), "b.kernel": randomTensor([4], seed: 2)]
        _ = opt.step(parameters: params, gradients: ["a.kernel": randomTensor([2, 3], seed: 3)])
        #expect(Set(opt.state.keys) == Set(slots.map { "a.kernel/" + $0 }))
        #expect(opt.state.values.allSatisfy { $0.shape == [2, 3] })

        // Restoring the state into a fresh optimizer continues the same trajectory.
        var copy = optimizer
        try copy.restore(state: opt.state, iterations: opt.iterations)
        let g = randomTensor([2, 3], seed: 4)
        let p = ["a.kernel": params["a.kernel"]!]
        #expect(opt.step(parameters: p, gradients: ["a.kernel": g]) == copy.step(parameters: p, gradients: ["a.kernel": g]))
        #expect(copy.iterations == 2)
    }

    @Test("restore rejects state from another optimizer or configuration")
    func restoreErrors() throws {
        var rms = RMSprop()
        #expect(throws: OptimizerError.unknownSlot(key: "a.kernel/m", optimizer: "RMSprop", slots: ["rms"])) {
            try rms.restore(state: ["a.kernel/m": .zeros([2])], iterations: 1)
        }
        #expect(throws: OptimizerError.self) { try rms.restore(state: ["rms": .zeros([2])], iterations: 1) }
        #expect(throws: OptimizerError.negativeIterations(-1)) { try rms.restore(state: [:], iterations: -1) }
        var adam = Adam()
        #expect(throws: OptimizerError.slotShapeMismatch(key: "a.kernel/v", expected: [2], got: [3])) {
            try adam.restore(state: ["a.kernel/m": .zeros([2]), "a.kernel/v": .zeros([3])], iterations: 1)
        }
    }

    @Test("schedules set the learning rate from the step count")
    func schedules() {
        let decay = ExponentialDecay(initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5)
        #expect(abs(decay(step: 10) - 0.05) < 1e-7)
        #expect(abs(decay(step: 5) - 0.1 * Float(0.5).squareRoot()) < 1e-7)
        let stairs = ExponentialDecay(initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true)
        #expect(stairs(step: 9) == 0.1 && abs(stairs(step: 10) - 0.05) < 1e-7)
        let piecewise = PiecewiseConstantDecay(boundaries: [2, 4], values: [1, 0.5, 0.25])
        #expect((0..<6).map { piecewise(step: $0) } == [1, 1, 1, 0.5, 0.5, 0.25])
        var sgd = SGD(learningRate: 123, schedule: piecewise)
        var w = Tensor(repeating: 0, shape: [1])
        for _ in 0..<4 { w = sgd.step(parameters: ["w": w], gradients: ["w": Tensor(repeating: 1, shape: [1])])["w"]! }
        #expect(w.scalars[0] == -(1 + 1 + 1 + 0.5))
        #expect(sgd.learningRate == 0.5)
    }

    /// A parameter above `parallelUpdateMinimumScalars` (65,536) is updated in pieces by several
    /// threads. The update is element-wise, so cutting the same scalars into small parameters
    /// (each updated on one thread) must give the same bits, slot by slot, step by step.
    @Test("a large parameter updated by several threads matches the same scalars updated in small pieces",
          arguments: [
              RMSprop(learningRate: 0.01, momentum: 0.5, centered: true) as any Optimizer,
              Adam(learningRate: 0.01, amsgrad: true), SGD(learningRate: 0.1, momentum: 0.9, nesterov: true),
          ])
    func largeParameterInPieces(_ template: any Optimizer) {
        let count = 3 * 65_536 + 7, piece = 1_000
        var rng = SeededRNG(seed: 11)
        var whole = Tensor.uniform([count], low: -1, high: 1, using: &rng)
        let pieceCount = (count + piece - 1) / piece
        func slice(_ t: Tensor, _ i: Int) -> Tensor {
            Tensor(shape: [min(piece, count - i * piece)], scalars: Array(t.scalars[(i * piece)..<min(count, (i + 1) * piece)]))
        }
        var pieces = (0..<pieceCount).map { slice(whole, $0) }
        var big = template, small = template
        for _ in 0..<3 {
            let g = Tensor.uniform([count], low: -1, high: 1, using: &rng)
            whole = big.step(parameters: ["w": whole], gradients: ["w": g])["w"]!
            let keys = (0..<pieceCount).map { "w\($0)" }
            let updated = small.step(parameters: Dictionary(uniqueKeysWithValues: zip(keys, pieces)),
                                     gradients: Dictionary(uniqueKeysWithValues: keys.indices.map { (keys[$0], slice(g, $0)) }))
            pieces = keys.map { updated[$0]! }
            // (Compared as Bools: a failure names the first differing scalar instead of printing 200,000.)
            func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
                a.count == b.count ? a.indices.first { a[$0].bitPattern != b[$0].bitPattern } : -1
            }
            let parameterDifference = firstDifference(whole.scalars, pieces.flatMap(\.scalars))
            #expect(parameterDifference == nil, "parameter differs first at scalar \(parameterDifference ?? 0)")
            for (name, slot) in big.state {
                let suffix = name.dropFirst(2)   // "w/rms" → "rms"
                let difference = firstDifference(slot.scalars, keys.flatMap { small.state["\($0)/\(suffix)"]!.scalars })
                #expect(difference == nil, "slot \(name) differs first at scalar \(difference ?? 0)")
            }
        }
    }

    @Test("apply(optimizer:gradients:) updates exactly the keys with gradients and validates them")
    func applyToModel() throws {
        var rng = SeededRNG(seed: 3)
        var model = try Sequential([Dense(name: "a", inputSize: 2, units: 2, using: &rng),
                                    Dense(name: "b", inputSize: 2, units: 1, using: &rng)])
        let before = model.parameterDictionary
        var opt: any Optimizer = RMSprop(learningRate: 0.1)
        try model.apply(optimizer: &opt, gradients: ["b.kernel": Tensor(repeating: 1, shape: [2, 1])])
        let after = model.parameterDictionary
        #expect(after["a.kernel"] == before["a.kernel"] && after["b.bias"] == before["b.bias"])
        #expect(after["b.kernel"] != before["b.kernel"])
        #expect(Set(opt.state.keys) == ["b.kernel/rms"])
        #expect(throws: LayerError.unknownParameter(key: "c.kernel", layer: "sequential")) {
            try model.apply(optimizer: &opt, gradients: ["c.kernel": .zeros([1])])
        }
        #expect(throws: LayerError.shapeMismatch(key: "a.bias", expected: [2], got: [3])) {
            try model.apply(optimizer: &opt, gradients: ["a.bias": .zeros([3])])
        }
        #expect(opt.iterations == 1)
    }
}
