import CVectorKernels

/// min(max(x, 0), maxValue), elementwise (Keras' `ReLU(max_value=…)`; ReLU6 for 6). NaN stays NaN,
/// as TensorFlow's `Relu6` and `Relu` + `clip_by_value` keep it.
package func clippedReLUForward(_ x: Tensor, maxValue: Float) -> Tensor {
    Tensor(shape: x.shape) { y in
        x.withUnsafeBufferPointer { xp in
            guard let from = xp.baseAddress, let to = y.baseAddress else { return }
            elementwise(xp.count) { r in
                var i = r.lowerBound
                while i < r.upperBound { to[i] = min(max(from[i], 0), maxValue); i &+= 1 }
            }
        }
    }
}

/// dx = dy where 0 < x < maxValue — and also where x = maxValue exactly when `passesAtMaxValue` —
/// else 0 (NaN inputs get 0).
///
/// TensorFlow's two ways of capping differ at the cap itself: Keras runs `ReLU(max_value=6)` as
/// TensorFlow's `Relu6` op, whose gradient is dy·[0 < x < 6]; any other cap as `Relu` followed by
/// `clip_by_value`, whose gradient passes at the bound: dy·[0 < x ≤ max_value].
package func clippedReLUBackward(input x: Tensor, outputGradient dy: Tensor, maxValue: Float,
                                passesAtMaxValue: Bool) -> Tensor {
    precondition(x.shape == dy.shape, "clipped relu backward: \(x.shape) vs \(dy.shape)")
    return Tensor(shape: x.shape) { dx in
        x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dp in
            guard let input = xp.baseAddress, let grad = dp.baseAddress, let to = dx.baseAddress else { return }
            elementwise(xp.count) { r in
                // dx = passes ? dy : 0 with passes = 0 < x < maxValue (or ≤), in CVectorKernels, vectorised.
                ft_clipped_relu_backward(input + r.lowerBound, grad + r.lowerBound, to + r.lowerBound, r.count, maxValue,
                                         passesAtMaxValue ? 1 : 0)
            }
        } }
    }
}
