extension NaiveKernels {
    /// min(max(x, 0), maxValue); NaN stays NaN.
    package static func clippedReLUForward(_ x: ReferenceTensor, maxValue: Double) -> ReferenceTensor {
        ReferenceTensor(shape: x.shape, scalars: x.scalars.map { $0.isNaN ? $0 : ($0 <= 0 ? 0 : ($0 >= maxValue ? maxValue : $0)) })
    }

    /// dx = dy where 0 < x < maxValue (or ≤ maxValue when `passesAtMaxValue`), else 0.
    package static func clippedReLUBackward(input x: ReferenceTensor, outputGradient dy: ReferenceTensor,
                                           maxValue: Double, passesAtMaxValue: Bool) -> ReferenceTensor {
        precondition(x.shape == dy.shape, "clipped relu backward: \(x.shape) vs \(dy.shape)")
        return ReferenceTensor(shape: x.shape, scalars: zip(x.scalars, dy.scalars).map { v, d in
            v > 0 && (v < maxValue || (passesAtMaxValue && v == maxValue)) ? d : 0
        })
    }

    package static func clippedReLUForward(_ x: Tensor, maxValue: Float) -> Tensor {
        clippedReLUForward(ReferenceTensor(x), maxValue: Double(maxValue)).tensor
    }

    package static func clippedReLUBackward(input x: Tensor, outputGradient dy: Tensor, maxValue: Float,
                                           passesAtMaxValue: Bool) -> Tensor {
        clippedReLUBackward(input: ReferenceTensor(x), outputGradient: ReferenceTensor(dy), maxValue: Double(maxValue),
                            passesAtMaxValue: passesAtMaxValue).tensor
    }
}
