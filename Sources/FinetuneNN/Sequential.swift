import FinetuneCore

/// Layers applied one after another, Keras' `Sequential`. Nestable: the VGG16 base is one
/// `Sequential` named `"vgg16"` inside Chollet's model, as in Keras.
///
/// Keys stay flat Keras keys (`block5_conv1.kernel`): a container adds no prefix. Layer names are
/// unique across the whole tree (checked on construction).
///
/// Back-propagation: child i is asked for its input gradient only when the caller needs one or a
/// child before it has a trainable parameter; children before the first child that needs a
/// pullback return none, so nothing below the earliest trainable layer is kept or computed.
/// The pullback reports each leaf layer's finished gradients to
/// `ForwardContext.layerGradientsReady` when the forward pass's context set it.
public struct Sequential: LogitsExposing {
    /// The Keras model name (`"sequential"`, or `"vgg16"` for the base).
    public let name: String
    /// The children, in forward order.
    public private(set) var layers: [any Layer]
    /// The input shape without the batch dimension (Keras' `Input(shape=…)`), when known; used by
    /// ``summary(inputShape:trainable:expandNested:)``.
    package var inputShape: Shape?

    /// Throws ``LayerError/duplicateName(_:)`` when two layers anywhere in the tree share a name.
    public init(name: String = "sequential", inputShape: Shape? = nil, _ layers: [any Layer]) throws {
        self.name = name
        self.layers = layers
        self.inputShape = inputShape
        var seen: Set<String> = [name]
        for n in allLayers.map(\.name) {
            guard seen.insert(n).inserted else { throw LayerError.duplicateName(n) }
        }
    }

    public var sublayers: [any Layer] { layers }

    public var parameters: [(key: String, value: Tensor)] { layers.flatMap(\.parameters) }

    public mutating func setParameter(_ key: String, to value: Tensor) throws {
        guard let i = layers.firstIndex(where: { $0.parameters.contains { $0.key == key } }) else {
            throw LayerError.unknownParameter(key: key, layer: name)
        }
        try layers[i].setParameter(key, to: value)
    }

    public func outputShape(for input: Shape) throws -> Shape {
        try layers.reduce(input) { try $1.outputShape(for: $0) }
    }

    public func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let r = run(input, context: &context) { layer, x, context in
            let (y, pullback) = layer.forward(x, context: &context)
            return (y, .linear, pullback)
        }
        return (r.output, r.pullback)
    }

    /// Runs every layer; the last one without its final activation when it exposes logits.
    package func forwardLogits(_ input: Tensor, context: inout ForwardContext)
        -> (logits: Tensor, activation: ActivationFunction, pullback: Pullback?) {
        let r = run(input, context: &context) { layer, x, context in
            if let exposing = layer as? any LogitsExposing {
                let (z, activation, pullback) = exposing.forwardLogits(x, context: &context)
                return (z, activation, pullback)
            }
            let (y, pullback) = layer.forward(x, context: &context)
            return (y, .linear, pullback)
        }
        return (r.output, r.activation, r.pullback)
    }

    /// Whether each child will be asked for its input gradient (`needsInput`) and whether its
    /// pullback is needed at all (`needsPullback`) in a forward pass with `context`: child i needs
    /// its input gradient when the caller does or a child before it has a trainable parameter.
    package func gradientPlan(_ context: ForwardContext) -> (needsInput: [Bool], needsPullback: [Bool]) {
        var needsInput: [Bool] = [], needsPullback: [Bool] = []
        var below = context.needsInputGradient
        for layer in layers {
            let trains = !context.trainable.isEmpty && layer.parameters.contains { context.trainable.contains($0.key) }
            needsInput.append(below)
            needsPullback.append(below || trains)
            below = below || trains
        }
        return (needsInput, needsPullback)
    }

    private typealias Step = (any Layer, Tensor, inout ForwardContext) -> (output: Tensor, activation: ActivationFunction, pullback: Pullback?)

    /// The forward loop; `last` runs the final layer (plain or logits-splitting).
    private func run(_ input: Tensor, context: inout ForwardContext, last: Step)
        -> (output: Tensor, activation: ActivationFunction, pullback: Pullback?) {
        let plan = gradientPlan(context)
        var x = input
        var activation = ActivationFunction.linear
        var kept: [Pullback] = []   // pullbacks of children first ..< layers.count
        let first = plan.needsPullback.firstIndex(of: true) ?? layers.count
        var fusedPool = false   // the previous child already applied this one (a max-pool)
        for (i, layer) in layers.enumerated() {
            if fusedPool { fusedPool = false; continue }
            var child = context
            child.needsInputGradient = plan.needsInput[i]
            // A convolution followed by a max-pool, neither needing a pullback (VGG16's frozen block
            // ends): pooled as the convolution writes its output.
            if i + 1 < first, i + 1 < layers.count - 1, let conv = layer as? Conv2D,
               let pool = layers[i + 1] as? MaxPool2D, let y = conv.forwardMaxPooled(x, by: pool, context: child) {
                x = y
                fusedPool = true
                continue
            }
            let y: Tensor, pullback: Pullback?
            if i == layers.count - 1 {
                (y, activation, pullback) = last(layer, x, &child)
            } else {
                (y, pullback) = layer.forward(x, context: &child)
            }
            context.rng = child.rng
            context.stateUpdates = child.stateUpdates
            if i >= first {
                guard let pullback else {
                    preconditionFailure("layer '\(layer.name)' returned no pullback although a gradient is needed (see Layer.forward)")
                }
                kept.append(pullback)
            }
            x = y
        }
        guard first < layers.count else {
            // Only an empty Sequential gets here with an input-gradient request: it is the identity.
            return (x, activation, context.needsInputGradient ? Pullback { LayerGradients(input: $0) } : nil)
        }
        let needsInput = context.needsInputGradient
        // Leaf children report to the hook; a nested container reports its own leaves.
        let hook = context.layerGradientsReady
        let reporting = hook == nil ? [] : layers[first...].map { $0.sublayers.isEmpty ? $0.name : nil }
        return (x, activation, Pullback { dy in
            var g = dy
            var parameters: [String: Tensor] = [:]
            for k in kept.indices.reversed() {
                let r = kept[k](g)
                if let hook, let name = reporting[k] { hook(name, r.parameters) }
                parameters.merge(r.parameters) { new, _ in new }
                if k > 0 || needsInput {
                    guard let input = r.input else {
                        preconditionFailure("a layer of '\(self.name)' returned no input gradient although it was asked for one")
                    }
                    g = input
                }
            }
            return LayerGradients(input: needsInput ? g : nil, parameters: parameters)
        })
    }
}

extension Sequential {
    /// Every layer of the tree in forward order, containers before their children (pre-order),
    /// not including `self`.
    package var allLayers: [any Layer] {
        layers.flatMap { layer -> [any Layer] in
            [layer] + Sequential.descendants(of: layer)
        }
    }

    /// The layers without sublayers, in forward order.
    package var leafLayers: [any Layer] { allLayers.filter { $0.sublayers.isEmpty } }

    /// The layer named `name` anywhere in the tree (or `self`), if any.
    public func layer(named name: String) -> (any Layer)? {
        name == self.name ? self : allLayers.first { $0.name == name }
    }

    static func descendants(of layer: any Layer) -> [any Layer] {
        layer.sublayers.flatMap { [$0] + descendants(of: $0) }
    }
}
