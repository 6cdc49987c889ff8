import Foundation
import Testing
@testable import FinetuneData

/// Every input of the image-decoding fuzz corpus (`Fuzz/corpus/ImageDecoding`: seeds and the
/// inputs that once crashed the decoders) decodes to an image or fails with a ``DataError``.
@Suite("Image decoding fuzz corpus")
struct ImageDecodingFuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/ImageDecoding")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).sorted()
    }

    @Test("the corpus is there")
    func present() {
        #expect(Self.files.count >= 10, "\(Self.corpus.path) holds \(Self.files.count) files")
    }

    @Test("decodes or throws DataError, never crashes", arguments: files)
    func decodes(file: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.corpus.appendingPathComponent(file)))
        let options = ImageDecodingOptions(appliesEXIFOrientation: true, maxPixels: 1 << 20)
        do {
            let image = try ImageDecoder.decode(bytes, path: file, options: options)
            #expect(image.pixels.count == image.width * image.height * 3)
            #expect(!file.hasPrefix("crash-"), "\(file) once crashed the decoder; it is malformed and must be refused")
        } catch let error as DataError {
            #expect(!"\(error)".isEmpty)
        }
    }

    @Test("a BMP or PPM whose width × height does not fit in an Int is refused as too many pixels")
    func sizeOverflow() throws {
        // BMP with a 40-byte header, width 0xD3D3D302 and height 0xD3D3D3D3 (found by fuzzing).
        var bmp = [UInt8](repeating: 0, count: 64)
        bmp[0] = 0x42; bmp[1] = 0x4D; bmp[14] = 40; bmp[26] = 1; bmp[28] = 24
        bmp.replaceSubrange(18..<26, with: [0x02, 0xD3, 0xD3, 0xD3, 0xD3, 0xD3, 0xD3, 0xD3])
        let ppm = Array("P6 9999999999 9999999999 255\n".utf8)
        for (name, bytes) in [("huge.bmp", bmp), ("huge.ppm", ppm)] {
            #expect(throws: DataError.self, "\(name)") { try ImageDecoder.decode(bytes, path: name) }
            do { _ = try ImageDecoder.decode(bytes, path: name) } catch let error as DataError {
                guard case .tooManyPixels = error else { Issue.record("\(name): \(error)"); continue }
            }
        }
    }
}
