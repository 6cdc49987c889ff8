import FinetuneCore

/// Layers wired as a directed acyclic graph — Keras' functional `Model` — built with
/// ``GraphBuilder``: one input, one output, fan-out (a tensor feeding several layers) and merge
/// layers (``Add``, ``Concatenate``) in between. A `Graph` is a ``Layer``, so it trains, freezes,
/// saves and nests like a ``Sequential``; ``init(_:inputShape:)`` turns a `Sequential` into one.
///
/// Keys stay flat Keras keys (`conv2_block1_1_conv.kernel`); layer names are unique across the
/// whole tree. ``Layer/sublayers`` lists the layers in the order they were added — a topological
/// order, and Keras' `model.layers` order when the graph is built as Keras builds it; freeze
/// policies such as ``FreezePolicy/from(_:)`` count "forward order" in it.
///
/// Layers run in that order. Back-propagation visits them in reverse; gradients that meet where a
/// tensor fans out are summed. A layer is differentiated only when it has a trainable parameter
/// or one of its inputs needs a gradient (some layer before it trains, or the caller asks for the
/// input gradient), so a frozen subgraph whose inputs need no gradient — a frozen shortcut
/// branch, a frozen base — costs no backward kernel at all. The pullback reports each leaf
/// layer's finished gradients to `ForwardContext.layerGradientsReady` when the context set it.
package struct Graph: LogitsExposing {
    /// The Keras model name (`"functional"` by default).
    package let name: String
    /// The input's name in summaries (`input_layer`).
    package let inputName: String
    /// The input shape without the batch dimension.
    package let inputShape: Shape
    /// The layers in topological order: layer i computes node i + 1 (node 0 is the input).
    package private(set) var layers: [any Layer]
    /// For each layer, the nodes it reads (one, or several for a merge layer).
    package let inputs: [[Int]]

    /// A graph of `layers`, layer i reading nodes `inputs[i]` (0: the input; j + 1: layer j's output).
    package init(name: String, inputName: String, inputShape: Shape, layers: [any Layer], inputs: [[Int]]) {
        self.name = name
        self.inputName = inputName
        self.inputShape = inputShape
        self.layers = layers
        self.inputs = inputs
    }

    /// The chain of `sequential`'s layers as a graph of the same name, for an input of
    /// `inputShape` (without the batch dimension; default: the `Sequential`'s own). Nested models
    /// stay single nodes, as in Keras.
    package init(_ sequential: Sequential, inputShape: Shape? = nil) throws {
        guard let shape = inputShape ?? sequential.inputShape else {
            throw LayerError.incompatibleInput(layer: sequential.name, input: [],
                                               reason: "a graph needs an input shape: pass inputShape: or set Sequential.inputShape")
        }
        var g = GraphBuilder(input: shape)
        var x = g.input
        for layer in sequential.layers { x = try g.add(layer, to: x) }
        self = try g.graph(output: x, name: sequential.name)
    }

    package var sublayers: [any Layer] { layers }

    package var parameters: [(key: String, value: Tensor)] { layers.flatMap(\.parameters) }

    package mutating func setParameter(_ key: String, to value: Tensor) throws {
        guard let i = layers.firstIndex(where: { $0.parameters.contains { $0.key == key } }) else {
            throw LayerError.unknownParameter(key: key, layer: name)
        }
        try layers[i].setParameter(key, to: value)
    }

    package func outputShape(for input: Shape) throws -> Shape { try nodeShapes(for: input).last! }

    /// The shape of every node (the input first) for an input of shape `input`.
    package func nodeShapes(for input: Shape) throws -> [Shape] {
        var shapes = [input]
        for (layer, from) in zip(layers, inputs) {
            if let merge = layer as? any MergeLayer {
                shapes.append(try merge.outputShape(for: from.map { shapes[$0] }))
            } else {
                shapes.append(try layer.outputShape(for: shapes[from[0]]))
            }
        }
        return shapes
    }

    package func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let r = run(input, context: &context, exposingLogits: false)
        return (r.output, r.pullback)
    }

    /// Runs every layer; the output layer without its final activation when it exposes logits.
    package func forwardLogits(_ input: Tensor, context: inout ForwardContext)
        -> (logits: Tensor, activation: ActivationFunction, pullback: Pullback?) {
        let r = run(input, context: &context, exposingLogits: true)
        return (r.output, r.activation, r.pullback)
    }

    /// Whether each node's output needs a gradient in a forward pass with `context` (node 0, the
    /// input, when the caller asks for it): a node does when its layer has a trainable parameter
    /// or one of its inputs needs a gradient.
    package func gradientPlan(_ context: ForwardContext) -> [Bool] {
        var wants = [context.needsInputGradient]
        for (layer, from) in zip(layers, inputs) {
            let trains = !context.trainable.isEmpty && layer.parameters.contains { context.trainable.contains($0.key) }
            wants.append(trains || from.contains { wants[$0] })
        }
        return wants
    }

    private enum Kept {
        case layer(Pullback)
        case merge(@Sendable (Tensor) -> [Tensor?])
    }

    private func run(_ input: Tensor, context: inout ForwardContext, exposingLogits: Bool)
        -> (output: Tensor, activation: ActivationFunction, pullback: Pullback?) {
        let wants = gradientPlan(context)
        var values: [Tensor?] = [input] + Array(repeating: nil, count: layers.count)
        var readers = Array(repeating: 0, count: layers.count + 1)   // layers still to read each node
        for from in inputs { for i in from { readers[i] += 1 } }
        var kept: [Kept?] = Array(repeating: nil, count: layers.count)
        var activation = ActivationFunction.linear
        let (fusions, replaced) = InferenceFusion.plan(for: self, wants: wants, readers: readers, context: context,
                                                       exposingLogits: exposingLogits)
        for (k, layer) in layers.enumerated() where !replaced[k] {
            let from = inputs[k]
            if let fusion = fusions[k] {
                values[k + 1] = fusion.run(fusion.inputs.map { values[$0]! })
                for i in fusion.inputs {
                    readers[i] -= 1
                    if readers[i] == 0 { values[i] = nil }
                }
                // Each node inside the chain is read by the chain's next layer only.
                for j in fusion.layers.dropLast() { readers[j + 1] -= 1 }
                continue
            }
            var child = context
            child.needsInputGradient = from.contains { wants[$0] }
            let y: Tensor
            if let merge = layer as? any MergeLayer {
                let (output, pullback) = merge.forward(from.map { values[$0]! }, needsGradient: from.map { wants[$0] },
                                                       context: &child)
                y = output
                if wants[k + 1] { kept[k] = .merge(Self.required(pullback, layer)) }
            } else {
                let pullback: Pullback?
                if exposingLogits, k == layers.count - 1, let exposing = layer as? any LogitsExposing {
                    (y, activation, pullback) = exposing.forwardLogits(values[from[0]]!, context: &child)
                } else {
                    (y, pullback) = layer.forward(values[from[0]]!, context: &child)
                }
                if wants[k + 1] { kept[k] = .layer(Self.required(pullback, layer)) }
            }
            context.rng = child.rng
            context.stateUpdates = child.stateUpdates
            values[k + 1] = y
            for i in from {
                readers[i] -= 1
                if readers[i] == 0 { values[i] = nil }   // the pullbacks keep what they need
            }
        }
        let output = values[layers.count]!
        guard wants[layers.count] else { return (output, activation, nil) }
        guard !layers.isEmpty else { return (output, activation, Pullback { LayerGradients(input: $0) }) }
        let needsInput = context.needsInputGradient, inputs = self.inputs
        // Leaf layers report to the hook; a nested container reports its own leaves.
        let hook = context.layerGradientsReady, steps = kept
        let leafNames = layers.map { $0.sublayers.isEmpty ? $0.name : nil }
        return (output, activation, Pullback { dy in
            var gradients = [Tensor?](repeating: nil, count: steps.count + 1)
            gradients[steps.count] = dy
            func accumulate(_ g: Tensor?, at node: Int) {
                guard let g else {
                    preconditionFailure("a layer returned no input gradient although it was asked for one")
                }
                if gradients[node] == nil { gradients[node] = g } else { add(g, into: &gradients[node]!) }
            }
            var parameters: [String: Tensor] = [:]
            for k in steps.indices.reversed() {
                guard let step = steps[k] else { continue }
                guard let g = gradients[k + 1] else {
                    preconditionFailure("no gradient reached layer \(k) of a graph although it needs one")
                }
                gradients[k + 1] = nil
                switch step {
                case let .layer(pullback):
                    let r = pullback(g)
                    if let hook, let name = leafNames[k] { hook(name, r.parameters) }
                    parameters.merge(r.parameters) { new, _ in new }
                    if wants[inputs[k][0]] { accumulate(r.input, at: inputs[k][0]) }
                case let .merge(pullback):
                    let r = pullback(g)
                    if let hook, let name = leafNames[k] { hook(name, [:]) }
                    for (j, node) in inputs[k].enumerated() where wants[node] { accumulate(r[j], at: node) }
                }
            }
            return LayerGradients(input: needsInput ? gradients[0] : nil, parameters: parameters)
        })
    }

    private static func required<P>(_ pullback: P?, _ layer: any Layer) -> P {
        guard let pullback else {
            preconditionFailure("layer '\(layer.name)' returned no pullback although a gradient is needed (see Layer.forward)")
        }
        return pullback
    }
}

extension Graph {
    /// The layer named `name` anywhere in the tree (or `self`), if any.
    package func layer(named name: String) -> (any Layer)? {
        name == self.name ? self : layers.flatMap { [$0] + Sequential.descendants(of: $0) }.first { $0.name == name }
    }
}
