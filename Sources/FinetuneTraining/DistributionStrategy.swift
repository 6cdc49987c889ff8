/// How a ``Trainer`` combines the work of several processes that train one model together
/// (data parallelism), without knowing how they talk to each other.
///
/// Each process reads its own ``/FinetuneData/DataShard`` of every batch. After the backward
/// pass the trainer packs, in one flat buffer, each trainable gradient multiplied by the
/// process's sample count, then the loss and metric sums and the sample count itself, and asks
/// the strategy for the elementwise sum over processes — one collective call per step. Dividing by the summed count
/// gives every process the gradient, loss and metric one process would have computed on the
/// whole batch, so every process takes the same optimizer step and logs the same history.
/// Frozen parameters are never in the buffer. Evaluation sums its loss, metric and sample counts
/// the same way once per pass.
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
}

extension DistributionStrategy {
    /// Whether this process is the one that writes files (rank 0).
    public var isPrimary: Bool { rank == 0 }
}
