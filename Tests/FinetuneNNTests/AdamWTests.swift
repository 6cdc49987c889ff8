import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN

@Suite("AdamW and momentum scheduling against Keras 3")
struct AdamWTests {
    /// Steps `optimizer` through a golden case's fixed gradients; the parameter after every step.
    static func trajectory(_ optimizer: inout some Optimizer, _ golden: GoldenCase) throws -> Tensor {
        let gradients = try golden.tensor("gradients")
        let steps = gradients.shape[0], shape: Shape = [gradients.shape[1], gradients.shape[2]]
        var w = try golden.tensor("w0")
        var actual: [Float] = []
        for t in 0..<steps {
            let g = gradients.slice(batch: t..<t + 1).reshaped(shape)
            w = try #require(optimizer.step(parameters: ["var.kernel": w], gradients: ["var.kernel": g])["var.kernel"])
            actual += w.scalars
        }
        #expect(optimizer.iterations == steps)
        return Tensor(shape: Shape([steps] + shape.dimensions), scalars: actual)
    }

    @Test("120 steps of fixed gradients match keras.optimizers.AdamW", .tags(.golden),
          arguments: methodsCaseNames("optimizer.adamw."))
    func matchesKeras(_ name: String) throws {
        let golden = try methodsCase(name)
        let schedule: CosineDecay?
        if let c = golden.params["cosine"] {
            schedule = CosineDecay(initialLearningRate: Float(try #require(c["initial_learning_rate"]?.double)),
                                   decaySteps: try #require(c["decay_steps"]?.int), alpha: try #require(c["alpha"]?.double),
                                   warmupTarget: Float(try #require(c["warmup_target"]?.double)),
                                   warmupSteps: try #require(c["warmup_steps"]?.int))
        } else {
            schedule = nil
        }
        var o = AdamW(learningRate: Float(golden.params["learning_rate"]?.double ?? 0),
                      weightDecay: try golden.number("weight_decay"), beta1: try golden.number("beta_1"),
                      beta2: try golden.number("beta_2"), epsilon: try golden.number("epsilon"),
                      amsgrad: try #require(golden.param("amsgrad").bool as Bool?), schedule: schedule)
        let actual = try Self.trajectory(&o, golden)
        let d = expectClose(actual, try golden.tensor("trajectory"), tolerance: golden.tolerance, name)
        print("[\(name)] relative deviation from Keras \(d.relative)")
    }

    @Test("an optimizer with a one-cycle schedule follows its rate and momentum (β₁ or μ) as Keras does when both are set each step",
          .tags(.golden), arguments: methodsCaseNames("optimizer.one_cycle."))
    func oneCycle(_ name: String) throws {
        let golden = try methodsCase(name)
        let schedule = try FinetuneNNTests.oneCycle(golden)
        let expected = try golden.tensor("trajectory")
        func run(_ optimizer: some Optimizer) throws -> Tensor {
            var o = optimizer
            return try Self.trajectory(&o, golden)
        }
        let actual: Tensor
        switch try golden.string("optimizer") {
        case "adam": actual = try run(Adam(schedule: schedule))
        case "adamw": actual = try run(AdamW(weightDecay: try golden.number("weight_decay"), schedule: schedule))
        case "sgd_momentum": actual = try run(SGD(momentum: 0.9, schedule: schedule))
        case "rmsprop_momentum": actual = try run(RMSprop(momentum: 0.9, schedule: schedule))
        default: throw GoldenError.missing("\(name): unknown optimizer")
        }
        let d = expectClose(actual, expected, tolerance: golden.tolerance, name)
        print("[\(name)] relative deviation from Keras \(d.relative)")
    }

    @Test("the momentum schedule changes the trajectory, and plain SGD (μ = 0) keeps no momentum")
    func momentumMatters() throws {
        let golden = try methodsCase("optimizer.one_cycle.sgd_momentum")
        let schedule = try FinetuneNNTests.oneCycle(golden)
        var cycled = SGD(momentum: 0.9, schedule: schedule)
        let a = try Self.trajectory(&cycled, golden)
        #expect(cycled.momentum == schedule.momentum(step: 59))
        var plain = SGD(schedule: schedule)
        _ = try Self.trajectory(&plain, golden)
        #expect(plain.momentum == 0 && plain.state.isEmpty)
        var noCycle = SGD(momentum: 0.9)
        let b = try Self.trajectory(&noCycle, golden)
        #expect(a.scalars != b.scalars)
    }

    @Test("AdamW with weight decay 0 takes Adam's steps bit for bit; its checkpoint name and errors say AdamW")
    func zeroDecayIsAdam() throws {
        let golden = try methodsCase("optimizer.adamw.default")
        var adam = Adam(learningRate: 1e-2), adamW = AdamW(learningRate: 1e-2, weightDecay: 0)
        #expect(try Self.trajectory(&adam, golden).scalars == Self.trajectory(&adamW, golden).scalars)
        #expect(adamW.state == adam.state)
        var other = AdamW()
        #expect(throws: OptimizerError.unknownSlot(key: "var.kernel/rms", optimizer: "AdamW", slots: ["m", "v"])) {
            try other.restore(state: ["var.kernel/rms": .zeros([2])], iterations: 3)
        }
        #expect(String(describing: type(of: other)) == "AdamW")
    }
}
