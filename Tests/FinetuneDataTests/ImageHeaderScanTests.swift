import Foundation
import Testing
import FinetuneTestSupport
@testable import FinetuneData

@Suite("ImageHeaderScan")
struct ImageHeaderScanTests {
    static let fixtures: [String] = nonEmptyCaseNames(
        try? FileManager.default.contentsOfDirectory(atPath: DataGoldens.directory.appendingPathComponent("fixtures").path).sorted(),
        describing: "image fixtures")

    /// The decoder's verdict on a file: nil when it decodes.
    static func decodeVerdict(_ path: String) -> DataError? {
        do { _ = try ImageDecoder.decode(path: path); return nil } catch { return error as? DataError }
    }

    static func scanVerdict(_ path: String) -> DataError? {
        do { try ImageHeaderScan.check(path: path); return nil } catch { return error as? DataError }
    }

    /// Fixtures whose damage lies inside complete compressed data (a bad deflate stream with a
    /// valid header and `IEND`): only a full decode finds it, so the scan passes them.
    static let damagedInsideCompressedData: Set<String> = ["corrupt.png"]

    @Test("gives the decoder's verdict on every fixture, good or bad", arguments: fixtures)
    func agreesWithDecoder(_ name: String) throws {
        let path = DataGoldens.fixture(name)
        try #require(FileManager.default.fileExists(atPath: path), "fixture \(name) is missing")
        if Self.damagedInsideCompressedData.contains(name) {
            #expect(Self.scanVerdict(path) == nil && Self.decodeVerdict(path) != nil)
        } else {
            #expect(Self.scanVerdict(path) == Self.decodeVerdict(path))
        }
    }

    @Test("finds every truncation of a JPEG and a PNG that the decoder refuses", arguments: ["rgb420.jpg", "rgb8.png"])
    func truncations(_ name: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: DataGoldens.fixture(name)))
        let folder = try ScratchFolder("scan-truncations")
        var disagreements: [Int] = []
        for length in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 97)) {
            let path = folder.path + "/cut-\(length)-" + name
            try bytes.prefix(length).write(to: URL(fileURLWithPath: path))
            if (Self.scanVerdict(path) == nil) != (Self.decodeVerdict(path) == nil) { disagreements.append(length) }
        }
        #expect(disagreements.isEmpty, "scan and decoder disagree at lengths \(disagreements.prefix(10))")
    }

    @Test("reports every bad file, not only the first, and refuses a huge header before decoding")
    func reportsAll() throws {
        let folder = try ScratchFolder("scan-all")
        try folder.copy("rgb420.jpg", to: "good.jpg")
        try Data().write(to: folder.url.appendingPathComponent("empty.jpg"))
        try Data("plain text".utf8).write(to: folder.url.appendingPathComponent("text.png"))
        // A PNG whose header claims 100000 × 100000 pixels.
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        png += [0x00, 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0, 8, 2, 0, 0, 0, 0, 0, 0, 0]
        try Data(png).write(to: folder.url.appendingPathComponent("bomb.png"))
        let paths = ["good.jpg", "empty.jpg", "text.png", "bomb.png", "gone.jpg"].map { folder.path + "/" + $0 }
        let problems = ImageHeaderScan.problems(in: paths)
        #expect(problems == [.emptyFile(path: paths[1]), .notAnImage(path: paths[2]),
                             .tooManyPixels(path: paths[3], width: 100_000, height: 100_000, limit: ImageDecodingOptions.pillowMaxImagePixels),
                             .fileNotFound(path: paths[4])])
    }
}
