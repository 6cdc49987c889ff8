import FinetuneCore

/// Keras' `ReLU` layer: y = max(x, 0), or min(max(x, 0), maxValue) with a cap — `ReLU(maxValue: 6)`
/// is ReLU6, the activation of MobileNetV2 (Sandler et al. 2018) and EfficientNet-Lite. No parameters.
///
/// The gradient is dy where 0 < x < maxValue, else 0 — none at 0, none at or above the cap, as
/// TensorFlow's `Relu6` op that Keras runs for a cap of 6. For any other cap Keras runs `Relu`
/// then `clip_by_value`, whose gradient still passes at exactly x = maxValue; so does this layer.
/// NaN stays NaN and gets no gradient.
package struct ReLU: Layer {
    package let name: String
    /// The cap, or `nil` for a plain ReLU.
    package let maxValue: Float?

    /// A ReLU capped at `maxValue` (≥ 0) when given.
    package init(maxValue: Float? = nil, name: String = "re_lu") {
        precondition(maxValue.map { $0 >= 0 } ?? true, "ReLU '\(name)': maxValue must be ≥ 0")
        self.maxValue = maxValue
        self.name = name
    }

    package func outputShape(for input: Shape) throws -> Shape { input }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        guard let cap = maxValue else {
            let y = reluForward(x)
            guard context.needsInputGradient else { return (y, nil) }
            return (y, Pullback { dy in LayerGradients(input: reluBackward(output: y, outputGradient: dy)) })
        }
        let y = clippedReLUForward(x, maxValue: cap)
        guard context.needsInputGradient else { return (y, nil) }
        return (y, Pullback { dy in
            LayerGradients(input: clippedReLUBackward(input: x, outputGradient: dy, maxValue: cap, passesAtMaxValue: cap != 6))
        })
    }
}
