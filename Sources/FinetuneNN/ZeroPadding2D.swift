import FinetuneCore

/// Rows and columns of zeros around NHWC images, Keras' `ZeroPadding2D` in its
/// `((top, bottom), (left, right))` form: y[n, top + i, left + j, c] = x[n, i, j, c], zeros elsewhere.
/// No parameters. ResNet50 pads 3 on every side before its 7×7/2 convolution and 1 before its
/// max-pool; MobileNetV2 and EfficientNet pad ((0, 1), (0, 1)) before their stride-2 convolutions
/// on even image sizes (Keras' `correct_pad`).
package struct ZeroPadding2D: Layer {
    package let name: String
    package let amounts: ZeroPadding2DAmounts

    /// Pads `padding.0.0` rows on top, `padding.0.1` at the bottom, `padding.1.0` columns on the left
    /// and `padding.1.1` on the right (Keras: `ZeroPadding2D(((top, bottom), (left, right)))`).
    package init(name: String = "zero_padding2d", padding: ((Int, Int), (Int, Int))) {
        precondition(padding.0.0 >= 0 && padding.0.1 >= 0 && padding.1.0 >= 0 && padding.1.1 >= 0,
                     "ZeroPadding2D '\(name)': padding must be ≥ 0")
        self.name = name
        amounts = ZeroPadding2DAmounts(top: padding.0.0, bottom: padding.0.1, left: padding.1.0, right: padding.1.1)
    }

    package func outputShape(for input: Shape) throws -> Shape {
        guard input.rank == 4 else {
            throw LayerError.incompatibleInput(layer: name, input: input, reason: "ZeroPadding2D needs NHWC input (rank 4)")
        }
        return amounts.paddedShape(input)
    }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        precondition(x.rank == 4, "ZeroPadding2D '\(name)': input \(x.shape) is not NHWC")
        let y = zeroPadding2DForward(input: x, padding: amounts)
        guard context.needsInputGradient else { return (y, nil) }
        let amounts = amounts
        return (y, Pullback { dy in LayerGradients(input: zeroPadding2DBackward(outputGradient: dy, padding: amounts)) })
    }
}
