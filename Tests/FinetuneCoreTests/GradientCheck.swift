import FinetuneTestSupport
import FinetuneCore
import Testing

/// Central differences (L(θ + h·eᵢ) − L(θ − h·eᵢ)) / 2h at every entry of θ, in Double.
func centralDifferences(at theta: ReferenceTensor, h: Double = 1e-5,
                        _ loss: (ReferenceTensor) -> Double) -> ReferenceTensor {
    var g = ReferenceTensor.zeros(theta.shape)
    var probe = theta
    for i in 0..<theta.scalarCount {
        let v = theta.scalars[i]
        probe.scalars[i] = v + h
        let up = loss(probe)
        probe.scalars[i] = v - h
        let down = loss(probe)
        probe.scalars[i] = v
        g.scalars[i] = (up - down) / (2 * h)
    }
    return g
}

/// Expects ‖a − e‖/‖e‖ ≤ tolerance in Double; on failure names the largest difference and where.
func expectClose(_ actual: ReferenceTensor, _ expected: ReferenceTensor, tolerance: Double, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) ≠ \(expected.shape)",
            sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    var num = 0.0, den = 0.0, worst = 0.0, at = 0
    for i in 0..<actual.scalarCount {
        let d = actual.scalars[i] - expected.scalars[i]
        num += d * d
        den += expected.scalars[i] * expected.scalars[i]
        if abs(d) > worst || d.isNaN { worst = abs(d); at = i }
    }
    let rel = den > 0 ? (num / den).squareRoot() : num.squareRoot()
    let pairs = (max(0, at - 1)..<min(actual.scalarCount, at + 2))
        .map { "(\(actual.scalars[$0]), \(expected.scalars[$0]))" }.joined(separator: ", ")
    #expect(rel <= tolerance,
            "\(what): relative error \(rel), max |Δ| \(worst) at flat index \(at); (actual, expected): \(pairs) (tolerance \(tolerance))",
            sourceLocation: sourceLocation)
}

/// A Double tensor of hash-uniform values (deterministic per seed).
func referenceUniform(_ shape: Shape, seed: UInt64, low: Double = -1, high: Double = 1) -> ReferenceTensor {
    ReferenceTensor(hashUniform(seed: seed, shape: shape, low: low, high: high))
}
