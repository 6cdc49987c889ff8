import Foundation
import Testing
import FinetuneData

/// `finetune-bench recipes`, run as a user would: both recipes through the built `finetune`, on a
/// tiny generated dataset with a tiny network.
@Suite("finetune-bench recipes")
struct RecipesBenchmarkTests {
    /// recipes.json's rows, read exactly (JSONDecoder: on Linux JSONSerialization can read a
    /// 17-digit number one ulp off).
    struct Saved: Decodable {
        struct Run: Decodable { var recipe: String; var test_acc: Double }
        var runs: [Run]
    }

    /// The built `finetune-bench`, beside `demo-catsdogs` (or `$FINETUNE_BENCH`).
    static let bench: String = ProcessInfo.processInfo.environment["FINETUNE_BENCH"]
        ?? URL(fileURLWithPath: DemoProcess.executable).deletingLastPathComponent().appendingPathComponent("finetune-bench").path

    static let tiny = ["--weights", "none", "--base-widths", "4,4,8,8,8", "--image-size", "48", "--batch-size", "4",
                       "--steps-per-epoch", "4", "--quiet"]   // one-cycle's 0.3 warm-up needs four steps a phase

    @Test("runs Chollet's recipe and --recipe fast and tables their epochs, test accuracy, wall time and ratios")
    func table() throws {
        let folder = try DemoProcess.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try DemoProcess.dataset(in: folder)
        let out = folder.appendingPathComponent("recipes")
        let result = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-epochs", "1,2", "--fast-epochs", "1,1",
                                          "--chollet-steps", "pass", "--out", out.path, "--"] + Self.tiny, in: folder, program: Self.bench)
        #expect(result.code == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("recipe") && $0.contains("test acc") && $0.contains("wall time") })
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("recipes.json"))) as? [String: Any])
        let runs = try #require(summary["runs"] as? [[String: Any]])
        #expect(runs.map { $0["recipe"] as? String } == ["chollet", "fast"])
        #expect(runs.map { $0["phase1_epochs"] as? Int } == [1, 1] && runs.map { $0["phase2_epochs"] as? Int } == [2, 1])
        #expect(runs.allSatisfy { $0["steps_per_epoch"] is NSNull })
        for run in runs {
            let recipe = try #require(run["recipe"] as? String)
            // The row is the run's own metrics.json, and the run really used its recipe.
            struct Accuracy: Decodable { var test_acc: Double }
            let accuracy = try JSONDecoder().decode(Accuracy.self, from: Data(contentsOf: out.appendingPathComponent("\(recipe)/metrics.json"))).test_acc
            #expect(try JSONDecoder().decode(Saved.self, from: Data(contentsOf: out.appendingPathComponent("recipes.json"))).runs
                        .first { $0.recipe == recipe }?.test_acc == accuracy)
            #expect(((run["seconds"] as? NSNumber)?.doubleValue ?? 0) > 0)
            let epochs = recipe == "chollet" ? "1+2" : "1+1"
            #expect(lines.contains { $0.hasPrefix(recipe) && $0.contains(epochs) && $0.contains("one pass") && $0.contains(String(format: "%.4f", accuracy)) },
                    "no \(recipe) row in:\n\(result.output)")
            let log = try String(contentsOf: out.appendingPathComponent("\(recipe).log"), encoding: .utf8)
            #expect(log.contains(recipe == "fast" ? "AdamW" : "RMSprop"), "\(recipe).log:\n\(log)")
        }
        #expect(lines.contains { $0.hasPrefix("fast / chollet: test accuracy ×") && $0.contains("wall time ×") && $0.contains("epochs ×0.667") })
    }

    @Test("Chollet's run keeps the book's batches per epoch (--chollet-steps), fast's epochs are one pass")
    func cholletSteps() throws {
        let folder = try DemoProcess.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try DemoProcess.dataset(in: folder)
        let out = folder.appendingPathComponent("recipes")
        let tiny = ["--weights", "none", "--base-widths", "4,4,8,8,8", "--image-size", "48", "--batch-size", "1", "--quiet"]   // 4 training images: one pass is one-cycle's four steps
        let result = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-epochs", "1,1", "--fast-epochs", "1,1",
                                          "--chollet-steps", "5,2", "--out", out.path, "--"] + tiny, in: folder, program: Self.bench)
        #expect(result.code == 0, "\(result.output)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("recipes.json"))) as? [String: Any])
        let runs = try #require(summary["runs"] as? [[String: Any]])
        #expect(runs.map { $0["steps_per_epoch"] as? Int } == [5, nil])
        #expect(result.output.contains("--recipe chollet --steps-per-epoch 5 --validation-steps 2"), "\(result.output)")
        #expect(!result.output.contains("--recipe fast --steps-per-epoch"), "\(result.output)")
        #expect(result.output.split(separator: "\n").contains { $0.hasPrefix("chollet") && $0.contains(" 5 ") }, "\(result.output)")
        #expect(!result.output.contains("epochs ×"), "epochs of different lengths are not compared:\n\(result.output)")
    }

    @Test("--chollet-from takes Chollet's row from an earlier recipes.json and runs only fast; other data or flags are refused")
    func cholletFrom() throws {
        let folder = try DemoProcess.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try DemoProcess.dataset(in: folder)
        let first = folder.appendingPathComponent("first"), second = folder.appendingPathComponent("second")
        let measured = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-epochs", "1,1", "--fast-epochs", "1,1",
                                            "--chollet-steps", "pass", "--out", first.path, "--"] + Self.tiny, in: folder, program: Self.bench)
        #expect(measured.code == 0, "\(measured.output)")
        let earlier = first.appendingPathComponent("recipes.json").path
        let result = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-from", earlier, "--fast-epochs", "1,2",
                                          "--out", second.path, "--"] + Self.tiny, in: folder, program: Self.bench)
        #expect(result.code == 0, "\(result.output)")
        #expect(!result.output.contains("--recipe chollet") && !FileManager.default.fileExists(atPath: second.appendingPathComponent("chollet").path),
                "Chollet's recipe ran again:\n\(result.output)")
        func runs(_ out: URL) throws -> [[String: Any]] {
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("recipes.json"))) as? [String: Any])
            return try #require(summary["runs"] as? [[String: Any]])
        }
        let old = try runs(first), new = try runs(second)
        #expect(new.map { $0["recipe"] as? String } == ["chollet", "fast"] && new[1]["phase2_epochs"] as? Int == 2)
        #expect(new[0]["reused_from"] as? String == earlier && old[0]["reused_from"] == nil)
        // The numbers exactly (JSONDecoder: JSONSerialization can read a 17-digit number one ulp off).
        struct Row: Decodable, Equatable { var test_acc: Double; var seconds: Double; var phase1_epochs: Int; var phase2_epochs: Int }
        struct Rows: Decodable { var runs: [Row] }
        func rows(_ out: URL) throws -> [Row] { try JSONDecoder().decode(Rows.self, from: Data(contentsOf: out.appendingPathComponent("recipes.json"))).runs }
        #expect(try rows(second)[0] == rows(first)[0])
        #expect(result.output.contains("chollet: from \(earlier)"), "\(result.output)")
        #expect(result.output.split(separator: "\n").contains { $0.hasPrefix("fast / chollet: test accuracy ×") }, "\(result.output)")

        let otherFlags = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-from", earlier, "--out", folder.appendingPathComponent("a").path,
                                              "--"] + Self.tiny + ["--seed", "7"], in: folder, program: Self.bench)
        #expect(otherFlags.code == 64 && otherFlags.output.contains("--chollet-from \(earlier) was measured with other flags after `--`"), "\(otherFlags.output)")
        let otherEpochs = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-from", earlier, "--chollet-epochs", "3,3",
                                               "--out", folder.appendingPathComponent("b").path, "--"] + Self.tiny, in: folder, program: Self.bench)
        #expect(otherEpochs.code == 64 && otherEpochs.output.contains("--chollet-epochs with --chollet-from"), "\(otherEpochs.output)")
        let missing = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-from", folder.appendingPathComponent("none.json").path,
                                           "--out", folder.appendingPathComponent("c").path], in: folder, program: Self.bench)
        #expect(missing.code == 64 && missing.output.contains("none.json"), "\(missing.output)")
    }

    @Test("a failed run stops the comparison with the end of its log, exit status 1")
    func failedRun() throws {
        let folder = try DemoProcess.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try DemoProcess.dataset(in: folder)
        let out = folder.appendingPathComponent("recipes")
        let result = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-epochs", "1,1", "--out", out.path, "--",
                                          "--weights", "none", "--image-size", "5"], in: folder, program: Self.bench)
        #expect(result.code == 1, "\(result.output)")
        #expect(result.output.contains("exited with status 64; the end of \(out.path)/chollet.log") && result.output.contains("--image-size"),
                "\(result.output)")
        #expect(!result.output.contains("Usage: finetune-bench"))
    }

    @Test("refuses a dataset without test/, a flag it sets itself after --, and an existing --out, naming each")
    func refusals() throws {
        let folder = try DemoProcess.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try DemoProcess.dataset(in: folder)
        let noTest = try DemoProcess.run(["recipes", "--data", folder.path, "--out", folder.appendingPathComponent("a").path],
                                         in: folder, program: Self.bench)
        #expect(noTest.code == 64 && noTest.output.contains("has no train/ folder"), "\(noTest.output)")
        let reserved = try DemoProcess.run(["recipes", "--data", data.path, "--out", folder.appendingPathComponent("b").path,
                                            "--", "--phase1-epochs", "2"], in: folder, program: Self.bench)
        #expect(reserved.code == 64 && reserved.output.contains("--phase1-epochs after `--`"), "\(reserved.output)")
        let epochs = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-epochs", "3", "--out", folder.appendingPathComponent("c").path],
                                         in: folder, program: Self.bench)
        #expect(epochs.code == 64 && epochs.output.contains("--chollet-epochs 3: expected two epoch counts"), "\(epochs.output)")
        let steps = try DemoProcess.run(["recipes", "--data", data.path, "--chollet-steps", "100", "--out", folder.appendingPathComponent("d").path],
                                        in: folder, program: Self.bench)
        #expect(steps.code == 64 && steps.output.contains("--chollet-steps 100: expected"), "\(steps.output)")
        let both = try DemoProcess.run(["recipes", "--data", data.path, "--out", folder.appendingPathComponent("e").path, "--", "--steps-per-epoch", "3"],
                                       in: folder, program: Self.bench)
        #expect(both.code == 64 && both.output.contains("--steps-per-epoch after `--` goes to both runs"), "\(both.output)")
        let existing = try DemoProcess.run(["recipes", "--data", data.path, "--out", data.path], in: folder, program: Self.bench)
        #expect(existing.code == 64 && existing.output.contains("exists"), "\(existing.output)")
    }
}
