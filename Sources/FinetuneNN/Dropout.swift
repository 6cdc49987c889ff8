import FinetuneCore

/// Inverted dropout, Keras' `Dropout`: in training each unit is kept with probability 1 − rate
/// and scaled by 1/(1 − rate), using `context.rng` (so runs replay); at inference it is the
/// identity. No parameters.
package struct Dropout: Layer {
    /// The Keras layer name.
    package let name: String
    /// Fraction of units dropped in training, in [0, 1).
    package let rate: Float

    /// A dropout layer; `rate` must be in [0, 1).
    package init(name: String = "dropout", rate: Float) {
        precondition(rate >= 0 && rate < 1, "Dropout '\(name)': rate must be in [0, 1), got \(rate)")
        self.name = name
        self.rate = rate
    }

    package func outputShape(for input: Shape) throws -> Shape { input }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        guard context.mode == .training, rate > 0 else {
            return (x, context.needsInputGradient ? Pullback { LayerGradients(input: $0) } : nil)
        }
        let (y, mask): (Tensor, Tensor)
        if let part = context.batchPart, x.rank > 0, x.shape[0] > 0 {
            let perSample = x.scalarCount / x.shape[0]
            Self.skipDraws(part.offset * perSample, using: &context.rng)
            (y, mask) = dropoutForward(x, rate: rate, using: &context.rng)
            Self.skipDraws((part.wholeCount - part.offset - x.shape[0]) * perSample, using: &context.rng)
        } else {
            (y, mask) = dropoutForward(x, rate: rate, using: &context.rng)
        }
        guard context.needsInputGradient else { return (y, nil) }
        return (y, Pullback { dy in LayerGradients(input: dropoutBackward(mask: mask, outputGradient: dy)) })
    }

    /// Draws (and discards) the numbers `count` mask units would take.
    private static func skipDraws(_ count: Int, using rng: inout SeededRNG) {
        for _ in 0..<max(count, 0) { _ = Float.random(in: 0..<1, using: &rng) }
    }
}
