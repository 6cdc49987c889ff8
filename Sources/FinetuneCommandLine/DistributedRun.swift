import Finetune
import FinetuneDistributed

/// What the training workflow needs to know about a data-parallel job (`--distributed`, under
/// mpirun), without naming MPI: the tools build without the MPI trait and only `--distributed`
/// needs it.
package struct DistributedRun {
    let strategy: any DistributionStrategy
    let shard: DataShard
    /// Makes a trainer train with the job and start from rank 0's state.
    let attach: (Trainer) throws -> Void
    /// Waits for every rank.
    let barrier: () throws -> Void

    /// Whether this process prints and writes files (rank 0).
    var isPrimary: Bool { strategy.isPrimary }

    #if MPI
    init(_ parallel: DataParallel) {
        strategy = parallel
        shard = parallel.shard
        attach = { try parallel.attach(to: $0) }
        barrier = { try parallel.communicator.barrier() }
    }
    #endif

    /// Runs the workflow on every rank of an MPI job; a rank that fails ends the job.
    static func run(_ configuration: TrainConfiguration, stop: StopSignal) throws {
        #if MPI
        let parallel = try DataParallel(bucketBytes: configuration.bucketBytes,
                                        overlapsBackward: configuration.overlapsBackward)
        let messages = ErrorMessages(program: configuration.commandName)
        _ = parallel.abortingOnError(program: configuration.commandName, describe: { messages.describe($0).message }) {
            try TrainWorkflow(configuration: configuration, stop: stop, distribution: DistributedRun(parallel)).run()
        }
        parallel.finalize()
        #else
        throw DistributedError.notBuiltWithMPI
        #endif
    }
}
