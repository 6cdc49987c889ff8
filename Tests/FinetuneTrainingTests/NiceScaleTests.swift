import Testing
@testable import FinetuneTraining

@Suite("Nice scale")
struct NiceScaleTests {
    @Test("tick table", arguments: [
        // (min, max, maxTicks, integer) → (ticks, step, decimals)
        (0.5, 0.97, 6, false, [0.5, 0.6, 0.7, 0.8, 0.9, 1.0], 0.1, 1),
        (0.12, 0.71, 8, false, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 0.1, 1),
        (0.12, 0.71, 7, false, [0.0, 0.2, 0.4, 0.6, 0.8], 0.2, 1),
        (0.12, 0.71, 6, false, [0.0, 0.2, 0.4, 0.6, 0.8], 0.2, 1),
        (0.0, 1.0, 5, false, [0.0, 0.25, 0.5, 0.75, 1.0], 0.25, 2),
        (1, 30, 8, true, [0, 5, 10, 15, 20, 25, 30], 5, 0),
        (1, 130, 8, true, [0, 20, 40, 60, 80, 100, 120, 140], 20, 0),
        (1, 3, 8, true, [1, 2, 3], 1, 0),
        (1, 2, 8, false, [1.0, 1.2, 1.4, 1.6, 1.8, 2.0], 0.2, 1),
        (-3.2, 4.1, 6, false, [-4.0, -2.0, 0.0, 2.0, 4.0, 6.0], 2, 0),
        // A single value is widened by 5 % (at least 0.05) each way: [0.6431, 0.7431].
        (0.6931, 0.6931, 6, false, [0.625, 0.65, 0.675, 0.7, 0.725, 0.75], 0.025, 3),
        (5, 5, 8, true, [4, 5, 6], 1, 0),
        (1e-5, 4.4e-5, 6, false, [1e-5, 2e-5, 3e-5, 4e-5, 5e-5], 1e-5, 5),
        (1200, 98000, 6, false, [0, 20000, 40000, 60000, 80000, 100000], 20000, 0),
        (.nan, 1, 6, false, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], 0.2, 1),
    ] as [(Double, Double, Int, Bool, [Double], Double, Int)])
    func table(lo: Double, hi: Double, maxTicks: Int, integer: Bool, ticks: [Double], step: Double, decimals: Int) {
        let s = NiceScale(min: lo, max: hi, maxTicks: maxTicks, integer: integer)
        #expect(s.ticks == ticks, "ticks for [\(lo), \(hi)] ≤ \(maxTicks)")
        #expect(s.step == step)
        #expect(s.decimals == decimals)
        #expect(s.lower == ticks.first && s.upper == ticks.last)
        #expect(s.ticks.count <= maxTicks)
    }

    @Test("labels show each tick exactly, never '-0'")
    func labels() {
        let s = NiceScale(min: -0.3, max: 0.3, maxTicks: 7)
        #expect(s.ticks.map(s.label) == ["-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"])
        let q = NiceScale(min: 0, max: 1, maxTicks: 5)
        #expect(q.ticks.map(q.label) == ["0.00", "0.25", "0.50", "0.75", "1.00"])
        #expect(NiceScale(min: -1e-17, max: 1, maxTicks: 6).label(-1e-17) == "0.0")
    }
}
