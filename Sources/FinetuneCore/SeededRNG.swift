/// A small, fast, seedable random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Randomness in Finetune is always passed in explicitly (`using: inout some RandomNumberGenerator`),
/// so every run can be replayed. The state is `Codable`, so checkpoints can store it and a resumed
/// run draws exactly the numbers the uninterrupted run would have drawn.
public struct SeededRNG: RandomNumberGenerator, Sendable, Codable, Hashable {
    package private(set) var state: [UInt64]

    public init(seed: UInt64) {
        var s = seed
        var words: [UInt64] = []
        for _ in 0..<4 { words.append(SeededRNG.splitMix64(&s)) }
        if words.allSatisfy({ $0 == 0 }) { words[0] = 1 }
        state = words
    }

    /// Restores a generator from a saved `state` (four words, not all zero).
    package init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        self.state = state
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotl(state[3], 45)
        return result
    }

    /// An independent generator derived from this one's next output (for worker threads,
    /// per-epoch streams, …) — deterministic, and it advances `self` by one draw.
    package mutating func split() -> SeededRNG { SeededRNG(seed: next()) }

    /// Uniform Float in [0, 1) with 24 random bits.
    @usableFromInline package mutating func nextUnitFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform Double in [0, 1) with 53 random bits.
    package mutating func nextUnitDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Uniform Double in [low, high).
    package mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextUnitDouble() }

    /// Standard normal Double (Box–Muller).
    package mutating func normal() -> Double {
        var u1 = nextUnitDouble()
        while u1 <= .leastNonzeroMagnitude { u1 = nextUnitDouble() }
        let u2 = nextUnitDouble()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    private static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif

extension Tensor {
    /// Uniform values in [low, high), drawn in row-major order.
    @inlinable public static func uniform(_ shape: Shape, low: Float = 0, high: Float = 1,
                               using rng: inout some RandomNumberGenerator) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.scalarCount).map { _ in Float.random(in: low..<high, using: &rng) })
    }

    /// Keras' `glorot_uniform`: U(−l, l), l = √(6 / (fan_in + fan_out)); for an HWIO kernel
    /// fan_in = kh·kw·in and fan_out = kh·kw·out.
    @inlinable public static func glorotUniform(_ shape: Shape, using rng: inout some RandomNumberGenerator) -> Tensor {
        precondition(shape.rank >= 2, "glorot_uniform needs rank ≥ 2, got \(shape)")
        let receptive = shape.dimensions.dropLast(2).reduce(1, *)
        let fanIn = Float(receptive * shape[shape.rank - 2]), fanOut = Float(receptive * shape[shape.rank - 1])
        let limit = (6 / (fanIn + fanOut)).squareRoot()
        return uniform(shape, low: -limit, high: limit, using: &rng)
    }
}
