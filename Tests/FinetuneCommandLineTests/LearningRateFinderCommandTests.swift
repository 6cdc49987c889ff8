import Foundation
import Testing
import ArgumentParser
@testable import FinetuneCommandLine
import Finetune

@Suite("finetune lr-find")
struct LearningRateFinderCommandTests {
    @Test("runs the range test on train's model and data, writes lr_find.json and lr_find.png, leaves the folder's other files")
    func writesFiles() throws {
        let data = try ThreeClassData(perClass: (4, 1, 1))
        defer { data.remove() }
        try FileManager.default.createDirectory(atPath: data.out, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: data.out + "/notes.txt"))
        var lines: [String] = []
        var settings = TrainWorkflow.RangeTestSettings()
        (settings.start, settings.end, settings.steps) = (1e-5, 1, 8)
        let range = try TrainWorkflow(configuration: data.configuration(), say: { lines.append($0) }).findLearningRate(settings)
        #expect(range.requestedSteps == 8 && !range.rates.isEmpty)
        let files = try FileManager.default.contentsOfDirectory(atPath: data.out).sorted()
        #expect(files == ["lr_find.json", "lr_find.png", "notes.txt"])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data.out + "/lr_find.json"))) as? [String: Any]
        #expect((json?["rates"] as? [Double])?.count == range.rates.count)
        #expect(lines.contains { $0.hasPrefix("Suggested learning rates: valley") })
    }

    @Test("phase 2 unfreezes from --unfreeze-from first")
    func phaseTwo() throws {
        let data = try ThreeClassData(perClass: (4, 1, 1))
        defer { data.remove() }
        var lines: [String] = []
        var settings = TrainWorkflow.RangeTestSettings()
        (settings.steps, settings.phase) = (6, 2)
        try TrainWorkflow(configuration: data.configuration(), say: { lines.append($0) }).findLearningRate(settings)
        #expect(lines.contains { $0.contains("phase 2") })
    }

    @Test("flags: defaults are fastai's, bad values name the flag", arguments: [
        (["--start-lr", "0"], "--start-lr"), (["--end-lr", "1e-8"], "--end-lr"), (["--steps", "5"], "--steps"),
        (["--phase", "3"], "--phase"),
    ])
    func flags(_ flags: [String], _ named: String) throws {
        let plain = try LearningRateFinderCommand.parse(["--data", "d"])
        #expect(plain.startLR == 1e-7 && plain.endLR == 10 && plain.steps == 100 && plain.phase == 1)
        #expect(try plain.runConfiguration().out == "lr-find")
        do {
            _ = try LearningRateFinderCommand.parseAsRoot(["--data", "d"] + flags)
            Issue.record("\(flags) was accepted")
        } catch {
            #expect(LearningRateFinderCommand.message(for: error).contains(named))
            #expect(LearningRateFinderCommand.exitCode(for: error).rawValue == 64)
        }
    }
}
