import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneIO

/// Where `bash .ci/install-deps --weights` puts EfficientNet-Lite0's ImageNet weights.
var efficientNetLite0URL: URL {
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["FINETUNE_CACHE"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/finetune")
    return cache.appendingPathComponent("efficientnet-lite0-57934424.pth")
}

/// Files written by torch.save 2.13 (Goldens/gen_torch.py): a state_dict in both formats, hostile
/// and damaged files, and the published EfficientNet-Lite0 weights.
@Suite("PyTorch checkpoints", .tags(.golden))
struct TorchCheckpointTests {
    static let directory = GoldenSuite.root.appendingPathComponent("torch")
    static let formats = ["legacy", "zip", "protocol4", "zip64"]
    static let hostileCases = nonEmptyCaseNames((try? GoldenSuite.load("torch"))?.cases(prefix: "hostile.").map(\.name),
                                                describing: "hostile PyTorch files")
    static let lite0 = Prerequisite(path: efficientNetLite0URL.path,
                                    what: "EfficientNet-Lite0's weights (`bash .ci/install-deps --weights` fetches them)")

    static func strings(_ value: GoldenValue) throws -> [String] {
        try #require(value.array).map { try #require($0.string) }
    }

    @Test("a state_dict reads bit for bit as torch.load reads it, in each format torch.save writes",
          arguments: formats)
    func stateDict(format: String) throws {
        let golden = try GoldenSuite.load("torch").named("state_dict")
        let file = try #require(golden.param("files")[format]?.string)
        let checkpoint = try TorchCheckpoint.read(from: Self.directory.appendingPathComponent(file))
        #expect(checkpoint.format == (format == "legacy" ? .legacy : .zip))
        let keys = try Self.strings(golden.param("keys"))
        #expect(checkpoint.tensors.map(\.name) == keys)
        // torch's shapes (the tensor files store a 0-d tensor as shape [1]).
        let shapes = try #require(golden.param("shapes").array).map { Shape(($0.array ?? []).compactMap(\.int)) }
        for ((name, tensor), shape) in zip(checkpoint.tensors, shapes) {
            let expected = try golden.tensor(name)
            #expect(tensor.shape == shape, "\(file): \(name)")
            // Bits, not values: -0 and the rounding of float64 and int64 must match torch's.
            #expect(tensor.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern),
                    "\(file): \(name) is \(tensor.scalars.prefix(8)), torch reads \(expected.scalars.prefix(8))")
        }
    }

    @Test("views come out contiguous: storage offset, a shared storage, a transposed view")
    func views() throws {
        let checkpoint = try TorchCheckpoint.read(from: Self.directory.appendingPathComponent("state_dict_zip.pt"))
        let tensors = Dictionary(uniqueKeysWithValues: checkpoint.tensors.map { ($0.name, $0.tensor) })
        // base = arange(40) · 0.25 − 3; offset = base[7:19].view(3, 4); transposed = base[0:12].view(3, 4).t()
        let base = (0..<40).map { Float($0) * 0.25 - 3 }
        #expect(tensors["view.offset"]?.scalars == Array(base[7..<19]))
        #expect(tensors["view.shared"]?.scalars == Array(base[20..<30]))
        #expect(tensors["view.transposed"]?.shape == [4, 3])
        #expect(tensors["view.transposed"]?.scalars == (0..<4).flatMap { c in (0..<3).map { r in base[r * 4 + c] } })
        #expect(tensors["bn.num_batches_tracked"]?.shape == [])
        #expect(tensors["empty"]?.shape == [0, 3])
    }

    @Test("hostile and damaged files are refused with an error naming the file and the problem",
          arguments: hostileCases)
    func hostile(name: String) throws {
        let golden = try GoldenSuite.load("torch").named(name)
        let file = try #require(golden.param("file").string)
        let expected = try #require(golden.param("error").string)
        do {
            let checkpoint = try TorchCheckpoint.read(from: Self.directory.appendingPathComponent(file))
            Issue.record("\(file) was read: \(checkpoint.tensors.map(\.name))")
        } catch let error as TorchCheckpointError {
            let message = "\(error)"
            #expect(Mirror(reflecting: error).children.first?.label == expected, "\(message)")
            #expect(message.contains(file), "\(message)")
            for text in try Self.strings(golden.param("mentions")) {
                #expect(message.contains(text), "'\(text)' is not in: \(message)")
            }
        }
    }

    @Test("a missing file and a folder give fileNotFound and unreadable")
    func missingFile() throws {
        let missing = Self.directory.appendingPathComponent("no-such-file.pt")
        #expect(throws: TorchCheckpointError.fileNotFound(file: missing.path)) { try TorchCheckpoint.read(from: missing) }
        #expect(throws: TorchCheckpointError.self) { try TorchCheckpoint.read(from: Self.directory) }
    }

    @Test("every prefix of a checkpoint is refused with a typed error, never read or crashed on",
          arguments: ["state_dict_legacy.pt", "state_dict_zip.pt"])
    func prefixes(file: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(file)))
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: TorchCheckpointError.self, "\(length) of \(bytes.count) bytes") {
                try TorchCheckpoint(decoding: Array(bytes.prefix(length)), file: file)
            }
        }
    }

    @Test("a flipped byte in a stored zip entry fails its CRC-32")
    func crc() throws {
        var bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent("state_dict_zip.pt")))
        let archive = try bytes.withUnsafeBytes { try StoredZipArchive($0, file: "x") }
        let entry = try #require(archive.entry("archive/data/0"))
        let range = try bytes.withUnsafeBytes { try archive.data(entry, in: $0) }
        bytes[range.lowerBound] ^= 1
        #expect(throws: TorchCheckpointError.self) { try TorchCheckpoint(decoding: bytes, file: "x") }
        #expect((try? TorchCheckpoint(decoding: bytes, file: "x", verifyingChecksums: false)) != nil)
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) } == 0xCBF4_3926)
    }

    @Test("EfficientNet-Lite0's published weights: every tensor bit for bit as torch.load reads it",
          .enabled(if: lite0.shouldRun, "not in the cache: run `bash .ci/install-deps --weights`"))
    func efficientNetLite0() throws {
        try Self.lite0.require()
        let golden = try GoldenSuite.load("torch").named("real.efficientnet_lite0")
        let lines = try Self.strings(golden.param("tensors"))
        let checkpoint = try TorchCheckpoint.read(from: efficientNetLite0URL)
        #expect(checkpoint.format == .legacy)
        #expect(checkpoint.tensors.count == lines.count)
        #expect(checkpoint.tensors.reduce(0) { $0 + $1.tensor.scalarCount } == golden.params["parameters"]?.int)
        for ((name, tensor), line) in zip(checkpoint.tensors, lines) {
            // "name dtype 32x3x3x3 xxh64"
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            #expect(name == fields[0])
            #expect(tensor.shape.dimensions.map(String.init).joined(separator: "x") == fields[2], "\(name)")
            let hash = tensor.withUnsafeBufferPointer { XXH64.hash(UnsafeRawBufferPointer($0)) }
            #expect(String(hash, radix: 16).leftPadded(to: 16) == fields[3], "\(name)")
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
