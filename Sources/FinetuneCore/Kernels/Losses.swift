#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A loss value (mean over the batch) and its gradient with respect to the loss's input.
package struct LossResult: Sendable {
    package var value: Float
    package var gradient: Tensor

    package init(value: Float, gradient: Tensor) {
        self.value = value
        self.gradient = gradient
    }
}

/// Keras 3 (TF backend) binary cross-entropy from logits (`tf.nn.sigmoid_cross_entropy_with_logits`),
/// mean over all N elements: ℓ = max(x, 0) − x·z + log(1 + e^(−|x|)); dℓ/dx = (σ(x) − z) / N,
/// evaluated as (1 − z) − e^(−x)/(1 + e^(−x)) for x ≥ 0 and e^x/(1 + e^x) − z for x < 0, so a
/// saturated logit keeps its small gradient instead of rounding σ(x) to 1.
package func binaryCrossEntropyFromLogits(logits x: Tensor, labels z: Tensor) -> LossResult {
    precondition(x.scalarCount == z.scalarCount, "BCE: logits \(x.shape) vs labels \(z.shape)")
    let n = Float(max(x.scalarCount, 1))
    var total: Double = 0
    let grad = Tensor(shape: x.shape) { g in
        x.withUnsafeBufferPointer { xp in z.withUnsafeBufferPointer { zp in
            for i in 0..<xp.count {
                let v = xp[i], t = zp[i]
                let e = expf(-abs(v))
                total += Double(max(v, 0) - v * t + log1pf(e))
                g[i] = (v >= 0 ? (1 - t) - e / (1 + e) : e / (1 + e) - t) / n
            }
        } }
    }
    return LossResult(value: Float(total / Double(n)), gradient: grad)
}

/// Binary cross-entropy on probabilities as Keras 3's TensorFlow backend computes it when the
/// prediction is a plain tensor (and as Keras 2 and the JAX backend always do): q = clip(p, ε, 1 − ε)
/// with ε = 1e-7, ℓ = −(z·log q + (1 − z)·log(1 − q)), mean over all N elements.
/// dℓ/dp = (−z/q + (1 − z)/(1 − q)) / N for ε ≤ p ≤ 1 − ε; 0 strictly outside, where the clip
/// holds q constant (`tf.clip_by_value` passes the gradient at the bounds themselves).
package func binaryCrossEntropyFromProbabilities(_ p: Tensor, labels z: Tensor, epsilon: Float = 1e-7) -> LossResult {
    precondition(p.scalarCount == z.scalarCount, "BCE: probabilities \(p.shape) vs labels \(z.shape)")
    let n = Float(max(p.scalarCount, 1))
    let lo = epsilon, hi = 1 - epsilon
    var total: Double = 0
    let grad = Tensor(shape: p.shape) { g in
        p.withUnsafeBufferPointer { pp in z.withUnsafeBufferPointer { zp in
            for i in 0..<pp.count {
                let raw = pp[i], t = zp[i]
                let q = min(max(raw, lo), hi)
                total -= Double(t) * Double(logf(q)) + Double(1 - t) * Double(logf(1 - q))
                g[i] = (raw >= lo && raw <= hi) ? (-(t / q) + (1 - t) / (1 - q)) / n : 0
            }
        } }
    }
    return LossResult(value: Float(total / Double(n)), gradient: grad)
}

/// Keras 3 categorical cross-entropy on probabilities, rows (n, k): each row is normalised by its
/// sum s, clipped, q = clip(p/s, ε, 1 − ε), ℓ = −Σ_c z_c·log q_c, mean over rows.
/// With m_c = 1 where ε ≤ p_c/s ≤ 1 − ε (else the clip holds q_c constant):
/// dℓ/dp_j = (−z_j·m_j/q_j + Σ_c z_c·m_c) / (s · rows).
package func categoricalCrossEntropy(_ p: Tensor, labels z: Tensor, epsilon: Float = 1e-7) -> LossResult {
    precondition(p.shape == z.shape && p.rank == 2, "CCE: probabilities \(p.shape) vs labels \(z.shape)")
    let rows = p.shape[0], k = p.shape[1]
    let lo = epsilon, hi = 1 - epsilon
    var total: Double = 0
    let grad = Tensor(shape: p.shape) { g in
        p.withUnsafeBufferPointer { pp in z.withUnsafeBufferPointer { zp in
            for r in 0..<rows {
                let o = r * k
                var s: Float = 0
                for c in 0..<k { s += pp[o + c] }
                var zm: Float = 0
                for c in 0..<k {
                    let q = pp[o + c] / s
                    if q >= lo && q <= hi { zm += zp[o + c] }
                }
                for c in 0..<k {
                    let raw = pp[o + c] / s
                    let inside = raw >= lo && raw <= hi
                    let q = min(max(raw, lo), hi)
                    total -= Double(zp[o + c]) * Double(logf(q))
                    g[o + c] = ((inside ? -zp[o + c] / q : 0) + zm) / (s * Float(rows))
                }
            }
        } }
    }
    return LossResult(value: Float(total / Double(max(rows, 1))), gradient: grad)
}

/// Fraction of predictions on the right side of 0.5: mean(1[p > 0.5] == z). Keras' `acc` for one sigmoid output.
package func binaryAccuracy(probabilities p: Tensor, labels z: Tensor, threshold: Float = 0.5) -> Float {
    precondition(p.scalarCount == z.scalarCount, "binary accuracy: \(p.shape) vs \(z.shape)")
    var hits = 0
    for (a, t) in zip(p.scalars, z.scalars) where (a > threshold ? 1 : 0) == t { hits += 1 }
    return Float(hits) / Float(max(p.scalarCount, 1))
}

/// Fraction of rows whose arg-max equals the label's arg-max.
package func categoricalAccuracy(probabilities p: Tensor, labels z: Tensor) -> Float {
    precondition(p.shape == z.shape && p.rank == 2, "categorical accuracy: \(p.shape) vs \(z.shape)")
    let rows = p.shape[0], k = p.shape[1]
    func argmax(_ t: Tensor, _ r: Int) -> Int {
        var best = 0
        for c in 1..<max(k, 1) where t.scalars[r * k + c] > t.scalars[r * k + best] { best = c }
        return best
    }
    var hits = 0
    for r in 0..<rows where argmax(p, r) == argmax(z, r) { hits += 1 }
    return Float(hits) / Float(max(rows, 1))
}
