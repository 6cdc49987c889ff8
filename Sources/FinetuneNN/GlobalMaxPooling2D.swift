import FinetuneCore

/// Keras' `GlobalMaxPooling2D`: the maximum of every channel over the image, NHWC → (N, C). No
/// parameters. As TensorFlow's `reduce_max`: the gradient is shared equally by the inputs equal to
/// the maximum (ties split it), and a NaN in a channel makes its maximum and gradient NaN.
package struct GlobalMaxPooling2D: Layer {
    package let name: String

    package init(name: String = "global_max_pooling2d") { self.name = name }

    package func outputShape(for input: Shape) throws -> Shape { try globalPoolingOutputShape(input, layer: name) }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let y = globalMaxPool2DForward(input: x)
        guard context.needsInputGradient else { return (y, nil) }
        return (y, Pullback { dy in LayerGradients(input: globalMaxPool2DBackward(input: x, output: y, outputGradient: dy)) })
    }
}
