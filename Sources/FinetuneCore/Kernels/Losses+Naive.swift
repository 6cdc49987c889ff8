#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension NaiveKernels {
    /// Keras 3 binary cross-entropy from logits, mean over all N elements:
    /// ℓ = max(x, 0) − x·z + log(1 + e^(−|x|)); dℓ/dx = (σ(x) − z) / N.
    package static func binaryCrossEntropyFromLogits(logits x: ReferenceTensor, labels z: ReferenceTensor)
        -> (value: Double, gradient: ReferenceTensor) {
        precondition(x.scalarCount == z.scalarCount, "BCE: logits \(x.shape) vs labels \(z.shape)")
        let n = Double(max(x.scalarCount, 1))
        var total = 0.0
        var g = ReferenceTensor.zeros(x.shape)
        for i in 0..<x.scalarCount {
            let v = x.scalars[i], t = z.scalars[i]
            total += max(v, 0) - v * t + log1p(exp(-abs(v)))
            g.scalars[i] = (1 / (1 + exp(-v)) - t) / n
        }
        return (total / n, g)
    }

    /// Keras 3 (TF backend) binary cross-entropy on probabilities: q = clip(p, ε, 1 − ε) with the
    /// bounds taken in float32, ℓ = −(z·log q + (1 − z)·log(1 − q)), mean over all N elements.
    /// The gradient is (−z/q + (1 − z)/(1 − q)) / N where ε ≤ p ≤ 1 − ε and 0 strictly outside
    /// (`tf.clip_by_value` passes the gradient at the bounds).
    package static func binaryCrossEntropyFromProbabilities(_ p: ReferenceTensor, labels z: ReferenceTensor,
                                                           epsilon: Float = 1e-7)
        -> (value: Double, gradient: ReferenceTensor) {
        precondition(p.scalarCount == z.scalarCount, "BCE: probabilities \(p.shape) vs labels \(z.shape)")
        let lo = Double(epsilon), hi = Double(1 - epsilon)
        let n = Double(max(p.scalarCount, 1))
        var total = 0.0
        var g = ReferenceTensor.zeros(p.shape)
        for i in 0..<p.scalarCount {
            let raw = p.scalars[i], t = z.scalars[i]
            let q = min(max(raw, lo), hi)
            total -= t * log(q) + (1 - t) * log(1 - q)
            g.scalars[i] = (raw >= lo && raw <= hi) ? (-t / q + (1 - t) / (1 - q)) / n : 0
        }
        return (total / n, g)
    }

    /// Keras 3 categorical cross-entropy on probabilities, rows (n, k): q = clip(p / Σp, ε, 1 − ε),
    /// ℓ = −Σ_c z_c·log q_c, mean over rows. With m_c = 1 where p_c/Σp lies in [ε, 1 − ε]:
    /// dℓ/dp_j = (−z_j·m_j / q_j + Σ_c z_c·m_c) / (Σp · rows).
    package static func categoricalCrossEntropy(_ p: ReferenceTensor, labels z: ReferenceTensor,
                                               epsilon: Float = 1e-7)
        -> (value: Double, gradient: ReferenceTensor) {
        precondition(p.shape == z.shape && p.rank == 2, "CCE: probabilities \(p.shape) vs labels \(z.shape)")
        let rows = p.shape[0], k = p.shape[1]
        let lo = Double(epsilon), hi = Double(1 - epsilon)
        var total = 0.0
        var g = ReferenceTensor.zeros(p.shape)
        for r in 0..<rows {
            var s = 0.0
            for c in 0..<k { s += p[r, c] }
            var zm = 0.0
            for c in 0..<k where p[r, c] / s >= lo && p[r, c] / s <= hi { zm += z[r, c] }
            for c in 0..<k {
                let raw = p[r, c] / s
                let q = min(max(raw, lo), hi)
                total -= z[r, c] * log(q)
                let m: Double = raw >= lo && raw <= hi ? 1 : 0
                g[r, c] = (-z[r, c] * m / q + zm) / (s * Double(rows))
            }
        }
        return (total / Double(max(rows, 1)), g)
    }

    /// mean(1[p > threshold] == z).
    package static func binaryAccuracy(probabilities p: ReferenceTensor, labels z: ReferenceTensor,
                                      threshold: Double = 0.5) -> Double {
        precondition(p.scalarCount == z.scalarCount, "binary accuracy: \(p.shape) vs \(z.shape)")
        var hits = 0
        for i in 0..<p.scalarCount where (p.scalars[i] > threshold ? 1.0 : 0.0) == z.scalars[i] { hits += 1 }
        return Double(hits) / Double(max(p.scalarCount, 1))
    }

    /// Fraction of rows whose first arg-max of p equals the first arg-max of z.
    package static func categoricalAccuracy(probabilities p: ReferenceTensor, labels z: ReferenceTensor) -> Double {
        precondition(p.shape == z.shape && p.rank == 2, "categorical accuracy: \(p.shape) vs \(z.shape)")
        let rows = p.shape[0], k = p.shape[1]
        func argmax(_ t: ReferenceTensor, _ r: Int) -> Int {
            var best = 0
            for c in 0..<k where t[r, c] > t[r, best] { best = c }
            return best
        }
        var hits = 0
        for r in 0..<rows where argmax(p, r) == argmax(z, r) { hits += 1 }
        return Double(hits) / Double(max(rows, 1))
    }

    package static func binaryCrossEntropyFromLogits(logits x: Tensor, labels z: Tensor) -> LossResult {
        let r = binaryCrossEntropyFromLogits(logits: ReferenceTensor(x), labels: ReferenceTensor(z))
        return LossResult(value: Float(r.value), gradient: r.gradient.tensor)
    }
    package static func binaryCrossEntropyFromProbabilities(_ p: Tensor, labels z: Tensor,
                                                           epsilon: Float = 1e-7) -> LossResult {
        let r = binaryCrossEntropyFromProbabilities(ReferenceTensor(p), labels: ReferenceTensor(z), epsilon: epsilon)
        return LossResult(value: Float(r.value), gradient: r.gradient.tensor)
    }
    package static func categoricalCrossEntropy(_ p: Tensor, labels z: Tensor, epsilon: Float = 1e-7) -> LossResult {
        let r = categoricalCrossEntropy(ReferenceTensor(p), labels: ReferenceTensor(z), epsilon: epsilon)
        return LossResult(value: Float(r.value), gradient: r.gradient.tensor)
    }
    package static func binaryAccuracy(probabilities p: Tensor, labels z: Tensor, threshold: Float = 0.5) -> Float {
        Float(binaryAccuracy(probabilities: ReferenceTensor(p), labels: ReferenceTensor(z), threshold: Double(threshold)))
    }
    package static func categoricalAccuracy(probabilities p: Tensor, labels z: Tensor) -> Float {
        Float(categoricalAccuracy(probabilities: ReferenceTensor(p), labels: ReferenceTensor(z)))
    }
}
