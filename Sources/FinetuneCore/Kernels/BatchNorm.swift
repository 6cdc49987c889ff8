/// Gradients returned by ``batchNormBackward(input:mean:variance:gamma:epsilon:outputGradient:batchStatistics:computeInputGradient:computeParameterGradients:)``;
/// each is `nil` when it was not requested.
package struct BatchNormGradients: Sendable {
    package var input: Tensor?
    package var gamma: Tensor?
    package var beta: Tensor?
}

/// Per-channel mean and biased variance over every axis but the last (`tf.nn.moments`, which
/// Keras 3's `BatchNormalization` uses in training mode): μ = Σx / N, σ² = Σ(x − μ)² / N, with N
/// the number of scalars per channel. Two passes, sums in Double, rounded to float32 at the end.
/// `x` must hold at least one value per channel.
package func batchNormMoments(_ x: Tensor) -> (mean: Tensor, variance: Tensor) {
    KernelCounters.record(.batchNormMoments)
    let c = max(x.shape.dimensions.last ?? 1, 1), rows = x.scalarCount / c
    precondition(x.rank >= 1 && rows > 0, "batchNormMoments: no values per channel in \(x.shape)")
    let mean = x.withUnsafeBufferPointer { xp in
        channelSums(rows: rows, channels: c) { acc, range in
            for r in range { let row = xp.baseAddress! + r &* c; for k in 0..<c { acc[k] += Double(row[k]) } }
        }.map { $0 / Double(rows) }
    }
    let squares = x.withUnsafeBufferPointer { xp in mean.withUnsafeBufferPointer { mp in
        channelSums(rows: rows, channels: c) { acc, range in
            for r in range {
                let row = xp.baseAddress! + r &* c
                for k in 0..<c { let d = Double(row[k]) - mp[k]; acc[k] += d * d }
            }
        }
    } }
    return (Tensor(shape: [c], scalars: mean.map(Float.init)),
            Tensor(shape: [c], scalars: squares.map { Float($0 / Double(rows)) }))
}

/// y = (x − μ)·γ/√(σ² + ε) + β per channel (the last axis), for the given statistics — the
/// batch's in training mode, the moving ones in inference mode (`tf.nn.batch_normalization`).
/// Computed as y = (x − μ)·a + β with a = γ/√(σ² + ε) per channel (in Double, then rounded), rows
/// split over threads. (TensorFlow computes x·a + (β − μ·a), which loses the digits of x − μ when
/// |μ| ≫ σ; subtracting first keeps them, for one more operation per element.)
package func batchNormForward(input x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor,
                             epsilon: Float) -> Tensor {
    KernelCounters.record(.batchNormForward)
    let c = max(x.shape.dimensions.last ?? 1, 1)
    for (what, t) in [("mean", mean), ("variance", variance), ("gamma", gamma), ("beta", beta)] {
        precondition(t.shape == [c], "batchNormForward: \(what) \(t.shape) for \(c) channels")
    }
    let scale = batchNormScale(variance: variance, gamma: gamma, epsilon: epsilon)
    return Tensor(shape: x.shape) { y in
        guard y.count > 0 else { return }
        x.withUnsafeBufferPointer { xp in scale.withUnsafeBufferPointer { ap in
            mean.withUnsafeBufferPointer { mp in beta.withUnsafeBufferPointer { bp in
                let (xBase, yBase, a) = (xp.baseAddress!, y.baseAddress!, ap.baseAddress!)
                let (mu, b) = (mp.baseAddress!, bp.baseAddress!)
                rowChunks(xp.count / c) { range in
                    for r in range {
                        let from = xBase + r &* c, to = yBase + r &* c
                        var k = 0
                        while k < c { to[k] = (from[k] - mu[k]) * a[k] + b[k]; k &+= 1 }
                    }
                }
            } }
        } }
    }
}

