import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneIO
@testable import FinetuneTraining

@Suite("Stopping, phases and run metadata")
struct StopSignalTests {
    @Test("a stop requested before fit stops before the first step and records no epoch")
    func stopBeforeFit() throws {
        var (trainer, train, validation) = try TrainerResumeTests.setUp()
        let stop = StopSignal()
        stop.request()
        trainer.stopSignal = stop
        #expect(throws: TrainerError.self) { try trainer.fit(&train, epochs: 2, stepsPerEpoch: 4, validation: validation) }
        #expect(trainer.history.epochs.isEmpty)
        #expect(train.position == DataSourcePosition())
    }

    @Test("a stop mid-epoch abandons that epoch; the epoch-end checkpoint resumes exactly")
    func stopMidEpochThenResume() throws {
        var (reference, train, validation) = try TrainerResumeTests.setUp()
        try reference.fit(&train, epochs: 3, stepsPerEpoch: 4, validation: validation)

        var (trainer, train2, _) = try TrainerResumeTests.setUp()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("last.ftckpt").path
        let stop = StopSignal()
        trainer.stopSignal = stop
        var steps = 0
        let save = LambdaCallback(onEpochEnd: { _, control in
            try? control.saveCheckpoint(to: checkpoint)
            return .proceed
        })
        let interrupt = LambdaCallback(onBatchEnd: { _ in
            steps += 1
            if steps == 6 { stop.request(signal: SIGINT) }   // epoch 2, after its second step
        })
        do {
            try trainer.fit(&train2, epochs: 3, stepsPerEpoch: 4, validation: validation, callbacks: [save, interrupt])
            Issue.record("fit should have been interrupted")
        } catch let TrainerError.interrupted(epoch, step) {
            #expect(epoch == 2 && step == 2)
        }
        #expect(trainer.history.epochs.count == 1)
        #expect(stop.signalNumber == SIGINT)

        var (resumed, train3, _) = try TrainerResumeTests.setUp()
        try resumed.restore(from: Checkpoint.read(from: URL(fileURLWithPath: checkpoint)))
        try train3.seek(to: try #require(resumed.trainingPosition))
        try resumed.fit(&train3, epochs: 2, stepsPerEpoch: 4, validation: validation)
        #expect(TrainerResumeTests.numbers(resumed.history) == TrainerResumeTests.numbers(reference.history))
        #expect(resumed.currentWeights() == reference.currentWeights())
    }

    @Test("phase 2 is phase 2 even when phase 1 trained no epoch")
    func explicitPhaseNumber() throws {
        var (trainer, train, validation) = try TrainerResumeTests.setUp()
        try trainer.beginPhase(2, freezing: .from("block5_conv1"), optimizer: RMSprop(learningRate: 1e-4))
        try trainer.fit(&train, epochs: 1, stepsPerEpoch: 2, validation: validation)
        #expect(trainer.history.epochs.map(\.phase) == [2])
        #expect(throws: TrainerError.self) {
            try trainer.beginPhase(1, freezing: .all(of: "vgg16"), optimizer: RMSprop(learningRate: 1e-4))
        }
    }

    @Test("checkpoints carry the trainer's extra metadata")
    func metadata() throws {
        let (trainer, _, _) = try TrainerResumeTests.setUp()
        trainer.checkpointMetadata = ["demo.image_size": "32", "epoch": "overridden"]
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("c.ftckpt").path
        try trainer.saveCheckpoint(to: path)
        let saved = try Checkpoint.read(from: URL(fileURLWithPath: path)).metadata
        #expect(saved["demo.image_size"] == "32")
        #expect(saved["epoch"] == "0")
    }
}
