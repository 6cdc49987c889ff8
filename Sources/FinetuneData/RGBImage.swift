/// An 8-bit RGB image: `pixels` holds `height` rows of `width` pixels, 3 bytes a pixel (R, G, B),
/// top row first — the layout of Pillow's `np.asarray(image.convert("RGB"))`.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes for \(width)×\(height)×3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Builds an image by writing its `width × height × 3` bytes directly.
    package init(width: Int, height: Int, unsafeUninitialized body: (UnsafeMutableBufferPointer<UInt8>) -> Void) {
        let n = width * height * 3
        self.width = width
        self.height = height
        self.pixels = [UInt8](unsafeUninitializedCapacity: n) { buffer, count in
            body(buffer)
            count = n
        }
    }

    /// The pixel at column `x`, row `y`.
    package subscript(x x: Int, y y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let o = (y * width + x) * 3
        return (pixels[o], pixels[o + 1], pixels[o + 2])
    }
}
