/// Inverted dropout: each unit is kept with probability 1 − rate and scaled by 1/(1 − rate).
/// Returns the output and the mask (already scaled) that the backward pass multiplies by.
package func dropoutForward(_ x: Tensor, rate: Float, using rng: inout some RandomNumberGenerator) -> (output: Tensor, mask: Tensor) {
    precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1), got \(rate)")
    let scale = 1 / (1 - rate)
    let mask = Tensor(shape: x.shape, scalars: (0..<x.scalarCount).map { _ in
        Float.random(in: 0..<1, using: &rng) >= rate ? scale : 0
    })
    return (elementwiseProduct(x, mask), mask)
}

/// dx = dy ⊙ mask.
package func dropoutBackward(mask: Tensor, outputGradient dy: Tensor) -> Tensor { elementwiseProduct(dy, mask) }

func elementwiseProduct(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.shape == b.shape, "elementwise product: \(a.shape) vs \(b.shape)")
    return Tensor(shape: a.shape) { y in
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in for i in 0..<ap.count { y[i] = ap[i] * bp[i] } } }
    }
}
