import CImageDecoding

extension ImageDecoder {
    /// JPEG → RGB as Pillow does it; also returns the EXIF block (TIFF header onwards) if any.
    static func decodeJPEG(_ bytes: [UInt8], path: String, maxPixels: Int) throws -> (RGBImage, [UInt8]?) {
        var result = fid_jpeg_image()
        let code = bytes.withUnsafeBufferPointer { fid_jpeg_decode($0.baseAddress, $0.count, Int64(maxPixels), &result) }
        defer {
            fid_free(result.pixels)
            fid_free(result.exif)
        }
        try check(code, format: "JPEG", message: cMessage(&result.message), path: path,
                  width: Int(result.width), height: Int(result.height), maxPixels: maxPixels)
        let w = Int(result.width), h = Int(result.height), n = w * h
        guard let src = result.pixels else { throw DataError.corrupt(path: path, detail: "JPEG: no pixels") }
        let image = RGBImage(width: w, height: h) { out in
            switch result.components {
            case 3:
                out.baseAddress!.update(from: src, count: n * 3)
            case 1:
                for i in 0..<n {
                    let v = src[i]
                    out[3 * i] = v; out[3 * i + 1] = v; out[3 * i + 2] = v
                }
            default:
                // Pillow: rawmode "CMYK;I" (every CMYK JPEG is taken as Adobe-inverted), then
                // cmyk2rgb: nk = 255 − k, out = nk − MULDIV255(c, nk); with the inversion
                // c = 255 − C, k = 255 − K this is K − MULDIV255(255 − C, K).
                for i in 0..<n {
                    let k = Int(src[4 * i + 3])
                    for c in 0..<3 {
                        out[3 * i + c] = UInt8(k - mulDiv255(255 - Int(src[4 * i + c]), k))
                    }
                }
            }
        }
        let exif = result.exif.map { Array(UnsafeBufferPointer(start: $0, count: result.exifSize)) }
        return (image, exif)
    }

    /// Pillow's `MULDIV255(a, b)`: round(a·b/255) with integer arithmetic.
    @inline(__always) static func mulDiv255(_ a: Int, _ b: Int) -> Int {
        let t = a * b + 128
        return ((t >> 8) + t) >> 8
    }

    /// Turns a C decoder's status into the typed error for `path` (nothing for `FID_OK`).
    static func check(_ code: Int32, format: String, message: String, path: String,
                      width: Int, height: Int, maxPixels: Int) throws {
        switch code {
        case Int32(FID_OK): return
        case Int32(FID_TRUNCATED): throw DataError.truncated(path: path, detail: message)
        case Int32(FID_TOO_LARGE):
            throw DataError.tooManyPixels(path: path, width: width, height: height, limit: maxPixels)
        default: throw DataError.corrupt(path: path, detail: "\(format): \(message)")
        }
    }

    static func cMessage<T>(_ tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
