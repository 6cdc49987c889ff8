import Testing
@testable import FinetuneTraining

@Suite("TensorBoardHistogram")
struct TensorBoardHistogramTests {
    @Test("equal-width buckets from min to max, closed on the right")
    func buckets() {
        let h = TensorBoardHistogram([0, 1, 2, 3, 4, 4, -4, .nan], bucketCount: 4)
        #expect(h.min == -4 && h.max == 4)
        #expect(h.count == 7)
        #expect(h.sum == 10)
        #expect(h.sumOfSquares == 62)
        #expect(h.bucketLimits == [-2, 0, 2, 4])
        #expect(h.bucketCounts == [1, 1, 2, 3])
    }

    @Test("equal values make one bucket; no values make one empty bucket")
    func degenerate() {
        let same = TensorBoardHistogram([Float](repeating: 0.5, count: 3))
        #expect(same.bucketLimits == [0.5] && same.bucketCounts == [3])
        let none = TensorBoardHistogram([Float]())
        #expect(none.count == 0 && none.bucketCounts == [0])
    }
}
