#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How ``ImageDecoder`` reads a file.
public struct ImageDecodingOptions: Sendable, Hashable {
    /// Rotate/flip by the EXIF Orientation tag, as `PIL.ImageOps.exif_transpose` does. Keras
    /// ignores the tag, so the default is `false`.
    public var appliesEXIFOrientation: Bool
    /// Decompression-bomb guard: images with more pixels throw ``DataError/tooManyPixels(path:width:height:limit:)``
    /// before any pixel is decoded. Default 89,478,485 = Pillow's `MAX_IMAGE_PIXELS` (Pillow only
    /// warns there and refuses at twice that; Finetune refuses at the limit).
    public var maxPixels: Int

    package static let pillowMaxImagePixels = 89_478_485

    public init(appliesEXIFOrientation: Bool = false, maxPixels: Int = 89_478_485) {
        self.appliesEXIFOrientation = appliesEXIFOrientation
        self.maxPixels = maxPixels
    }
}

/// Decodes JPEG, PNG, BMP and PPM/PGM/PBM files to 8-bit RGB, matching Pillow's
/// `Image.open(path).convert("RGB")` byte for byte (what Keras' `load_img` does).
///
/// The format is taken from the file's first bytes, never from its extension (as Pillow does).
/// - JPEG: libjpeg-turbo with libjpeg's defaults = Pillow's (islow DCT, fancy upsampling);
///   grayscale is replicated; CMYK/YCCK files are read as Adobe-inverted CMYK (Pillow always
///   assumes Adobe's convention) and converted with Pillow's `cmyk2rgb`.
/// - PNG: every colour type and bit depth; 16-bit samples keep their high byte, 16-bit grayscale
///   is clipped to 255 (Pillow's `I;16` → `RGB`), 1/2/4-bit gray is scaled ×255/×85/×17,
///   palettes are looked up, alpha and gamma are ignored.
/// - BMP: 1/4/8-bit palette, 24-bit, 32-bit (alpha ignored unless bitfields say otherwise).
/// - PPM family: P1–P6, any maxval, Pillow's rounding.
/// - TIFF, GIF, WebP, RLE BMP, 16-bit BMP: ``DataError/unsupportedFormat(path:format:)``.
public enum ImageDecoder {
    /// The container format, from the first bytes of a file.
    package enum Format: String, Sendable {
        case jpeg = "JPEG", png = "PNG", bmp = "BMP", pnm = "PPM"
        case tiff = "TIFF", gif = "GIF", webp = "WebP"
    }

    /// Decodes the image file at `path`.
    public static func decode(path: String, options: ImageDecodingOptions = .init()) throws -> RGBImage {
        let bytes = try readFile(path)
        return try decode(bytes, path: path, options: options)
    }

    /// Decodes an image held in memory; `path` is only used in error messages.
    public static func decode(_ bytes: [UInt8], path: String, options: ImageDecodingOptions = .init()) throws -> RGBImage {
        guard !bytes.isEmpty else { throw DataError.emptyFile(path: path) }
        guard let format = sniff(bytes) else { throw DataError.notAnImage(path: path) }
        var image: RGBImage
        var exif: [UInt8]? = nil
        switch format {
        case .jpeg: (image, exif) = try decodeJPEG(bytes, path: path, maxPixels: options.maxPixels)
        case .png: (image, exif) = try decodePNG(bytes, path: path, maxPixels: options.maxPixels)
        case .bmp: image = try decodeBMP(bytes, path: path, maxPixels: options.maxPixels)
        case .pnm: image = try decodePNM(bytes, path: path, maxPixels: options.maxPixels)
        case .tiff, .gif, .webp:
            throw DataError.unsupportedFormat(path: path, format: format.rawValue)
        }
        if options.appliesEXIFOrientation, let exif, let orientation = EXIFOrientation(tiff: exif) {
            image = orientation.applied(to: image)
        }
        return image
    }

    /// Throws ``DataError/tooManyPixels(path:width:height:limit:)`` unless `width × height` is at
    /// most `maxPixels`. Header sizes are untrusted: their product may not fit in an `Int` (two
    /// 32-bit BMP fields, two 10-digit PPM tokens), so it is formed with an overflow check.
    static func checkPixelCount(width: Int, height: Int, maxPixels: Int, path: String) throws {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw DataError.tooManyPixels(path: path, width: width, height: height, limit: maxPixels)
        }
    }

    /// The format the bytes start with, or nil.
    package static func sniff(_ b: [UInt8]) -> Format? {
        func starts(_ prefix: [UInt8]) -> Bool { b.count >= prefix.count && Array(b.prefix(prefix.count)) == prefix }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0x42, 0x4D]) { return .bmp }
        if b.count >= 2, b[0] == 0x50, (0x31...0x36).contains(b[1]) { return .pnm }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts(Array("GIF8".utf8)) { return .gif }
        if b.count >= 12, starts(Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) { return .webp }
        return nil
    }

    /// The whole file, with errors that say which file and why.
    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw fileError(path: path, code: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw fileError(path: path, code: errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw DataError.unreadable(path: path, reason: "it is a folder, not a file")
        }
        var bytes = [UInt8]()
        let expected = Int(info.st_size)
        bytes.reserveCapacity(expected + 1)
        var chunk = [UInt8](repeating: 0, count: max(expected, 1 << 16))
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fileError(path: path, code: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    static func fileError(path: String, code: Int32) -> DataError {
        if code == ENOENT || code == ENOTDIR { return .fileNotFound(path: path) }
        return .unreadable(path: path, reason: String(cString: strerror(code)))
    }
}