/// Gradients of ``batchNormForward(input:mean:variance:gamma:beta:epsilon:)`` given dL/dy, with
/// x̂ = (x − μ)/√(σ² + ε) and N scalars per channel:
///
/// - dβ = Σ dy, dγ = Σ dy·x̂ (both modes).
/// - `batchStatistics` (training mode, μ and σ² the batch's own, so they depend on x):
///   dx = γ/√(σ² + ε) · (dy − dβ/N − x̂·dγ/N).
/// - otherwise (moving statistics, constants): dx = γ/√(σ² + ε) · dy.
///
/// The sums are per-thread Double sums added in thread order. Only what is asked for is computed:
/// a frozen layer in inference mode needs no sums at all.
package func batchNormBackward(input x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor, epsilon: Float,
                              outputGradient dy: Tensor, batchStatistics: Bool,
                              computeInputGradient: Bool = true,
                              computeParameterGradients: Bool = true) -> BatchNormGradients {
    KernelCounters.record(.batchNormBackward)
    precondition(dy.shape == x.shape, "batchNormBackward: dy \(dy.shape) ≠ x \(x.shape)")
    let c = max(x.shape.dimensions.last ?? 1, 1), rows = x.scalarCount / c
    var result = BatchNormGradients()
    let inv = (0..<c).map { 1 / (Double(variance.scalars[$0]) + Double(epsilon)).squareRoot() }
    let scale = (0..<c).map { Double(gamma.scalars[$0]) * inv[$0] }
    // Σ dy and Σ dy·(x − μ) per channel, when anything needs them.
    var sumDy = [Double](repeating: 0, count: c), sumDyCentred = [Double](repeating: 0, count: c)
    if computeParameterGradients || (computeInputGradient && batchStatistics), rows > 0 {
        let both = x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dp in mean.withUnsafeBufferPointer { mp in
            channelSums(rows: rows, channels: 2 * c) { acc, range in
                for r in range {
                    let xr = xp.baseAddress! + r &* c, dr = dp.baseAddress! + r &* c
                    for k in 0..<c {
                        let d = Double(dr[k])
                        acc[k] += d
                        acc[c &+ k] += d * (Double(xr[k]) - Double(mp[k]))
                    }
                }
            }
        } } }
        sumDy = Array(both[0..<c])
        sumDyCentred = Array(both[c...])
    }
    if computeParameterGradients {
        result.beta = Tensor(shape: [c], scalars: sumDy.map(Float.init))
        result.gamma = Tensor(shape: [c], scalars: (0..<c).map { Float(sumDyCentred[$0] * inv[$0]) })
    }
    if computeInputGradient {
        // dx = a·dy − b·(x − μ) − e per channel; b = e = 0 with moving statistics.
        let n = Double(max(rows, 1))
        let a = scale.map(Float.init)
        let b = (0..<c).map { batchStatistics ? Float(scale[$0] * inv[$0] * inv[$0] * sumDyCentred[$0] / n) : 0 }
        let e = (0..<c).map { batchStatistics ? Float(scale[$0] * sumDy[$0] / n) : 0 }
        result.input = Tensor(shape: x.shape) { dx in
            guard dx.count > 0 else { return }
            x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dp in mean.withUnsafeBufferPointer { mp in
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in e.withUnsafeBufferPointer { ep in
                    let (xBase, dBase, out) = (xp.baseAddress!, dp.baseAddress!, dx.baseAddress!)
                    let (mu, a, b, e) = (mp.baseAddress!, ap.baseAddress!, bp.baseAddress!, ep.baseAddress!)
                    rowChunks(rows) { range in
                        for r in range {
                            let xr = xBase + r &* c, dr = dBase + r &* c, o = out + r &* c
                            var k = 0
                            if batchStatistics {
                                while k < c { o[k] = a[k] * dr[k] - b[k] * (xr[k] - mu[k]) - e[k]; k &+= 1 }
                            } else {
                                while k < c { o[k] = a[k] * dr[k]; k &+= 1 }
                            }
                        }
                    }
                } } }
            } } }
        }
    }
    return result
}

/// Per-channel sums over `rows` rows: `body(acc, rows)` adds a range of rows into `acc` (`channels`
/// Doubles, zeroed); each thread sums its own contiguous range, the threads' sums are added in
/// thread order, so the result depends only on the sizes and the thread count.
private func channelSums(rows: Int, channels: Int,
                         _ body: (UnsafeMutablePointer<Double>, Range<Int>) -> Void) -> [Double] {
    let threads = max(1, min(Parallel.threadCount, rows / 64))
    var partial = [Double](repeating: 0, count: threads * channels)
    partial.withUnsafeMutableBufferPointer { pp in
        let base = pp.baseAddress!
        Parallel.forEach(threads, threads: threads) { t in
            body(base + t &* channels, (rows * t / threads)..<(rows * (t + 1) / threads))
        }
    }
    var total = [Double](repeating: 0, count: channels)
    for t in 0..<threads { for k in 0..<channels { total[k] += partial[t * channels + k] } }
    return total
}

/// Splits `rows` over threads when there are enough of them to pay.
@inline(__always)
private func rowChunks(_ rows: Int, _ body: (Range<Int>) -> Void) {
    if rows < 256 { body(0..<rows) } else { Parallel.chunks(rows, body) }
}
