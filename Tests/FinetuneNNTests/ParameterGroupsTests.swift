import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN

@Suite("Discriminative learning rates (parameter groups)")
struct ParameterGroupsTests {
    /// Three layers whose kernels the golden names `a.kernel`, `b.kernel`, `head.kernel`.
    static func model() throws -> Sequential {
        var rng = SeededRNG(seed: 1)
        return try Sequential([Dense(name: "a", inputSize: 4, units: 6, using: &rng),
                               Dense(name: "b", inputSize: 6, units: 4, using: &rng),
                               Dense(name: "head", inputSize: 4, units: 1, using: &rng)])
    }

    @Test("each group trains at its own rate with its own state, as one Keras optimizer per group", .tags(.golden),
          arguments: methodsCaseNames("groups."))
    func matchesKeras(_ name: String) throws {
        let golden = try methodsCase(name)
        let lo = Float(try golden.number("lowest")), hi = Float(try golden.number("highest"))
        let steps = try golden.int("steps")
        let base: Adam = golden.params["one_cycle"]?.bool == true
            ? Adam(schedule: OneCycle(maxLearningRate: hi, totalSteps: steps, warmupFraction: try golden.number("pct_start")))
            : Adam(learningRate: hi)
        var groups = try ParameterGroups(base, groups: [["a"], ["b"]], rates: lo...hi, in: try Self.model())
        expectClose(Tensor(shape: [3], scalars: groups.rates.map { Float($0) }), try golden.tensor("rates"),
                    tolerance: 1e-7, "\(name) rates")
        let keys = ["a.kernel", "b.kernel", "head.kernel"]
        var w: [String: Tensor] = [:]
        var gradients: [String: Tensor] = [:], actual: [String: [Float]] = [:]
        for k in keys {
            w[k] = try golden.tensor("w0/" + k)
            gradients[k] = try golden.tensor("gradients/" + k)
        }
        var rates: [Float] = []
        for t in 0..<steps {
            var g: [String: Tensor] = [:]
            for k in keys {
                let all = gradients[k]!
                g[k] = all.slice(batch: t..<t + 1).reshaped(w[k]!.shape)
            }
            let updated = groups.step(parameters: w, gradients: g)
            rates += groups.members.map(\.learningRate)
            for k in keys {
                w[k] = updated[k]
                actual[k, default: []] += updated[k]!.scalars
            }
        }
        #expect(groups.iterations == steps)
        expectClose(Tensor(shape: [steps, 3], scalars: rates), try golden.tensor("lr"), tolerance: golden.tolerance, "\(name) rates per step")
        for k in keys {
            let expected = try golden.tensor("trajectory/" + k)
            let d = expectClose(Tensor(shape: expected.shape, scalars: actual[k]!), expected, tolerance: golden.tolerance, "\(name) \(k)")
            print("[\(name)] \(k): relative deviation from Keras \(d.relative)")
        }
        // Each group's state is its own: the slots of a key live in its group's optimizer only.
        for (g, k) in keys.enumerated() {
            #expect(Set(groups.members[g].state.keys) == [k + "/m", k + "/v"])
        }
    }

    @Test("state saved from the groups restores into fresh groups, and the next steps are bit-identical")
    func restoreIsExact() throws {
        let model = try Self.model()
        let make = { try ParameterGroups(Adam(schedule: OneCycle(maxLearningRate: 1e-2, totalSteps: 20)),
                                         groups: [["a"], ["b"]], rates: 1e-4...1e-2, in: model) }
        var rng = SeededRNG(seed: 3)
        var w = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.key, $0.value) })
        let g = w.mapValues { Tensor.uniform($0.shape, low: -1, high: 1, using: &rng) }
        var straight = try make()
        for _ in 0..<5 { w = w.merging(straight.step(parameters: w, gradients: g)) { _, new in new } }
        var resumed = try make()
        try resumed.restore(state: straight.state, iterations: straight.iterations)
        #expect(resumed.iterations == 5)
        let a = straight.step(parameters: w, gradients: g), b = resumed.step(parameters: w, gradients: g)
        for (k, v) in a { #expect(v.scalars == b[k]?.scalars, "\(k) differs after restore") }
        #expect(straight.learningRate == resumed.learningRate)
    }

    @Test("setting the rate scales every group alike; unknown layers and overlapping groups are refused")
    func rateAndErrors() throws {
        let model = try Self.model()
        var groups = try ParameterGroups(SGD(learningRate: 1e-2), groups: [["a"], ["b"]], rates: 1e-4...1e-2, in: model)
        #expect(groups.members.map(\.learningRate) == [1e-4, 1e-3, 1e-2].map { Float($0) })
        groups.learningRate = 1e-3
        let scaled = groups.members.map(\.learningRate)
        #expect(abs(scaled[0] - 1e-5) < 1e-12 && abs(scaled[1] - 1e-4) < 1e-11 && scaled[2] == 1e-3)
        #expect(throws: LayerError.self) {
            try ParameterGroups(SGD(), groups: [["block9_conv1"]], rates: 1e-4...1e-2, in: model)
        }
        #expect(throws: OptimizerError.parameterInTwoGroups(key: "a.bias")) {
            try ParameterGroups(SGD(), groups: [["a"], ["a", "b"]], rates: 1e-4...1e-2, in: model)
        }
    }
}
