import Testing
@testable import FinetuneTraining

@Suite("Smoothing")
struct SmoothingTests {
    @Test("EMA with factor 0.8 matches hand-computed values")
    func handComputed() {
        // s0 = 1; s1 = 0.8·1 + 0.2·2 = 1.2; s2 = 0.8·1.2 + 0.2·3 = 1.56; s3 = 0.8·1.56 + 0.2·0 = 1.248
        let s = exponentialMovingAverage([1, 2, 3, 0])
        let expected = [1, 1.2, 1.56, 1.248]
        #expect(s.count == 4)
        for (a, e) in zip(s, expected) { #expect(abs(a - e) < 1e-12, "\(s) vs \(expected)") }
    }

    @Test("factor 0 returns the series; factor 0.5 halves the step", arguments: [
        (0.0, [4.0, 8, 0], [4.0, 8, 0]),
        (0.5, [4.0, 8, 0], [4.0, 6, 3]),
        (0.9, [10.0], [10.0]),
    ])
    func factors(factor: Double, input: [Double], expected: [Double]) {
        let s = exponentialMovingAverage(input, factor: factor)
        #expect(s.count == expected.count)
        for (a, e) in zip(s, expected) { #expect(abs(a - e) < 1e-12, "\(s) vs \(expected)") }
    }

    @Test("empty series gives empty output")
    func empty() { #expect(exponentialMovingAverage([]).isEmpty) }

    @Test("history smoothing restarts at each phase unless told not to")
    func perPhase() {
        let h = History(epochs: [
            EpochRecord(epoch: 1, phase: 1, loss: 1, accuracy: 0, validationLoss: 1, seconds: 1),
            EpochRecord(epoch: 2, phase: 1, loss: 2, accuracy: 0, validationLoss: nil, seconds: 1),
            EpochRecord(epoch: 3, phase: 2, loss: 5, accuracy: 0, validationLoss: 3, seconds: 1),
            EpochRecord(epoch: 4, phase: 2, loss: 10, accuracy: 0, validationLoss: 4, seconds: 1),
        ])
        let restarted = h.smoothed(.loss, factor: 0.5)
        #expect(restarted.epochs == [1, 2, 3, 4])
        #expect(restarted.values == [1, 1.5, 5, 7.5])
        let whole = h.smoothed(.loss, factor: 0.5, restartingEachPhase: false)
        #expect(whole.values == [1, 1.5, 3.25, 6.625])
        // Epochs without validation are skipped, not zero-filled.
        let val = h.smoothed(.validationLoss, factor: 0.5)
        #expect(val.epochs == [1, 3, 4])
        #expect(val.values == [1, 3, 3.5])
        #expect(h.phaseStarts.map(\.phase) == [1, 2])
        #expect(h.phaseStarts.map(\.epoch) == [1, 3])
    }
}
