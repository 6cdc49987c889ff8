import Foundation
import Testing
@testable import FinetuneTraining

@Suite("ModelCheckpoint")
struct ModelCheckpointTests {
    static let record = EpochRecord(epoch: 7, phase: 2, loss: 0.123456, accuracy: 0.9, validationLoss: 0.2718,
                                    validationAccuracy: 0.875, seconds: 1, learningRate: 1e-05)

    @Test("path templates fill like Python's str.format", arguments: [
        ("ckpt/phase{phase}-epoch{epoch}.ftck", "ckpt/phase2-epoch7.ftck"),
        ("w.{epoch:02d}-{val_loss:.2f}.h5", "w.07-0.27.h5"),
        ("{epoch:03d}", "007"),
        ("{epoch:3d}|{epoch:3}", "  7|  7"),
        ("{val_acc}", "0.875"),
        ("{loss:.3e}", "1.235e-01"),
        ("{lr}", "1e-05"),
        ("{acc:.1f}", "0.9"),
        ("{epoch:.1f}", "7.0"),
        ("{{literal}}-{phase}", "{literal}-2"),
        ("plain.ftck", "plain.ftck"),
    ])
    func templates(template: String, expected: String) throws {
        #expect(try PathTemplate(template).path(for: Self.record) == expected)
    }

    @Test("bad templates throw at construction", arguments: ["{epochs}", "{epoch", "x}", "{val_loss:d}", "{epoch:x}", "{loss:.f}"])
    func badTemplates(template: String) {
        #expect(throws: PathTemplateError.self) { try PathTemplate(template) }
        #expect(throws: PathTemplateError.self) { try ModelCheckpoint(path: template) }
    }

    @Test("saves every epoch to the filled path and creates the folder")
    func everyEpoch() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try ModelCheckpoint(path: folder.path + "/sub/phase{phase}-{epoch:02d}.ftck")
        let control = FakeControl()
        simulateFit([checkpoint], records: records(valLoss: [0.5, 0.6], from: 31, phase: 2), control: control)
        #expect(control.saved == [folder.path + "/sub/phase2-31.ftck", folder.path + "/sub/phase2-32.ftck"])
        #expect(checkpoint.savedPaths == control.saved)
        #expect(FileManager.default.fileExists(atPath: folder.path + "/sub"))
    }

    @Test("saveBestOnly saves only strict improvements, and keeps its best across fits")
    func saveBest() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try ModelCheckpoint(path: folder.path + "/best-{epoch}", saveBestOnly: true)
        let control = FakeControl()
        simulateFit([checkpoint], records: records(valLoss: [0.5, 0.6, 0.4, 0.4]), control: control)
        simulateFit([checkpoint], records: records(valLoss: [0.45, 0.3], from: 5, phase: 2), control: control)
        #expect(control.saved.map { $0.components(separatedBy: "-").last ?? "" } == ["1", "3", "6"])
        #expect(checkpoint.best == 0.3)
    }

    @Test("saveBestOnly with val_acc maximises; initialValueThreshold sets the bar; missing values are skipped")
    func saveBestAccuracy() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try ModelCheckpoint(path: folder.path + "/{epoch}", monitor: .validationAccuracy,
                                             saveBestOnly: true, initialValueThreshold: 0.55)
        var recs = records(valLoss: [0.5, 0.4, 0.3, 0.35])   // val_acc 0.5, 0.6, 0.7, 0.65
        recs[2].validationAccuracy = nil
        let control = FakeControl()
        simulateFit([checkpoint], records: recs, control: control)
        #expect(control.saved == [folder.path + "/2", folder.path + "/4"])
    }

    @Test("a failing save stops training and is reported")
    func failingSave() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let control = FakeControl()
        control.saveError = FakeError()
        let checkpoint = try ModelCheckpoint(path: folder.path + "/{epoch}")
        #expect(simulateFit([checkpoint], records: records(valLoss: [0.5, 0.4]), control: control) == [1])
        #expect(checkpoint.failure is FakeError)
    }

    @Test("a template needing val_loss fails on epochs without validation")
    func missingValue() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try ModelCheckpoint(path: folder.path + "/{val_loss:.2f}")
        var recs = records(valLoss: [0.5])
        recs[0].validationLoss = nil
        simulateFit([checkpoint], records: recs, control: FakeControl())
        #expect(checkpoint.failure as? PathTemplateError == .missingValue(field: "val_loss", epoch: 1, template: folder.path + "/{val_loss:.2f}"))
    }
}
