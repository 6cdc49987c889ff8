import FinetuneCore

/// Builds a functional model (a directed acyclic graph of layers) the way Keras' functional API
/// does: start from an input, call layers on nodes, finish with the output node.
///
/// ```swift
/// var rng = SeededRNG(seed: 1)
/// var g = GraphBuilder(input: [32, 32, 16])
/// let x = try g.add(Layers.conv2D(name: "conv", inputChannels: 16, filters: 16, padding: .same, using: &rng),
///                   to: g.input)
/// let y = try g.add(Layers.add(name: "add"), to: x, g.input)      // a residual connection
/// let model = try g.model(output: y)
/// ```
///
/// A node may feed several layers (fan-out); their gradients are summed there. Merge layers
/// (``Layers/add(name:)``, ``Layers/concatenate(name:)``) take several nodes; every other layer
/// takes one, and any ``Layer`` — a ``Sequential``, another graph, a layer of your own — plugs in
/// unchanged. The model is a ``Layer``: train it, freeze parts of it by layer name, save it and
/// load Keras weights into it as any other; a frozen branch costs no backward computation. Each `add` checks the shapes (batch dimension left
/// out, as in Keras) and that the layer's name is new, and throws ``LayerError`` naming the layer.
public struct GraphBuilder {
    /// A tensor of the graph being built: its input, or the output of a layer added to it.
    public struct Node: Hashable, Sendable { let index: Int }

    let inputName: String
    /// Node 0 is the input; node i + 1 is `layers[i]`'s output.
    var layers: [any Layer] = []
    var inputs: [[Int]] = []
    /// Each node's shape, with a batch dimension of 1.
    var shapes: [Shape]
    private var names: Set<String>

    /// A builder whose input has `shape` (without the batch dimension, Keras' `Input(shape=…)`);
    /// `name` is the input's name in summaries (Keras 3 calls it `input_layer`).
    public init(input shape: Shape, name: String = "input_layer") {
        inputName = name
        shapes = [Shape([1] + shape.dimensions)]
        names = [name]
    }

    /// The graph's input.
    public var input: Node { Node(index: 0) }

    /// Adds `layer`, fed by `inputs` (one node, or several for a merge layer), and returns its
    /// output node.
    public mutating func add(_ layer: any Layer, to inputs: Node...) throws -> Node {
        guard !inputs.isEmpty else {
            throw LayerError.incompatibleInput(layer: layer.name, input: [], reason: "a layer needs an input node")
        }
        if let stranger = inputs.first(where: { $0.index < 0 || $0.index >= shapes.count }) {
            throw LayerError.incompatibleInput(layer: layer.name, input: [],
                                               reason: "node \(stranger.index) is not a node of this builder")
        }
        let newNames = [layer.name] + Sequential.descendants(of: layer).map(\.name)
        var seen = names
        for n in newNames {
            guard seen.insert(n).inserted else { throw LayerError.duplicateName(n) }
        }
        let shape: Shape
        if let merge = layer as? any MergeLayer {
            shape = try merge.outputShape(for: inputs.map { shapes[$0.index] })
        } else {
            guard inputs.count == 1 else {
                throw LayerError.incompatibleInput(
                    layer: layer.name, input: shapes[inputs[0].index],
                    reason: "it takes one input and was given \(inputs.count); only merge layers (Add, Concatenate) take several")
            }
            shape = try layer.outputShape(for: shapes[inputs[0].index])
        }
        names = seen
        layers.append(layer)
        self.inputs.append(inputs.map(\.index))
        shapes.append(shape)
        return Node(index: shapes.count - 1)
    }

    /// The graph from the input to `output`, named `name` (Keras' default is `functional`).
    ///
    /// Layers that `output` does not depend on are left out, as Keras leaves them out of a
    /// `Model(inputs, outputs)`. The others are ordered as Keras 3 orders `model.layers`, whatever
    /// the order they were added in: by depth (the longest path to the output), deepest first;
    /// layers of equal depth in the order a depth-first walk from the output meets them, inputs
    /// in the order given. Freeze policies by position (``FreezePolicy/from(_:)``) and weights
    /// loaded by order then see the layers where Keras has them.
    public func model(output: Node, name: String = "functional") throws -> any Layer {
        try graph(output: output, name: name)
    }

    /// ``model(output:name:)`` as its concrete type (the package's tools and tests).
    package func graph(output: Node, name: String = "functional") throws -> Graph {
        guard output.index >= 0, output.index < shapes.count else {
            throw LayerError.incompatibleInput(layer: name, input: [], reason: "node \(output.index) is not a node of this builder")
        }
        guard !names.contains(name) else { throw LayerError.duplicateName(name) }
        // Depth-first from the output: the order nodes are first met, and each one's depth.
        var met = Array(repeating: Int.max, count: shapes.count)
        var depth = Array(repeating: -1, count: shapes.count)
        var order = 0
        func visit(_ node: Int) {
            if met[node] == Int.max { met[node] = order; order += 1 } else { return }
            guard node > 0 else { return }
            for i in inputs[node - 1] { visit(i) }
        }
        visit(output.index)
        depth[output.index] = 0
        for node in stride(from: output.index, to: 0, by: -1) where depth[node] >= 0 {
            for i in inputs[node - 1] { depth[i] = max(depth[i], depth[node] + 1) }
        }
        let kept = (1..<shapes.count).filter { met[$0] != Int.max }
            .sorted { (depth[$0], met[$1]) > (depth[$1], met[$0]) }
        var renumbered = Array(repeating: -1, count: shapes.count)
        renumbered[0] = 0
        for (i, node) in kept.enumerated() { renumbered[node] = i + 1 }
        return Graph(name: name, inputName: inputName, inputShape: Shape(Array(shapes[0].dimensions.dropFirst())),
                     layers: kept.map { layers[$0 - 1] }, inputs: kept.map { inputs[$0 - 1].map { renumbered[$0] } })
    }
}
