extension ImageDecoder {
    /// Netpbm (P1–P6) → RGB, following Pillow's PpmImagePlugin: header tokens with `#` comments;
    /// maxval ≠ 255 rescaled as `round(v / maxval · 255)` (round half to even, as Python's
    /// `round`); 16-bit / maxval > 255 grayscale becomes Pillow mode `I` (scaled to 65535) and then
    /// clips to 255 on conversion to RGB; bitmaps (P1/P4): 1 = black.
    static func decodePNM(_ b: [UInt8], path: String, maxPixels: Int) throws -> RGBImage {
        let magic = b[1]
        var i = 2
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D }
        guard i >= b.count || isSpace(b[i]) else {
            throw DataError.unsupportedFormat(path: path, format: "a Netpbm variant (magic '\(String(decoding: b.prefix(3), as: UTF8.self))')")
        }
        i += 1
        // Pillow's _read_token: skip leading whitespace and comments, read up to whitespace,
        // consuming exactly that one whitespace byte.
        func token() throws -> Int {
            var digits: [UInt8] = []
            while i < b.count {
                let c = b[i]; i += 1
                if isSpace(c) {
                    if digits.isEmpty { continue }
                    break
                } else if c == UInt8(ascii: "#") {
                    while i < b.count, b[i] != 0x0A, b[i] != 0x0D { i += 1 }
                    if i < b.count { i += 1 }
                    continue
                }
                digits.append(c)
                if digits.count > 10 { throw DataError.corrupt(path: path, detail: "PPM header token too long") }
            }
            guard !digits.isEmpty else { throw DataError.truncated(path: path, detail: "PPM header cut short") }
            guard let v = Int(String(decoding: digits, as: UTF8.self)) else {
                throw DataError.corrupt(path: path, detail: "PPM header token '\(String(decoding: digits, as: UTF8.self))' is not a number")
            }
            return v
        }
        let width = try token(), height = try token()
        guard width > 0, height > 0 else { throw DataError.corrupt(path: path, detail: "PPM size \(width)×\(height)") }
        try checkPixelCount(width: width, height: height, maxPixels: maxPixels, path: path)
        let bitmap = magic == UInt8(ascii: "1") || magic == UInt8(ascii: "4")
        let plain = magic <= UInt8(ascii: "3")
        let bands = (magic == UInt8(ascii: "3") || magic == UInt8(ascii: "6")) ? 3 : 1
        let maxval = bitmap ? 1 : try token()
        guard bitmap || (1..<65536).contains(maxval) else {
            throw DataError.corrupt(path: path, detail: "PPM maxval \(maxval) is not in 1…65535")
        }
        // Gray with maxval > 255 is Pillow mode "I" (0…65535), which RGB conversion clips at 255.
        let modeI = bands == 1 && !bitmap && maxval > 255
        let outMax = modeI ? 65535.0 : 255.0
        func scaled(_ v: Int) -> Int {
            if maxval == (modeI ? 65535 : 255) { return v }
            return min(Int(outMax), Int((Double(v) / Double(maxval) * outMax).rounded(.toNearestOrEven)))
        }
        var values = [Int]()
        values.reserveCapacity(width * height * bands)
        let count = width * height * bands
        if bitmap && !plain {
            let stride = (width + 7) / 8
            guard i + stride * height <= b.count else { throw DataError.truncated(path: path, detail: "PBM data cut short") }
            for y in 0..<height {
                for x in 0..<width {
                    let bit = (b[i + y * stride + x / 8] >> (7 - UInt8(x % 8))) & 1
                    values.append(bit == 1 ? 0 : 255)
                }
            }
        } else if !plain {
            let bytesPerSample = maxval < 256 ? 1 : 2
            guard i + count * bytesPerSample <= b.count else {
                throw DataError.truncated(path: path, detail: "PPM data needs \(count * bytesPerSample) bytes, has \(b.count - i)")
            }
            for k in 0..<count {
                let v = bytesPerSample == 1 ? Int(b[i + k]) : Int(b[i + 2 * k]) << 8 | Int(b[i + 2 * k + 1])
                values.append(scaled(v))
            }
        } else {
            // Plain (ASCII) rasters: comments run from '#' to the end of the line.
            var digits = 0, inToken = false, inComment = false
            while i < b.count && values.count < count {
                let c = b[i]; i += 1
                if inComment { if c == 0x0A || c == 0x0D { inComment = false }; continue }
                if c == UInt8(ascii: "#") { inComment = true; continue }
                if bitmap {
                    if isSpace(c) { continue }
                    guard c == UInt8(ascii: "0") || c == UInt8(ascii: "1") else {
                        throw DataError.corrupt(path: path, detail: "PBM token '\(Character(Unicode.Scalar(c)))'")
                    }
                    values.append(c == UInt8(ascii: "1") ? 0 : 255)
                    continue
                }
                if isSpace(c) {
                    if inToken {
                        guard digits <= maxval else { throw DataError.corrupt(path: path, detail: "PPM value \(digits) > maxval \(maxval)") }
                        values.append(scaled(digits))
                        digits = 0; inToken = false
                    }
                    continue
                }
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else {
                    throw DataError.corrupt(path: path, detail: "PPM token has '\(Character(Unicode.Scalar(c)))'")
                }
                digits = digits * 10 + Int(c - UInt8(ascii: "0"))
                inToken = true
                if digits > 1 << 40 { throw DataError.corrupt(path: path, detail: "PPM value too long") }
            }
            if inToken && values.count < count {
                guard digits <= maxval else { throw DataError.corrupt(path: path, detail: "PPM value \(digits) > maxval \(maxval)") }
                values.append(scaled(digits))
            }
            guard values.count == count else {
                throw DataError.truncated(path: path, detail: "PPM has \(values.count) of \(count) values")
            }
        }
        return RGBImage(width: width, height: height) { out in
            for p in 0..<(width * height) {
                if bands == 3 {
                    out[3 * p] = UInt8(values[3 * p]); out[3 * p + 1] = UInt8(values[3 * p + 1])
                    out[3 * p + 2] = UInt8(values[3 * p + 2])
                } else {
                    let v = UInt8(min(values[p], 255))
                    out[3 * p] = v; out[3 * p + 1] = v; out[3 * p + 2] = v
                }
            }
        }
    }
}
