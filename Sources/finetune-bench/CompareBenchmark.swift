import ArgumentParser
import Foundation
import Finetune

/// Finetune against Keras 3 / TF-CPU (oneDNN) on the same CPU, in one run: images per second of
/// the three kinds of step of Chollet's fine-tuning recipe (``TwoPhaseRecipe/chollet``: inference,
/// phase 1 with the VGG16 base frozen, phase 2 trainable from block5_conv1) at its batch and image
/// size — or, with `--backbone resnet50|mobilenetv2|efficientnet-lite0`, of the same three steps
/// for that base + GlobalAveragePooling2D → Dense(1, sigmoid) at 160×160 (``BenchBackbone``: phase 1
/// runs the frozen base's BatchNormalization layers in inference mode, phase 2 trains its top
/// blocks), Keras building the same network — and the wall time of one recipe epoch (its augmented training steps + validation steps
/// read from photo folders) of each phase (`epoch`: the base frozen; `epoch2`: trainable from
/// block5_conv1). With both epoch rows it projects the recipe's epochs of both phases for each
/// side from them.
///
/// Every measurement runs in a fresh process — Finetune's `finetune-bench measure`, or the Keras
/// peer `Peers/keras_peer.py` — so each reports its own peak RSS. The two alternate, row by row and
/// round by round, so a neighbour's load hits both alike; warm-up work (Keras' tracing, the first
/// steps, and for the epoch rows Finetune's one validation pass that fills its cache of the frozen
/// base's validation features, which every later epoch of a phase reads) is excluded on both sides,
/// so an epoch row is the epoch the recipe repeats. The ratio column is Finetune ÷ Keras for rates and
/// Keras ÷ … inverted for epochs (Finetune's share of Keras' time).
struct CompareBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Finetune vs Keras 3 (same CPU, same run): step rates, one recipe epoch of each phase, peak RSS.",
        discussion: """
            Install the peer once with `bash .ci/install-keras-peer` (a venv in .venv-keras), then:
              swift run -c release finetune-bench compare --data ../shared/data/cats_and_dogs_mini
            """)

    @Option(help: "Python of the Keras peer (a venv with tensorflow-cpu and keras; see .ci/install-keras-peer).")
    var python = ".venv-keras/bin/python"
    @Option(help: "Photo folders (train/ and validation/, a folder per class) for the epoch rows; without it the epoch rows are skipped.")
    var data: String?
    @Option(help: "Timed steps per step measurement (after two warm-up steps).")
    var steps = 5
    @Option(help: "Rounds of alternating measurements; each row reports its best round.")
    var rounds = 2
    @Option(help: "Training steps of the epoch rows.")
    var epochSteps = TwoPhaseRecipe.chollet.stepsPerEpoch
    @Option(help: "Validation steps of the epoch rows.")
    var validationSteps = TwoPhaseRecipe.chollet.validationSteps
    @Option(help: "Threads for both (default: all cores).")
    var threads: Int?
    @Option(help: "Comma-separated rows to measure (inference, phase1, phase2, epoch, epoch2); default: all.")
    var rows: String?
    @Option(help: "The network: vgg16 (Chollet's classifier, the default), resnet50, mobilenetv2 or efficientnet-lite0 (each + GlobalAveragePooling2D → Dense(1, sigmoid); phase 2 trains its top blocks).")
    var backbone = BenchBackbone.vgg16
    @Option(help: "Images per batch (default: the recipe's 20).")
    var batch = TwoPhaseRecipe.chollet.batchSize
    @Option(help: "Image height and width (default: the recipe's 150 for vgg16, else 160, Keras' smallest pretrained MobileNetV2 size above 150).")
    var image: Int?

    func validate() throws {
        guard steps >= 1, rounds >= 1, epochSteps >= 1, validationSteps >= 1, batch >= 1 else {
            throw ValidationError("--steps, --rounds, --epoch-steps, --validation-steps and --batch must be ≥ 1")
        }
        if let image, image < 32 {
            throw ValidationError("--image \(image): the backbones take images of at least 32×32")
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ValidationError("--python \(python) is not an executable; run `bash .ci/install-keras-peer` first")
        }
        if let data, !FileManager.default.fileExists(atPath: data + "/train") {
            throw ValidationError("--data \(data) has no train/ folder")
        }
    }

    func run() throws {
        print("CPU: \(cpuModel()), \(threads ?? Parallel.threadCount) threads; \(backbone.rawValue), batch \(batch), "
              + "\(imageSize)×\(imageSize); phase 2 from \(backbone.phase2From)")
        let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/keras_peer.py").path
        var modes = ["inference", "phase1", "phase2"]
        if data != nil { modes += ["epoch", "epoch2"] }
        if let rows {
            let wanted = Set(rows.split(separator: ",").map(String.init))
            modes = modes.filter(wanted.contains)
        }
        var best: [String: (ours: Measurement, theirs: Measurement)] = [:]
        for round in 1...rounds {
            for mode in modes {
                let ours = try runMeasurement(ourCommand(mode))
                let theirs = try runMeasurement([python, peer, mode] + sharedArguments(mode))
                FileHandle.standardError.write(Data("round \(round) \(mode): Finetune \(ours), Keras \(theirs)\n".utf8))
                let previous = best[mode]
                best[mode] = (ours.better(than: previous?.ours), theirs.better(than: previous?.theirs))
            }
        }
        print("row          Finetune            Keras               Finetune/Keras   peak RSS Finetune / Keras")
        for mode in modes {
            guard let (ours, theirs) = best[mode] else { continue }
            let ratio = mode.hasPrefix("epoch") ? ours.seconds / theirs.seconds : (ours.rate ?? 0) / (theirs.rate ?? 1)
            func padded(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
            print(padded(mode, 11) + "  " + padded(ours.summary, 18) + "  " + padded(theirs.summary, 18) + "  "
                  + String(format: "%6.2f×", ratio) + "          " + mebibytes(ours.peakRSS) + " / " + mebibytes(theirs.peakRSS))
        }
        print("(rates: images/s, higher is better; epochs: seconds, lower is better — their ratio is Finetune's share of Keras' time)")
        if let phase1 = best["epoch"], let phase2 = best["epoch2"] {
            // The recipe's epochs of phase 1 and of phase 2, each like the measured one.
            let (epochs1, epochs2) = (TwoPhaseRecipe.chollet.phase1.epochs, TwoPhaseRecipe.chollet.phase2.epochs)
            let ours = Double(epochs1) * phase1.ours.seconds + Double(epochs2) * phase2.ours.seconds
            let theirs = Double(epochs1) * phase1.theirs.seconds + Double(epochs2) * phase2.theirs.seconds
            print(String(format: "recipe projection (%d × epoch + %d × epoch2): Finetune %.2f h, Keras %.2f h (%.2f×)",
                         epochs1, epochs2, ours / 3600, theirs / 3600, ours / theirs))
        }
    }

    private var imageSize: Int { image ?? (backbone == .vgg16 ? TwoPhaseRecipe.chollet.imageSize : 160) }

    private func sharedArguments(_ mode: String) -> [String] {
        var arguments = ["--backbone", backbone.rawValue, "--batch", "\(batch)", "--image", "\(imageSize)",
                         "--steps", "\(mode.hasPrefix("epoch") ? epochSteps : steps)"]
        if let threads { arguments += ["--threads", "\(threads)"] }
        if mode.hasPrefix("epoch"), let data { arguments += ["--data", data, "--validation-steps", "\(validationSteps)"] }
        return arguments
    }

    private func ourCommand(_ mode: String) -> [String] {
        [CommandLine.arguments[0], "measure", mode] + sharedArguments(mode)
    }
}

