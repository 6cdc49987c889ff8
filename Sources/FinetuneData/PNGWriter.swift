import Foundation
import FinetuneCore
import CPNG

/// Errors writing image files; each names the file.
package enum ImageWriteError: Error, CustomStringConvertible {
    case invalidSize(width: Int, height: Int, bytes: Int)
    case failed(path: String, reason: String)
    package var description: String {
        switch self {
        case let .invalidSize(w, h, b): return "image \(w)×\(h) needs \(w * h * 3) RGB bytes, got \(b)"
        case let .failed(path, reason): return "could not write image '\(path)': \(reason)"
        }
    }
}

/// Writes 8-bit RGB pixels (row-major, 3 bytes a pixel) as a PNG file, atomically
/// (``FinetuneCore/AtomicFile``), so `url` never holds half an image.
package func writePNG(rgb: [UInt8], width: Int, height: Int, to url: URL) throws {
    guard width > 0, height > 0, rgb.count == width * height * 3 else {
        throw ImageWriteError.invalidSize(width: width, height: height, bytes: rgb.count)
    }
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = UInt32(PNG_FORMAT_RGB)
    do {
        try AtomicFile.replace(url) { temporary in
            let ok = rgb.withUnsafeBytes { bytes in
                png_image_write_to_file(&image, temporary.path, 0, bytes.baseAddress, Int32(width * 3), nil)
            }
            if ok == 0 {
                let reason = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                png_image_free(&image)
                throw ImageWriteError.failed(path: url.path, reason: reason)
            }
        }
    } catch let error as ImageWriteError {
        throw error
    } catch {
        throw ImageWriteError.failed(path: url.path, reason: "\(error)")
    }
}
