import ArgumentParser

/// How `finetune train` draws each pass of training images (`--sampling`).
package enum Sampling: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// Keras' `flow_from_directory(shuffle=True)`: every image once a pass, in a new random order.
    case shuffle
    /// Class-balanced draws with replacement (PyTorch's `WeightedRandomSampler` with
    /// inverse-frequency weights): each class equally often on average, minority classes
    /// over-sampled (`DirectorySource.balanced()`).
    case balanced
}
