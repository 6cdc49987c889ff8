import Foundation
import Testing
import ArgumentParser
@testable import FinetuneCommandLine
import Finetune

@Suite("--tensorboard on train, evaluate and explain")
struct TensorBoardCommandTests {
    /// The event files of one run of `logs`, by name.
    static func eventFiles(_ logs: String, _ run: String) throws -> [[UInt8]] {
        let folder = URL(fileURLWithPath: logs).appendingPathComponent(run)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("events.out.tfevents.") }.sorted()
            .map { Array(try Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    @Test("test scores, the evaluation's scalars, text and PNGs, and each Grad-CAM PNG go into the evaluation run")
    func evaluationRun() throws {
        let data = try ThreeClassData(perClass: (2, 1, 1))
        defer { data.remove() }
        let logs = data.path("logs")
        var configuration = data.configuration()
        configuration.tensorboard = logs
        let result = try TrainWorkflow(configuration: configuration, say: { _ in }).run()
        #expect(result.test != nil)
        let trainFiles = try Self.eventFiles(logs, "train")
        #expect(trainFiles.count == 1)
        let afterTraining = try Self.eventFiles(logs, "evaluation")
        #expect(afterTraining.count == 1)
        #expect(afterTraining.first.map { Self.contains($0, Array("evaluation_loss_vs_iterations".utf8)) } == true)
        #expect(afterTraining.first.map { Self.contains($0, Array("evaluation_acc_vs_iterations".utf8)) } == true)

        let checkpoint = data.out + "/phase2.ftckpt"
        #expect(try TrainedModel.load(checkpoint).optimizerIterations == 2)
        let evaluate = try EvaluateCommand.parse([checkpoint, data.data + "/test", "--out", data.path("eval"), "--tensorboard", logs])
        var step: Int?
        _ = try evaluate.evaluate(loggedAt: &step)
        #expect(step == 2)
        let explain = try ExplainCommand.parse([checkpoint, data.data + "/test/circles", "--out", data.path("cam"),
                                                "--tensorboard", logs, "--step", "7"])
        let explained = try explain.explain()
        #expect(explained.count == 1)

        let files = try Self.eventFiles(logs, "evaluation")
        #expect(files.count == 3)
        #expect(try Self.eventFiles(logs, "train") == trainFiles, "evaluate and explain write no train run")
        let evaluationFile = files.first { Self.contains($0, Array("per_class".utf8)) } ?? []
        for tag in ["evaluation_loss_vs_iterations", "precision/circles", "recall/squares", "f1/triangles", "confusion_matrix", "mistakes"] {
            #expect(Self.contains(evaluationFile, Array(tag.utf8)), "\(tag)")
        }
        for png in ["eval/confusion_matrix.png", "eval/mistakes.png"] {
            #expect(Self.contains(evaluationFile, Array(try Data(contentsOf: URL(fileURLWithPath: data.path(png))))), "\(png)")
        }
        let explainFile = files.first { Self.contains($0, Array("gradcam/".utf8)) } ?? []
        let stem = URL(fileURLWithPath: explained[0].file).deletingPathExtension().lastPathComponent
        #expect(Self.contains(explainFile, Array("gradcam/\(stem)".utf8)))
        #expect(Self.contains(explainFile, Array(try Data(contentsOf: URL(fileURLWithPath: explained[0].output)))))
    }

    @Test("--step needs --tensorboard and is ≥ 0; each error names the flag")
    func stepErrors() throws {
        #expect {
            _ = try EvaluateCommand.parse(["m.ftckpt", "data", "--step", "3"])
        } throws: { error in
            EvaluateCommand.message(for: error).contains("--step") && EvaluateCommand.message(for: error).contains("--tensorboard")
        }
        #expect {
            _ = try ExplainCommand.parse(["m.ftckpt", "a.png", "--tensorboard", "logs", "--step=-1"])
        } throws: { error in
            ExplainCommand.message(for: error).contains("--step must be ≥ 0")
        }
    }
}
