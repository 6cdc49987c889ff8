import CImageDecoding

extension ImageDecoder {
    /// PNG → RGB as Pillow's PngImagePlugin + `convert("RGB")` do it (no gamma, alpha dropped).
    static func decodePNG(_ bytes: [UInt8], path: String, maxPixels: Int) throws -> (RGBImage, [UInt8]?) {
        var r = fid_png_image()
        let code = bytes.withUnsafeBufferPointer { fid_png_decode($0.baseAddress, $0.count, Int64(maxPixels), &r) }
        defer {
            fid_free(r.pixels)
            fid_free(r.exif)
        }
        try check(code, format: "PNG", message: cMessage(&r.message), path: path,
                  width: Int(r.width), height: Int(r.height), maxPixels: maxPixels)
        guard let src = r.pixels else { throw DataError.corrupt(path: path, detail: "PNG: no pixels") }
        let w = Int(r.width), h = Int(r.height), depth = Int(r.bitDepth), channels = Int(r.channels)
        let rowBytes = r.rowBytes
        // Palette as Pillow holds it: the PLTE entries, then a gray ramp for indices past them.
        var palette = [UInt8](repeating: 0, count: 256 * 3)
        for i in 0..<256 { palette[3 * i] = UInt8(i); palette[3 * i + 1] = UInt8(i); palette[3 * i + 2] = UInt8(i) }
        withUnsafeBytes(of: &r.palette) { p in
            for i in 0..<(3 * Int(r.paletteCount)) { palette[i] = p[i] }
        }
        let colorType = Int(r.colorType)
        let bytesPerSample = depth == 16 ? 2 : 1
        let grayScale: Int = depth == 1 ? 255 : depth == 2 ? 85 : depth == 4 ? 17 : 1
        let image = RGBImage(width: w, height: h) { out in
            for y in 0..<h {
                let row = src + y * rowBytes
                for x in 0..<w {
                    let o = 3 * (y * w + x)
                    let p = row + x * channels * bytesPerSample
                    switch (colorType, depth) {
                    case (3, _):
                        let i = Int(p[0]) * 3
                        out[o] = palette[i]; out[o + 1] = palette[i + 1]; out[o + 2] = palette[i + 2]
                    case (0, 16):
                        // Pillow "I;16" → "RGB": values above 255 clip to 255.
                        let v = UInt8(min(Int(p[0]) << 8 | Int(p[1]), 255))
                        out[o] = v; out[o + 1] = v; out[o + 2] = v
                    case (0, _), (4, _):
                        let v = depth < 8 ? UInt8(Int(p[0]) * grayScale) : p[0]
                        out[o] = v; out[o + 1] = v; out[o + 2] = v
                    default:
                        // RGB / RGBA: 8-bit as is, 16-bit keeps the high (first) byte.
                        out[o] = p[0]; out[o + 1] = p[bytesPerSample]; out[o + 2] = p[2 * bytesPerSample]
                    }
                }
            }
        }
        let exif = r.exif.map { Array(UnsafeBufferPointer(start: $0, count: r.exifSize)) }
        return (image, exif)
    }
}
