import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneData

@Suite("DataShard")
struct DataShardTests {
    @Test("shards of a batch are contiguous, in rank order, cover it exactly, and differ by at most one")
    func arithmetic() throws {
        for count in 1...7 {
            for size in 0...23 {
                let ranges = try (0..<count).map { try DataShard(index: $0, count: count).slots(inBatchOf: size) }
                #expect(ranges.first?.lowerBound == 0)
                #expect(ranges.last?.upperBound == size)
                for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
                let lengths = ranges.map(\.count)
                #expect(lengths.max()! - lengths.min()! <= 1, "\(size) over \(count): \(lengths)")
            }
        }
        #expect(try DataShard(index: 1, count: 2).slots(inBatchOf: 7) == 3..<7)
        #expect(try DataShard(index: 2, count: 3).slots(inBatchOf: 2) == 1..<2)
        #expect(try DataShard(index: 0, count: 3).slots(inBatchOf: 2).isEmpty)
    }

    @Test("an index outside 0..<count is refused, naming both")
    func refusesOutOfRange() {
        for (index, count) in [(2, 2), (-1, 2), (0, 0)] {
            let error = #expect(throws: DataError.self) { try DataShard(index: index, count: count) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("shard \(index) of \(count)"))
        }
    }

    static func source(randomness: AugmentationRandomness) throws -> ArraySource {
        var rng = SeededRNG(seed: 4)
        let images = Tensor.uniform([11, 8, 8, 3], low: 0, high: 255, using: &rng)
        let labels = Tensor(shape: [11], scalars: (0..<11).map { Float($0 % 2) })
        return try ArraySource(images: images, labels: labels, batchSize: 5, shuffle: true, seed: 9,
                               augmentation: Augmentation(rotationRange: 30, widthShiftRange: 0.2, horizontalFlip: true),
                               randomness: randomness)
    }

    @Test("the shards' batches, concatenated in rank order, are the whole source's batches (both randomness modes)",
          arguments: [AugmentationRandomness.perSample, .kerasStream])
    func unionIsTheWholeBatch(randomness: AugmentationRandomness) throws {
        for count in [2, 3, 6] {
            var whole = try Self.source(randomness: randomness)
            var shards = try (0..<count).map { try whole.sharded(DataShard(index: $0, count: count)) }
            for step in 0..<7 {  // crosses two pass boundaries (batches of 5, 5, 1)
                let batch = try whole.next()
                let parts = try shards.indices.map { try shards[$0].next() }
                #expect(parts.map(\.count).reduce(0, +) == batch.count, "step \(step), \(count) shards")
                #expect(parts.flatMap(\.images.scalars) == batch.images.scalars, "step \(step), \(count) shards")
                #expect(parts.flatMap(\.labels.scalars) == batch.labels.scalars, "step \(step), \(count) shards")
                #expect(shards.allSatisfy { $0.position == whole.position })
            }
        }
    }

    @Test("a sharded copy keeps its position, reports its shard, and a repeatable identity names it")
    func positionAndIdentity() throws {
        var rng = SeededRNG(seed: 2)
        let images = Tensor.uniform([6, 4, 4, 3], low: 0, high: 255, using: &rng)
        var source = try ArraySource(images: images, labels: Tensor(shape: [6], scalars: [0, 1, 0, 1, 0, 1]), batchSize: 4)
        _ = try source.next()
        let shard = try DataShard(index: 1, count: 2)
        let sharded = source.sharded(shard)
        #expect(sharded.position == source.position)
        #expect(sharded.shard == shard && source.shard == .whole)
        let identity = try #require(sharded.repeatablePassIdentity)
        #expect(identity != source.repeatablePassIdentity && identity.hasSuffix("shard 1 of 2"))
        #expect(sharded.sharded(.whole).repeatablePassIdentity == source.repeatablePassIdentity)
    }
}
