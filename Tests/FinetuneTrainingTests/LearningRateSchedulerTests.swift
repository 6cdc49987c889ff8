import Testing
@testable import FinetuneTraining

@Suite("LearningRateScheduler")
struct LearningRateSchedulerTests {
    @Test("sets the rate from the schedule at each epoch begin, with the current rate passed in")
    func closure() {
        let control = FakeControl()
        control.learningRate = 0.1
        var seen: [(Int, Double)] = []
        let scheduler = LearningRateScheduler { epoch, lr in seen.append((epoch, lr)); return lr / 2 }
        var ratesDuringEpochs: [Float] = []
        let probe = LambdaCallback(onBatchBegin: { _ in ratesDuringEpochs.append(control.learningRate) })
        simulateFit([scheduler, probe], records: records(valLoss: [0.5, 0.4, 0.3], from: 31), control: control, stepsPerEpoch: 1)
        #expect(seen.map(\.0) == [31, 32, 33])
        #expect(abs(seen[1].1 - 0.05) < 1e-7)
        #expect(ratesDuringEpochs == [0.05, 0.025, 0.0125])
        #expect(scheduler.lastRate == Double(Float(0.025)) / 2)
    }

    @Test("step decay", arguments: [(1, 1e-3), (10, 1e-3), (11, 5e-4), (20, 5e-4), (21, 2.5e-4), (35, 1.25e-4)])
    func stepDecay(epoch: Int, expected: Double) {
        let schedule = LearningRateScheduler.stepDecay(initial: 1e-3, factor: 0.5, every: 10)
        #expect(abs(schedule(epoch, 123) - expected) <= 1e-15)
    }

    @Test("exponential decay", arguments: [(31, 1e-4), (32, 9e-5), (41, 1e-4 * 0.3486784401)])
    func exponentialDecay(epoch: Int, expected: Double) {
        let schedule = LearningRateScheduler.exponentialDecay(initial: 1e-4, rate: 0.9, from: 31)
        #expect(abs(schedule(epoch, 0) - expected) <= 1e-15)
    }

    @Test("a NaN or negative rate is refused and stops training")
    func invalid() {
        let control = FakeControl()
        control.learningRate = 0.5
        let scheduler = LearningRateScheduler { epoch, _ in epoch == 2 ? -1 : 0.1 }
        let ran = simulateFit([scheduler], records: records(valLoss: [0.5, 0.4, 0.3]), control: control)
        #expect(ran == [1, 2])
        #expect(control.learningRate == 0.1)
        #expect(scheduler.failure as? ScheduleError == .invalidRate(epoch: 2, rate: -1))
    }
}
