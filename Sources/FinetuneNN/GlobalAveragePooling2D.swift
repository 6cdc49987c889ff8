import FinetuneCore

/// Keras' `GlobalAveragePooling2D`: the mean of every channel over the image, NHWC → (N, C):
/// y[n, c] = Σ_{i,j} x[n, i, j, c] / (H·W). No parameters. The head of ResNet, MobileNet and
/// EfficientNet after their last convolution (Lin et al. 2013, "Network in Network").
package struct GlobalAveragePooling2D: Layer {
    package let name: String

    package init(name: String = "global_average_pooling2d") { self.name = name }

    package func outputShape(for input: Shape) throws -> Shape { try globalPoolingOutputShape(input, layer: name) }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let y = globalAveragePool2DForward(input: x)
        guard context.needsInputGradient else { return (y, nil) }
        let shape = x.shape
        return (y, Pullback { dy in LayerGradients(input: globalAveragePool2DBackward(outputGradient: dy, inputShape: shape)) })
    }
}

/// (N, C) for an NHWC input with at least one pixel.
func globalPoolingOutputShape(_ input: Shape, layer: String) throws -> Shape {
    guard input.rank == 4 else {
        throw LayerError.incompatibleInput(layer: layer, input: input, reason: "global pooling needs NHWC input (rank 4)")
    }
    guard input[1] > 0, input[2] > 0 else {
        throw LayerError.incompatibleInput(layer: layer, input: input, reason: "an image without pixels has nothing to pool")
    }
    return [input[0], input[3]]
}
