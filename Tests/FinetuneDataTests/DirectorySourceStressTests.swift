import Foundation
import Synchronization
import Testing
import FinetuneCore
@testable import FinetuneData

/// Seeks, copies and releases prefetching sources while their workers are busy, from several
/// threads at once, and checks every batch against a source without workers. Runs under
/// ThreadSanitizer and AddressSanitizer in `.ci/sanitizers`.
@Suite("DirectorySource under stress")
struct DirectorySourceStressTests {
    /// A split of `classes` × `perClass` small PNGs with distinct pixels.
    static func makeTree(_ scratch: ScratchFolder, classes: Int = 3, perClass: Int = 9) throws -> String {
        for c in 0..<classes {
            let folder = scratch.url.appendingPathComponent("class\(c)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<perClass {
                let (w, h) = (10 + i % 4, 9 + c)
                let rgb = (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ c &* 50 &+ i &* 13) }
                try writePNG(rgb: rgb, width: w, height: h, to: folder.appendingPathComponent("img\(i).png"))
            }
        }
        return scratch.path
    }

    static func source(_ root: String, workers: Int, prefetch: Int = 3) throws -> DirectorySource {
        try DirectorySource(directory: root, targetSize: (12, 12), batchSize: 5, shuffle: true, seed: 11,
                            augmentation: .chollet, workers: workers, prefetch: prefetch)
    }

    /// Every batch of the first `passes` passes, by position, from a source without workers.
    static func reference(_ root: String, passes: Int) throws -> [DataSourcePosition: Batch] {
        var source = try source(root, workers: 0)
        var batches: [DataSourcePosition: Batch] = [:]
        for _ in 0..<(passes * source.batchesPerPass) {
            let position = source.position
            batches[position] = try source.next()
        }
        return batches
    }

    /// Number of random operations per thread (more with FINETUNE_SLOW=1).
    static var rounds: Int { ProcessInfo.processInfo.environment["FINETUNE_SLOW"] == "1" ? 600 : 120 }

    @Test("random seeks, copies and releases on 3 threads serve exactly the batches of workers: 0")
    func seekAndCopyWhileBusy() throws {
        let scratch = try ScratchFolder("stress")
        let root = try Self.makeTree(scratch)
        let passes = 3
        let reference = try Self.reference(root, passes: passes)
        let perPass = try Self.source(root, workers: 0).batchesPerPass
        let shared = try Self.source(root, workers: 3)
        let mismatches = Atomic<Int>(0), served = Atomic<Int>(0), errors = Atomic<Int>(0)

        DispatchQueue.concurrentPerform(iterations: 3) { thread in
            var rng = SeededRNG(seed: UInt64(thread + 1))
            var source = shared
            func check(_ s: inout DirectorySource) throws {
                let position = s.position
                let batch = try s.next()
                served.add(1, ordering: .relaxed)
                guard let expected = reference[position] else { return }
                if batch.images != expected.images || batch.labels != expected.labels {
                    mismatches.add(1, ordering: .relaxed)
                }
            }
            do {
                for _ in 0..<Self.rounds {
                    let random = Position(pass: Int(rng.next() % UInt64(passes)), batch: Int(rng.next() % UInt64(perPass)))
                    switch rng.next() % 6 {
                    case 0:   // seek, then abandon the prefetched window at once with a second seek
                        try source.seek(to: random.value)
                        try source.seek(to: Position(pass: random.pass, batch: (random.batch + 1) % perPass).value)
                        try check(&source)
                    case 1:   // a copy served (and left behind) while the original's batches are in flight
                        var copy = source
                        try check(&copy)
                        try check(&copy)
                        try check(&source)
                    case 2:   // a fresh prefetching source released while its workers are busy
                        var temporary = try Self.source(root, workers: 2, prefetch: 4)
                        try temporary.seek(to: random.value)
                        try check(&temporary)
                    default:
                        try check(&source)
                    }
                    if source.position.pass >= passes { try source.seek(to: DataSourcePosition()) }
                }
            } catch {
                errors.add(1, ordering: .relaxed)
            }
        }
        #expect(errors.load(ordering: .relaxed) == 0)
        #expect(served.load(ordering: .relaxed) >= 3 * Self.rounds)
        #expect(mismatches.load(ordering: .relaxed) == 0, "batches differing from the workers: 0 reference")
    }

    @Test("served batches release their buffers: only the prefetch window stays allocated")
    func servedBatchesAreReleased() throws {
        let scratch = try ScratchFolder("stress-buffers")
        let root = try Self.makeTree(scratch, classes: 2, perClass: 6)
        var source = try Self.source(root, workers: 2, prefetch: 2)
        var highest = 0
        for _ in 0..<200 {
            _ = try source.next()
            highest = max(highest, source.pipeline.buffersInUse)
        }
        // The window (2 batches) plus a just-served job each worker may still hold for a moment
        // (2); before, every job stayed alive in the work queue until 1024 slots had been taken
        // (here all 200; at the demo's sizes hundreds of megabytes).
        #expect(highest <= 4, "\(highest) batch buffers alive after 200 batches")
    }

    @Test("a source dropped with a full prefetch window stops its workers")
    func releaseWhileBusy() throws {
        let scratch = try ScratchFolder("stress-release")
        let root = try Self.makeTree(scratch, classes: 2, perClass: 6)
        for round in 0..<20 {
            weak var pipeline: BatchPipeline?
            do {
                var source = try Self.source(root, workers: 3, prefetch: 4)
                try source.seek(to: DataSourcePosition(pass: round % 3, batch: round % source.batchesPerPass))
                _ = try source.next()
                pipeline = source.pipeline
            }
            var waited = 0
            while pipeline != nil && waited < 400 { usleep(5_000); waited += 1 }
            #expect(pipeline == nil, "round \(round): worker threads outlived their source")
        }
    }
}

/// A position drawn by the stress test.
private struct Position {
    var pass: Int
    var batch: Int
    var value: DataSourcePosition { DataSourcePosition(pass: pass, batch: batch) }
}
