import Foundation
import Testing
@testable import FinetuneTraining

@Suite("EventFileWriter")
struct EventFileWriterTests {
    @Test("names files as TensorFlow does and starts each with brain.Event:2")
    func naming() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = try EventFileWriter(directory: folder.appendingPathComponent("run"), wallTime: 1_700_000_000.7)
        let b = try EventFileWriter(directory: folder.appendingPathComponent("run"), wallTime: 1_700_000_000.2)
        try a.close(); try b.close()
        #expect(a.url.lastPathComponent == "events.out.tfevents.1700000000.\(EventFileWriter.hostName)")
        #expect(b.url.lastPathComponent == "events.out.tfevents.1700000000.\(EventFileWriter.hostName).1")
        let records = try readRecords(Array(try Data(contentsOf: a.url)))
        #expect(records.count == 1)
        #expect(try DecodedMessage(records[0]).string(3) == "brain.Event:2")
    }

    @Test("appends records that read back whole; a cut-off last record is dropped")
    func truncation() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try EventFileWriter(directory: folder)
        for step in 1...3 {
            try writer.append(TensorBoardEvent(wallTime: 1, step: Int64(step),
                                               payload: .summary([TensorBoardValue(tag: "x", .scalar(Float(step)))])))
        }
        try writer.flush()
        let bytes = Array(try Data(contentsOf: writer.url))
        let whole = try readRecords(bytes)
        #expect(whole.count == 4)
        #expect(try whole.dropFirst().map { try DecodedMessage($0).int(2) } == [1, 2, 3])
        // A process killed while writing the last record: every cut leaves the earlier ones.
        let last = EventFileWriter.record(whole[3]).count
        for cut in 1..<last {
            #expect(try readRecords(Array(bytes.dropLast(cut))).count == 3, "cut \(cut) bytes")
        }
    }

    @Test("a folder that cannot be made is reported with its path")
    func unwritable() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        #expect {
            try EventFileWriter(directory: file.appendingPathComponent("train"))
        } throws: { error in
            "\(error)".contains(file.path)
        }
    }
}
