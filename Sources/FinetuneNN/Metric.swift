import FinetuneCore

/// A per-batch metric on the model's output; the trainer averages batches weighted by size.
public protocol Metric: Sendable {
    /// Keras' log name (`acc`).
    var name: String { get }
    /// The metric of one batch.
    func callAsFunction(_ output: Tensor, labels: Tensor) -> Float
}

/// Keras' `binary_accuracy` (`acc` for one sigmoid output): mean(1[p > threshold] == z), strict `>`.
package struct BinaryAccuracy: Metric {
    /// A prediction counts as class 1 when p > threshold (strictly).
    package var threshold: Float
    package var name: String
    /// Keras' defaults: threshold 0.5, logged as `acc`.
    package init(threshold: Float = 0.5, name: String = "acc") {
        self.threshold = threshold
        self.name = name
    }
    package func callAsFunction(_ output: Tensor, labels: Tensor) -> Float {
        binaryAccuracy(probabilities: output, labels: labels, threshold: threshold)
    }
}

/// Keras' `categorical_accuracy`: the fraction of rows whose arg-max matches the label's.
package struct CategoricalAccuracy: Metric {
    package var name: String
    /// Logged as `name` (`acc` by default).
    package init(name: String = "acc") { self.name = name }
    package func callAsFunction(_ output: Tensor, labels: Tensor) -> Float {
        categoricalAccuracy(probabilities: output, labels: labels)
    }
}

/// Keras' built-in metrics (`keras.metrics.*`), made by name; a metric of your own conforms to
/// ``Metric``.
public enum Metrics {
    /// Keras' `binary_accuracy` (`acc` for one sigmoid output): mean(1[p > threshold] == z), strict
    /// `>`; Keras' defaults, threshold 0.5 and logged as `acc`.
    public static func binaryAccuracy(threshold: Float = 0.5, name: String = "acc") -> any Metric {
        BinaryAccuracy(threshold: threshold, name: name)
    }

    /// Keras' `categorical_accuracy`: the fraction of rows whose arg-max matches the label's,
    /// logged as `name`.
    public static func categoricalAccuracy(name: String = "acc") -> any Metric { CategoricalAccuracy(name: name) }
}
