#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A loss value (mean over the batch) and its gradient with respect to the loss's input.
public struct LossResult: Sendable {
    public var value: Float
    public var gradient: Tensor
}

/// Keras 3 (TF backend) binary cross-entropy from logits, mean over all elements:
/// ℓ = max(x, 0) − x·z + log(1 + e^(−|x|)); dℓ/dx = (σ(x) − z) / N.
public func binaryCrossEntropyFromLogits(logits x: Tensor, labels z: Tensor) -> LossResult {
    precondition(x.scalarCount == z.scalarCount, "BCE: logits \(x.shape) vs labels \(z.shape)")
    let n = Float(max(x.scalarCount, 1))
    var total: Double = 0
    let grad = Tensor(shape: x.shape) { g in
        x.withUnsafeBufferPointer { xp in z.withUnsafeBufferPointer { zp in
            for i in 0..<xp.count {
                let v = xp[i], t = zp[i]
                total += Double(max(v, 0) - v * t + log1pf(expf(-abs(v))))
                g[i] = (sigmoid(v) - t) / n
            }
        } }
    }
    return LossResult(value: Float(total / Double(n)), gradient: grad)
}

/// Keras 2 / JAX-backend binary cross-entropy on probabilities clipped to [ε, 1 − ε] (ε = 1e-7),
/// mean over all elements: ℓ = −(z·log p + (1 − z)·log(1 − p)). The gradient is zero where p was clipped.
public func binaryCrossEntropyFromProbabilities(_ p: Tensor, labels z: Tensor, epsilon: Float = 1e-7) -> LossResult {
    precondition(p.scalarCount == z.scalarCount, "BCE: probabilities \(p.shape) vs labels \(z.shape)")
    let n = Float(max(p.scalarCount, 1))
    var total: Double = 0
    let grad = Tensor(shape: p.shape) { g in
        p.withUnsafeBufferPointer { pp in z.withUnsafeBufferPointer { zp in
            for i in 0..<pp.count {
                let raw = pp[i], t = zp[i]
                let q = min(max(raw, epsilon), 1 - epsilon)
                total += -Double(t * logf(q) + (1 - t) * logf(1 - q))
                g[i] = (raw < epsilon || raw > 1 - epsilon) ? 0 : (-(t / q) + (1 - t) / (1 - q)) / n
            }
        } }
    }
    return LossResult(value: Float(total / Double(n)), gradient: grad)
}

/// Categorical cross-entropy on probabilities (rows sum to 1; Keras normalises and clips to
/// [ε, 1 − ε]), mean over rows: ℓ = −Σ_c z_c log p_c.
public func categoricalCrossEntropy(_ p: Tensor, labels z: Tensor, epsilon: Float = 1e-7) -> LossResult {
    precondition(p.shape == z.shape && p.rank == 2, "CCE: probabilities \(p.shape) vs labels \(z.shape)")
    let rows = p.shape[0], k = p.shape[1]
    var total: Double = 0
    let grad = Tensor(shape: p.shape) { g in
        p.withUnsafeBufferPointer { pp in z.withUnsafeBufferPointer { zp in
            for r in 0..<rows {
                var s: Float = 0
                for c in 0..<k { s += pp[r * k + c] }
                // ℓ = −Σ z_c log(clip(p_c / s)); ∂ℓ/∂p_j = −z_j/(q_j s)·[unclipped] + Σ_c z_c/(s)·[c unclipped]…
                // Written for the unclipped case (the only one reachable by softmax outputs away from 0/1).
                var zsum: Float = 0
                for c in 0..<k { zsum += zp[r * k + c] }
                for c in 0..<k {
                    let q = min(max(pp[r * k + c] / s, epsilon), 1 - epsilon)
                    total -= Double(zp[r * k + c] * logf(q))
                    g[r * k + c] = (-zp[r * k + c] / (q * s) + zsum / s) / Float(rows)
                }
            }
        } }
    }
    return LossResult(value: Float(total / Double(max(rows, 1))), gradient: grad)
}

/// Fraction of predictions on the right side of 0.5: mean(1[p > 0.5] == z). Keras' `acc` for one sigmoid output.
public func binaryAccuracy(probabilities p: Tensor, labels z: Tensor, threshold: Float = 0.5) -> Float {
    precondition(p.scalarCount == z.scalarCount, "binary accuracy: \(p.shape) vs \(z.shape)")
    var hits = 0
    for (a, t) in zip(p.scalars, z.scalars) where (a > threshold ? 1 : 0) == t { hits += 1 }
    return Float(hits) / Float(max(p.scalarCount, 1))
}

/// Fraction of rows whose arg-max equals the label's arg-max.
public func categoricalAccuracy(probabilities p: Tensor, labels z: Tensor) -> Float {
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
