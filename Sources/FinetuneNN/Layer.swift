import FinetuneCore

/// Whether a forward pass is for training (dropout active) or inference. An argument, never a global.
public enum ForwardMode: Sendable, Hashable { case training, inference }

/// What a layer's forward pass needs to know besides its input.
public struct ForwardContext: Sendable {
    /// Training (dropout active) or inference.
    public var mode: ForwardMode
    /// Keys of the parameters that receive gradients; every other parameter is frozen. A frozen
    /// parameter's gradient is never computed.
    public var trainable: Set<String>
    /// Whether the caller needs dL/d(input) from the pullback. `false` for the first layer that
    /// has anything to train: back-propagation stops there.
    public var needsInputGradient: Bool
    /// Randomness for stochastic layers (dropout), passed in so runs replay exactly.
    public var rng: SeededRNG
    /// Set when the input is one process's part of a batch split across processes: the samples
    /// of the whole batch before this part, and in the whole batch. Stochastic layers then draw
    /// for the whole batch and keep this part's draws, as one process reading the whole batch
    /// would, and every process's `rng` ends in the same state.
    package var batchPart: (offset: Int, wholeCount: Int)? = nil
    /// Called by ``Sequential``'s pullback right after each of its leaf layers' pullbacks (the
    /// last layer first), with the layer's name and the gradients of its trainable parameters
    /// (empty for a layer with none); those gradients are final. A caller can start work on them
    /// — reducing them across processes — while the layers before are still differentiated. It
    /// only observes: `nil`, the default, costs nothing and the results are the same either way.
    package var layerGradientsReady: (@Sendable (_ layer: String, _ gradients: [String: Tensor]) -> Void)? = nil
    /// New values for parameters that are state rather than weights — `BatchNormalization`'s
    /// moving statistics — computed by training-mode forward passes, by parameter key. `forward`
    /// cannot change the layer, so it records them here; whoever runs the training step writes them
    /// into the model after the optimizer step (`try model.setParameters(context.stateUpdates)`;
    /// the `Trainer` does). Inference passes add none.
    public var stateUpdates: [String: Tensor] = [:]

    /// A context; the defaults train nothing and ask for no input gradient.
    public init(mode: ForwardMode, trainable: Set<String> = [], needsInputGradient: Bool = false,
                rng: SeededRNG = SeededRNG(seed: 0)) {
        self.mode = mode
        self.trainable = trainable
        self.needsInputGradient = needsInputGradient
        self.rng = rng
    }

    /// Inference: nothing trainable, no gradients.
    public static var inference: ForwardContext { ForwardContext(mode: .inference) }
}

/// What a pullback returns: the input gradient (when it was asked for) and the gradients of the
/// layer's trainable parameters, keyed like ``Layer/parameters``.
public struct LayerGradients: Sendable {
    /// dL/d(input), or `nil` when the context did not ask for it.
    public var input: Tensor?
    /// dL/d(parameter) for the layer's trainable parameters, by key.
    public var parameters: [String: Tensor]
    /// Gradients with the given input gradient and parameter gradients.
    public init(input: Tensor?, parameters: [String: Tensor] = [:]) {
        self.input = input
        self.parameters = parameters
    }
}

/// Maps dL/d(output) to ``LayerGradients``. Captures what the forward pass saved.
public struct Pullback {
    private let body: (Tensor) -> LayerGradients
    /// A pullback running `body`.
    public init(_ body: @escaping (Tensor) -> LayerGradients) { self.body = body }
    /// The gradients for dL/d(output) = `outputGradient`.
    public func callAsFunction(_ outputGradient: Tensor) -> LayerGradients { body(outputGradient) }
}

/// A differentiable map Tensor → Tensor with named parameters.
///
/// Conform one type to add a layer: no registration, no edits elsewhere. Parameters are
/// addressed by Keras keys, `"<layer name>.<weight name>"` (`block5_conv1.kernel`,
/// `dense_1.bias`); the same keys drive freezing, optimizer state, checkpoints and goldens.
public protocol Layer: Sendable {
    /// The Keras layer name (`block1_conv1`, `dense`, …); unique within a model.
    var name: String { get }

    /// Every parameter, in Keras' weight order (kernel before bias), with its key.
    var parameters: [(key: String, value: Tensor)] { get }

    /// Replaces the parameter with `key`. Throws ``LayerError`` for an unknown key or a shape
    /// that differs from the current one.
    mutating func setParameter(_ key: String, to value: Tensor) throws

    /// Layers nested inside this one, in order (empty for a leaf layer).
    var sublayers: [any Layer] { get }

    /// The output shape for an input shape (batch dimension included); throws when the input
    /// does not fit the layer.
    func outputShape(for input: Shape) throws -> Shape

    /// Runs the layer. Returns the output and, when anything below needs a gradient (the context
    /// asks for the input gradient, or one of this layer's parameters is trainable), a pullback.
    func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?)
}

extension Layer {
    public var parameters: [(key: String, value: Tensor)] { [] }
    public var sublayers: [any Layer] { [] }
    public mutating func setParameter(_ key: String, to value: Tensor) throws {
        throw LayerError.unknownParameter(key: key, layer: name)
    }

    /// Number of scalars in all parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.scalarCount } }

    /// Runs the layer for inference and returns only the output.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var context = ForwardContext.inference
        return forward(input, context: &context).output
    }
}

/// Errors about layers and their parameters; each names the layer or key and what was expected.
public enum LayerError: Error, Equatable, CustomStringConvertible {
    /// The layer (or model) has no parameter with this key.
    case unknownParameter(key: String, layer: String)
    /// A value for parameter `key` has the wrong shape.
    case shapeMismatch(key: String, expected: Shape, got: Shape)
    /// The layer cannot take an input of this shape (or a model cannot be built for it).
    case incompatibleInput(layer: String, input: Shape, reason: String)
    /// No layer has this name; `known` lists the names there are.
    case unknownLayer(name: String, known: [String])
    /// Two layers of one model share a name.
    case duplicateName(String)

    public var description: String {
        switch self {
        case let .unknownParameter(key, layer):
            return "layer '\(layer)' has no parameter '\(key)'"
        case let .shapeMismatch(key, expected, got):
            return "parameter '\(key)': expected shape \(expected), got \(got)"
        case let .incompatibleInput(layer, input, reason):
            return "layer '\(layer)' cannot take input \(input): \(reason)"
        case let .unknownLayer(name, known):
            return "no layer named '\(name)'; layers are: \(known.joined(separator: ", "))"
        case let .duplicateName(name):
            return "two layers are named '\(name)'; layer names must be unique within a model"
        }
    }
}
