import Foundation

/// An axis range with "nice" tick values: multiples of a step m·10ᵏ with m ∈ {1, 2, 2.5, 5}
/// (matplotlib's `MaxNLocator` steps; integer axes skip steps below 1 and 2.5), the smallest
/// such step that covers [lower, upper] with at most `maxTicks` ticks. The axis is "loose"
/// (Heckbert, *Nice numbers for graph labels*, Graphics Gems 1990): it runs from the last tick
/// ≤ the data minimum to the first tick ≥ the data maximum.
package struct NiceScale: Sendable, Equatable {
    /// The first tick, ≤ the data minimum.
    package var lower: Double
    /// The last tick, ≥ the data maximum.
    package var upper: Double
    /// Distance between ticks: m·10ᵏ with m ∈ {1, 2, 2.5, 5}.
    package var step: Double
    /// Tick values from `lower` to `upper`.
    package var ticks: [Double]
    /// Digits after the decimal point that show every tick exactly (0.25 → 2, 0.5 → 1, 20 → 0).
    package var decimals: Int

    /// Scale for data in [min, max]. A single value (min == max) is widened to a small range
    /// around it; non-finite bounds give the unit range [0, 1].
    package init(min lo: Double, max hi: Double, maxTicks: Int = 6, integer: Bool = false) {
        var lo = lo, hi = hi
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if lo > hi { swap(&lo, &hi) }
        if hi - lo <= 1e-12 * Swift.max(1, abs(hi)) {
            let pad = integer ? 1 : Swift.max(abs(lo) * 0.05, 0.05)
            lo -= pad; hi += pad
        }
        let maxTicks = Swift.max(2, maxTicks)
        let rough = (hi - lo) / Double(maxTicks - 1)
        var k = Int((log10(rough)).rounded(.down)) - 1
        while true {
            for m in [1.0, 2.0, 2.5, 5.0] {
                if integer && (k < 0 || (k == 0 && m == 2.5)) { continue }
                let step = Self.value(Double(1), m, k)
                let i0 = (lo / step + 1e-9).rounded(.down), i1 = (hi / step - 1e-9).rounded(.up)
                guard Int(i1 - i0) + 1 <= maxTicks else { continue }
                self.step = step
                ticks = stride(from: i0, through: i1, by: 1).map { Self.value($0, m, k) }
                lower = ticks[0]; upper = ticks[ticks.count - 1]
                decimals = Swift.max(0, -k + (m == 2.5 ? 1 : 0))
                return
            }
            k += 1
        }
    }

    /// i·m·10ᵏ, computed so that decimal ticks are the doubles nearest their decimal values
    /// (i·m is exact; dividing by an exact power of ten rounds once).
    private static func value(_ i: Double, _ m: Double, _ k: Int) -> Double {
        k >= 0 ? i * m * pow(10, Double(k)) : i * m / pow(10, Double(-k))
    }

    /// `value` with ``decimals`` digits after the point (no "-0").
    package func label(_ value: Double) -> String {
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }
}
