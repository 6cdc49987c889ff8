import FinetuneCore

/// `hash_uniform` of Goldens/gen_kernels.py: low + (high − low)·u with u the top 24 bits of a
/// SplitMix64 hash of seed·φ + (i + 1)·c, as float32 — the same bits in Python and Swift.
public func hashUniform(seed: UInt64, shape: Shape, low: Double, high: Double) -> Tensor {
    let base = seed &* 0x9E37_79B9_7F4A_7C15
    return Tensor(shape: shape) { out in
        for i in 0..<out.count {
            var z = base &+ UInt64(i + 1) &* 0xD1B5_4A32_D192_ED03
            z ^= z >> 30
            z = z &* 0xBF58_476D_1CE4_E5B9
            z ^= z >> 27
            z = z &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            out[i] = Float(low + (high - low) * (Double(z >> 40) / 16_777_216.0))
        }
    }
}

extension GoldenCase {
    /// `params.weights`: each key's `hash_uniform` seed and bounds.
    public func hashWeights() throws -> [String: (seed: UInt64, low: Double, high: Double)] {
        guard case let .object(spec)? = params["weights"] else { throw GoldenError.missing("case '\(name)' has no params.weights") }
        return try spec.mapValues { v in
            guard let a = v.array, a.count == 3, let seed = a[0].int, let low = a[1].double, let high = a[2].double else {
                throw GoldenError.missing("case '\(name)': a weight spec is not [seed, low, high]")
            }
            return (UInt64(seed), low, high)
        }
    }

    /// A parameter that is a list of strings.
    public func strings(_ key: String) throws -> [String] {
        guard let list = try param(key).array else { throw GoldenError.missing("case '\(name)': params.\(key) is not a list") }
        return list.compactMap(\.string)
    }
}
