import FinetuneCore

/// Keras' `Concatenate` on the last axis (`axis=-1`, the channels of NHWC): y holds x₀'s
/// channels, then x₁'s, …; every other dimension is shared. The merge of Inception and DenseNet
/// blocks. No parameters; each input's gradient is its slice of dy.
///
/// A merge layer: wire it in a graph with several inputs, `try g.add(Concatenate(name: "concatenate"), to: a, b)`.
package struct Concatenate: MergeLayer {
    package let name: String

    /// A `Concatenate` layer on the last axis named `name` (Keras' default name is `concatenate`).
    package init(name: String = "concatenate") { self.name = name }

    package func outputShape(for input: Shape) throws -> Shape {
        throw LayerError.incompatibleInput(layer: name, input: input, reason: singleInputMessage)
    }

    package func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        preconditionFailure(singleInputMessage)
    }

    package func outputShape(for inputs: [Shape]) throws -> Shape {
        guard let first = inputs.first else {
            throw LayerError.incompatibleInput(layer: name, input: [], reason: "Concatenate needs at least one input")
        }
        guard first.rank >= 2 else {
            throw LayerError.incompatibleInput(layer: name, input: first, reason: "Concatenate needs a batch dimension and a channel axis")
        }
        let lead = Array(first.dimensions.dropLast())
        if let other = inputs.first(where: { $0.rank != first.rank || Array($0.dimensions.dropLast()) != lead }) {
            throw LayerError.incompatibleInput(
                layer: name, input: other,
                reason: "Concatenate joins the last axis; every other dimension must match another input's \(first)")
        }
        return Shape(lead + [inputs.reduce(0) { $0 + $1.dimensions.last! }])
    }

    package func forward(_ inputs: [Tensor], needsGradient: [Bool], context: inout ForwardContext)
        -> (output: Tensor, pullback: (@Sendable (Tensor) -> [Tensor?])?) {
        let y = concatenateLastAxisForward(inputs)
        guard needsGradient.contains(true) else { return (y, nil) }
        let widths = inputs.map { $0.shape.dimensions.last! }
        return (y, { dy in concatenateLastAxisBackward(outputGradient: dy, widths: widths, needed: needsGradient) })
    }
}
