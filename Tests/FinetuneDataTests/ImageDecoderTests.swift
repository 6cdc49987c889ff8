import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneData

@Suite("ImageDecoder")
struct ImageDecoderTests {
    @Test("decodes every fixture byte-for-byte like Pillow's convert('RGB')", .tags(.golden),
          arguments: DataGoldens.names("decode."))
    func matchesPillow(name: String) throws {
        let golden = try DataGoldens.load().named(name)
        let file = try #require(golden.params["file"]?.string)
        let image = try ImageDecoder.decode(path: DataGoldens.fixture(file))
        let expected = try golden.tensor("rgb")
        expectMaxAbs(Tensor(image), expected, 0, "\(file) (Pillow mode \(golden.params["pillow_mode"]?.string ?? "?"))")
    }

    @Test("applies the EXIF orientation only when asked, as exif_transpose", .tags(.golden),
          arguments: DataGoldens.names("decode_exif."))
    func exifOrientation(name: String) throws {
        let golden = try DataGoldens.load().named(name)
        let file = try #require(golden.params["file"]?.string)
        let upright = try ImageDecoder.decode(path: DataGoldens.fixture(file), options: .init(appliesEXIFOrientation: true))
        expectMaxAbs(Tensor(upright), try golden.tensor("rgb"), 0, file)
        let raw = try ImageDecoder.decode(path: DataGoldens.fixture(file))
        let plain = try DataGoldens.load().named("decode.\(file)").tensor("rgb")
        expectMaxAbs(Tensor(raw), plain, 0, "\(file) without orientation")
        #expect(raw != upright, "orientation \(file) should change the image")
    }

    @Test("refuses bad files with a typed error naming the file", arguments: [
        ("truncated.jpg", "truncated"), ("truncated.png", "truncated"), ("not_an_image.jpg", "notAnImage"),
        ("empty.png", "emptyFile"), ("corrupt.png", "corrupt"), ("rgb.tif", "unsupportedFormat"),
        ("does_not_exist.jpg", "fileNotFound"),
    ])
    func badFiles(file: String, kind: String) throws {
        let path = DataGoldens.fixture(file)
        do {
            _ = try ImageDecoder.decode(path: path)
            Issue.record("\(file) decoded without an error")
        } catch let error as DataError {
            #expect("\(error)".contains(path), "message should name the file: \(error)")
            #expect(error.path == path)
            let actual: String
            switch error {
            case .truncated: actual = "truncated"
            case .notAnImage: actual = "notAnImage"
            case .emptyFile: actual = "emptyFile"
            case .corrupt: actual = "corrupt"
            case .unsupportedFormat: actual = "unsupportedFormat"
            case .fileNotFound: actual = "fileNotFound"
            default: actual = "\(error)"
            }
            #expect(actual == kind, "\(file): \(error)")
        }
    }

    @Test("the decompression-bomb guard refuses images above the pixel limit before decoding",
          arguments: ["rgb420.jpg", "rgb8.png", "rgb24.bmp", "rgb.ppm"])
    func bombGuard(file: String) throws {
        let limit = 37 * 23 - 1
        #expect(throws: DataError.tooManyPixels(path: DataGoldens.fixture(file), width: 37, height: 23, limit: limit)) {
            _ = try ImageDecoder.decode(path: DataGoldens.fixture(file), options: .init(maxPixels: limit))
        }
        _ = try ImageDecoder.decode(path: DataGoldens.fixture(file), options: .init(maxPixels: limit + 1))
        #expect(ImageDecodingOptions().maxPixels == 89_478_485)
    }

    @Test("the format comes from the bytes, not the extension")
    func sniffing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-sniff-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let disguised = folder.appendingPathComponent("really_a_png.jpg")
        try FileManager.default.copyItem(atPath: DataGoldens.fixture("rgb8.png"), toPath: disguised.path)
        let image = try ImageDecoder.decode(path: disguised.path)
        #expect(image == (try ImageDecoder.decode(path: DataGoldens.fixture("rgb8.png"))))
        #expect(throws: DataError.unreadable(path: folder.path, reason: "it is a folder, not a file")) {
            _ = try ImageDecoder.decode(path: folder.path)
        }
    }

    @Test("JPEG writer output decodes back close to its input")
    func jpegRoundTrip() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-jpeg-\(getpid()).jpg")
        defer { try? FileManager.default.removeItem(at: url) }
        // A smooth image (JPEG's 4:2:0 chroma and quantisation lose little of it).
        let source = RGBImage(width: 40, height: 24) { p in
            for y in 0..<24 { for x in 0..<40 { for c in 0..<3 { p[(y * 40 + x) * 3 + c] = UInt8(20 + 3 * x + 2 * y + 20 * c) } } }
        }
        try writeJPEG(rgb: source.pixels, width: source.width, height: source.height, quality: 95, to: url)
        let back = try ImageDecoder.decode(path: url.path)
        #expect(back.width == source.width && back.height == source.height)
        let d = deviation(Tensor(back), Tensor(source))
        #expect(d.maxAbsolute <= 6, "JPEG round trip: \(d)")
        #expect(ImageDecoder.sniff(try ImageDecoder.readFile(url.path)) == .jpeg)
    }
}
