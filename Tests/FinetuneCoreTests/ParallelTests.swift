import FinetuneCore
import Testing

@Suite("Parallel")
struct ParallelTests {
    @Test("forEach visits every index exactly once", arguments: [0, 1, 2, 3, 17, 1000], [1, 2, 3, 8])
    func forEachCoversOnce(count: Int, threads: Int) {
        let hits = Locked<[Int]>(Array(repeating: 0, count: count))
        Parallel.forEach(count, threads: threads) { i in hits.withLock { $0[i] += 1 } }
        #expect(hits.withLock { $0 } == Array(repeating: 1, count: count))
    }

    @Test("chunks are contiguous, in order, at most one per thread, and cover the range")
    func chunks() {
        for (count, threads) in [(10, 3), (2, 8), (7, 1), (100, 2)] {
            let seen = Locked<[Range<Int>]>([])
            Parallel.chunks(count, threads: threads) { r in seen.withLock { $0.append(r) } }
            let ranges = seen.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
            #expect(ranges.count == min(threads, count))
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
            for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            #expect(ranges.allSatisfy { !$0.isEmpty })
        }
    }

    @Test("the thread count is at least one")
    func threadCount() { #expect(Parallel.threadCount >= 1) }
}
