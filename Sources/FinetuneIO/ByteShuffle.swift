import FinetuneCore

/// Byte-plane shuffling of float32 data, as in Blosc and HDF5's shuffle filter.
///
/// `n` floats (little-endian bytes b₀ b₁ b₂ b₃ each) are stored as four planes of `n` bytes:
/// all b₀, then all b₁, all b₂, all b₃. Neighbouring weights share sign and exponent bits, so the
/// b₃ plane (sign + high exponent) and b₂ plane compress well while the low mantissa planes stay
/// noise; zstd then shrinks trained float weights ≈ 10 % more than from the interleaved bytes.
/// Tensors of more than ``parallelThreshold`` floats are split over ``Parallel`` threads.
enum ByteShuffle {
    static let parallelThreshold = 1 << 18

    /// Writes `source`'s bytes as four planes into `destination` (`4·source.count` bytes).
    static func shuffle(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableRawPointer) {
        let n = source.count
        let p0 = destination.assumingMemoryBound(to: UInt8.self)
        let p1 = p0 + n, p2 = p0 + 2 * n, p3 = p0 + 3 * n
        split(n) { range in
            for i in range {
                let v = source[i].bitPattern.littleEndian
                p0[i] = UInt8(truncatingIfNeeded: v)
                p1[i] = UInt8(truncatingIfNeeded: v >> 8)
                p2[i] = UInt8(truncatingIfNeeded: v >> 16)
                p3[i] = UInt8(truncatingIfNeeded: v >> 24)
            }
        }
    }

    /// Reverses ``shuffle(_:into:)``: reads four planes of `destination.count` bytes at `source`.
    static func unshuffle(_ source: UnsafeRawPointer, into destination: UnsafeMutableBufferPointer<Float>) {
        let n = destination.count
        let p0 = source.assumingMemoryBound(to: UInt8.self)
        let p1 = p0 + n, p2 = p0 + 2 * n, p3 = p0 + 3 * n
        split(n) { range in
            for i in range {
                let v = UInt32(p0[i]) | UInt32(p1[i]) << 8 | UInt32(p2[i]) << 16 | UInt32(p3[i]) << 24
                destination[i] = Float(bitPattern: UInt32(littleEndian: v))
            }
        }
    }

    private static func split(_ n: Int, _ body: (Range<Int>) -> Void) {
        if n < parallelThreshold { body(0..<n) } else { Parallel.chunks(n, body) }
    }
}
