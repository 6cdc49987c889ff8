import FinetuneCore

/// How labels are given (Keras' `class_mode`).
public enum ClassMode: String, Sendable, Hashable, CaseIterable {
    /// Class index as a float, shape (n, 1) — Chollet's `class_mode="binary"`.
    case binary
    /// One-hot rows, shape (n, classes).
    case categorical
    /// Class index as a float, shape (n, 1) (Keras' `sparse`; numerically the same as binary).
    case sparse
    /// No labels: shape (n, 0).
    case none

    /// The label tensor for samples with class indices `classes`.
    package func labels(_ classes: [Int], classCount: Int) -> Tensor {
        switch self {
        case .binary, .sparse:
            return Tensor(shape: [classes.count, 1], scalars: classes.map(Float.init))
        case .categorical:
            var t = Tensor.zeros([classes.count, classCount])
            for (i, c) in classes.enumerated() { t.scalars[i * classCount + c] = 1 }
            return t
        case .none:
            return Tensor(shape: [classes.count, 0], scalars: [])
        }
    }
}

/// What a source does with a file it cannot use.
public enum BadFilePolicy: Sendable, Hashable {
    /// Throw the ``DataError`` (default): the batch is not served and the position does not move.
    case `throw`
    /// Leave the file out of its batch (which gets smaller), print a warning once per file to
    /// standard error, and count it in `skippedFiles`. Empty class folders are kept as classes
    /// with no samples.
    case skip
}

/// A file left out under ``BadFilePolicy/skip``.
public struct SkippedFile: Sendable, Hashable {
    public let path: String
    public let reason: String
}
