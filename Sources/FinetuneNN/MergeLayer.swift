import FinetuneCore

/// A layer that takes several tensors and returns one — Keras' merge layers (``Add``,
/// ``Concatenate``). Only a ``Graph`` feeds it several inputs
/// (`GraphBuilder.add(_:to:)` with several nodes); called as a plain ``Layer`` with one tensor, it
/// refuses (``Layer/outputShape(for:)`` throws, `forward` stops with the same message).
///
/// Merge layers have no parameters. The protocol is package-level: the graph calls it, and the
/// merge layers Keras' backbones need are built in.
package protocol MergeLayer: Layer {
    /// The output shape for the inputs' shapes (batch dimension included); throws when they do not fit.
    func outputShape(for inputs: [Shape]) throws -> Shape
    /// Runs the layer on `inputs`. The pullback, returned when any `needsGradient` is true, maps
    /// dL/d(output) to dL/d(input i) for each i with `needsGradient[i]` (`nil` for the others).
    func forward(_ inputs: [Tensor], needsGradient: [Bool], context: inout ForwardContext)
        -> (output: Tensor, pullback: (@Sendable (Tensor) -> [Tensor?])?)
}

extension MergeLayer {
    /// Why a merge layer cannot run on one tensor.
    var singleInputMessage: String {
        "'\(name)' merges several inputs: wire it in a graph, GraphBuilder.add(\(type(of: self))(name: \"\(name)\"), to: a, b)"
    }
}
