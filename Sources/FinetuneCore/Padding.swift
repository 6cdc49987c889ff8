/// Keras' padding modes for convolution and pooling.
public enum Padding: String, Sendable, Codable, CaseIterable {
    /// No padding: out = ⌊(in − k) / s⌋ + 1.
    case valid
    /// Zero padding so that out = ⌈in / s⌉; the total padding max((out−1)·s + k − in, 0) is split
    /// with the smaller half on top/left (TensorFlow's asymmetric rule).
    case same
}
