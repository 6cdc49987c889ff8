import FinetuneCore

/// An elementwise (or, for softmax, per-row) activation, as Keras names them.
///
/// Every backward formula is written in terms of the activation's *output* y, so a layer keeps
/// only y for its pullback: relu dx = dy·[y > 0]; sigmoid dx = dy·y(1 − y);
/// softmax (last axis) dx = y ⊙ (dy − Σ dy·y); linear dx = dy.
public enum ActivationFunction: String, Sendable, Hashable, CaseIterable, Codable {
    /// Identity, max(z, 0), 1 / (1 + e^(−z)), and e^(z_c) / Σ_k e^(z_k) over the last axis.
    case linear, relu, sigmoid, softmax

    /// y = f(z).
    package func callAsFunction(_ z: Tensor) -> Tensor {
        switch self {
        case .linear: return z
        case .relu: return reluForward(z)
        case .sigmoid: return sigmoidForward(z)
        case .softmax: return softmaxForward(z)
        }
    }

    /// dL/dz from dL/dy and the output y = f(z).
    package func backward(output y: Tensor, outputGradient dy: Tensor) -> Tensor {
        switch self {
        case .linear: return dy
        case .relu: return reluBackward(output: y, outputGradient: dy)
        case .sigmoid: return sigmoidBackward(output: y, outputGradient: dy)
        case .softmax: return softmaxBackward(output: y, outputGradient: dy)
        }
    }

    /// Whether this is a probability head whose input a loss can use as logits (Keras 3 caches
    /// it as `_keras_logits`).
    package var producesProbabilities: Bool { self == .sigmoid || self == .softmax }
}

/// Applies `activation` after a linear map that returned logits `z` and a pullback taking dL/dz;
/// returns y = f(z) and a pullback taking dL/dy. Only y is kept (not z).
func activated(_ activation: ActivationFunction, logits z: Tensor, pullback: Pullback?)
    -> (output: Tensor, pullback: Pullback?) {
    if activation == .linear { return (z, pullback) }
    let y = activation(z)
    guard let pullback else { return (y, nil) }
    return (y, Pullback { dy in pullback(activation.backward(output: y, outputGradient: dy)) })
}

/// Σ over every axis but the last: the bias gradient of a layer whose bias is added per channel.
func sumOverLeadingAxes(_ t: Tensor) -> Tensor {
    let c = t.shape.dimensions.last ?? 1
    return Tensor(shape: [c]) { out in
        out.update(repeating: 0)
        t.withUnsafeBufferPointer { p in
            for r in 0..<(p.count / max(c, 1)) { for j in 0..<c { out[j] += p[r * c + j] } }
        }
    }
}
