import Finetune
import FinetuneDistributed

/// What the workflow needs to know about a data-parallel job (`--distributed`, under mpirun),
/// without naming MPI: the demo builds without the MPI trait and only `--distributed` needs it.
struct DemoDistribution {
    let strategy: any DistributionStrategy
    let shard: DataShard
    /// Makes a trainer train with the job and start from rank 0's state.
    let attach: (Trainer) throws -> Void
    /// Waits for every rank.
    let barrier: () throws -> Void

    #if MPI
    init(_ parallel: DataParallel) {
        strategy = parallel
        shard = parallel.shard
        attach = { try parallel.attach(to: $0) }
        barrier = { try parallel.communicator.barrier() }
    }
    #endif

    /// Runs the workflow on every rank of an MPI job; a rank that fails ends the job.
    static func run(_ options: DemoOptions) throws {
        #if MPI
        let parallel = try DataParallel()
        parallel.abortingOnError {
            try DemoWorkflow(options: options, arguments: CommandLine.arguments, stop: .process,
                             distribution: DemoDistribution(parallel)).run()
        }
        parallel.finalize()
        #else
        throw DistributedError.notBuiltWithMPI
        #endif
    }
}
