#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fast check that image files will decode, reading only their headers and last bytes.
///
/// For each file: it opens; it is not empty; its first bytes are a format ``ImageDecoder``
/// decodes; its header gives positive dimensions within the pixel limit; and it ends as a
/// complete file of its format ends (JPEG: the end-of-image marker; PNG: the `IEND` chunk). Only
/// a file that fails that last test — truncated, or carrying bytes after its end — is decoded in
/// full, so the verdict equals ``ImageDecoder/decode(path:options:)``'s except for damage inside
/// otherwise complete compressed data. BMP and PPM files (rare, uncompressed) are decoded in full.
/// Thousands of photos take well under a second.
package enum ImageHeaderScan {
    /// Every problem among `paths`, in order (empty when all look fine).
    package static func problems(in paths: [String], options: ImageDecodingOptions = .init()) -> [DataError] {
        paths.compactMap { path in
            do { try check(path: path, options: options); return nil } catch let error as DataError {
                return error
            } catch {
                return DataError.unreadable(path: path, reason: "\(error)")
            }
        }
    }

    /// Throws the ``DataError`` that decoding `path` would throw (see the type's notes).
    package static func check(path: String, options: ImageDecodingOptions = .init()) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageDecoder.fileError(path: path, code: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ImageDecoder.fileError(path: path, code: errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw DataError.unreadable(path: path, reason: "it is a folder, not a file") }
        let size = Int(info.st_size)
        guard size > 0 else { throw DataError.emptyFile(path: path) }
        let head = try readBytes(fd, path: path, offset: 0, count: min(size, 1 << 16))
        guard let format = ImageDecoder.sniff(head) else { throw DataError.notAnImage(path: path) }
        let complete: Bool
        switch format {
        case .tiff, .gif, .webp:
            throw DataError.unsupportedFormat(path: path, format: format.rawValue)
        case .bmp, .pnm:
            _ = try ImageDecoder.decode(path: path, options: options)
            return
        case .png:
            guard head.count >= 24, Array(head[12..<16]) == Array("IHDR".utf8) else {
                throw DataError.truncated(path: path, detail: "PNG header cut short")
            }
            try checkSize(width: bigEndian(head, 16), height: bigEndian(head, 20), path: path, options: options)
            let tail = try readBytes(fd, path: path, offset: max(0, size - 12), count: min(size, 12))
            complete = tail.count == 12 && Array(tail[4..<8]) == Array("IEND".utf8)
        case .jpeg:
            let (width, height) = try jpegSize(fd, size: size, path: path)
            try checkSize(width: width, height: height, path: path, options: options)
            let tail = try readBytes(fd, path: path, offset: size - 2, count: 2)
            complete = tail == [0xFF, 0xD9]
        }
        if !complete { _ = try ImageDecoder.decode(path: path, options: options) }
    }

    private static func checkSize(width: Int, height: Int, path: String, options: ImageDecodingOptions) throws {
        guard width > 0, height > 0 else { throw DataError.corrupt(path: path, detail: "its header says \(width)×\(height) pixels") }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > options.maxPixels {
            throw DataError.tooManyPixels(path: path, width: width, height: height, limit: options.maxPixels)
        }
    }

    /// Width and height from the first start-of-frame marker, walking segment headers only.
    private static func jpegSize(_ fd: Int32, size: Int, path: String) throws -> (Int, Int) {
        var offset = 2
        while offset + 4 <= size {
            let marker = try readBytes(fd, path: path, offset: offset, count: 4)
            guard marker.count == 4, marker[0] == 0xFF else {
                throw DataError.corrupt(path: path, detail: "no JPEG marker at byte \(offset)")
            }
            let code = marker[1]
            if code == 0xFF { offset += 1; continue }                  // fill byte
            if code == 0x01 || (0xD0...0xD7).contains(code) { offset += 2; continue }
            if code == 0xD9 || code == 0xDA { break }                  // end of image / start of scan before any frame
            let length = Int(marker[2]) << 8 | Int(marker[3])
            guard length >= 2 else { throw DataError.corrupt(path: path, detail: "JPEG segment of length \(length)") }
            let isFrame = (0xC0...0xCF).contains(code) && code != 0xC4 && code != 0xC8 && code != 0xCC
            if isFrame {
                let frame = try readBytes(fd, path: path, offset: offset + 4, count: 5)
                guard frame.count == 5 else { break }
                return (Int(frame[3]) << 8 | Int(frame[4]), Int(frame[1]) << 8 | Int(frame[2]))
            }
            offset += 2 + length
        }
        throw DataError.truncated(path: path, detail: "no JPEG frame header before the end of the header data")
    }

    private static func bigEndian(_ b: [UInt8], _ o: Int) -> Int {
        Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
    }

    private static func readBytes(_ fd: Int32, path: String, offset: Int, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageDecoder.fileError(path: path, code: errno)
            }
            if n == 0 { break }
            done += n
        }
        return Array(bytes.prefix(done))
    }
}
