import Foundation
import Testing
import FinetuneTestSupport

/// Interruption and resume through the real executable (tens of seconds in debug: behind
/// FINETUNE_SLOW=1).
@Suite("demo-catsdogs interruption and resume", .serialized, .tags(.slow), .enabled(if: slowTestsEnabled),
       .enabled(if: FileManager.default.fileExists(atPath: DemoProcess.executable) || runningInCI))
struct InterruptAndResumeTests {
    static let quick = ["--weights", "none", "--image-size", "32", "--quiet", "--steps-per-epoch", "2",
                        "--validation-steps", "1", "--test-steps", "1", "--threads", "2"]

    @Test("SIGINT stops with 130, leaves no temporary file, prints the command that resumes the run")
    func sigint() throws {
        let folder = try DemoProcess.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DemoProcess.executable)
        process.arguments = Self.quick + ["--phase1-epochs", "3", "--phase2-epochs", "0", "--out", "out"]
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        // Interrupt once the first epoch has ended.
        var output = Data()
        while !String(decoding: output, as: UTF8.self).contains("epoch 1 (phase 1)") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output += chunk
        }
        kill(process.processIdentifier, SIGINT)
        output += pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(text)")
        #expect(text.contains("interrupted (SIGINT)"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path)
        #expect(!files.contains { $0.contains(".tmp-") }, "temporary files left: \(files)")
        let command = try #require(text.components(separatedBy: "Resume with:\n").last?
            .trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(command.hasSuffix("--resume \(folder.path)/out/last.ftckpt") || command.contains("--resume"))
        let resumed = try DemoProcess.run(Self.quick + ["--phase1-epochs", "3", "--phase2-epochs", "0", "--out", "out",
                                                        "--resume", "out/last.ftckpt"], in: folder)
        #expect(resumed.code == 0, "\(resumed.output)")
        #expect(resumed.output.contains("epoch 3 (phase 1)") && !resumed.output.contains("epoch 4"))
    }

    @Test("a resume with other settings or data lists every difference")
    func resumeMismatch() throws {
        let folder = try DemoProcess.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try DemoProcess.dataset(in: folder)
        let first = try DemoProcess.run(Self.quick + ["--data", "data", "--phase1-epochs", "0", "--phase2-epochs", "0",
                                                      "--batch-size", "2", "--out", "out"], in: folder)
        #expect(first.code == 0, "\(first.output)")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("data/test/circles/circle.0.png"))
        let again = try DemoProcess.run(Self.quick + ["--data", "data", "--phase1-epochs", "0", "--phase2-epochs", "1",
                                                      "--image-size", "48", "--batch-size", "3", "--out", "out",
                                                      "--resume", "out/last.ftckpt"], in: folder)
        #expect(again.code == 64, "\(again.output)")
        for text in ["--image-size is 48, the checkpoint's run used 32", "--batch-size is 3, the checkpoint's run used 2",
                     "test has 3 images, had 4"] {
            #expect(again.output.contains(text), "missing '\(text)' in:\n\(again.output)")
        }
    }

    @Test("--phase1-epochs 0: phase 2 epochs are labelled phase 2, and a resume trains no extra epoch")
    func zeroPhaseOneEpochs() throws {
        let folder = try DemoProcess.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try DemoProcess.run(Self.quick + ["--phase1-epochs", "0", "--phase2-epochs", "1", "--out", "out"], in: folder)
        #expect(first.code == 0 && first.output.contains("epoch 1 (phase 2)"), "\(first.output)")
        let again = try DemoProcess.run(Self.quick + ["--phase1-epochs", "0", "--phase2-epochs", "2", "--out", "out",
                                                      "--resume", "out/last.ftckpt"], in: folder)
        #expect(again.code == 0, "\(again.output)")
        #expect(again.output.contains("epoch 2 (phase 2)") && !again.output.contains("epoch 3"), "\(again.output)")
        #expect(!again.output.contains("(phase 1)"), "\(again.output)")
    }
}
