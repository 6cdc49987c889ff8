import ArgumentParser
import Foundation
import Finetune

/// Images per second of the three kinds of step of Chollet's model (``TwoPhaseRecipe/chollet``) —
/// phase 1 (base frozen), phase 2 (trainable from block5_conv1), inference — next to Keras 3
/// (TF-CPU) measured in the same run.
///
/// FLOPs at 150×150 (per image): base forward 13.23 GFLOP; phase 1 adds only the head
/// (≈ 4.2 MFLOP ×3); phase 2 adds block5's weight gradients and the input gradients of
/// block5_conv2/3 (≈ 1.9 GFLOP) → ≈ 15.15 GFLOP. At OpenBLAS' ≈ 200 GFLOP/s that bounds a plain
/// GEMM implementation near 15 img/s (phase 1) and 13 img/s (phase 2).
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training/inference images per second of Chollet's model, with the Keras 3 peer measured in the same run.")

    static let recipe = TwoPhaseRecipe.chollet

    @Option(help: "Images per batch.")
    var batch = Self.recipe.batchSize
    @Option(help: "Image height and width.")
    var image = Self.recipe.imageSize
    @Option(help: "Timed steps per measurement (after one warm-up step).")
    var steps = 3
    @Option(help: "Threads for Finetune's kernels and OpenBLAS (default: all cores).")
    var threads: Int?
    @Flag(help: "Skip the Keras peer (needs python3 with tensorflow-cpu).")
    var noPeer = false
    @Option(help: "Path of the Keras peer script (default: the one next to this source file).")
    var peer: String?

    func run() throws {
        if let threads { Parallel.setThreadCount(threads) }
        var rng = SeededRNG(seed: 1)
        let model = try VGG16.binaryClassifier(inputShape: [image, image, 3], denseUnits: Self.recipe.denseUnits, using: &rng)
        let x = Tensor.uniform([batch, image, image, 3], low: 0, high: 1, using: &rng)
        let y = Tensor(shape: [batch, 1], scalars: (0..<batch).map { Float($0 % 2) })
        let data = Batch(images: x, labels: y)

        func rate(_ body: () throws -> Void) rethrows -> Double {
            try body()
            let start = Date()
            for _ in 0..<steps { try body() }
            return Double(batch * steps) / Date().timeIntervalSince(start)
        }
        let recipe = Self.recipe
        let trainer = try Trainer(model: model, optimizer: recipe.phase1.optimizer(), freezing: recipe.phase1Freezing)
        let phase1 = try rate { _ = try trainer.trainStep(data) }
        try trainer.beginPhase(freezing: recipe.phase2Freezing, optimizer: recipe.phase2.optimizer())
        let phase2 = try rate { _ = try trainer.trainStep(data) }
        let inference = rate { _ = trainer.model(x) }
        let ours = ["phase1": phase1, "phase2": phase2, "inference": inference]

        var theirs: [String: Double] = [:]
        if !noPeer {
            let script = peer ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Peers/keras_peer.py").path
            theirs = try runPeer(script)
        }
        print("Chollet's model, batch \(batch), \(image)×\(image), \(Parallel.threadCount) threads, \(steps) timed steps")
        print("step        Finetune img/s   Keras img/s   ratio (Finetune / Keras)")
        for key in ["phase1", "phase2", "inference"] {
            let k = theirs[key]
            print(String(format: "%-10@  %14.2f   %11@   %@", key as NSString, ours[key]!,
                         (k.map { String(format: "%.2f", $0) } ?? "—") as NSString,
                         (k.map { String(format: "%.2f×", ours[key]! / $0) } ?? "—") as NSString))
        }
    }

    /// Images/s of the Keras peer for each kind of step, one peer process per kind.
    func runPeer(_ script: String) throws -> [String: Double] {
        var rates: [String: Double] = [:]
        for mode in ["phase1", "phase2", "inference"] {
            var command = ["/usr/bin/env", "python3", script, mode, "--batch", "\(batch)", "--image", "\(image)",
                           "--steps", "\(steps)"]
            if let threads { command += ["--threads", "\(threads)"] }
            do {
                rates[mode] = try runMeasurement(command).rate
            } catch {
                throw ValidationError("the Keras peer (\(script)) failed; install it with `bash .ci/install-keras-peer` and put .venv-keras/bin first on PATH, or pass --no-peer")
            }
        }
        return rates
    }
}
