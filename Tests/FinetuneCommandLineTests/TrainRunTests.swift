import Foundation
import Testing
import ArgumentParser
@testable import FinetuneCommandLine
import Finetune

/// What `finetune train` shares with `demo-catsdogs`: the output folder's rules, the dataset
/// check, the resume check and the error messages.
@Suite("finetune train's run: output folder, data check, resume check, messages")
struct TrainRunTests {
    @Test("Chollet's cats-vs-dogs preset has the book's numbers")
    func cholletPreset() {
        let c = TrainConfiguration.cholletCatsVsDogs(data: "photos")
        #expect(c.data == "photos" && !c.generatesData && c.out == "demo-out" && c.commandName == "demo-catsdogs")
        #expect(c.classMode == .binary && c.requiredSplits == ["train", "validation", "test"])
        #expect(c.imageSize == 150 && c.batchSize == 20 && c.stepsPerEpoch == 100 && c.validationSteps == 50 && c.testSteps == 50)
        #expect(c.learningRate1 == 2e-5 && c.learningRate2 == 1e-5 && c.unfreezeFrom == "block5_conv1")
        #expect(c.phase1Epochs == 30 && c.phase2Epochs == 100 && !c.keepBestCheckpoint && c.denseUnits == 256)
        #expect(c.augmentation == Augmentation(rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2,
                                               shearRange: 0.2, zoom: 0.2, horizontalFlip: true, fillMode: .nearest))
    }

    @Test("without data the preset writes a generated dataset and runs the short schedule")
    func generatedPreset() {
        let c = TrainConfiguration.cholletCatsVsDogs(data: nil)
        #expect(c.generatesData && c.data == "" && c.out == "demo-out" && !c.keepBestCheckpoint)
        #expect(c.imageSize == 64 && c.phase1Epochs == 3 && c.phase2Epochs == 3)
        #expect(c.stepsPerEpoch == 10 && c.validationSteps == 5 && c.testSteps == 5)
        #expect(c.batchSize == 20 && c.learningRate1 == 2e-5 && c.learningRate2 == 1e-5 && c.unfreezeFrom == "block5_conv1")
        #expect(c.augmentation == TwoPhaseRecipe.chollet.augmentation)
    }

    @Test("the demo's flags reach finetune train's configuration")
    func sharedFlags() throws {
        let c = try TrainCommand.parse(["--data", "d", "--overwrite", "--skip-bad-files", "--distributed"]).options.configuration()
        #expect(c.overwrite && c.skipBadFiles && c.distributed)
        #expect(throws: (any Error).self) {
            try TrainCommand.parse(["--data", "d", "--overwrite", "--resume", "x"]).options.configuration()
        }
    }

    @Test("a non-empty --out is refused, run.json comes first, --overwrite replaces the run's own files only")
    func outputFolder() throws {
        let data = try ThreeClassData(perClass: (2, 1, 1))
        defer { data.remove() }
        try FileManager.default.createDirectory(atPath: data.out, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: data.out + "/history.json"))
        try Data("mine".utf8).write(to: URL(fileURLWithPath: data.out + "/notes.txt"))
        var c = data.configuration()
        c.arguments = ["finetune", "train", "--data", data.data]
        do {
            _ = try RunFolder.prepare(c)
            Issue.record("a folder of another run was accepted")
        } catch let RunError.outputInUse(_, entries, resumable) {
            #expect(entries == ["history.json", "notes.txt"] && !resumable)
        }
        c.overwrite = true
        let (folder, notes) = try RunFolder.prepare(c)
        #expect(notes.contains { $0.contains("history.json") })
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted()
        #expect(files == ["notes.txt", "run.json"])
        let manifest = try String(contentsOf: folder.file("run.json"), encoding: .utf8)
        #expect(manifest.contains("finetune train --data"))
    }

    @Test("a folder holding only the run.json of a run that stopped before training is used again")
    func stoppedBeforeTraining() throws {
        let data = try ThreeClassData(perClass: (2, 1, 1))
        defer { data.remove() }
        var c = data.configuration()
        c.data = data.path("missing")
        #expect(throws: CommandLineError.missingFile(flag: "--data", path: c.data)) { try TrainWorkflow(configuration: c, say: { _ in }).run() }
        #expect(!FileManager.default.fileExists(atPath: data.out), "--out was written before --data was checked")
        _ = try RunFolder.prepare(c)
        _ = try RunFolder.prepare(c)
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.out) == ["run.json"])
    }

    @Test("an unreadable image stops the run before training, unless --skip-bad-files")
    func badFiles() throws {
        let data = try ThreeClassData(perClass: (2, 1, 1))
        defer { data.remove() }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: data.data + "/train/circles/bad.png"))
        var c = data.configuration()
        c.phase1Epochs = 0
        c.phase2Epochs = 0
        do {
            try TrainWorkflow(configuration: c, say: { _ in }).run()
            Issue.record("the damaged file was accepted")
        } catch let RunError.unusableFiles(errors) {
            #expect(errors.count == 1 && errors[0].problem.contains("bad.png"))
            let (message, code) = ErrorMessages(program: "finetune train").describe(RunError.unusableFiles(errors))
            #expect(code == 1 && message.contains("--skip-bad-files"))
        }
        c.skipBadFiles = true
        c.out = data.path("skipped")
        var lines: [String] = []
        try TrainWorkflow(configuration: c, say: { lines.append($0) }).run()
        #expect(lines.contains { $0.contains("Leaving out 1 unusable image file(s)") })
    }

    @Test("a resume check lists every difference, and reads the keys the demo stored earlier")
    func resumeDifferences() {
        let settings = RunSettings(imageSize: 48, batchSize: 3, classes: ["cats", "dogs"], imageCounts: [10, 4, 3])
        let saved = RunSettings(imageSize: 32, batchSize: 2, classes: ["cats", "dogs"], imageCounts: [10, 4, 4]).metadata
        #expect(settings.differences(fromCheckpoint: saved) == [
            "--image-size is 48, the checkpoint's run used 32", "--batch-size is 3, the checkpoint's run used 2",
            "the dataset changed (test has 3 images, had 4)"])
        #expect(settings.differences(fromCheckpoint: ["demo.batch_size": "2"]) == ["--batch-size is 3, the checkpoint's run used 2"])
        #expect(settings.differences(fromCheckpoint: [:]).isEmpty)
    }

    @Test("errors become a message naming the flag and an exit status: 64 usage, 1 runtime")
    func messages() {
        let messages = ErrorMessages(program: "demo-catsdogs")
        let mismatch = messages.describe(RunError.resumeMismatch(file: "last.ftckpt", differences: ["a", "b"]))
        #expect(mismatch.code == 64 && mismatch.message.contains("--resume: 'last.ftckpt'") && mismatch.message.contains("a; b"))
        let full = messages.describe(RunError.saveFailed(file: "/o/history.json", reason: "No space left on device", resume: "x --resume y"))
        #expect(full.code == 1 && full.message.contains("resume with:\n  x --resume y"))
        let binary = messages.describe(DataError.wrongClassCount(path: "d/train", classes: ["a"], expected: 2, mode: "binary"))
        #expect(binary.code == 64 && binary.message.contains("demo-catsdogs trains a two-class"))
        #expect(messages.describe(CommandLineError.missingFile(flag: "--data", path: "x")).code == 1)
        #expect(messages.describe(CommandLineError.invalidValue(flag: "--data", value: "x", expected: "y")).code == 64)
    }
}
