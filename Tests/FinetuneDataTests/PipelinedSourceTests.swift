import Foundation
import Testing
import FinetuneCore
import FinetuneData

/// Images from a fixed seed, one per index, labelled `index % 3`, with samples that fail in the
/// ways a loader can: throwing, returning another shape, or a label outside the classes.
struct PatternLoader: SampleLoader {
    static let images: Tensor = {
        var rng = SeededRNG(seed: 31)
        return Tensor.uniform([11, 6, 5, 3], low: 0, high: 255, using: &rng)
    }()
    var classNames = ["a", "b", "c"]
    var imageShape: Shape = [6, 5, 3]
    var failing: Set<Int> = []
    var wrongShape: Set<Int> = []
    var badLabel: Set<Int> = []
    var contentIdentity: String? = nil

    struct Unreadable: Error, Equatable { let index: Int }

    var sampleCount: Int { Self.images.shape[0] }

    func sample(at index: Int) throws -> (image: Tensor, label: Int) {
        if failing.contains(index) { throw Unreadable(index: index) }
        if wrongShape.contains(index) { return (Tensor.zeros([5, 6, 3]), 0) }
        return (Self.images.slice(batch: index..<index + 1).reshaped(imageShape), badLabel.contains(index) ? 3 : index % 3)
    }

    func describe(_ index: Int) -> String { "pattern \(index)" }
}

@Suite("PipelinedSource")
struct PipelinedSourceTests {
    static let oneHot = Tensor(shape: [11, 3], scalars: (0..<11).flatMap { i in (0..<3).map { Float($0 == i % 3 ? 1 : 0) } })

