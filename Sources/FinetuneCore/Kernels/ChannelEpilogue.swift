import CVectorKernels

/// What a convolution applies to each block of its output while the block is still in cache,
/// instead of separate passes over the whole tensor: an inference-mode batch normalization
/// (``batchNormForward(input:mean:variance:gamma:beta:epsilon:)`` with constant statistics) and then
/// a ReLU or a capped ReLU (ReLU6).
///
/// Each value goes through exactly the operations of the separate kernels, in the same order —
/// z ↦ (z − μ)·a + β with a = γ/√(σ² + ε) rounded from Double as `batchNormForward` rounds it, then
/// max(·, 0) (``reluForward(_:)``) or min(max(·, 0), cap) (``clippedReLUForward(_:maxValue:)``) — so
/// the fused result is bit for bit the unfused one, NaN included.
package struct ChannelEpilogue: Sendable {
    /// The clamp after the normalization.
    package enum Clamp: Sendable, Equatable {
        case none
        /// max(·, 0).
        case relu
        /// min(max(·, 0), cap).
        case cappedReLU(Float)
    }

    /// μ, a and β of the normalization, per channel; nil for none.
    let normalization: (mean: [Float], scale: [Float], beta: [Float])?
    let clamp: Clamp

    /// No normalization, then `clamp`.
    package init(clamp: Clamp) {
        normalization = nil
        self.clamp = clamp
    }

    /// Batch normalization with the given (moving) statistics, then `clamp`.
    package init(mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float, clamp: Clamp) {
        let c = gamma.scalarCount
        for (what, t) in [("mean", mean), ("variance", variance), ("beta", beta)] {
            precondition(t.shape == [c], "ChannelEpilogue: \(what) \(t.shape) for \(c) channels")
        }
        normalization = (mean.scalars, batchNormScale(variance: variance, gamma: gamma, epsilon: epsilon), beta.scalars)
        self.clamp = clamp
    }

    /// Whether it does anything at all.
    package var isIdentity: Bool { normalization == nil && clamp == .none }

    /// Channels it expects (nil: any, for a clamp alone).
    var channels: Int? { normalization?.mean.count }

    /// Applies it in place to `rows` consecutive rows of `channels` values (``ft_channel_epilogue``,
    /// vectorised, the same operations as the Swift kernels).
    func apply(_ p: UnsafeMutablePointer<Float>, rows: Int, channels c: Int) {
        let (code, cap): (Int32, Float)
        switch clamp {
        case .none: (code, cap) = (0, 0)
        case .relu: (code, cap) = (1, 0)
        case let .cappedReLU(value): (code, cap) = (2, value)
        }
        guard let normalization else {
            if code != 0 { ft_channel_epilogue(p, rows, c, nil, nil, nil, code, cap) }
            return
        }
        precondition(normalization.mean.count == c, "ChannelEpilogue for \(normalization.mean.count) channels on \(c)")
        normalization.mean.withUnsafeBufferPointer { mp in normalization.scale.withUnsafeBufferPointer { ap in
            normalization.beta.withUnsafeBufferPointer { bp in
                ft_channel_epilogue(p, rows, c, mp.baseAddress, ap.baseAddress, bp.baseAddress, code, cap)
            }
        } }
    }

    /// Applies it to a whole NHWC (or (N, C)) tensor's storage, split over threads.
    func apply(wholeTensor y: UnsafeMutableBufferPointer<Float>, channels c: Int) {
        guard c > 0, y.count > 0 else { return }
        let rows = y.count / c
        if rows < 256 { apply(y.baseAddress!, rows: rows, channels: c); return }
        Parallel.chunks(rows) { range in apply(y.baseAddress! + range.lowerBound &* c, rows: range.count, channels: c) }
    }
}

/// a = γ/√(σ² + ε) per channel, computed in Double and rounded to Float — the scale
/// ``batchNormForward(input:mean:variance:gamma:beta:epsilon:)`` uses.
func batchNormScale(variance: Tensor, gamma: Tensor, epsilon: Float) -> [Float] {
    (0..<gamma.scalarCount).map {
        Float(Double(gamma.scalars[$0]) / (Double(variance.scalars[$0]) + Double(epsilon)).squareRoot())
    }
}
