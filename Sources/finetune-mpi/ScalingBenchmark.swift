import ArgumentParser
import Foundation
import Finetune
import FinetuneDistributed

/// `mpirun -np N finetune-mpi bench`: seconds per training step of Chollet's model (full widths,
/// random weights and images) in both phases, the all-reduce time each step waits for (exposed)
/// and the bytes each rank reduces per step; `--alone` measures one process without any MPI
/// calls in the step, the baseline. `--overlap both` alternates steps without and with the
/// reduction overlapped with the backward pass, `--rounds` times, so both see the same noise.
struct ScalingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Step time, exposed all-reduce time and bytes per step, both phases (run under mpirun).")

    enum Overlap: String, ExpressibleByArgument, CaseIterable { case off, on, both }

    @Option(help: "Image side.") var imageSize = TwoPhaseRecipe.chollet.imageSize
    @Option(help: "Global batch size (split over the ranks).") var batchSize = TwoPhaseRecipe.chollet.batchSize
    @Option(help: "Timed steps per phase and setting in each round (after one untimed warm-up step).") var steps = 5
    @Option(help: "Rounds per phase; with --overlap both, each round times off then on.") var rounds = 1
    @Option(help: "Compute threads per process.") var threads = 1
    @Option(help: "Largest all-reduce of a step's gradient buffer, in MiB (fractions allowed).") var bucketMib = 4.0
    @Option(help: "Reduce buckets during the backward pass: off, on, or both (alternating).") var overlap = Overlap.both
    @Flag(help: "Train alone: no distribution strategy (run without mpirun or with -np 1).") var alone = false
    @Flag(help: "Time only the all-reduce of each phase's buffer (trainable floats + 3), no training.") var reduceOnly = false

    func run() throws {
        try requireMPI()
        #if MPI
        Parallel.setThreadCount(threads)
        let parallel = try DataParallel(bucketBytes: max(4, Int(bucketMib * 1_048_576)))
        parallel.abortingOnError { try reduceOnly ? measureReduction(parallel) : measure(parallel) }
        parallel.finalize()
        #endif
    }

    #if MPI
    /// Seconds per all-reduce of the buffers the two phases of Chollet's model reduce: one
    /// `MPI_Allreduce` of the whole buffer, and the same buffer in buckets.
    private func measureReduction(_ parallel: DataParallel) throws {
        for (phase, floats) in [(1, 2_097_665 + 3), (2, 9_177_089 + 3)] {
            var buffer = [Float](repeating: 1, count: floats)
            let perBucket = max(1, parallel.bucketBytes / 4)
            for bucketed in [false, true] {
                func reduce() throws {
                    guard bucketed else { return try parallel.sum(&buffer) }
                    try buffer.withUnsafeMutableBufferPointer { all in
                        for start in stride(from: 0, to: floats, by: perBucket) {
                            try parallel.communicator.sum(UnsafeMutableBufferPointer(rebasing: all[start ..< min(floats, start + perBucket)]))
                        }
                    }
                }
                for _ in 0..<2 { try reduce() }  // warm-up: shared-memory segments
                try parallel.communicator.barrier()
                parallel.communicator.resetCounters()
                for _ in 0..<steps { try reduce() }
                let seconds = parallel.communicator.reductionSeconds / Double(steps)
                if parallel.isPrimary {
                    let how = bucketed ? "in \((floats + perBucket - 1) / perBucket) buckets of \(Self.mib(parallel.bucketBytes))" : "in one call"
                    print(String(format: "bench all-reduce phase %d, %d ranks: %d floats (%.1f MB) %@ in %.4f s = %.2f GB/s algorithm bandwidth",
                                 phase, parallel.worldSize, floats, Double(floats * 4) / 1e6, how, seconds, Double(floats * 4) / seconds / 1e9))
                    fflush(nil)
                }
            }
        }
    }

    private func measure(_ parallel: DataParallel) throws {
        var rng = SeededRNG(seed: 1)
        let recipe = TwoPhaseRecipe.chollet
        let model = try VGG16.binaryClassifier(inputShape: [imageSize, imageSize, 3], denseUnits: recipe.denseUnits, using: &rng)
        let images = Tensor.uniform([batchSize * 2, imageSize, imageSize, 3], low: 0, high: 255, using: &rng)
        let labels = Tensor(shape: [batchSize * 2], scalars: (0..<(batchSize * 2)).map { Float($0 % 2) })
        var train = try ArraySource(images: images, labels: labels, batchSize: batchSize, shuffle: true,
                                    preprocessing: .rescale255)
        if !alone { train = train.sharded(parallel.shard) }
        let trainer = try Trainer(model: model, optimizer: recipe.phase1.optimizer(), freezing: recipe.phase1Freezing)
        if !alone { try parallel.attach(to: trainer) }
        let settings: [Bool] = alone ? [false] : overlap == .both ? [false, true] : [overlap == .on]
        var summary: [String] = []
        for phase in 1...2 {
            if phase == 2 { try trainer.beginPhase(freezing: recipe.phase2Freezing, optimizer: recipe.phase2.optimizer()) }
            try trainer.fit(&train, epochs: 1, stepsPerEpoch: 1)  // warm-up: buffers, optimizer slots
            var results: [Bool: [(step: Double, reduce: Double)]] = [:]
            for _ in 0..<rounds {
                for overlapping in settings {
                    parallel.overlapsBackward = overlapping  // the same on every rank
                    results[overlapping, default: []].append(try measureSteps(parallel, trainer, &train, phase: phase))
                }
            }
            for overlapping in settings where rounds > 1 {
                let r = results[overlapping] ?? []
                let setting = alone ? "alone" : "overlap \(overlapping ? "on" : "off")"
                summary.append("bench summary phase \(phase), \(setting), \(rounds) rounds: step \(Self.spread(r.map(\.step))) s, all-reduce exposed \(Self.spread(r.map(\.reduce))) s")
            }
        }
        if parallel.isPrimary { summary.forEach { print($0) } }
    }

    /// `median (min–max)` of `values`.
    static func spread(_ values: [Double]) -> String {
        let sorted = values.sorted()
        guard let low = sorted.first, let high = sorted.last else { return "-" }
        let mid = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        return String(format: "%.4f (%.4f–%.4f)", median, low, high)
    }

    /// Times `steps` steps; returns the mean step and exposed all-reduce seconds.
    @discardableResult
    private func measureSteps(_ parallel: DataParallel, _ trainer: Trainer, _ train: inout ArraySource,
                              phase: Int) throws -> (step: Double, reduce: Double) {
        let timer = StepTimer()
        let comm = parallel.communicator
        comm.resetCounters()
        try trainer.fit(&train, epochs: 1, stepsPerEpoch: steps, callbacks: [timer])
        let stepSeconds = timer.seconds.reduce(0, +) / Double(timer.seconds.count)
        // Less the end-of-epoch stop flag (one Double, one reduction).
        let reduce = comm.reductionSeconds / Double(steps)
        let bytes = max(0, comm.bytesReduced - 8) / max(steps, 1)
        let buckets = max(0, comm.reductions - 1) / max(steps, 1)
        if parallel.isPrimary {
            let mode = alone ? "1 process alone" : "\(parallel.worldSize) ranks"
            let setting = alone ? "no reduction" : "buckets of \(Self.mib(parallel.bucketBytes)) (\(buckets) a step), overlap \(parallel.overlapsBackward ? "on" : "off")"
            print(String(format: "bench phase %d, %@ × %d threads, global batch %d, %dx%d, %@: %.3f s/step, all-reduce exposed %.4f s/step, %d bytes/step (%d trainable floats)",
                         phase, mode, threads, batchSize, imageSize, imageSize, setting, stepSeconds, reduce,
                         bytes, trainer.parameterCounts.trainable))
            fflush(nil)
        }
        return (stepSeconds, reduce)
    }

    static func mib(_ bytes: Int) -> String {
        bytes >= Int.max / 2 ? "unlimited" : String(format: "%g MiB", Double(bytes) / 1_048_576)
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
