import FinetuneCore
import FinetuneData

/// A fixed-order in-memory source for trainer tests: batch i of a pass is samples
/// [i·b, (i+1)·b), as Keras' `fit(x, y, shuffle=False)` slices arrays.
struct TensorSource: DataSource {
    let images: Tensor
    let labels: Tensor
    let batchSize: Int
    var position = DataSourcePosition()

    init(images: Tensor, labels: Tensor, batchSize: Int) {
        self.images = images
        self.labels = labels
        self.batchSize = batchSize
    }

    var sampleCount: Int { images.shape[0] }
    var classNames: [String] { ["0", "1"] }

    mutating func next() throws -> Batch {
        let lo = position.batch * batchSize, hi = min(lo + batchSize, sampleCount)
        position.batch += 1
        if position.batch == batchesPerPass { position = DataSourcePosition(pass: position.pass + 1, batch: 0) }
        return Batch(images: images.slice(batch: lo..<hi), labels: labels.slice(batch: lo..<hi))
    }

    mutating func seek(to position: DataSourcePosition) throws { self.position = position }
}

/// The same fixed-order source, declaring that every pass is identical (so frozen features may be cached).
struct RepeatableTensorSource: DataSource {
    var inner: TensorSource
    var sampleCount: Int { inner.sampleCount }
    var batchSize: Int { inner.batchSize }
    var classNames: [String] { inner.classNames }
    var position: DataSourcePosition { inner.position }
    mutating func next() throws -> Batch { try inner.next() }
    mutating func seek(to position: DataSourcePosition) throws { try inner.seek(to: position) }
    var repeatablePassIdentity: String? { "repeatable-tensor-source" }
}
