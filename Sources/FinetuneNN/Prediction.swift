import FinetuneCore

/// A layer whose output is f(z) for a final activation f, and that can hand out z.
///
/// Keras 3 (TF backend) caches the input of a final sigmoid/softmax on its output tensor
/// (`_keras_logits`), and `binary_crossentropy` / `categorical_crossentropy` then compute from
/// those logits — numerically stable, no clipping. This protocol is the explicit version of that
/// trick: `Dense`, `Conv2D`, `Activation` and ``Sequential`` (through its last layer) conform,
/// so a model built like Chollet's (`Dense(1, sigmoid)` last) exposes its logits to the loss.
package protocol LogitsExposing: Layer {
    /// Runs the layer without its final activation. The pullback takes dL/d(logits).
    func forwardLogits(_ input: Tensor, context: inout ForwardContext)
        -> (logits: Tensor, activation: ActivationFunction, pullback: Pullback?)
}

/// What a model predicts for a batch: its output and, when the model ends in a sigmoid or
/// softmax, the logits that went into it.
public struct Prediction: Sendable {
    /// The model's output (probabilities for a sigmoid/softmax head).
    public var output: Tensor
    /// The input of the final sigmoid/softmax; `nil` when the model does not end in one.
    public var logits: Tensor?
    /// The final activation that maps ``logits`` to ``output`` (`.linear` when there are no logits).
    public var finalActivation: ActivationFunction

    /// A prediction; `finalActivation` is recorded only together with `logits`.
    public init(output: Tensor, logits: Tensor? = nil, finalActivation: ActivationFunction = .linear) {
        self.output = output
        self.logits = logits
        self.finalActivation = logits == nil ? .linear : finalActivation
    }
}

/// A loss gradient, with respect to the prediction's output or its logits.
public enum PredictionGradient: Sendable {
    /// dL/d(output).
    case output(Tensor)
    /// dL/d(logits), the input of the final sigmoid/softmax.
    case logits(Tensor)
}

/// Maps a ``PredictionGradient`` to the model's ``LayerGradients``.
package struct PredictionPullback {
    private let body: (PredictionGradient) -> LayerGradients
    init(_ body: @escaping (PredictionGradient) -> LayerGradients) { self.body = body }
    /// The model's gradients for a loss gradient.
    package func callAsFunction(_ gradient: PredictionGradient) -> LayerGradients { body(gradient) }
}

extension Layer {
    /// Runs the model and returns its ``Prediction``, with the logits of a final sigmoid/softmax
    /// split off when the model exposes them (``LogitsExposing``), and a pullback that accepts a
    /// gradient with respect to either the output or the logits.
    package func predict(_ input: Tensor, context: inout ForwardContext)
        -> (prediction: Prediction, pullback: PredictionPullback?) {
        if let exposing = self as? any LogitsExposing {
            let (z, activation, pullback) = exposing.forwardLogits(input, context: &context)
            let y = activation(z)
            let prediction = activation.producesProbabilities
                ? Prediction(output: y, logits: z, finalActivation: activation)
                : Prediction(output: y)
            guard let pullback else { return (prediction, nil) }
            return (prediction, PredictionPullback { gradient in
                switch gradient {
                case let .logits(dz):
                    precondition(activation.producesProbabilities, "a logits gradient for a model without logits")
                    return pullback(dz)
                case let .output(dy):
                    return pullback(activation.backward(output: y, outputGradient: dy))
                }
            })
        }
        let (y, pullback) = forward(input, context: &context)
        guard let pullback else { return (Prediction(output: y), nil) }
        return (Prediction(output: y), PredictionPullback { gradient in
            guard case let .output(dy) = gradient else {
                preconditionFailure("a logits gradient for a model without logits")
            }
            return pullback(dy)
        })
    }

    /// One training evaluation: forward, loss, backward. Returns the mean loss over the batch, the
    /// prediction (for metrics) and the gradients of the parameters in `context.trainable` — only
    /// those are computed, and back-propagation stops below the earliest trainable layer.
    package func lossAndGradients(_ input: Tensor, labels: Tensor, loss: some Loss,
                                 context: inout ForwardContext)
        -> (loss: Float, prediction: Prediction, gradients: [String: Tensor]) {
        let (prediction, pullback) = predict(input, context: &context)
        let evaluation = loss.evaluate(prediction, labels: labels)
        let gradients = pullback?(evaluation.gradient).parameters ?? [:]
        return (evaluation.value, prediction, gradients)
    }
}
