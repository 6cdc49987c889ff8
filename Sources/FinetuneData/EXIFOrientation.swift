/// The EXIF Orientation tag (0x0112) and the transpose that undoes it, as
/// `PIL.ImageOps.exif_transpose`: 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 270°
/// (Pillow's ROTATE_270, counter-clockwise), 7 transverse, 8 rotate 90°.
package struct EXIFOrientation: Sendable, Hashable {
    package let value: Int

    package init?(value: Int) {
        guard (2...8).contains(value) else { return nil }
        self.value = value
    }

    /// Reads IFD0's Orientation from a TIFF-structured EXIF block ("II*\0" or "MM\0*" onwards);
    /// nil when absent, 1, or unreadable.
    package init?(tiff b: [UInt8]) {
        guard b.count >= 8 else { return nil }
        let little: Bool
        if b[0] == 0x49 && b[1] == 0x49 { little = true } else if b[0] == 0x4D && b[1] == 0x4D { little = false } else { return nil }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= b.count else { return nil }
            return little ? Int(b[o]) | Int(b[o + 1]) << 8 : Int(b[o]) << 8 | Int(b[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let c = u16(o + 2) else { return nil }
            return little ? a | c << 16 : a << 16 | c
        }
        guard let ifd = u32(4), let count = u16(ifd) else { return nil }
        for k in 0..<count {
            let e = ifd + 2 + 12 * k
            guard let tag = u16(e) else { return nil }
            if tag == 0x0112, let type = u16(e + 2), type == 3, let v = u16(e + 8) {
                self.init(value: v)
                return
            }
        }
        return nil
    }

    /// `image` transposed so that it displays upright.
    package func applied(to image: RGBImage) -> RGBImage {
        let w = image.width, h = image.height
        let swaps = value >= 5
        let ow = swaps ? h : w, oh = swaps ? w : h
        return image.pixels.withUnsafeBufferPointer { src in
            RGBImage(width: ow, height: oh) { out in
                for y in 0..<oh {
                    for x in 0..<ow {
                        let (sx, sy): (Int, Int)
                        switch value {
                        case 2: (sx, sy) = (w - 1 - x, y)
                        case 3: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case 4: (sx, sy) = (x, h - 1 - y)
                        case 5: (sx, sy) = (y, x)
                        case 6: (sx, sy) = (y, h - 1 - x)
                        case 7: (sx, sy) = (w - 1 - y, h - 1 - x)
                        default: (sx, sy) = (w - 1 - y, x)
                        }
                        let s = 3 * (sy * w + sx), o = 3 * (y * ow + x)
                        out[o] = src[s]; out[o + 1] = src[s + 1]; out[o + 2] = src[s + 2]
                    }
                }
            }
        }
    }
}
