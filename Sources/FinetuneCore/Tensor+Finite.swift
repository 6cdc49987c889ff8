/// Where a tensor holds NaN or ±∞: how many, and the first one's flat index and value.
public struct NonFiniteValues: Sendable, Equatable, CustomStringConvertible {
    /// Non-finite scalars in the tensor.
    package var count: Int
    /// Scalars in the tensor.
    package var total: Int
    /// Row-major index of the first non-finite scalar.
    package var firstIndex: Int
    /// That scalar (NaN, +∞ or −∞).
    package var firstValue: Float

    package init(count: Int, total: Int, firstIndex: Int, firstValue: Float) {
        self.count = count
        self.total = total
        self.firstIndex = firstIndex
        self.firstValue = firstValue
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.count == b.count && a.total == b.total && a.firstIndex == b.firstIndex
            && a.firstValue.bitPattern == b.firstValue.bitPattern
    }

    public var description: String {
        "\(count) non-finite value\(count == 1 ? "" : "s") of \(total) (the first, at index \(firstIndex), is \(firstValue))"
    }
}

extension Tensor {
    /// `nil` when every scalar is finite, else where the NaN and infinite ones are. Readers of
    /// weight and checkpoint files call it on every tensor: a NaN inside a network can vanish
    /// in a later layer (a max-pool drops it, as TensorFlow's does) and train on without a trace.
    public func nonFiniteValues() -> NonFiniteValues? {
        withUnsafeBufferPointer { p in
            // The common case, all finite, is one pass that the compiler vectorises.
            var all = true
            for x in p where !x.isFinite { all = false; break }
            if all { return nil }
            var count = 0, first = -1
            for (i, x) in p.enumerated() where !x.isFinite {
                if first < 0 { first = i }
                count += 1
            }
            return NonFiniteValues(count: count, total: p.count, firstIndex: first, firstValue: p[first])
        }
    }
}
