import Foundation
import Testing
@testable import FinetuneTraining

@Suite("CSVLogger")
struct CSVLoggerTests {
    @Test("writes the header once and appends both phases")
    func twoPhases() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("log.csv")
        try "stale\n".write(to: url, atomically: true, encoding: .utf8)
        let logger = CSVLogger(url: url)
        let control = FakeControl()
        simulateFit([logger], records: records(valLoss: [0.5, 0.25]), control: control)
        // Each row is on disk as soon as its epoch ends.
        simulateFit([logger, LambdaCallback(onEpochEnd: { record, _ in
            let lines = (try? String(contentsOf: url, encoding: .utf8))?.split(separator: "\n") ?? []
            #expect(lines.count == 1 + record.epoch, "row for epoch \(record.epoch) not flushed")
            return .proceed
        })], records: records(valLoss: [0.125], from: 3, phase: 2), control: control)
        #expect(logger.failure == nil)
        #expect(try String(contentsOf: url, encoding: .utf8) == """
            epoch,acc,loss,val_acc,val_loss,seconds,phase,lr
            1,0.5,0.6,0.5,0.5,1.0,1,0.001
            2,0.75,0.35,0.75,0.25,1.0,1,0.001
            3,0.875,0.225,0.875,0.125,1.0,2,0.001

            """)
    }

    @Test("append keeps existing rows and does not repeat the header")
    func appendMode() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("log.csv")
        simulateFit([CSVLogger(url: url)], records: records(valLoss: [0.5]), control: FakeControl())
        simulateFit([CSVLogger(url: url, append: true)], records: records(valLoss: [0.25], from: 2), control: FakeControl())
        let h = try History(csvContentsOf: url)
        #expect(h.epochs.map(\.epoch) == [1, 2])
        #expect(try String(contentsOf: url, encoding: .utf8).components(separatedBy: "epoch,").count == 2)
    }

    @Test("appending to a file with another header fails and stops training")
    func headerMismatch() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("log.csv")
        try "epoch,acc,loss\n0,0.5,0.7\n".write(to: url, atomically: true, encoding: .utf8)
        let logger = CSVLogger(url: url, append: true)
        let ran = simulateFit([logger], records: records(valLoss: [0.5, 0.4]), control: FakeControl())
        #expect(ran == [1])
        #expect(logger.failure is HistoryFileError)
        #expect(try String(contentsOf: url, encoding: .utf8) == "epoch,acc,loss\n0,0.5,0.7\n")
    }

    @Test("a folder that does not exist is reported")
    func missingFolder() {
        let logger = CSVLogger(url: URL(fileURLWithPath: "/nonexistent-finetune-folder/log.csv"))
        let ran = simulateFit([logger], records: records(valLoss: [0.5, 0.4]), control: FakeControl())
        #expect(ran == [1])
        #expect("\(logger.failure.map { "\($0)" } ?? "")".contains("/nonexistent-finetune-folder/log.csv"))
    }
}
