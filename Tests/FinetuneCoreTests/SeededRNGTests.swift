import Foundation
import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("SeededRNG")
struct SeededRNGTests {
    private func draws(_ rng: inout SeededRNG, _ n: Int = 16) -> [UInt64] { (0..<n).map { _ in rng.next() } }

    @Test("the same seed gives the same stream; different seeds differ")
    func determinism() {
        var a = SeededRNG(seed: 42), b = SeededRNG(seed: 42), c = SeededRNG(seed: 43)
        let da = draws(&a)
        #expect(da == draws(&b))
        #expect(da != draws(&c))
        #expect(Set(da).count == da.count)
    }

    @Test("matches xoshiro256** seeded through SplitMix64 (reference values)")
    func referenceValues() {
        // SplitMix64(0) words and the first xoshiro256** outputs, computed independently in Python.
        var rng = SeededRNG(seed: 0)
        #expect(rng.state == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4,
                              0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC])
        #expect(rng.next() == 0x99EC_5F36_CB75_F2B4)
    }

    @Test("split is deterministic, advances the parent by one draw, and gives a different stream")
    func split() {
        var a = SeededRNG(seed: 7), b = SeededRNG(seed: 7)
        var childA = a.split(), childB = b.split()
        #expect(draws(&childA) == draws(&childB))
        var reference = SeededRNG(seed: 7)
        _ = reference.next()
        #expect(a.state == reference.state)
        var source = SeededRNG(seed: 7)
        var child = source.split()
        var parent = SeededRNG(seed: 7)
        #expect(draws(&child) != draws(&parent))
    }

    @Test("a restored state continues exactly where the saved one was")
    func restore() throws {
        var rng = SeededRNG(seed: 99)
        _ = draws(&rng, 5)
        let saved = rng.state
        let expected = draws(&rng)
        var restored = try #require(SeededRNG(state: saved))
        #expect(draws(&restored) == expected)

        var coded = SeededRNG(seed: 5)
        _ = coded.next()
        var decoded = try JSONDecoder().decode(SeededRNG.self, from: JSONEncoder().encode(coded))
        #expect(draws(&decoded) == draws(&coded))
    }

    @Test("rejects states that are not four words or all zero")
    func invalidState() {
        #expect(SeededRNG(state: [0, 0, 0, 0]) == nil)
        #expect(SeededRNG(state: [1, 2, 3]) == nil)
        #expect(SeededRNG(state: [0, 0, 0, 1]) != nil)
    }

    @Test("unit floats lie in [0, 1) and normals have mean 0 and variance 1")
    func distributions() {
        var rng = SeededRNG(seed: 1)
        var sum = 0.0, sumSquares = 0.0
        let n = 20_000
        for _ in 0..<n {
            let f = rng.nextUnitFloat(), d = rng.nextUnitDouble(), u = rng.uniform(-2, 3)
            #expect(f >= 0 && f < 1 && d >= 0 && d < 1 && u >= -2 && u < 3)
            let z = rng.normal()
            sum += z
            sumSquares += z * z
        }
        let mean = sum / Double(n), variance = sumSquares / Double(n) - mean * mean
        #expect(abs(mean) < 0.03)      // 4 standard errors (1/√20000 ≈ 0.007)
        #expect(abs(variance - 1) < 0.04)
    }

    @Test("glorot-uniform stays inside ±√(6 / (fan_in + fan_out)) and fills the range")
    func glorot() {
        var rng = SeededRNG(seed: 3)
        let w = Tensor.glorotUniform([3, 3, 64, 128], using: &rng)
        let limit = Float((6.0 / Double(9 * 64 + 9 * 128)).squareRoot())
        let lo = w.scalars.min() ?? 0, hi = w.scalars.max() ?? 0
        #expect(lo >= -limit && hi < limit)
        #expect(lo < -0.99 * limit && hi > 0.99 * limit)
    }
}
