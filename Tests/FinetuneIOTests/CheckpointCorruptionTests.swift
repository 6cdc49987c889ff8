import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneTestSupport
@testable import FinetuneIO

/// The kinds of failure a damaged file must be reported as.
enum Failure: String, CustomStringConvertible {
    case notACheckpoint, truncated, corrupted, newerVersion
    var description: String { rawValue }

    init?(_ error: CheckpointError) {
        switch error {
        case .notACheckpoint: self = .notACheckpoint
        case .truncated: self = .truncated
        case .corrupted: self = .corrupted
        case .newerVersion: self = .newerVersion
        default: return nil
        }
    }
}

@Suite("Checkpoint damage and atomic writes")
struct CheckpointCorruptionTests {
    /// A written checkpoint of the tiny VGG16 classifier with optimizer and trainer state.
    func written(in directory: borrowing TemporaryDirectory) throws -> (URL, [UInt8]) {
        let model = tinySeed()
        var optimizer = TestRMSprop()
        optimizer.state["dense.kernel/rms"] = .zeros([16, 8])
        var checkpoint = Checkpoint(model: model, optimizer: optimizer)
        try checkpoint.encodeTrainerState(["epoch": 2])
        let url = directory.file("model.ftckpt")
        try checkpoint.write(to: url)
        return (url, try AtomicFile.readAll(url.path))
    }

    func readError(_ bytes: [UInt8], at url: URL) throws -> CheckpointError {
        try Data(bytes).write(to: url)
        return try #require(throws: CheckpointError.self) { try Checkpoint.read(from: url) }
    }

    @Test("a flipped byte anywhere is caught and named",
          arguments: [(0, Failure.notACheckpoint), (7, .notACheckpoint), (9, .corrupted), (12, .corrupted),
                      (17, .corrupted), (25, .corrupted), (33, .corrupted), (41, .corrupted), (47, .corrupted),
                      (48, .corrupted), (-2, .corrupted), (-1, .corrupted)])
    func flippedByte(position: Int, expected: Failure) throws {
        let directory = try TemporaryDirectory()
        let (url, bytes) = try written(in: directory)
        var damaged = bytes
        let at = position >= 0 ? position : bytes.count + position
        damaged[at] ^= 0x04
        let error = try readError(damaged, at: url)
        #expect(Failure(error) == expected, "byte \(at): \(error)")
        #expect(error.description.contains(url.path))
    }

    @Test("a flipped byte in the middle of the payload is a checksum failure")
    func flippedPayloadByte() throws {
        let directory = try TemporaryDirectory()
        let (url, bytes) = try written(in: directory)
        var damaged = bytes
        damaged[bytes.count / 2] ^= 0x80
        let error = try readError(damaged, at: url)
        guard case let .corrupted(file, detail) = error else { Issue.record("\(error)"); return }
        #expect(file == url.path)
        #expect(detail.contains("payload checksum"))
        #expect(error.description.contains("use another copy or an earlier checkpoint"))
    }

    @Test("a truncated file says so, with both sizes", arguments: [0, 5, 11, 12, 47, 48, 100, -1])
    func truncated(length: Int) throws {
        let directory = try TemporaryDirectory()
        let (url, bytes) = try written(in: directory)
        let keep = length >= 0 ? length : bytes.count + length
        let cut = keep >= 100 ? bytes.count / 2 : keep
        let error = try readError(Array(bytes.prefix(cut)), at: url)
        guard case let .truncated(file, size, expected) = error else { Issue.record("\(cut) bytes: \(error)"); return }
        #expect(file == url.path && size == cut && expected > cut)
        #expect(error.description.contains("truncated") && error.description.contains("\(cut) bytes"))
    }

    @Test("a file that is not a checkpoint is named, with what it looks like")
    func wrongMagic() throws {
        let directory = try TemporaryDirectory()
        let text = directory.file("notes.txt")
        let error = try readError(Array("epoch,loss\n1,0.5\n".utf8), at: text)
        #expect(Failure(error) == .notACheckpoint)
        #expect(error.description.contains(text.path) && error.description.contains("text"))

        let keras = GoldenSuite.root.appendingPathComponent("io/keras3_seed.weights.h5")
        let hdf5 = try #require(throws: CheckpointError.self) { try Checkpoint.read(from: keras) }
        #expect(Failure(hdf5) == .notACheckpoint)
        #expect(hdf5.description.contains("HDF5") && hdf5.description.contains("KerasWeights.read"))
    }

    @Test("a file from a newer format version asks for a newer Finetune")
    func futureVersion() throws {
        let directory = try TemporaryDirectory()
        let (url, bytes) = try written(in: directory)
        // As a future writer would produce it: version 2, preamble checksum valid for its bytes.
        var future = bytes
        future[8] = 2
        let sum = XXH64.hash(Array(future[0..<40]))
        withUnsafeBytes(of: sum.littleEndian) { for i in 0..<8 { future[40 + i] = $0[i] } }
        let error = try readError(future, at: url)
        #expect(error == .newerVersion(file: url.path, version: 2, supported: 1))
        #expect(error.description.contains("update Finetune"))
        // Without a valid preamble checksum, a changed version byte is damage, not a newer format.
        var flipped = bytes
        flipped[8] = 2
        #expect(Failure(try readError(flipped, at: url)) == .corrupted)
    }

