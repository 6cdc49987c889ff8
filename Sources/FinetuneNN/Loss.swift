#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import FinetuneCore

/// A training loss: the mean over the batch and its gradient.
///
/// The loss receives the whole ``Prediction``, so it can compute from the logits of a final
/// sigmoid/softmax as Keras 3 does (TF backend: `_keras_logits`). The gradient is tagged with what
/// it is taken with respect to (output or logits); the model's `PredictionPullback` accepts both.
public protocol Loss: Sendable {
    /// Keras' name (`binary_crossentropy`), for logs.
    var name: String { get }
    /// The mean loss over the batch for `prediction` against `labels` (same shape as the output),
    /// and its gradient with respect to the output or, when the loss used them, the logits.
    func evaluate(_ prediction: Prediction, labels: Tensor) -> LossEvaluation
}

/// A loss value (mean over the batch) and its gradient.
public struct LossEvaluation: Sendable {
    /// The loss, a mean over the batch.
    public var value: Float
    /// dL/d(output) or dL/d(logits) of the mean loss.
    public var gradient: PredictionGradient
    /// A loss value and its gradient.
    public init(value: Float, gradient: PredictionGradient) {
        self.value = value
        self.gradient = gradient
    }
}

/// How a cross-entropy turns probabilities into a loss.
public enum CrossEntropyPath: Sendable, Hashable {
    /// Keras 3, TF backend (the default): from the logits of the final sigmoid/softmax,
    /// ℓ = max(x, 0) − x·z + log(1 + e^(−|x|)) — stable, never clipped. A model without such a
    /// final activation falls back to `clipped(1e-7)`, as Keras does.
    case logits
    /// Keras 2.0.8 and the JAX/NumPy backends: p clipped to [ε, 1 − ε], ℓ = −(z log p + (1 − z) log(1 − p));
    /// the gradient is zero where p was clipped.
    case clipped(epsilon: Float)

    /// Keras' `backend.epsilon()`.
    package static let kerasEpsilon: Float = 1e-7
}

/// Keras' `binary_crossentropy`, mean over all elements (= mean over the batch for one output).
///
/// `fromLogits: true` means the model's output already *is* the logits (no final sigmoid).
/// `labelSmoothing` s (Keras' `label_smoothing`, Szegedy et al. 2016) trains towards
/// z·(1 − s) + s/2 instead of the labels z: 1 − s/2 for the positive class, s/2 for the negative.
package struct BinaryCrossEntropy: Loss {
    /// How probabilities become a loss: from the logits (Keras 3, default) or clipped.
    package var path: CrossEntropyPath
    /// The model's output already is the logits (no final activation); Keras' `from_logits`.
    package var fromLogits: Bool
    /// s ∈ [0, 1]; 0 trains on the labels as they are.
    package var labelSmoothing: Double
    package var name: String { "binary_crossentropy" }

    /// Keras 3's defaults: the logits path, output not logits, no label smoothing.
    package init(path: CrossEntropyPath = .logits, fromLogits: Bool = false, labelSmoothing: Double = 0) {
        precondition((0...1).contains(labelSmoothing), "BinaryCrossEntropy: labelSmoothing must be in [0, 1]")
        self.path = path
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
    }

    package func evaluate(_ prediction: Prediction, labels: Tensor) -> LossEvaluation {
        // Keras: y·(1 − s) + 0.5·s, both factors rounded from double precision.
        let labels = labelSmoothing == 0 ? labels
            : smoothed(labels, keep: Float(1 - labelSmoothing), add: Float(0.5 * labelSmoothing))
        if case .logits = path, let z = prediction.logits, prediction.finalActivation == .sigmoid {
            let r = binaryCrossEntropyFromLogits(logits: z, labels: labels)
            return LossEvaluation(value: r.value, gradient: .logits(r.gradient))
        }
        if fromLogits {
            let r = binaryCrossEntropyFromLogits(logits: prediction.output, labels: labels)
            return LossEvaluation(value: r.value, gradient: .output(r.gradient))
        }
        let epsilon: Float
        if case let .clipped(e) = path { epsilon = e } else { epsilon = CrossEntropyPath.kerasEpsilon }
        let r = binaryCrossEntropyFromProbabilities(prediction.output, labels: labels, epsilon: epsilon)
        return LossEvaluation(value: r.value, gradient: .output(r.gradient))
    }
}

