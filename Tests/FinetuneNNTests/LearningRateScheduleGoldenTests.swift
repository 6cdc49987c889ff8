import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN

@Suite("Learning-rate schedules against PyTorch's formula and Keras")
struct LearningRateScheduleGoldenTests {
    static func values(_ n: Int, _ f: (Int) -> Float) -> Tensor {
        Tensor(shape: [n], scalars: (0..<n).map(f))
    }

    @Test("one-cycle: the rate and the momentum of every step are PyTorch OneCycleLR's", .tags(.golden),
          arguments: methodsCaseNames("schedule.one_cycle."))
    func oneCycleSteps(_ name: String) throws {
        let golden = try methodsCase(name)
        let schedule = try oneCycle(golden)
        let lr = try golden.tensor("lr"), momentum = try golden.tensor("momentum")
        let n = lr.scalarCount
        expectClose(Self.values(n) { schedule(step: $0) }, lr, tolerance: golden.tolerance, "\(name) lr")
        expectClose(Self.values(n) { Float(schedule.momentum(step: $0)!) }, momentum, tolerance: golden.tolerance,
                    "\(name) momentum")
        // Past the end the last value stays (PyTorch refuses those steps).
        #expect(schedule(step: n + 5) == schedule(step: n - 1))
        #expect(schedule.momentum(step: n + 5) == schedule.momentum(step: n - 1))
    }

    @Test("cosine decay with and without warm-up is Keras 3's CosineDecay", .tags(.golden),
          arguments: methodsCaseNames("schedule.cosine."))
    func cosine(_ name: String) throws {
        let golden = try methodsCase(name)
        let target = golden.params["warmup_target"]?.double
        let schedule = CosineDecay(initialLearningRate: Float(try golden.number("initial_learning_rate")),
                                   decaySteps: try golden.int("decay_steps"), alpha: try golden.number("alpha"),
                                   warmupTarget: target.map { Float($0) }, warmupSteps: try golden.int("warmup_steps"))
        let lr = try golden.tensor("lr")
        expectClose(Self.values(lr.scalarCount) { schedule(step: $0) }, lr, tolerance: golden.tolerance, name)
    }

    @Test("step decay: PiecewiseConstantDecay and staircase ExponentialDecay are Keras'", .tags(.golden))
    func stepDecay() throws {
        let piecewise = try methodsCase("schedule.piecewise.steps")
        let boundaries = try #require(piecewise.param("boundaries").array).compactMap(\.int)
        let values = try #require(piecewise.param("values").array).compactMap(\.double).map { Float($0) }
        let p = PiecewiseConstantDecay(boundaries: boundaries, values: values)
        let lr = try piecewise.tensor("lr")
        #expect(Self.values(lr.scalarCount) { p(step: $0) }.scalars == lr.scalars)

        let exponential = try methodsCase("schedule.exponential.staircase")
        let e = ExponentialDecay(initialLearningRate: Float(try exponential.number("initial_learning_rate")),
                                 decaySteps: try exponential.int("decay_steps"),
                                 decayRate: Float(try exponential.number("decay_rate")), staircase: true)
        let lr2 = try exponential.tensor("lr")
        expectClose(Self.values(lr2.scalarCount) { e(step: $0) }, lr2, tolerance: exponential.tolerance, "staircase")
    }

    @Test("one-cycle rises to its maximum at the end of the warm-up and ends far below its start")
    func oneCycleShape() {
        let s = OneCycle(maxLearningRate: 1e-3, totalSteps: 100)
        #expect(abs(s(step: 0) - 1e-3 / 25) < 1e-9)
        #expect(s(step: 29) == 1e-3)
        #expect(s.momentum(step: 29) == 0.85 && s.momentum(step: 0) == 0.95 && s.momentum(step: 99) == 0.95)
        #expect(abs(s(step: 99) - 1e-3 / 25 / 1e4) < 1e-12)
        for t in 1...29 { #expect(s(step: t) > s(step: t - 1)) }
        for t in 30..<100 { #expect(s(step: t) < s(step: t - 1)) }
    }
}