    @Test("a missing file and a directory give their own errors")
    func missing() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("nope.ftckpt")
        #expect(throws: CheckpointError.fileNotFound(file: missing.path)) { try Checkpoint.read(from: missing) }
        let error = try #require(throws: CheckpointError.self) { try Checkpoint.read(from: directory.url) }
        guard case .unreadable = error else { Issue.record("\(error)"); return }
    }

    @Test("a checkpoint of another model is refused, naming keys and both shapes; the model is unchanged")
    func differentModel() throws {
        let saved = Checkpoint(model: tinySeed(widths: [4, 8, 8, 16, 16]))
        var wider = tinySeed(widths: [8, 8, 8, 16, 16], seed: 5)
        let before = wider.parameters
        let error = try #require(throws: CheckpointError.self) { try saved.restore(into: &wider) }
        guard case let .modelMismatch(_, problems) = error else { Issue.record("\(error)"); return }
        #expect(problems.contains(.shape(key: "block1_conv1.kernel", checkpoint: [3, 3, 3, 4], model: [3, 3, 3, 8])))
        #expect(problems.contains(.shape(key: "block1_conv2.kernel", checkpoint: [3, 3, 4, 4], model: [3, 3, 8, 8])))
        #expect(error.description.contains("(3, 3, 3, 4)") && error.description.contains("(3, 3, 3, 8)"))
        for ((_, a), (_, b)) in zip(wider.parameters, before) { #expect(a.isBitwiseEqual(to: b)) }

        // Missing and unexpected keys: a head with another layer name and an extra layer.
        var renamed = tinySeed()
        var rng = SeededRNG(seed: 3)
        renamed.layers[3] = ParameterLeaf.dense("predictions", 8, 1, rng: &rng)
        renamed.layers.append(ParameterLeaf.dense("extra", 1, 1, rng: &rng))
        var withSlots = saved
        withSlots.optimizerName = "TestRMSprop"
        withSlots.optimizerState = ["dense_1.kernel/rms": .zeros([8, 1])]
        let problems2 = withSlots.mismatches(with: renamed)
        #expect(Set(problems2) == [.missingKey("predictions.kernel"), .missingKey("predictions.bias"),
                                   .missingKey("extra.kernel"), .missingKey("extra.bias"),
                                   .unexpectedKey("dense_1.kernel"), .unexpectedKey("dense_1.bias"),
                                   .unexpectedKey("dense_1.kernel/rms")])
        #expect(throws: CheckpointError.self) { try withSlots.verify(against: renamed) }
        try saved.verify(against: tinySeed(seed: 8))
    }

    @Test("a successful write leaves exactly the checkpoint, no temporary file")
    func noTemporaryLeft() throws {
        let directory = try TemporaryDirectory()
        let (url, _) = try written(in: directory)
        try Checkpoint(model: tinyVGG()).write(to: url)   // overwrite
        #expect(try directory.listing() == ["model.ftckpt"])
        #expect(try Checkpoint.read(from: url).weights.count == 26)
    }

    @Test("a write that fails half way leaves the previous checkpoint intact and no temporary file")
    func failedWriteKeepsPrevious() throws {
        struct DiskFull: Error {}
        let directory = try TemporaryDirectory()
        let (url, previous) = try written(in: directory)
        let next = try Checkpoint(model: tinySeed(seed: 42)).encoded()
        #expect(throws: DiskFull.self) {
            try AtomicFile.replace(url) { file in
                try next.bytes.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<($0.count / 2)])) }
                throw DiskFull()
            }
        }
        #expect(try AtomicFile.readAll(url.path) == previous)
        #expect(try directory.listing() == ["model.ftckpt"])
        _ = try Checkpoint.read(from: url)
    }

    @Test("a write that cannot complete throws writeFailed naming the file and removes its temporary file")
    func unwritableDestination() throws {
        let directory = try TemporaryDirectory()
        let blocked = directory.file("blocked.ftckpt")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        try Data([1]).write(to: blocked.appendingPathComponent("inside"))
        let error = try #require(throws: CheckpointError.self) { try Checkpoint(model: tinyVGG()).write(to: blocked) }
        guard case let .writeFailed(file, _) = error else { Issue.record("\(error)"); return }
        #expect(file == blocked.path)
        #expect(error.description.contains("unchanged"))
        #expect(try directory.listing() == ["blocked.ftckpt"])

        let nowhere = directory.file("no/such/dir/x.ftckpt")
        #expect(throws: CheckpointError.self) { try Checkpoint(model: tinyVGG()).write(to: nowhere) }
    }
}
