import Foundation
import FinetuneCore
import CImageDecoding

/// Writes 8-bit RGB pixels (row-major, 3 bytes a pixel) as a baseline JFIF JPEG (libjpeg,
/// 4:2:0, islow DCT), atomically like ``writePNG(rgb:width:height:to:)``.
package func writeJPEG(rgb: [UInt8], width: Int, height: Int, quality: Int = 90, to url: URL) throws {
    guard width > 0, height > 0, rgb.count == width * height * 3 else {
        throw ImageWriteError.invalidSize(width: width, height: height, bytes: rgb.count)
    }
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    var message = [CChar](repeating: 0, count: 200)
    let code = rgb.withUnsafeBufferPointer { p in
        message.withUnsafeMutableBufferPointer { m in
            fid_jpeg_encode(p.baseAddress, Int32(width), Int32(height), 3, Int32(min(max(quality, 1), 100)), &out, &size, m.baseAddress)
        }
    }
    defer { fid_free(out) }
    guard code == Int32(FID_OK), let out else {
        throw ImageWriteError.failed(path: url.path, reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    let data = Data(bytes: out, count: size)
    do {
        try AtomicFile.write(data, to: url)
    } catch {
        throw ImageWriteError.failed(path: url.path, reason: "\(error)")
    }
}
