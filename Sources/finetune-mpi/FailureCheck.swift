import ArgumentParser
import Foundation
import Finetune
import FinetuneDistributed

/// `mpirun -np N finetune-mpi fail --rank R --step S`: rank R throws while reading batch S of a
/// distributed `fit`; the job must end at once (MPI_Abort, non-zero exit) with
/// `rank R of N failed: …` on standard error, while the other ranks wait in the all-reduce.
struct FailureCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fail", abstract: "A rank that throws ends the whole job with its error (run under mpirun).")

    @Option(help: "The rank that fails.") var rank = 1
    @Option(help: "The 0-based training step at which it fails.") var step = 2
    @Flag(help: "Crash (SIGABRT) instead of throwing: mpirun itself must end the job.") var crash = false

    func run() throws {
        try requireMPI()
        #if MPI
        let parallel = try DataParallel()
        parallel.abortingOnError {
            let fixture = Fixture()
            let trainer = try fixture.phase1Trainer()
            try parallel.attach(to: trainer)
            var train = FailingSource(base: try fixture.training().sharded(parallel.shard),
                                      failAt: parallel.rank == rank ? step : nil, crash: crash)
            try trainer.fit(&train, epochs: 1, stepsPerEpoch: step + 2)
        }
        parallel.finalize()
        print("finetune-mpi fail: no rank failed (is --rank \(rank) within the world?)")
        #endif
    }
}

/// A source that throws when asked for batch `failAt` (counting from its first `next()`).
struct FailingSource<Base: DataSource>: DataSource {
    var base: Base
    let failAt: Int?
    let crash: Bool
    private var served = 0

    init(base: Base, failAt: Int?, crash: Bool) { self.base = base; self.failAt = failAt; self.crash = crash }

    struct InjectedFailure: Error, CustomStringConvertible {
        let step: Int
        var description: String { "injected failure while reading the batch of step \(step)" }
    }

    var sampleCount: Int { base.sampleCount }
    var batchSize: Int { base.batchSize }
    var classNames: [String] { base.classNames }
    var position: DataSourcePosition { base.position }
    mutating func seek(to position: DataSourcePosition) throws { try base.seek(to: position) }
    mutating func next() throws -> Batch {
        if served == failAt {
            if crash { abort() }
            throw InjectedFailure(step: served)
        }
        served += 1
        return try base.next()
    }
}
