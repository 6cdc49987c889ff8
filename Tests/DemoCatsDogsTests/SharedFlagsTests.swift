import Foundation
import Testing
import FinetuneTestSupport

/// `demo-catsdogs` and `finetune train` declare their flags once (`TrainOptions`): the built
/// executables list the same flags with the same help, and refuse a bad value with the same
/// message and exit status.
@Suite("demo-catsdogs and finetune train share their flags",
       .enabled(if: [DemoProcess.executable, DemoProcess.finetune].allSatisfy { FileManager.default.fileExists(atPath: $0) }
                    || runningInCI,
                "build them first: swift build --product demo-catsdogs --product finetune"))
struct SharedFlagsTests {
    /// Each option of a `--help` text (`--rotation`, `--best-checkpoint/--no-best-checkpoint`, …)
    /// with its help, the wrapped lines joined.
    static func options(inHelp text: String) -> [String: String] {
        var options: [String: String] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("  -") {
                let entry = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: true)
                let names = entry.prefix { $0.hasPrefix("-") }.map { $0.trimmingCharacters(in: [","]) }
                let name = names.last { $0.hasPrefix("--") } ?? names.joined(separator: " ")
                let words = entry.drop { $0.hasPrefix("-") }.drop { $0.hasPrefix("<") }
                options[name] = words.joined(separator: " ")
                current = name
            } else if let name = current, line.hasPrefix("      ") {
                let words = line.split(separator: " ").joined(separator: " ")
                options[name] = [options[name] ?? "", words].filter { !$0.isEmpty }.joined(separator: " ")
            } else {
                current = nil
            }
        }
        return options
    }

    @Test("--help lists the same flags with the same help")
    func sameHelp() throws {
        let folder = try DemoProcess.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let demo = try DemoProcess.run(["--help"], in: folder)
        let train = try DemoProcess.run(["train", "--help"], in: folder, program: DemoProcess.finetune)
        #expect(demo.code == 0 && train.code == 0, "\(demo.output)\n\(train.output)")
        let demoOptions = Self.options(inHelp: demo.output), trainOptions = Self.options(inHelp: train.output)
        #expect(demoOptions.count > 40, "too few flags found in demo-catsdogs --help:\n\(demo.output)")
        for flag in ["--lr1", "--image-size", "--rotation", "--bucket-mib", "--best-checkpoint/--no-best-checkpoint", "--help"] {
            #expect(demoOptions[flag] != nil, "demo-catsdogs --help lacks \(flag)")
        }
        let onlyDemo = Set(demoOptions.keys).subtracting(trainOptions.keys).sorted()
        let onlyTrain = Set(trainOptions.keys).subtracting(demoOptions.keys).sorted()
        #expect(Set(demoOptions.keys) == Set(trainOptions.keys), "only demo-catsdogs: \(onlyDemo); only finetune train: \(onlyTrain)")
        for (flag, help) in demoOptions.sorted(by: { $0.key < $1.key }) {
            #expect(trainOptions[flag] == help, "\(flag): demo-catsdogs says '\(help)', finetune train '\(trainOptions[flag] ?? "")'")
        }
    }

    @Test("a bad value gets the same message and exit status from both", arguments: [
        ["--lr1", "0"], ["--lr1=-1"], ["--lr2", "nan"], ["--image-size", "0"], ["--batch-size", "0"], ["--zoom", "1"],
        ["--width-shift", "1.5"], ["--steps-per-epoch", "0"], ["--phase2-epochs=-1"], ["--threads", "100000"],
        ["--dropout", "1"], ["--dense-units", "0"], ["--validation-split", "1"], ["--base-widths", "4,8"],
        ["--fill-mode", "mirror"], ["--preprocessing", "pytorch"], ["--unfreeze-from", "block9_conv1"],
        ["--augmentation-randomness", "numpy"], ["--overwrite", "--resume", "x"], ["--bucket-mib", "8"],
        ["--resume", "/nonexistent/last.ftckpt"], ["--weights", "/nonexistent/w.h5"],
        ["--image-size", "2048", "--batch-size", "4096"],
    ])
    func sameError(_ flags: [String]) throws {
        let folder = try DemoProcess.scratch("same-error-\(flags.joined())")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try DemoProcess.dataset(in: folder)
        let common = ["--data", "data", "--out", "out", "--quiet"] + flags
        let demo = try DemoProcess.run(common, in: folder)
        let train = try DemoProcess.run(["train"] + common, in: folder, program: DemoProcess.finetune)
        func error(_ output: String) -> String? { output.split(separator: "\n").first { $0.hasPrefix("Error: ") }.map(String.init) }
        let message = try #require(error(demo.output), "no error line from demo-catsdogs:\n\(demo.output)")
        #expect(message.contains(flags[0].split(separator: "=")[0]), "the message should name the flag: \(message)")
        #expect(error(train.output) == message, "finetune train:\n\(train.output)\ndemo-catsdogs:\n\(demo.output)")
        #expect(demo.code == 64 && train.code == 64, "exit status \(demo.code) and \(train.code)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "--out was written")
    }
}
