import Testing
import FinetuneCore
@testable import FinetuneTraining

@Suite("EarlyStopping")
struct EarlyStoppingTests {
    @Test("patience counts epochs without improvement", arguments: [
        // (val_loss per epoch, patience, epochs that run)
        ([0.5, 0.4, 0.45, 0.46, 0.47, 0.3], 2, [1, 2, 3, 4]),
        ([0.5, 0.4, 0.45, 0.46, 0.47, 0.3], 3, [1, 2, 3, 4, 5]),
        ([0.5, 0.4, 0.45, 0.46, 0.47, 0.3], 4, [1, 2, 3, 4, 5, 6]),
        ([0.5, 0.6, 0.7], 0, [1, 2]),
        ([0.5, 0.5, 0.5], 1, [1, 2]),
    ])
    func patience(values: [Double], patience: Int, expected: [Int]) {
        let stop = EarlyStopping(monitor: .validationLoss, patience: patience)
        let ran = simulateFit([stop], records: records(valLoss: values), control: FakeControl())
        #expect(ran == expected)
        #expect(stop.stoppedEpoch == (expected.count < values.count ? expected.last : nil))
    }

    @Test("a NaN never improves, and the run never stops at epoch 1")
    func nanAndFirstEpoch() {
        // Epoch 1 (NaN) does not improve, but stopping needs epoch > 1; epoch 2 becomes the best.
        let stop = EarlyStopping(patience: 0)
        let ran = simulateFit([stop], records: records(valLoss: [.nan, 0.7, 0.8]), control: FakeControl())
        #expect(ran == [1, 2, 3])
        #expect(stop.bestEpoch == 2)
        #expect(stop.stoppedEpoch == 3)
    }

    @Test("minDelta: smaller changes do not count as improvement")
    func minDelta() {
        let values = [0.5, 0.495, 0.492, 0.485, 0.3]
        #expect(simulateFit([EarlyStopping(patience: 2, minDelta: 0.01)], records: records(valLoss: values),
                            control: FakeControl()) == [1, 2, 3])
        #expect(simulateFit([EarlyStopping(patience: 2, minDelta: 0.001)], records: records(valLoss: values),
                            control: FakeControl()) == [1, 2, 3, 4, 5])
    }

    @Test("auto mode maximises accuracy, minimises loss")
    func modes() {
        #expect(EarlyStopping(monitor: .validationAccuracy).mode == .max)
        #expect(EarlyStopping(monitor: .accuracy).mode == .max)
        #expect(EarlyStopping(monitor: .loss).mode == .min)
        #expect(EarlyStopping(monitor: .validationLoss, mode: .max).mode == .max)
        // val_acc = 1 − val_loss in the fake records: rising loss = falling accuracy.
        let ran = simulateFit([EarlyStopping(monitor: .validationAccuracy, patience: 1)],
                              records: records(valLoss: [0.5, 0.4, 0.45, 0.1]), control: FakeControl())
        #expect(ran == [1, 2, 3])
    }

    @Test("restoreBestWeights puts back the best epoch's weights at the end")
    func restoreBest() {
        let control = FakeControl()
        let stop = EarlyStopping(patience: 2, restoreBestWeights: true)
        let ran = simulateFit([stop], records: records(valLoss: [0.5, 0.3, 0.4, 0.45, 0.2]), control: control)
        #expect(ran == [1, 2, 3, 4])
        #expect(stop.bestEpoch == 2)
        #expect(control.weightEpoch == 2)
        #expect(control.restoreCount == 1)
    }

    @Test("restoreBestWeights restores even without an early stop (Keras 3)")
    func restoreWithoutStop() {
        let control = FakeControl()
        simulateFit([EarlyStopping(patience: 10, restoreBestWeights: true)],
                    records: records(valLoss: [0.5, 0.3, 0.4]), control: control)
        #expect(control.weightEpoch == 2)
    }

    @Test("baseline: improvements that miss the baseline do not reset patience")
    func baseline() {
        // Keras 3: an improving epoch never stops the run; the next non-improving one can.
        let values = [0.9, 0.8, 0.85, 0.7]
        #expect(simulateFit([EarlyStopping(patience: 2, baseline: 0.5)], records: records(valLoss: values),
                            control: FakeControl()) == [1, 2, 3])
        #expect(simulateFit([EarlyStopping(patience: 2, baseline: 0.85)], records: records(valLoss: values),
                            control: FakeControl()) == [1, 2, 3, 4])
        #expect(simulateFit([EarlyStopping(patience: 2)], records: records(valLoss: values),
                            control: FakeControl()) == [1, 2, 3, 4])
    }

    @Test("epochs without the monitored value, or before startFromEpoch, are ignored")
    func skipped() {
        var recs = records(valLoss: [0.5, 0.6, 0.7, 0.8])
        recs[1].validationLoss = nil
        #expect(simulateFit([EarlyStopping(patience: 1)], records: recs, control: FakeControl()) == [1, 2, 3])
        #expect(simulateFit([EarlyStopping(patience: 1, startFromEpoch: 3)], records: records(valLoss: [0.1, 0.9, 0.5, 0.6]),
                            control: FakeControl()) == [1, 2, 3, 4])
    }

    @Test("a failed restore is reported")
    func failedRestore() {
        final class Refusing: FakeControl {
            override func restoreWeights(_ weights: [String: FinetuneCore.Tensor]) throws { throw FakeError() }
        }
        let stop = EarlyStopping(patience: 1, restoreBestWeights: true)
        simulateFit([stop], records: records(valLoss: [0.5, 0.6, 0.7]), control: Refusing())
        #expect(stop.failure is FakeError)
    }
}
