extension NaiveKernels {
    /// μ[c] = Σ x[…, c] / N and σ²[c] = Σ (x[…, c] − μ[c])² / N (biased), N values per channel.
    package static func batchNormMoments(_ x: ReferenceTensor) -> (mean: ReferenceTensor, variance: ReferenceTensor) {
        let c = x.shape.dimensions.last ?? 1, n = x.scalarCount / c
        var mean = ReferenceTensor.zeros([c]), variance = ReferenceTensor.zeros([c])
        for i in 0..<x.scalarCount { mean.scalars[i % c] += x.scalars[i] / Double(n) }
        for i in 0..<x.scalarCount { variance.scalars[i % c] += (x.scalars[i] - mean.scalars[i % c]) * (x.scalars[i] - mean.scalars[i % c]) / Double(n) }
        return (mean, variance)
    }

    /// y = (x − μ)·γ/√(σ² + ε) + β per channel.
    package static func batchNormForward(input x: ReferenceTensor, mean: ReferenceTensor, variance: ReferenceTensor,
                                        gamma: ReferenceTensor, beta: ReferenceTensor, epsilon: Double) -> ReferenceTensor {
        let c = x.shape.dimensions.last ?? 1
        var y = x
        for i in 0..<x.scalarCount {
            let k = i % c
            y.scalars[i] = (x.scalars[i] - mean.scalars[k]) / (variance.scalars[k] + epsilon).squareRoot()
                * gamma.scalars[k] + beta.scalars[k]
        }
        return y
    }

    /// Gradients of L = Σ y·dy. With `batchStatistics`, μ and σ² are recomputed from x (training
    /// mode), so dx carries their derivative: dx = γ/√(σ² + ε)·(dy − Σdy/N − x̂·Σ(dy·x̂)/N);
    /// otherwise they are constants and dx = γ/√(σ² + ε)·dy. dγ = Σ dy·x̂, dβ = Σ dy.
    package static func batchNormBackward(input x: ReferenceTensor, mean: ReferenceTensor, variance: ReferenceTensor,
                                         gamma: ReferenceTensor, epsilon: Double, outputGradient dy: ReferenceTensor,
                                         batchStatistics: Bool)
        -> (input: ReferenceTensor, gamma: ReferenceTensor, beta: ReferenceTensor) {
        let c = x.shape.dimensions.last ?? 1, n = Double(x.scalarCount / c)
        var dgamma = ReferenceTensor.zeros([c]), dbeta = ReferenceTensor.zeros([c])
        func xhat(_ i: Int) -> Double {
            (x.scalars[i] - mean.scalars[i % c]) / (variance.scalars[i % c] + epsilon).squareRoot()
        }
        for i in 0..<x.scalarCount {
            dbeta.scalars[i % c] += dy.scalars[i]
            dgamma.scalars[i % c] += dy.scalars[i] * xhat(i)
        }
        var dx = x
        for i in 0..<x.scalarCount {
            let k = i % c, s = gamma.scalars[k] / (variance.scalars[k] + epsilon).squareRoot()
            dx.scalars[i] = batchStatistics
                ? s * (dy.scalars[i] - dbeta.scalars[k] / n - xhat(i) * dgamma.scalars[k] / n)
                : s * dy.scalars[i]
        }
        return (dx, dgamma, dbeta)
    }

    /// Float32 form of ``batchNormMoments(_:)-(ReferenceTensor)``.
    package static func batchNormMoments(_ x: Tensor) -> (mean: Tensor, variance: Tensor) {
        let r = batchNormMoments(ReferenceTensor(x))
        return (r.mean.tensor, r.variance.tensor)
    }

    /// Float32 form of the reference batch normalization.
    package static func batchNormForward(input x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor,
                                        epsilon: Float) -> Tensor {
        batchNormForward(input: ReferenceTensor(x), mean: ReferenceTensor(mean), variance: ReferenceTensor(variance),
                         gamma: ReferenceTensor(gamma), beta: ReferenceTensor(beta), epsilon: Double(epsilon)).tensor
    }

    /// Float32 form of the reference batch-normalization gradients.
    package static func batchNormBackward(input x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor, epsilon: Float,
                                         outputGradient dy: Tensor, batchStatistics: Bool)
        -> (input: Tensor, gamma: Tensor, beta: Tensor) {
        let r = batchNormBackward(input: ReferenceTensor(x), mean: ReferenceTensor(mean), variance: ReferenceTensor(variance),
                                  gamma: ReferenceTensor(gamma), epsilon: Double(epsilon),
                                  outputGradient: ReferenceTensor(dy), batchStatistics: batchStatistics)
        return (r.input.tensor, r.gamma.tensor, r.beta.tensor)
    }
}
