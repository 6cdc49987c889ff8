extension ImageDecoder {
    /// Uncompressed Windows BMP → RGB, following Pillow's BmpImagePlugin: 1/4/8-bit palettes,
    /// 24-bit BGR, 32-bit BGRX (or the bitfield layouts Pillow knows), bottom-up or top-down rows.
    static func decodeBMP(_ b: [UInt8], path: String, maxPixels: Int) throws -> RGBImage {
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        guard b.count >= 18 else { throw DataError.truncated(path: path, detail: "BMP header cut short") }
        var offset = u32(10)
        let headerSize = u32(14)
        guard b.count >= 14 + headerSize else { throw DataError.truncated(path: path, detail: "BMP header cut short") }
        var width = 0, height = 0, bits = 0, compression = 0, colors = 0, paletteEntryBytes = 4
        var topDown = false
        var masks: [Int]? = nil
        var cursor = 14 + headerSize
        switch headerSize {
        case 12:
            width = u16(18); height = u16(20); bits = u16(24); paletteEntryBytes = 3
        case 40, 52, 56, 64, 108, 124:
            width = u32(18)
            topDown = b[25] == 0xFF
            height = topDown ? (1 << 32) - u32(22) : u32(22)
            bits = u16(28)
            compression = u32(30)
            colors = u32(46)
            if compression == 3 {
                if headerSize >= 52 {
                    masks = [u32(54), u32(58), u32(62), headerSize >= 56 ? u32(66) : 0]
                } else {
                    guard b.count >= cursor + 12 else { throw DataError.truncated(path: path, detail: "BMP masks cut short") }
                    masks = [u32(cursor), u32(cursor + 4), u32(cursor + 8), 0]
                    cursor += 12
                }
            }
        default:
            throw DataError.unsupportedFormat(path: path, format: "BMP with a \(headerSize)-byte header")
        }
        if colors == 0 { colors = 1 << min(bits, 24) }
        if offset == 14 + headerSize && bits <= 8 { offset += paletteEntryBytes * colors }
        guard width > 0, height > 0 else { throw DataError.corrupt(path: path, detail: "BMP size \(width)×\(height)") }
        try checkPixelCount(width: width, height: height, maxPixels: maxPixels, path: path)
        guard [1, 4, 8, 24, 32].contains(bits) else {
            throw DataError.unsupportedFormat(path: path, format: "\(bits)-bit BMP")
        }
        // Byte positions of R, G, B inside a 32-bit (or 24-bit) little-endian pixel.
        var channelBytes = [2, 1, 0]
        switch compression {
        case 0: break
        case 3:
            let m = masks ?? [0, 0, 0, 0]
            func byteOf(_ mask: Int) -> Int? { [0xFF: 0, 0xFF00: 1, 0xFF0000: 2, 0xFF00_0000: 3][mask] }
            let known32: Set<[Int]> = [[0xFF0000, 0xFF00, 0xFF, 0], [0xFF00_0000, 0xFF0000, 0xFF00, 0],
                                       [0xFF00_0000, 0xFF00, 0xFF, 0], [0xFF00_0000, 0xFF0000, 0xFF00, 0xFF],
                                       [0xFF, 0xFF00, 0xFF0000, 0xFF00_0000], [0xFF0000, 0xFF00, 0xFF, 0xFF00_0000],
                                       [0xFF00_0000, 0xFF00, 0xFF, 0xFF0000], [0, 0, 0, 0]]
            if bits == 32, known32.contains(m) {
                if m != [0, 0, 0, 0], let r = byteOf(m[0]), let g = byteOf(m[1]), let bl = byteOf(m[2]) {
                    channelBytes = [r, g, bl]
                }
            } else if bits == 24, Array(m.prefix(3)) == [0xFF0000, 0xFF00, 0xFF] {
                break
            } else {
                throw DataError.unsupportedFormat(path: path, format: "BMP with bitfields \(m.prefix(3).map { String($0, radix: 16) })")
            }
        case 1, 2:
            throw DataError.unsupportedFormat(path: path, format: "RLE-compressed BMP")
        default:
            throw DataError.unsupportedFormat(path: path, format: "BMP compression \(compression)")
        }
        var palette = [UInt8](repeating: 0, count: 256 * 3)
        if bits <= 8 {
            for i in 0..<256 { palette[3 * i] = UInt8(i); palette[3 * i + 1] = UInt8(i); palette[3 * i + 2] = UInt8(i) }
            for i in 0..<min(colors, 256) {
                let o = cursor + i * paletteEntryBytes
                guard o + 3 <= b.count else { break }
                palette[3 * i] = b[o + 2]; palette[3 * i + 1] = b[o + 1]; palette[3 * i + 2] = b[o]
            }
        }
        let stride = ((width * bits + 31) >> 3) & ~3
        guard offset >= 0, offset + stride * height <= b.count else {
            throw DataError.truncated(path: path, detail: "BMP pixel data needs \(stride * height) bytes after offset \(offset), file has \(b.count)")
        }
        return b.withUnsafeBufferPointer { src in
            RGBImage(width: width, height: height) { out in
                for y in 0..<height {
                    let row = offset + stride * (topDown ? y : height - 1 - y)
                    for x in 0..<width {
                        let o = 3 * (y * width + x)
                        switch bits {
                        case 24, 32:
                            let p = row + x * (bits / 8)
                            out[o] = src[p + channelBytes[0]]; out[o + 1] = src[p + channelBytes[1]]
                            out[o + 2] = src[p + channelBytes[2]]
                        default:
                            let perByte = 8 / bits
                            let byte = Int(src[row + x / perByte])
                            let shift = 8 - bits * (x % perByte + 1)
                            let index = (byte >> shift) & ((1 << bits) - 1)
                            out[o] = palette[3 * index]; out[o + 1] = palette[3 * index + 1]
                            out[o + 2] = palette[3 * index + 2]
                        }
                    }
                }
            }
        }
    }
}
