import FinetuneCore

/// A per-batch metric on the model's output; the trainer averages batches weighted by size.
public protocol Metric: Sendable {
    /// Keras' log name (`acc`).
    var name: String { get }
    /// The metric of one batch.
    func callAsFunction(_ output: Tensor, labels: Tensor) -> Float
}

/// Keras' `binary_accuracy` (`acc` for one sigmoid output): mean(1[p > threshold] == z), strict `>`.
public struct BinaryAccuracy: Metric {
    /// A prediction counts as class 1 when p > threshold (strictly).
    package var threshold: Float
    public var name: String
    /// Keras' defaults: threshold 0.5, logged as `acc`.
    public init(threshold: Float = 0.5, name: String = "acc") {
        self.threshold = threshold
        self.name = name
    }
    public func callAsFunction(_ output: Tensor, labels: Tensor) -> Float {
        binaryAccuracy(probabilities: output, labels: labels, threshold: threshold)
    }
}

/// Keras' `categorical_accuracy`: the fraction of rows whose arg-max matches the label's.
public struct CategoricalAccuracy: Metric {
    public var name: String
    /// Logged as `name` (`acc` by default).
    public init(name: String = "acc") { self.name = name }
    public func callAsFunction(_ output: Tensor, labels: Tensor) -> Float {
        categoricalAccuracy(probabilities: output, labels: labels)
    }
}