    @Test("serves ArraySource's batches (Keras' order, augmentation draws, preprocessing) for the same images",
          arguments: [AugmentationRandomness.perSample, .kerasStream])
    func matchesArraySource(randomness: AugmentationRandomness) throws {
        let augmentation = Augmentation(rotationRange: 30, widthShiftRange: 0.2, zoomRange: 0.8...1.2, horizontalFlip: true)
        var pipelined = try PipelinedSource(loader: PatternLoader(), classMode: .categorical, batchSize: 4, shuffle: true,
                                            seed: 7, preprocessing: .rescale255, augmentation: augmentation,
                                            randomness: randomness, workers: 2)
        var array = try ArraySource(images: PatternLoader.images, labels: Self.oneHot, batchSize: 4, shuffle: true, seed: 7,
                                    augmentation: augmentation, randomness: randomness, preprocessing: .rescale255)
        for step in 0..<7 {  // two passes of 4, 4, 3 and the start of a third
            let a = try pipelined.next(), b = try array.next()
            #expect(a.images.shape == b.images.shape && a.images.scalars.map(\.bitPattern) == b.images.scalars.map(\.bitPattern),
                    "step \(step): images differ")
            #expect(a.labels == b.labels, "step \(step): labels differ")
        }
        #expect(pipelined.position == array.position)
        #expect(pipelined.sampleOrder(pass: 1) != pipelined.sampleOrder(pass: 0), "a new order every pass")
    }

    @Test("batches are identical for 0, 1 and 3 worker threads, and after seek(to:)")
    func workersAndSeek() throws {
        func batches(workers: Int) throws -> [Batch] {
            var source = try PipelinedSource(loader: PatternLoader(), batchSize: 3, seed: 2, augmentation: .chollet,
                                             workers: workers, prefetch: 3)
            return try (0..<6).map { _ in try source.next() }
        }
        let reference = try batches(workers: 0)
        for workers in [1, 3] {
            #expect(try batches(workers: workers).map(\.images) == reference.map(\.images), "\(workers) workers")
        }
        var source = try PipelinedSource(loader: PatternLoader(), batchSize: 3, seed: 2, augmentation: .chollet)
        try source.seek(to: DataSourcePosition(pass: 1, batch: 1))
        #expect(try source.next().images == reference[5].images)
        #expect(throws: DataError.self) { try source.seek(to: DataSourcePosition(pass: 0, batch: 4)) }
    }

    @Test("the shards' batches, concatenated in rank order, are the whole source's batches")
    func shards() throws {
        var whole = try PipelinedSource(loader: PatternLoader(), classMode: .sparse, batchSize: 5, seed: 3,
                                        augmentation: .chollet, randomness: .kerasStream)
        var parts = try (0..<3).map { try whole.sharded(DataShard(index: $0, count: 3)) }
        #expect(parts.map(\.shard.index) == [0, 1, 2] && whole.shard == .whole)
        for step in 0..<4 {
            let batch = try whole.next()
            let pieces = try parts.indices.map { try parts[$0].next() }
            #expect(pieces.flatMap(\.images.scalars) == batch.images.scalars, "step \(step)")
            #expect(pieces.flatMap(\.labels.scalars) == batch.labels.scalars, "step \(step)")
            #expect(pieces.compactMap(\.part?.wholeCount).allSatisfy { $0 == batch.count })
        }
    }

    @Test("labels as the class mode lays them out; .none serves no labels and checks none")
    func classModes() throws {
        var binary = try PipelinedSource(loader: PatternLoader(classNames: ["x", "y", "z"]), classMode: .binary,
                                         batchSize: 4, shuffle: false)
        #expect(try binary.next().labels == Tensor(shape: [4, 1], scalars: [0, 1, 2, 0]))
        var unlabelled = try PipelinedSource(loader: PatternLoader(classNames: [], badLabel: [1]), classMode: .none,
                                             batchSize: 4, shuffle: false)
        let batch = try unlabelled.next()
        #expect(batch.labels.shape == [4, 0] && batch.count == 4)
    }

    @Test("a sample that throws, has another shape or a label outside the classes is thrown, naming it")
    func badSamplesThrow() throws {
        var failing = try PipelinedSource(loader: PatternLoader(failing: [2]), batchSize: 4, shuffle: false)
        #expect(throws: PatternLoader.Unreadable(index: 2)) { try failing.next() }
        #expect(failing.position == DataSourcePosition(), "a batch that failed is not consumed")
        var shaped = try PipelinedSource(loader: PatternLoader(wrongShape: [5]), batchSize: 4, shuffle: false)
        _ = try shaped.next()
        #expect(throws: SampleLoaderError.wrongShape(sample: "pattern 5", expected: [6, 5, 3], got: [5, 6, 3])) {
            try shaped.next()
        }
        var labelled = try PipelinedSource(loader: PatternLoader(badLabel: [0]), batchSize: 4, shuffle: false)
        let error = #expect(throws: SampleLoaderError.labelOutOfRange(sample: "pattern 0", label: 3, classCount: 3)) {
            try labelled.next()
        }
        #expect(error.map { "\($0)" }?.contains("pattern 0: label 3 is not a class index in 0..<3") == true)
    }

    @Test("with onBadFile: .skip, bad samples leave their batch, once each in skippedFiles")
    func badSamplesSkipped() throws {
        var source = try PipelinedSource(loader: PatternLoader(failing: [1], wrongShape: [4], badLabel: [9]),
                                         batchSize: 4, shuffle: false, onBadFile: .skip, quiet: true)
        let counts = try (0..<6).map { _ in try source.next().count }
        #expect(counts == [3, 3, 2, 3, 3, 2])
        #expect(source.skippedFiles.map(\.path) == ["pattern 1", "pattern 4", "pattern 9"])
        var allBad = try PipelinedSource(loader: PatternLoader(failing: [0, 1]), batchSize: 2, shuffle: false,
                                         onBadFile: .skip, quiet: true)
        #expect(throws: DataError.emptyBatch(paths: ["pattern 0", "pattern 1"])) { try allBad.next() }
    }

    @Test("settings a pipeline cannot serve are refused with a typed error")
    func invalidSettings() {
        let refused: [(PatternLoader, Int, Preprocessing, ClassMode)] = [
            (PatternLoader(imageShape: [6, 5]), 4, .none, .categorical),
            (PatternLoader(imageShape: [6, 0, 3]), 4, .none, .categorical),
            (PatternLoader(), 0, .none, .categorical),
            (PatternLoader(imageShape: [6, 5, 1]), 4, .caffe, .categorical),
            (PatternLoader(classNames: []), 4, .none, .binary),
            (PatternLoader(imageShape: [1 << 20, 1 << 20, 3]), 4096, .none, .categorical),
        ]
        for (loader, batchSize, preprocessing, classMode) in refused {
            #expect(throws: DataError.self, "\(loader.imageShape), batch \(batchSize), \(preprocessing), \(classMode)") {
                try PipelinedSource(loader: loader, classMode: classMode, batchSize: batchSize, preprocessing: preprocessing)
            }
        }
        #expect(throws: DataError.self) { try PipelinedSource(loader: PatternLoader(), workers: -1) }
    }

    @Test("a pass is repeatable (cacheable) only without shuffling and augmentation, and when the loader names its contents")
    func repeatable() throws {
        let named = PatternLoader(contentIdentity: "patterns v1")
        let plain = try PipelinedSource(loader: named, batchSize: 4, shuffle: false)
        let identity = try #require(plain.repeatablePassIdentity)
        #expect(identity.contains("patterns v1"))
        #expect(try PipelinedSource(loader: named, batchSize: 4, shuffle: false, preprocessing: .rescale255)
            .repeatablePassIdentity != identity)
        #expect(try PipelinedSource(loader: named, batchSize: 4, shuffle: true).repeatablePassIdentity == nil)
        #expect(try PipelinedSource(loader: named, batchSize: 4, shuffle: false, augmentation: .chollet)
            .repeatablePassIdentity == nil)
        #expect(try PipelinedSource(loader: PatternLoader(), batchSize: 4, shuffle: false).repeatablePassIdentity == nil)
        #expect(try plain.sharded(DataShard(index: 1, count: 2)).repeatablePassIdentity == identity + ", shard 1 of 2")
    }
}
