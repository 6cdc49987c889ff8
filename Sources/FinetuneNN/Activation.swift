import FinetuneCore

/// Keras' `Activation` layer: y = f(x) for relu, sigmoid, softmax (last axis) or linear.
/// No parameters. A final sigmoid/softmax exposes its input as logits (`LogitsExposing`).
package struct Activation: LogitsExposing {
    package let name: String
    /// The function applied elementwise (per row for softmax).
    package let function: ActivationFunction

    /// An activation layer named `name`, or after the function (`"relu"`) when `name` is `nil`.
    package init(_ function: ActivationFunction, name: String? = nil) {
        self.function = function
        self.name = name ?? function.rawValue
    }

    package func outputShape(for input: Shape) throws -> Shape { input }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let (z, activation, pullback) = forwardLogits(x, context: &context)
        return activated(activation, logits: z, pullback: pullback)
    }

    package func forwardLogits(_ x: Tensor, context: inout ForwardContext)
        -> (logits: Tensor, activation: ActivationFunction, pullback: Pullback?) {
        (x, function, context.needsInputGradient ? Pullback { LayerGradients(input: $0) } : nil)
    }
}