/// Runs one measurement process (`finetune-bench measure …` or `Peers/keras_peer.py …`) and reads
/// the JSON line it prints last.
func runMeasurement(_ command: [String]) throws -> Measurement {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last,
          let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
          let seconds = json["seconds"] as? Double, let rss = json["peak_rss_kib"] as? Int else {
        throw ValidationError("\(command.prefix(3).joined(separator: " ")) failed (exit \(process.terminationStatus))")
    }
    return Measurement(rate: json["rate"] as? Double, seconds: seconds, peakRSS: rss)
}

/// One measurement: images/s (step rows) or nil (epoch), seconds, peak RSS in KiB.
struct Measurement: CustomStringConvertible {
    var rate: Double?
    var seconds: Double
    var peakRSS: Int

    func better(than other: Measurement?) -> Measurement {
        guard let other else { return self }
        let faster = rate.map { $0 > (other.rate ?? 0) } ?? (seconds < other.seconds)
        return faster ? self : other
    }
    var summary: String { rate.map { String(format: "%.2f img/s", $0) } ?? String(format: "%.1f s", seconds) }
    var description: String { summary + ", \(peakRSS / 1024) MiB" }
}

private func mebibytes(_ kib: Int) -> String { "\(kib / 1024) MiB" }

/// The CPU's model name from /proc/cpuinfo.
func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
          let name = line.split(separator: ":", maxSplits: 1).last else { return "unknown CPU" }
    return name.trimmingCharacters(in: .whitespaces)
}
