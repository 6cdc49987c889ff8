/// NumPy's legacy `RandomState` (Mersenne Twister MT19937), the generator behind
/// `np.random.seed`, `np.random.permutation`, `np.random.uniform` and `np.random.random` — which
/// Keras' `Iterator` and `ImageDataGenerator` draw from. Reproducing it lets Finetune shuffle in
/// exactly Keras' order and, optionally, draw exactly Keras' augmentation parameters.
///
/// Matsumoto & Nishimura (1998); seeding as NumPy's `mt19937_seed` (Knuth's initialisation),
/// doubles as `random_sample` (53 bits from two draws), bounded integers as `random_interval`
/// (mask and reject).
package struct MT19937: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// `np.random.seed(seed)` for an integer seed in 0…2³²−1.
    package init(seed: UInt32) {
        var s = seed
        for i in 0..<624 {
            state[i] = s
            s = 1_812_433_253 &* (s ^ (s >> 30)) &+ UInt32(i + 1)
        }
        index = 624
    }

    /// The next tempered 32-bit output (`genrand_int32`).
    package mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// `np.random.random()`: (a·2²⁶ + b) / 2⁵³ with a = draw >> 5, b = draw >> 6.
    package mutating func nextDouble() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `np.random.uniform(low, high)` = low + (high − low)·random().
    package mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextDouble()
    }

    /// NumPy's `random_interval(max)`: uniform in 0…max by masking to the smallest covering power
    /// of two and rejecting values above `max`.
    package mutating func interval(_ max: UInt32) -> UInt32 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16
        while true {
            let v = nextUInt32() & mask
            if v <= max { return v }
        }
    }

    /// `np.random.permutation(n)`: Fisher–Yates over 0..<n from the top, j = interval(i).
    package mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        var i = n - 1
        while i >= 1 {
            let j = Int(interval(UInt32(i)))
            a.swapAt(i, j)
            i -= 1
        }
        return a
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            var v = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            state[i] = v
        }
        index = 0
    }
}