/// Keras' `categorical_crossentropy` over the last axis (one-hot labels), mean over rows.
///
/// Logits path: ℓ = −Σ_c z_c (x_c − log Σ_k e^(x_k)); dℓ/dx = (softmax(x)·Σ_c z_c − z) / rows.
/// `labelSmoothing` s (Keras' `label_smoothing`) trains towards z·(1 − s) + s/k for k classes.
package struct CategoricalCrossEntropy: Loss {
    /// How probabilities become a loss: from the logits (Keras 3, default) or clipped.
    package var path: CrossEntropyPath
    /// The model's output already is the logits (no final activation); Keras' `from_logits`.
    package var fromLogits: Bool
    /// s ∈ [0, 1]; 0 trains on the labels as they are.
    package var labelSmoothing: Double
    package var name: String { "categorical_crossentropy" }

    /// Keras 3's defaults: the logits path, output not logits, no label smoothing.
    package init(path: CrossEntropyPath = .logits, fromLogits: Bool = false, labelSmoothing: Double = 0) {
        precondition((0...1).contains(labelSmoothing), "CategoricalCrossEntropy: labelSmoothing must be in [0, 1]")
        self.path = path
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
    }

    package func evaluate(_ prediction: Prediction, labels: Tensor) -> LossEvaluation {
        // Keras: y·(1 − s) + s / k, with 1 − s rounded from double precision and s / k in Float32.
        let classes = labels.rank > 0 ? labels.shape[labels.rank - 1] : 1
        let labels = labelSmoothing == 0 ? labels
            : smoothed(labels, keep: Float(1 - labelSmoothing), add: Float(labelSmoothing) / Float(classes))
        if case .logits = path, let z = prediction.logits, prediction.finalActivation == .softmax {
            let r = Self.fromLogits(z, labels: labels)
            return LossEvaluation(value: r.value, gradient: .logits(r.gradient))
        }
        if fromLogits {
            let r = Self.fromLogits(prediction.output, labels: labels)
            return LossEvaluation(value: r.value, gradient: .output(r.gradient))
        }
        let epsilon: Float
        if case let .clipped(e) = path { epsilon = e } else { epsilon = CrossEntropyPath.kerasEpsilon }
        let r = categoricalCrossEntropy(prediction.output, labels: labels, epsilon: epsilon)
        return LossEvaluation(value: r.value, gradient: .output(r.gradient))
    }

    /// Softmax cross-entropy from logits x (rows × classes) and labels z of the same shape.
    static func fromLogits(_ x: Tensor, labels z: Tensor) -> (value: Float, gradient: Tensor) {
        precondition(x.shape == z.shape && x.rank == 2, "categorical cross-entropy: logits \(x.shape) vs labels \(z.shape)")
        let rows = x.shape[0], k = x.shape[1]
        var total = 0.0
        let gradient = Tensor(shape: x.shape) { g in
            x.withUnsafeBufferPointer { xp in z.withUnsafeBufferPointer { zp in
                for r in 0..<rows {
                    let o = r * k
                    var m = -Float.infinity
                    for c in 0..<k { m = max(m, xp[o + c]) }
                    var s: Float = 0
                    for c in 0..<k { s += expf(xp[o + c] - m) }
                    let logSum = m + logf(s)
                    var zsum: Float = 0
                    for c in 0..<k { zsum += zp[o + c]; total -= Double(zp[o + c] * (xp[o + c] - logSum)) }
                    for c in 0..<k { g[o + c] = (expf(xp[o + c] - logSum) * zsum - zp[o + c]) / Float(rows) }
                }
            } }
        }
        return (Float(total / Double(max(rows, 1))), gradient)
    }
}

/// Label smoothing: z·keep + add, element-wise.
func smoothed(_ labels: Tensor, keep: Float, add: Float) -> Tensor {
    Tensor(shape: labels.shape, scalars: labels.scalars.map { $0 * keep + add })
}

/// Keras' built-in losses (`keras.losses.*`), made by name, with Keras 3's defaults; a loss of your
/// own conforms to ``Loss``.
public enum Losses {
    /// Keras' `binary_crossentropy`, the mean over all elements. Keras 3 computes it from the logits
    /// of a final sigmoid (ℓ = max(x, 0) − x·z + log(1 + e^(−|x|)), never clipped) and this loss does
    /// the same (`path: .logits`); `.clipped(epsilon:)` is Keras 2.0.8's clipped-probability formula.
    /// `fromLogits: true` means the model's output already is the logits (no final sigmoid).
    /// `labelSmoothing` s trains on z(1 − s) + s/2, as Keras 3's `label_smoothing`.
    public static func binaryCrossEntropy(path: CrossEntropyPath = .logits, fromLogits: Bool = false,
                                          labelSmoothing: Double = 0) -> any Loss {
        BinaryCrossEntropy(path: path, fromLogits: fromLogits, labelSmoothing: labelSmoothing)
    }

    /// Keras' `categorical_crossentropy` over the last axis (one-hot labels), the mean over rows;
    /// from the logits of a final softmax as Keras 3 does, or clipped as Keras 2.0.8.
    /// `labelSmoothing` s trains on z(1 − s) + s/k for k classes, as Keras 3's `label_smoothing`.
    public static func categoricalCrossEntropy(path: CrossEntropyPath = .logits, fromLogits: Bool = false,
                                               labelSmoothing: Double = 0) -> any Loss {
        CategoricalCrossEntropy(path: path, fromLogits: fromLogits, labelSmoothing: labelSmoothing)
    }
}
