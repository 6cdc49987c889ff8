import Testing
@testable import FinetuneTraining

@Suite("LambdaCallback")
struct LambdaCallbackTests {
    @Test("calls each closure at its hook and can stop training")
    func hooks() {
        var calls: [String] = []
        let callback = LambdaCallback(
            onTrainBegin: { info, _ in calls.append("trainBegin \(info.initialEpoch)") },
            onEpochBegin: { e, _ in calls.append("epochBegin \(e)") },
            onBatchBegin: { s in calls.append("batchBegin \(s)") },
            onBatchEnd: { logs in calls.append("batchEnd \(logs.step)") },
            onEpochEnd: { r, _ in calls.append("epochEnd \(r.epoch)"); return r.epoch == 2 ? .stopTraining : .proceed },
            onTrainEnd: { h, _ in calls.append("trainEnd \(h.epochs.count)") })
        let ran = simulateFit([callback], records: records(valLoss: [0.5, 0.4, 0.3]), control: FakeControl(), stepsPerEpoch: 1)
        #expect(ran == [1, 2])
        #expect(calls == ["trainBegin 1", "epochBegin 1", "batchBegin 0", "batchEnd 0", "epochEnd 1",
                          "epochBegin 2", "batchBegin 0", "batchEnd 0", "epochEnd 2", "trainEnd 2"])
        #expect(callback.failure == nil)
    }
}
