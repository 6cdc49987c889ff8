import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
@testable import FinetuneTraining

/// A stand-in for `copies` processes reading the same shard that records how the step's buffer
/// is bucketed. Sums are deferred to ``finishSums()``, as a non-blocking all-reduce may be, so a
/// trainer that read a bucket before finishing would see unsummed values.
final class RecordingBuckets: DistributionStrategy {
    enum Event: Equatable { case begin(offset: Int, count: Int), progress, finish }

    let rank = 0
    let worldSize: Int
    let bucketBytes: Int
    let overlapsBackward: Bool
    /// Every call, in order; a bucket's offset is counted from the step's first bucket.
    private(set) var events: [Event] = []
    private var pending: [UnsafeMutableBufferPointer<Float>] = []
    private var stepStart: UnsafeMutablePointer<Float>?

    init(copies: Int, bucketBytes: Int, overlapsBackward: Bool) {
        worldSize = copies
        self.bucketBytes = bucketBytes
        self.overlapsBackward = overlapsBackward
    }

    func sum(_ buffer: inout [Float]) throws { for i in buffer.indices { buffer[i] *= Float(worldSize) } }
    func sum(_ buffer: inout [Double]) throws { for i in buffer.indices { buffer[i] *= Double(worldSize) } }

    func beginSum(_ bucket: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = bucket.baseAddress else { return }
        if pending.isEmpty && stepStart == nil { stepStart = base }
        events.append(.begin(offset: stepStart.map { base - $0 } ?? 0, count: bucket.count))
        pending.append(bucket)
    }
    func progressSums() throws { events.append(.progress) }
    func finishSums() throws {
        for bucket in pending { for i in bucket.indices { bucket[i] *= Float(worldSize) } }
        pending = []
        stepStart = nil
        events.append(.finish)
    }

    /// Each step's buckets as (offset, count), in the order begun.
    var steps: [[(offset: Int, count: Int)]] {
        var result: [[(offset: Int, count: Int)]] = [[]]
        for event in events {
            switch event {
            case let .begin(offset, count): result[result.count - 1].append((offset, count))
            case .finish: result.append([])
            case .progress: break
            }
        }
        return result.filter { !$0.isEmpty }
    }
}

@Suite("GradientBuckets")
struct GradientBucketsTests {
    /// A phase-2-like trainer: block5 and the head trainable.
    static func trainer() throws -> (Trainer, TensorSource) {
        let (trainer, source) = try DistributionStrategyTests.setup()
        try trainer.beginPhase(freezing: .from("block5_conv1"), optimizer: RMSprop(learningRate: 1e-4))
        return (trainer, source)
    }

    /// Trains 2 epochs × 2 steps under `strategy`; the final weights and per-epoch losses.
    static func train(_ strategy: (any DistributionStrategy)?) throws -> ([String: Tensor], [Double], Int) {
        let (trainer, source) = try trainer()
        trainer.distribution = strategy
        var s = source
        try trainer.fit(&s, epochs: 2, stepsPerEpoch: 2)
        return (trainer.currentWeights(), trainer.history.epochs.map(\.loss), trainer.parameterCounts.trainable)
    }

    @Test("the buffer is laid out in backward order: the last layer's gradients first")
    func backwardLayout() throws {
        let (trainer, _) = try Self.trainer()
        let buckets = GradientBuckets(model: trainer.model, keys: trainer.trainable,
                                      strategy: RecordingBuckets(copies: 1, bucketBytes: 64, overlapsBackward: true))
        #expect(buckets.layout.map(\.key) == ["dense_1.kernel", "dense_1.bias", "dense.kernel", "dense.bias",
                                              "block5_conv3.kernel", "block5_conv3.bias", "block5_conv2.kernel",
                                              "block5_conv2.bias", "block5_conv1.kernel", "block5_conv1.bias"])
        #expect(buckets.length == trainer.parameterCounts.trainable + 3)
        #expect(zip(buckets.layout, buckets.layout.dropFirst()).allSatisfy { $0.offset + $0.count == $1.offset })
    }

    @Test("buckets tile the buffer in order, each at most bucketBytes; the results equal one bucket's bit for bit",
          arguments: [(64, true), (64, false), (4, true), (1000, true), (Int.max, true), (Int.max, false)])
    func bucketsTileTheBuffer(bucketBytes: Int, overlap: Bool) throws {
        let (oneBucket, oneLosses, trainable) = try Self.train(RecordingBuckets(copies: 3, bucketBytes: Int.max, overlapsBackward: false))
        let strategy = RecordingBuckets(copies: 3, bucketBytes: bucketBytes, overlapsBackward: overlap)
        let (weights, losses, _) = try Self.train(strategy)
        #expect(weights == oneBucket)
        #expect(losses == oneLosses)

        let floats = trainable + 3
        let perBucket = min(bucketBytes / 4, floats)
        let steps = strategy.steps
        #expect(steps.count == 4)
        for buckets in steps {
            #expect(buckets.count == (floats + perBucket - 1) / perBucket)
            #expect(buckets.map(\.offset) == Array(stride(from: 0, to: floats, by: perBucket)))
            #expect(buckets.dropLast().allSatisfy { $0.count == perBucket })
            #expect(buckets.reduce(0) { $0 + $1.count } == floats)
        }
        if perBucket < 10 {
            // The smallest tensor of the model (dense_1.bias, 1 float) aside, tensors are split.
            #expect(steps[0].count > 10)
        }
    }

    @Test("with overlap, buckets begin during the backward pass and progress is driven between layers")
    func overlapBeginsDuringBackward() throws {
        let strategy = RecordingBuckets(copies: 2, bucketBytes: 64, overlapsBackward: true)
        _ = try Self.train(strategy)
        let firstStep = strategy.events.prefix { $0 != .finish }
        let begins = firstStep.indices.filter { if case .begin = firstStep[$0] { return true } else { return false } }
        let progress = firstStep.indices.filter { firstStep[$0] == .progress }
        let first = try #require(begins.first), last = try #require(begins.last)
        // Progress calls between the first and the last begin: the head's buckets were in flight
        // while block5 was differentiated.
        #expect(progress.contains { $0 > first && $0 < last })
        #expect(progress.count >= 5, "one per reported layer after the first bucket began")
    }

    @Test("without overlap, every bucket begins after the backward pass: no progress calls")
    func noOverlapBeginsAfter() throws {
        let strategy = RecordingBuckets(copies: 2, bucketBytes: 64, overlapsBackward: false)
        _ = try Self.train(strategy)
        #expect(!strategy.events.contains(.progress))
    }

    @Test("a strategy with only sum gets one bucket per step, summed by sum")
    func defaultIsOneBucket() throws {
        let strategy = MirroredProcesses(copies: 2)
        let (_, _, trainable) = try Self.train(strategy)
        #expect(strategy.floatsSummed == 4 * (trainable + 3))
        #expect(strategy.bucketBytes == Int.max && !strategy.overlapsBackward)
    }
}
