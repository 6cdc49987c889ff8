import Foundation
import Testing
import Finetune
@testable import FinetuneCommandLine

/// `finetune features`: NumPy files in flow_from_directory order. The values themselves are
/// checked against Keras' `predict` by Goldens/check_features.py (CI's finetune-cli step).
@Suite("finetune features")
struct FeaturesCommandTests {
    /// The shape and dtype a `.npy` header declares, and where the data starts.
    static func npyHeader(_ bytes: [UInt8]) throws -> (descr: String, shape: [Int], dataOffset: Int) {
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + length) % 64 == 0, "header padded to 64 bytes")
        let text = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        let descr = try #require(text.firstMatch(of: /'descr': '([^']+)'/)).1
        let dims = try #require(text.firstMatch(of: /'shape': \(([^)]*)\)/)).1
        let shape = dims.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return (String(descr), shape, 10 + length)
    }

    @Test("features.npy, labels.npy and files.txt: one row per image, classes then files sorted",
          arguments: [("avg", [512]), ("none", [1, 1, 512])])
    func writesArrays(pooling: String, rowShape: [Int]) throws {
        let data = try ThreeClassData(perClass: (train: 3, validation: 1, test: 1), validationFolder: false)
        defer { try? FileManager.default.removeItem(at: data.root) }
        let command = try FeaturesCommand.parse([data.path("data/train"), "--weights", "none", "--image-size", "32",
                                                 "--pooling", pooling, "--batch-size", "4", "--out", data.out])
        #expect(try command.extract(progress: false) == [9] + rowShape)
        let out = URL(fileURLWithPath: data.out)
        let features = try Array(Data(contentsOf: out.appendingPathComponent("features.npy")))
        let header = try Self.npyHeader(features)
        #expect(header.descr == "<f4")
        #expect(header.shape == [9] + rowShape)
        #expect(features.count - header.dataOffset == 9 * rowShape.reduce(1, *) * 4)
        let labels = try Array(Data(contentsOf: out.appendingPathComponent("labels.npy")))
        let labelHeader = try Self.npyHeader(labels)
        #expect(labelHeader.descr == "<i4" && labelHeader.shape == [9])
        let values = stride(from: labelHeader.dataOffset, to: labels.count, by: 4).map {
            Int32(littleEndian: labels[$0..<($0 + 4)].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
        }
        #expect(values == [0, 0, 0, 1, 1, 1, 2, 2, 2])
        let files = try String(contentsOf: out.appendingPathComponent("files.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let listing = try DirectoryListing(root: data.path("data/train"))
        #expect(files == listing.relativePaths)
    }

    @Test("bad flags name the flag")
    func badFlags() {
        #expect(throws: (any Error).self) { try FeaturesCommand.parse(["d", "--out", "o", "--pooling", "mean"]) }
        #expect(throws: (any Error).self) { try FeaturesCommand.parse(["d", "--out", "o", "--backbone", "alexnet"]) }
        #expect(throws: (any Error).self) { try FeaturesCommand.parse(["d", "--out", "o", "--image-size", "8"]) }
    }
}
