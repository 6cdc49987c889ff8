import FinetuneCore

/// Keras' `Add`: the element-wise sum of its inputs, which all have one shape —
/// y = x₀ + x₁ + …, summed left to right. The merge of a residual connection (He et al. 2016,
/// "Deep Residual Learning"). No parameters; each input's gradient is dy.
///
/// A merge layer: wire it in a graph with several inputs, `try g.add(Add(name: "add"), to: x, shortcut)`.
package struct Add: MergeLayer {
    package let name: String

    /// An `Add` layer named `name` (Keras' default name is `add`).
    package init(name: String = "add") { self.name = name }

    package func outputShape(for input: Shape) throws -> Shape {
        throw LayerError.incompatibleInput(layer: name, input: input, reason: singleInputMessage)
    }

    package func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        preconditionFailure(singleInputMessage)
    }

    package func outputShape(for inputs: [Shape]) throws -> Shape {
        guard let first = inputs.first else {
            throw LayerError.incompatibleInput(layer: name, input: [], reason: "Add needs at least one input")
        }
        if let other = inputs.first(where: { $0 != first }) {
            throw LayerError.incompatibleInput(layer: name, input: other,
                                               reason: "Add sums tensors of one shape; another input has shape \(first)")
        }
        return first
    }

    package func forward(_ inputs: [Tensor], needsGradient: [Bool], context: inout ForwardContext)
        -> (output: Tensor, pullback: (@Sendable (Tensor) -> [Tensor?])?) {
        let y = addForward(inputs)
        guard needsGradient.contains(true) else { return (y, nil) }
        return (y, { dy in needsGradient.map { $0 ? dy : nil } })
    }
}
