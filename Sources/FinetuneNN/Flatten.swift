import FinetuneCore

/// Keras' `Flatten`: (n, d1, d2, …) → (n, d1·d2·…), row-major, so an NHWC image flattens in
/// (h, w, c) order — the order Keras head weights expect. No parameters; the gradient is the
/// reshaped output gradient.
package struct Flatten: Layer {
    /// The Keras layer name.
    package let name: String

    /// A flatten layer named `name`.
    package init(name: String = "flatten") { self.name = name }

    package func outputShape(for input: Shape) throws -> Shape {
        guard input.rank >= 1 else {
            throw LayerError.incompatibleInput(layer: name, input: input, reason: "Flatten needs a batch dimension")
        }
        return [input[0], input.dimensions.dropFirst().reduce(1, *)]
    }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let shape = x.shape
        let y = x.reshaped([shape[0], shape.scalarCount / max(shape[0], 1)])
        guard context.needsInputGradient else { return (y, nil) }
        return (y, Pullback { dy in LayerGradients(input: dy.reshaped(shape)) })
    }
}
