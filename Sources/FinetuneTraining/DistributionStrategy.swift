/// How a ``Trainer`` combines the work of several processes that train one model together
/// (data parallelism), without knowing how they talk to each other.
///
/// Each process reads its own ``/FinetuneData/DataShard`` of every batch. The trainer packs, in
/// one flat buffer, each trainable gradient multiplied by the process's sample count — in
/// backward order, the last layer's first — then the loss and metric sums and the sample count
/// itself, and asks the strategy for the elementwise sum over processes. Dividing by the summed
/// count gives every process the gradient, loss and metric one process would have computed on
/// the whole batch, so every process takes the same optimizer step and logs the same history.
/// Frozen parameters are never in the buffer. Evaluation sums its loss, metric and sample counts
/// the same way once per pass.
///
/// The step's buffer is summed in buckets of at most ``bucketBytes`` bytes, in buffer order, with
/// ``beginSum(_:)``, then ``finishSums()`` before the optimizer step. With ``overlapsBackward``
/// the trainer begins each bucket as soon as the backward pass has finished every gradient in
/// it, and calls ``progressSums()`` after each layer's pullback, so the reduction of the last
/// layers' gradients can run while the first layers are still being differentiated. A strategy
/// that implements only the two `sum` methods gets one bucket, summed with `sum` when begun.
///
/// Every process must make the same calls in the same order with buffers of the same length;
/// an implementation stops the whole job (not just this process) when one process fails, so no
/// process waits forever for a peer that has given up.
public protocol DistributionStrategy: AnyObject {
    /// This process's index, `0 ..< worldSize`. Process 0 writes checkpoints and files.
    var rank: Int { get }
    /// Number of processes training together.
    var worldSize: Int { get }
    /// Replaces `buffer` by its elementwise sum over all processes.
    func sum(_ buffer: inout [Float]) throws
    /// Replaces `buffer` by its elementwise sum over all processes.
    func sum(_ buffer: inout [Double]) throws

    /// The largest part of a step's buffer, in bytes, that one ``beginSum(_:)`` carries (at
    /// least one float); a bucket may end inside a gradient tensor.
    var bucketBytes: Int { get }
    /// Whether buckets are begun during the backward pass, as soon as their gradients are final,
    /// rather than after it.
    var overlapsBackward: Bool { get }
    /// Starts replacing `bucket` by its elementwise sum over all processes. The memory stays
    /// allocated and untouched until ``finishSums()`` returns; buckets are begun in the same
    /// order on every process.
    func beginSum(_ bucket: UnsafeMutableBufferPointer<Float>) throws
    /// Lets begun sums advance without waiting for them (between layers of the backward pass).
    func progressSums() throws
    /// Returns when every begun sum is complete and in place.
    func finishSums() throws
}

extension DistributionStrategy {
    /// Whether this process is the one that writes files (rank 0).
    public var isPrimary: Bool { rank == 0 }

    /// One bucket: the whole buffer.
    public var bucketBytes: Int { Int.max }
    /// Buckets begin after the backward pass.
    public var overlapsBackward: Bool { false }
    /// Sums `bucket` at once, through a copy, with the `[Float]` `sum(_:)`.
    public func beginSum(_ bucket: UnsafeMutableBufferPointer<Float>) throws {
        var copy = Array(bucket)
        try sum(&copy)
        _ = bucket.update(fromContentsOf: copy)
    }
    /// Nothing to advance: ``beginSum(_:)`` finished each sum.
    public func progressSums() throws {}
    /// Nothing to wait for: ``beginSum(_:)`` finished each sum.
    public func finishSums() throws {}
}
