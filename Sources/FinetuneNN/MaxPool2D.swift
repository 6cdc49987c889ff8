import FinetuneCore

/// 2-D max pooling over NHWC, Keras' `MaxPooling2D`: window `poolSize`, stride `strides`
/// (default: the window), padding (default `valid`: the last partial window is dropped, so
/// 75 → 37). No parameters. The gradient flows to the first (row-major) maximum of each window,
/// as TensorFlow does.
package struct MaxPool2D: Layer {
    /// The Keras layer name.
    package let name: String
    /// Window height and width.
    package let poolSize: (Int, Int)
    /// Vertical and horizontal stride.
    package let strides: (Int, Int)
    /// `valid` (partial windows dropped) or `same`.
    package let padding: Padding

    /// A pooling layer; `strides` defaults to `poolSize`, as in Keras.
    package init(name: String, poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) {
        precondition(poolSize.0 > 0 && poolSize.1 > 0, "MaxPool2D '\(name)': pool size must be positive")
        self.name = name
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
    }

    package func outputShape(for input: Shape) throws -> Shape {
        guard input.rank == 4 else {
            throw LayerError.incompatibleInput(layer: name, input: input, reason: "MaxPool2D needs NHWC input (rank 4)")
        }
        let g = ConvGeometry(batch: input[0], inHeight: input[1], inWidth: input[2], inChannels: input[3],
                             kernelHeight: poolSize.0, kernelWidth: poolSize.1, outChannels: input[3],
                             strides: strides, padding: padding)
        guard g.outHeight > 0, g.outWidth > 0 else {
            throw LayerError.incompatibleInput(layer: name, input: input,
                                               reason: "a \(poolSize.0)×\(poolSize.1) \(padding) window leaves no output")
        }
        return g.outputShape
    }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let y = maxPool2DForward(input: x, pool: poolSize, strides: strides, padding: padding)
        guard context.needsInputGradient else { return (y, nil) }
        let (pool, strides, padding) = (poolSize, strides, padding)
        return (y, Pullback { dy in
            LayerGradients(input: maxPool2DBackward(input: x, output: y, outputGradient: dy,
                                                    pool: pool, strides: strides, padding: padding))
        })
    }
}
