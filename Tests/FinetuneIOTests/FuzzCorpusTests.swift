import Foundation
import Testing
@testable import FinetuneIO

/// The fuzz corpora of the checkpoint reader, the Keras importer, the PyTorch checkpoint reader and
/// the safetensors reader (`Fuzz/corpus/…`: seeds and inputs that once crashed them), read the way
/// the fuzz entry points in `Fuzz/` read them: each is read or refused with a typed error, never a
/// crash.
@Suite("Reader fuzz corpora")
struct ReaderFuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    static func files(_ target: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(target).path)) ?? [])
            .sorted().map { "\(target)/\($0)" }
    }

    @Test("every corpus holds its seeds")
    func present() {
        #expect(Self.files("CheckpointReader").count >= 2)
        #expect(Self.files("KerasWeightsReader").count >= 1)
        #expect(Self.files("TorchCheckpointReader").count >= 4)
        #expect(Self.files("SafetensorsReader").count >= 4)
    }

    /// The file Fuzz/CheckpointReader.swift builds from an input (mode byte + file or payload).
    static func checkpointFile(_ input: [UInt8]) throws -> [UInt8] {
        guard let mode = input.first else { return [] }
        let rest = Array(input.dropFirst())
        if mode & 1 == 0 {
            guard rest.count >= CheckpointPreamble.size else { return rest }
            var out = rest
            func store(_ value: UInt64, at offset: Int) {
                for i in 0..<8 { out[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            }
            store(UInt64(rest.count - CheckpointPreamble.size), at: 24)
            store(XXH64.hash(Array(out[CheckpointPreamble.size...])), at: 32)
            store(XXH64.hash(Array(out[0..<40])), at: 40)
            return out
        }
        let compressed = try rest.withUnsafeBytes { try Zstd.compress($0, level: 1, threads: 1) }
        return CheckpointPreamble(version: Checkpoint.formatVersion, flags: 0, payloadLength: UInt64(rest.count),
                                  compressedLength: UInt64(compressed.count),
                                  payloadChecksum: XXH64.hash(compressed)).bytes + compressed
    }

    @Test("checkpoint inputs read or throw CheckpointError", arguments: files("CheckpointReader"))
    func checkpoint(input: String) throws {
        let bytes = try Self.checkpointFile([UInt8](Data(contentsOf: Self.root.appendingPathComponent(input))))
        do {
            let checkpoint = try Checkpoint(decoding: bytes, file: input)
            #expect(!input.contains("/crash-"), "\(input) once crashed the reader; it is malformed and must be refused")
            #expect(checkpoint.weights.allSatisfy { $0.value.scalars.count == $0.value.shape.scalarCount })
        } catch let error as CheckpointError {
            #expect("\(error)".contains(input))
        }
    }

    @Test("Keras weight files read or throw KerasWeightsError", arguments: files("KerasWeightsReader"))
    func keras(input: String) throws {
        do {
            let weights = try KerasWeights.read(from: Self.root.appendingPathComponent(input))
            #expect(!input.contains("/crash-"), "\(input) once crashed the importer; it is malformed and must be refused")
            #expect(!weights.entries.isEmpty)
        } catch let error as KerasWeightsError {
            #expect(!"\(error)".isEmpty)
        }
    }

    /// Fuzz/TorchCheckpointReader.swift's reading: mode byte (even: CRC-32s checked) + file.
    @Test("PyTorch inputs read or throw TorchCheckpointError", arguments: files("TorchCheckpointReader"))
    func torch(input: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent(input)))
        let mode = try #require(bytes.first)
        do {
            let checkpoint = try TorchCheckpoint(decoding: Array(bytes.dropFirst()), file: input,
                                                 verifyingChecksums: mode & 1 == 0)
            #expect(!input.contains("/crash-"), "\(input) once crashed the reader; it is malformed and must be refused")
            #expect(checkpoint.tensors.allSatisfy { $0.tensor.scalars.count == $0.tensor.shape.scalarCount })
        } catch {
            #expect("\(error)".contains(input), "\(error)")
        }
    }

    @Test("safetensors inputs read or throw KerasWeightsError naming the input", arguments: files("SafetensorsReader"))
    func safetensors(input: String) throws {
        let url = Self.root.appendingPathComponent(input)
        let bytes = [UInt8](try Data(contentsOf: url))
        do {
            let weights = try KerasWeights.decodeSafetensors(bytes, file: url)
            #expect(!input.contains("/crash-"), "\(input) once crashed the reader; it is malformed and must be refused")
            #expect(weights.entries.allSatisfy { $0.tensors.count == $0.tensorNames.count })
        } catch let error as KerasWeightsError {
            #expect("\(error)".contains(url.path))
        }
    }

    @Test("a Keras file cut short is refused before libhdf5 opens it, saying how long it should be")
    func truncatedHDF5() throws {
        let seed = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent("KerasWeightsReader/tiny-keras3.weights.h5")))
        let superblock = try HDF5Superblock(head: Array(seed.prefix(4096)), fileSize: seed.count)
        #expect(superblock.offset == 0 && superblock.endOfFileAddress == UInt64(seed.count))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-cut-\(getpid()).h5")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(seed.prefix(seed.count / 2)).write(to: url)
        do {
            _ = try KerasWeights.read(from: url)
            Issue.record("a file cut in half was read")
        } catch let error as KerasWeightsError {
            #expect("\(error)".contains("cut short"), "\(error)")
            #expect("\(error)".contains("\(seed.count) bytes"), "\(error)")
        }
    }

    @Test("superblock checks: no signature, unknown version, undefined or overflowing end of file")
    func superblockProblems() throws {
        let seed = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent("KerasWeightsReader/tiny-keras3.weights.h5")))
        let head = Array(seed.prefix(4096))
        #expect(throws: HDF5Superblock.Problem.noSignature) { try HDF5Superblock(head: Array(repeating: 0, count: 64), fileSize: 64) }
        var version = head
        version[8] = 9
        #expect(throws: HDF5Superblock.Problem.self) { try HDF5Superblock(head: version, fileSize: seed.count) }
        let superblock = try HDF5Superblock(head: head, fileSize: seed.count)
        var huge = head
        let eof = superblock.version >= 2 ? 12 + 2 * superblock.sizeOfOffsets : (superblock.version == 1 ? 28 : 24) + 2 * superblock.sizeOfOffsets
        for k in 0..<superblock.sizeOfOffsets { huge[eof + k] = k == superblock.sizeOfOffsets - 1 ? 0x7F : 0xFF }
        #expect(throws: HDF5Superblock.Problem.self) { try HDF5Superblock(head: huge, fileSize: seed.count) }
    }
}
