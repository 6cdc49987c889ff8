import ArgumentParser
import Foundation
import FinetuneDistributed
import FinetuneRuntime

/// `mpirun -np N finetune-mpi <command>` — data-parallel checks and measurements under MPI.
/// Built for real only with `swift build --traits MPI`; without the trait it says so and exits 1.
@main
struct FinetuneMPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune-mpi",
        abstract: "Data-parallel training over MPI: equivalence and failure checks, and a step-time benchmark.",
        discussion: "Run under mpirun, e.g. `mpirun -np 2 .build/release/finetune-mpi check`.",
        subcommands: [EquivalenceCheck.self, FailureCheck.self, ScalingBenchmark.self, ArticleExample.self])

    /// Runs with the process settings of the other executables (``Runtime/configureProcess()``).
    static func main() {
        Runtime.configureProcess()
        main(nil)
    }
}

/// Ends with the rebuild instruction when MPI is not compiled in.
func requireMPI() throws {
    #if !MPI
    FileHandle.standardError.write(Data("finetune-mpi: \(DistributedError.notBuiltWithMPI)\n".utf8))
    throw ExitCode.failure
    #endif
}
