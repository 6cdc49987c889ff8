/// The part of every batch that one process of a data-parallel job reads.
///
/// Process `index` of `count` reads a contiguous run of slots of each batch — the batch one
/// process alone would read, same samples, same order, same augmentation draws — so the shards
/// of all processes, concatenated in index order, are exactly that batch. Runs differ in length
/// by at most one sample; when a batch has fewer samples than there are processes, some shards
/// of it are empty.
public struct DataShard: Sendable, Hashable, Codable, CustomStringConvertible {
    /// This process's index (its MPI rank), `0 ..< count`.
    public let index: Int
    /// Number of processes sharing each batch (the MPI world size).
    public let count: Int

    /// Every sample of every batch: what a single process reads.
    package static let whole = DataShard(uncheckedIndex: 0, count: 1)

    /// Shard `index` of `count`; throws unless `0 ≤ index < count`.
    public init(index: Int, count: Int) throws {
        guard count > 0, index >= 0, index < count else {
            throw DataError.invalidConfiguration("shard \(index) of \(count) is out of range: the index must be in 0..<count and count ≥ 1")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// The slots `[⌊index·size / count⌋, ⌊(index + 1)·size / count⌋)` of a batch of `size` samples.
    package func slots(inBatchOf size: Int) -> Range<Int> {
        (index * size / count)..<((index + 1) * size / count)
    }

    /// Whether this shard reads every sample.
    package var isWhole: Bool { count == 1 }

    public var description: String { "shard \(index) of \(count)" }
}

/// A ``DataSource`` that can serve one ``DataShard`` of each of its batches without loading the
/// rest: positions, passes and batch counts stay those of the whole stream, so a position saved
/// by any shard (or by the whole source) resumes every other.
public protocol ShardableSource: DataSource {
    /// The part of each batch this value serves (the whole batch unless sharded).
    var shard: DataShard { get }
    /// A copy serving `shard` of every batch, starting at this value's position.
    func sharded(_ shard: DataShard) -> Self
}
