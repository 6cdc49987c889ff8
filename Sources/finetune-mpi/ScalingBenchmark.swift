import ArgumentParser
import Foundation
import Finetune
import FinetuneDistributed

/// `mpirun -np N finetune-mpi bench`: seconds per training step of the seed model (full widths,
/// random weights and images) in both phases, and the all-reduce's share; `--alone` measures one
/// process without any MPI calls in the step, the baseline.
struct ScalingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Step time and all-reduce time per step, both phases (run under mpirun).")

    @Option(help: "Image side.") var imageSize = 150
    @Option(help: "Global batch size (split over the ranks).") var batchSize = 20
    @Option(help: "Timed steps per phase (after one untimed warm-up step).") var steps = 5
    @Option(help: "Compute threads per process.") var threads = 1
    @Flag(help: "Train alone: no distribution strategy (run without mpirun or with -np 1).") var alone = false
    @Flag(help: "Time only the all-reduce of each phase's buffer (trainable floats + 3), no training.") var reduceOnly = false

    func run() throws {
        try requireMPI()
        #if MPI
        Parallel.setThreadCount(threads)
        let parallel = try DataParallel()
        parallel.abortingOnError { try reduceOnly ? measureReduction(parallel) : measure(parallel) }
        parallel.finalize()
        #endif
    }

    #if MPI
    /// Seconds per `MPI_Allreduce` of the buffers the two phases of the seed model reduce.
    private func measureReduction(_ parallel: DataParallel) throws {
        for (phase, floats) in [(1, 2_097_665 + 3), (2, 9_177_089 + 3)] {
            var buffer = [Float](repeating: 1, count: floats)
            for _ in 0..<2 { try parallel.sum(&buffer) }  // warm-up: shared-memory segments
            try parallel.communicator.barrier()
            parallel.communicator.resetCounters()
            for _ in 0..<steps { try parallel.sum(&buffer) }
            let seconds = parallel.communicator.reductionSeconds / Double(steps)
            if parallel.isPrimary {
                print(String(format: "bench all-reduce phase %d, %d ranks: %d floats (%.1f MB) in %.4f s = %.2f GB/s algorithm bandwidth",
                             phase, parallel.worldSize, floats, Double(floats * 4) / 1e6, seconds, Double(floats * 4) / seconds / 1e9))
                fflush(nil)
            }
        }
    }

    private func measure(_ parallel: DataParallel) throws {
        var rng = SeededRNG(seed: 1)
        let model = try VGG16.seedModel(inputShape: [imageSize, imageSize, 3], using: &rng)
        let images = Tensor.uniform([batchSize * 2, imageSize, imageSize, 3], low: 0, high: 255, using: &rng)
        let labels = Tensor(shape: [batchSize * 2], scalars: (0..<(batchSize * 2)).map { Float($0 % 2) })
        var train = try ArraySource(images: images, labels: labels, batchSize: batchSize, shuffle: true,
                                    preprocessing: .rescale255)
        if !alone { train = train.sharded(parallel.shard) }
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: 2e-5), freezing: .all(of: "vgg16"))
        if !alone { try parallel.attach(to: trainer) }
        let mode = alone ? "1 process alone" : "\(parallel.worldSize) ranks"
        for phase in 1...2 {
            if phase == 2 { try trainer.beginPhase(freezing: .from("block5_conv1"), optimizer: RMSprop(learningRate: 1e-5)) }
            try trainer.fit(&train, epochs: 1, stepsPerEpoch: 1)  // warm-up: buffers, optimizer slots
            let timer = StepTimer()
            parallel.communicator.resetCounters()
            try trainer.fit(&train, epochs: 1, stepsPerEpoch: steps, callbacks: [timer])
            let comm = parallel.communicator
            let stepSeconds = timer.seconds.reduce(0, +) / Double(timer.seconds.count)
            let reduce = comm.reductionSeconds / Double(steps)
            if parallel.isPrimary {
                print(String(format: "bench phase %d, %@ × %d threads, global batch %d, %dx%d: %.3f s/step, all-reduce %.4f s/step, %d bytes/step (%d trainable floats)",
                             phase, mode, threads, batchSize, imageSize, imageSize, stepSeconds, reduce,
                             max(0, comm.bytesReduced - 8) / max(steps, 1), trainer.parameterCounts.trainable))  // less the end-of-epoch stop flag
                fflush(nil)
            }
        }
    }
    #endif
}

/// Wall-clock seconds of each training step (batch begin to batch end).
final class StepTimer: Callback {
    private var start = DispatchTime.now()
    var seconds: [Double] = []
    func batchBegin(_ step: Int) { start = DispatchTime.now() }
    func batchEnd(_ logs: BatchLogs) {
        seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
    }
}
