import Foundation
import Testing
import FinetuneData
@testable import FinetuneTraining

@Suite("TensorBoardLogger runs and evaluations")
struct TensorBoardRunTests {
    @Test("runs are train, validation and evaluation, each a folder made when the first value goes into it")
    func runFolders() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(TensorBoardLogger.Run.allCases.map(\.rawValue) == ["train", "validation", "evaluation"])
        let logger = try TensorBoardLogger(logDirectory: folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)

        try logger.logScalar("x", 1.5, step: 2, run: .evaluation)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["evaluation"])
        #expect(logger.eventFile(.evaluation)?.deletingLastPathComponent().lastPathComponent == "evaluation")
        #expect(logger.eventFile(.train) == nil && logger.eventFile(.validation) == nil)
        let (values, versions) = try readLoggedValues(in: folder.appendingPathComponent("evaluation"))
        #expect(versions == ["brain.Event:2"])
        #expect(values.map(\.tag) == ["x"] && values.first?.scalar == 1.5 && values.first?.step == 2)
    }

    @Test("a log folder that cannot be made is refused when the logger is made, naming it")
    func unwritable() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        #expect {
            _ = try TensorBoardLogger(logDirectory: file.appendingPathComponent("logs"))
        } throws: { error in
            error is TensorBoardError && "\(error)".contains(file.appendingPathComponent("logs").path)
        }
    }

    @Test("an evaluation goes into the evaluation run under Keras' evaluation_*_vs_iterations tags")
    func evaluation() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let logger = try TensorBoardLogger(logDirectory: folder)
        try logger.logEvaluation(loss: 0.25, accuracy: 0.75, step: 12)
        let (values, _) = try readLoggedValues(in: folder.appendingPathComponent("evaluation"))
        #expect(values.map(\.tag) == ["evaluation_loss_vs_iterations", "evaluation_acc_vs_iterations"])
        #expect(values.map(\.scalar) == [0.25, 0.75])
        #expect(values.map(\.step) == [12, 12])
    }

    @Test("a PNG file is logged with exactly the file's bytes, into the run asked for")
    func pngFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let png = folder.appendingPathComponent("cat.1.gradcam.png")
        try writePNG(rgb: (0..<(5 * 3 * 3)).map { UInt8($0 * 5) }, width: 5, height: 3, to: png)
        let logger = try TensorBoardLogger(logDirectory: folder.appendingPathComponent("logs"))
        try logger.logImage("gradcam/cat.1", pngFile: png, step: 3, run: .evaluation)
        let (values, _) = try readLoggedValues(in: folder.appendingPathComponent("logs/evaluation"))
        #expect(values.map(\.tag) == ["gradcam/cat.1"] && values.first?.step == 3)
        #expect(values.first?.image == Array(try Data(contentsOf: png)))
    }
}
