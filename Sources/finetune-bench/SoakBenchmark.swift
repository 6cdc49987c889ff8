import ArgumentParser
import Foundation
import Finetune

/// Many short epochs of a tiny model on a generated image folder, as the demo trains (prefetching
/// workers, augmentation, validation every epoch, history files and a checkpoint after every
/// epoch), sampling the process' resident memory, open file descriptors and threads after each
/// epoch. With `--check`, exits non-zero when, after the warm-up epochs, resident memory leaves a
/// ±`tolerance` band around its value at the end of the warm-up, or descriptors or threads grow.
struct SoakBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Resident memory, file descriptors and threads over many short training epochs (Linux).")

    @Option(help: "Epochs to train (≥ 2).")
    var epochs = 60
    @Option(help: "Epochs before the baseline is taken (memory pools and caches fill up in them).")
    var warmup = 10
    @Option(help: "Images per class in the generated training split (validation gets half).")
    var imagesPerClass = 16
    @Option(help: "Image height and width the model sees.")
    var image = 24
    @Option(help: "Data-pipeline worker threads.")
    var workers = 2
    @Option(help: "Allowed relative deviation of resident memory from the baseline (0.05 = 5 %).")
    var tolerance = 0.05
    @Flag(help: "Exit with status 1 when memory, descriptors or threads do not stay flat.")
    var check = false

    func validate() throws {
        guard epochs >= 2, warmup >= 1, warmup < epochs else {
            throw ValidationError("--epochs must be ≥ 2 and --warmup between 1 and --epochs − 1 (got \(epochs), \(warmup))")
        }
        guard imagesPerClass >= 2, image >= 8, workers >= 0 else {
            throw ValidationError("--images-per-class must be ≥ 2, --image ≥ 8 and --workers ≥ 0")
        }
        guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a positive number") }
    }

    func run() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-soak-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        try makeSplit(root.appendingPathComponent("train"), perClass: imagesPerClass, seed: 1)
        try makeSplit(root.appendingPathComponent("validation"), perClass: max(2, imagesPerClass / 2), seed: 2)
        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)

        var train = try DirectorySource(directory: root.appendingPathComponent("train").path,
                                        targetSize: (image, image), classMode: .binary, batchSize: 8, seed: 3,
                                        preprocessing: .rescale(1.0 / 255), augmentation: TwoPhaseRecipe.chollet.augmentation,
                                        workers: workers, quiet: true)
        let validation = try DirectorySource(directory: root.appendingPathComponent("validation").path,
                                             targetSize: (image, image), classMode: .binary, batchSize: 8,
                                             shuffle: false, preprocessing: .rescale(1.0 / 255),
                                             workers: workers, quiet: true)
        var rng = SeededRNG(seed: 5)
        let pooled = image / 2
        let model = try Sequential(name: "soak", inputShape: [image, image, 3], [
            Conv2D(name: "conv", inputChannels: 3, filters: 4, padding: .same, activation: .relu, using: &rng),
            MaxPool2D(name: "pool"),
            Flatten(),
            Dense(name: "dense", inputSize: pooled * pooled * 4, units: 1, activation: .sigmoid, using: &rng),
        ])
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: 1e-3), seed: 9)

        var samples: [Sample] = []
        let persist = LambdaCallback(onEpochEnd: { record, control in
            do {
                try control.history.writeJSON(to: out.appendingPathComponent("history.json"))
                try control.history.writeCSV(to: out.appendingPathComponent("history.csv"))
                try control.saveCheckpoint(to: out.appendingPathComponent("last.ftckpt").path)
            } catch {
                FileHandle.standardError.write(Data("finetune-bench soak: could not save progress: \(error)\n".utf8))
                return .stopTraining
            }
            samples.append(Sample.now(epoch: record.epoch))
            return .proceed
        })
        let start = Date()
        try trainer.fit(&train, epochs: epochs, validation: validation, callbacks: [persist])
        let seconds = Date().timeIntervalSince(start)

        print("epoch   RSS (KiB)   fds   threads")
        for s in samples { print(String(format: "%5d  %10d  %4d  %8d", s.epoch, s.rssKiB, s.fds, s.threads)) }
        let baseline = samples[warmup - 1]
        let after = samples[warmup...]
        let rssLow = after.map(\.rssKiB).min() ?? baseline.rssKiB, rssHigh = after.map(\.rssKiB).max() ?? baseline.rssKiB
        let rssDeviation = Double(max(abs(rssHigh - baseline.rssKiB), abs(rssLow - baseline.rssKiB))) / Double(baseline.rssKiB)
        let fdHigh = after.map(\.fds).max() ?? baseline.fds, threadHigh = after.map(\.threads).max() ?? baseline.threads
        let checks: [(String, Bool, String)] = [
            ("rss", rssDeviation <= tolerance,
             String(format: "baseline %d KiB after epoch %d; epochs %d–%d span %d–%d KiB (max deviation %.2f %%, allowed %.1f %%)",
                    baseline.rssKiB, baseline.epoch, warmup + 1, epochs, rssLow, rssHigh, rssDeviation * 100, tolerance * 100)),
            ("fds", fdHigh <= baseline.fds, "baseline \(baseline.fds), highest after warm-up \(fdHigh), last \(samples.last!.fds)"),
            ("threads", threadHigh <= baseline.threads,
             "baseline \(baseline.threads), highest after warm-up \(threadHigh), last \(samples.last!.threads)"),
        ]
        print(String(format: "%d epochs of %d steps in %.1f s (%d workers, augmentation, checkpoint every epoch)",
                     epochs, train.batchesPerPass, seconds, workers))
        for (name, ok, detail) in checks { print("soak \(name): \(ok ? "flat" : "GROWS") — \(detail)") }
        let failed = checks.filter { !$0.1 }.count
        print("soak: \(checks.count - failed) passed, \(failed) failed")
        if check && failed > 0 { throw ExitCode(1) }
    }

    /// A split of two class folders of noise PNGs (each class a different mean brightness).
    private func makeSplit(_ folder: URL, perClass: Int, seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for (c, name) in ["cats", "dogs"].enumerated() {
            let dir = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for i in 0..<perClass {
                let (w, h) = (image + 8 + i % 5, image + 4 + i % 3)
                let rgb = (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: Int(rng.next() % 128) + c * 100) }
                try writePNG(rgb: rgb, width: w, height: h, to: dir.appendingPathComponent("\(name)\(i).png"))
            }
        }
    }
}

/// One per-epoch reading of the process' resources (Linux `/proc/self`).
private struct Sample {
    var epoch: Int
    var rssKiB: Int
    var fds: Int
    var threads: Int

    static func now(epoch: Int) -> Sample {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? -1
        func count(_ path: String) -> Int { (try? FileManager.default.contentsOfDirectory(atPath: path).count) ?? -1 }
        return Sample(epoch: epoch, rssKiB: rss, fds: count("/proc/self/fd"), threads: count("/proc/self/task"))
    }
}
