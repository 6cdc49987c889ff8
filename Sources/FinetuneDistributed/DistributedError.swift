/// Why data-parallel training could not start or go on; each case says what to do.
public enum DistributedError: Error, CustomStringConvertible {
    /// An MPI call returned an error code.
    case mpi(call: String, code: Int)
    /// The MPI library offers less than `MPI_THREAD_FUNNELED`.
    case threadSupport(provided: Int)
    /// Ranks hold different training state where they must agree.
    case ranksDisagree(what: String, ranks: [Int])
    /// A source passed to a distributed `fit` or `evaluate` is not this rank's shard.
    case unshardedSource(role: String, expected: String, got: String)
    /// The package was built without the `MPI` trait.
    case notBuiltWithMPI
    /// A bucket size under one float.
    case invalidBucketSize(Int)

    public var description: String {
        switch self {
        case let .mpi(call, code):
            return "\(call) failed with MPI error code \(code)"
        case let .threadSupport(provided):
            return "the MPI library offers thread level \(provided), below MPI_THREAD_FUNNELED; use an MPI built with thread support (Open MPI's default)"
        case let .ranksDisagree(what, ranks):
            return "ranks disagree about \(what) (ranks \(ranks.map(String.init).joined(separator: ", ")) differ from rank 0): start every rank from the same checkpoint and configuration"
        case let .unshardedSource(role, expected, got):
            return "the \(role) source serves \(got), but this rank needs \(expected): pass `source.sharded(parallel.shard)`"
        case let .invalidBucketSize(bytes):
            return "a gradient bucket of \(bytes) bytes holds no float: use at least 4 bytes"
        case .notBuiltWithMPI:
            return "this program was built without MPI: rebuild with `swift build --traits MPI` (needs libopenmpi-dev)"
        }
    }
}
