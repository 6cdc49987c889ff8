import ArgumentParser
import Foundation
import Finetune

/// One measurement of `finetune-bench compare`, in a process of its own (so its peak RSS is its
/// own): prints {"rate", "seconds", "peak_rss_kib"} as one JSON line, like the Keras peer.
struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure", abstract: "One measurement for `compare` (prints a JSON line).", shouldDisplay: false)

    @Argument(help: "phase1, phase2, inference, epoch (phase 1's trainable set) or epoch2 (phase 2's).")
    var mode: String
    static let recipe = TwoPhaseRecipe.chollet

    @Option var batch = Self.recipe.batchSize
    @Option var image = Self.recipe.imageSize
    @Option var steps = 5
    @Option var threads: Int?
    @Option var data: String?
    @Option var validationSteps = Self.recipe.validationSteps
    @Option var backbone = BenchBackbone.vgg16

    func run() throws {
        if let threads { Parallel.setThreadCount(threads) }
        var rng = SeededRNG(seed: 1)
        let recipe = Self.recipe
        let (model, base) = try backbone.model(image: image, using: &rng)
        let trainer = try Trainer(model: model, optimizer: recipe.phase1.optimizer(), freezing: .all(of: base))
        if mode == "phase2" || mode == "epoch2" {
            try trainer.beginPhase(freezing: .from(backbone.phase2From), optimizer: recipe.phase2.optimizer())
        }
        let seconds: Double, rate: Double?
        switch mode {
        case "phase1", "phase2", "inference":
            let x = Tensor.uniform([batch, image, image, 3], low: 0, high: 1, using: &rng)
            let y = Tensor(shape: [batch, 1], scalars: (0..<batch).map { Float($0 % 2) })
            let step: () throws -> Void = mode == "inference"
                ? { _ = trainer.model(x) } : { _ = try trainer.trainStep(Batch(images: x, labels: y)) }
            try step(); try step()
            let start = Date()
            for _ in 0..<steps { try step() }
            seconds = Date().timeIntervalSince(start)
            rate = Double(batch * steps) / seconds
        case "epoch", "epoch2":
            guard let data else { throw ValidationError("\(mode) needs --data") }
            let workers = threads ?? Parallel.threadCount
            var train = try DirectorySource(directory: data + "/train", targetSize: (image, image), classMode: .binary,
                                            batchSize: batch, shuffle: true, seed: 1, preprocessing: recipe.preprocessing,
                                            augmentation: recipe.augmentation, workers: workers)
            let validation = try DirectorySource(directory: data + "/validation", targetSize: (image, image),
                                                 classMode: .binary, batchSize: batch, shuffle: false,
                                                 preprocessing: recipe.preprocessing, workers: workers)
            // Warm-up, not timed: one training step, and one validation pass, which computes the
            // frozen base's features of the validation batches once (FrozenFeatureCache). Every later
            // epoch of a run — 29 of the recipe's 30 in phase 1, 99 of 100 in phase 2 — reads them
            // back, so the timed epoch is the one the recipe repeats. (Keras' warm-up traces its
            // train and test functions; it caches nothing, so each of its epochs is alike.)
            try trainer.fit(&train, epochs: 1, stepsPerEpoch: 1, validation: validation, validationSteps: validationSteps)
            let start = Date()
            try trainer.fit(&train, epochs: 1, stepsPerEpoch: steps, validation: validation, validationSteps: validationSteps)
            seconds = Date().timeIntervalSince(start)
            rate = nil
        default:
            throw ValidationError("unknown mode '\(mode)' (phase1, phase2, inference, epoch, epoch2)")
        }
        let json: [String: Any] = ["rate": rate ?? NSNull(), "seconds": seconds, "peak_rss_kib": peakRSSKiB()]
        print(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
    }
}

/// VmHWM of this process (peak resident set), KiB.
func peakRSSKiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
}
