import CVectorKernels

/// What a convolution applies to each block of its output while the block is still in cache,
/// instead of separate passes over the whole tensor: an inference-mode batch normalization
/// (``batchNormForward(input:mean:variance:gamma:beta:epsilon:)`` with constant statistics), then
/// a residual tensor added (a residual block's `Add`, ``addForward(_:)``), then a ReLU or a capped
/// ReLU (ReLU6).
///
/// Each value goes through exactly the operations of the separate kernels, in the same order —
/// z ↦ (z − μ)·a + β with a = γ/√(σ² + ε) rounded from Double as `batchNormForward` rounds it, then
/// + r (one rounded sum, which is the same whichever of the two `Add` inputs comes first), then
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
    /// Added after the normalization, before the clamp: one value per output value, laid out as the
    /// convolution's output; nil for none.
    let residual: Tensor?

    /// No normalization, then `clamp`.
    package init(clamp: Clamp) {
        normalization = nil
        self.clamp = clamp
        residual = nil
    }

    /// Batch normalization with the given (moving) statistics, then `clamp`.
    package init(mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float, clamp: Clamp) {
        let c = gamma.scalarCount
        for (what, t) in [("mean", mean), ("variance", variance), ("beta", beta)] {
            precondition(t.shape == [c], "ChannelEpilogue: \(what) \(t.shape) for \(c) channels")
        }
        normalization = (mean.scalars, batchNormScale(variance: variance, gamma: gamma, epsilon: epsilon), beta.scalars)
        self.clamp = clamp
        residual = nil
    }

    private init(normalization: (mean: [Float], scale: [Float], beta: [Float])?, clamp: Clamp, residual: Tensor?) {
        self.normalization = normalization
        self.clamp = clamp
        self.residual = residual
    }

    /// This epilogue with `residual` added after the normalization and before `clamp` (which
    /// replaces this one's): `residual` has the convolution's output shape.
    package func adding(residual: Tensor, clamp: Clamp) -> ChannelEpilogue {
        precondition(self.clamp == .none, "ChannelEpilogue: a residual after a clamp")
        return ChannelEpilogue(normalization: normalization, clamp: clamp, residual: residual)
    }

    /// Whether it does anything at all.
    package var isIdentity: Bool { normalization == nil && clamp == .none && residual == nil }

    /// Checks that it fits a convolution's output of `shape` (channels and, with a residual, shape).
    func check(outputShape shape: Shape) {
        if let channels { precondition(channels == shape.last, "epilogue for \(channels) channels on \(shape)") }
        if let residual { precondition(residual.shape == shape, "epilogue residual \(residual.shape) for an output \(shape)") }
    }

    /// Channels it expects (nil: any, for a clamp alone).
    var channels: Int? { normalization?.mean.count }

    /// Applies it in place to `rows` consecutive rows of `channels` values that start `offset`
    /// values into the convolution's output (where the residual's values for them are)
    /// (``ft_channel_epilogue``, vectorised, the same operations as the Swift kernels).
    func apply(_ p: UnsafeMutablePointer<Float>, rows: Int, channels c: Int, at offset: Int) {
        let (code, cap): (Int32, Float)
        switch clamp {
        case .none: (code, cap) = (0, 0)
        case .relu: (code, cap) = (1, 0)
        case let .cappedReLU(value): (code, cap) = (2, value)
        }
        if let normalization {
            precondition(normalization.mean.count == c, "ChannelEpilogue for \(normalization.mean.count) channels on \(c)")
        }
        guard !isIdentity else { return }
        withResidual(offset: offset, count: rows &* c) { res in
            guard let normalization else {
                ft_channel_epilogue(p, rows, c, nil, nil, nil, res, code, cap)
                return
            }
            normalization.mean.withUnsafeBufferPointer { mp in normalization.scale.withUnsafeBufferPointer { ap in
                normalization.beta.withUnsafeBufferPointer { bp in
                    ft_channel_epilogue(p, rows, c, mp.baseAddress, ap.baseAddress, bp.baseAddress, res, code, cap)
                }
            } }
        }
    }

    /// `body` with the residual's values from `offset` on (nil without a residual).
    private func withResidual(offset: Int, count: Int, _ body: (UnsafePointer<Float>?) -> Void) {
        guard let residual else { body(nil); return }
        residual.withUnsafeBufferPointer { rp in
            precondition(offset >= 0 && offset &+ count <= rp.count, "epilogue residual read out of range")
            body(rp.baseAddress! + offset)
        }
    }

    /// Applies it to a whole NHWC (or (N, C)) tensor's storage, split over threads.
    func apply(wholeTensor y: UnsafeMutableBufferPointer<Float>, channels c: Int) {
        guard c > 0, y.count > 0 else { return }
        let rows = y.count / c
        if rows < 256 { apply(y.baseAddress!, rows: rows, channels: c, at: 0); return }
        Parallel.chunks(rows) { range in
            apply(y.baseAddress! + range.lowerBound &* c, rows: range.count, channels: c, at: range.lowerBound &* c)
        }
    }
}

/// a = γ/√(σ² + ε) per channel, computed in Double and rounded to Float — the scale
/// ``batchNormForward(input:mean:variance:gamma:beta:epsilon:)`` uses.
func batchNormScale(variance: Tensor, gamma: Tensor, epsilon: Float) -> [Float] {
    (0..<gamma.scalarCount).map {
        Float(Double(gamma.scalars[$0]) / (Double(variance.scalars[$0]) + Double(epsilon)).squareRoot())
    }
}
