// libFuzzer entry point for image decoding (JPEG, PNG, BMP, PPM/PGM/PBM and the C code behind
// JPEG and PNG). Built by .ci/fuzz with `swiftc -sanitize=fuzzer,address`; not part of the package.
import FinetuneData

/// Every input is decoded as a file would be (format sniffed from the bytes), with EXIF
/// orientation on and a 1-megapixel cap so large claimed sizes are refused quickly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageDecoding(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let options = ImageDecodingOptions(appliesEXIFOrientation: true, maxPixels: 1 << 20)
    if let image = try? ImageDecoder.decode(bytes, path: "fuzz-input", options: options) {
        precondition(image.pixels.count == image.width * image.height * 3, "decoded image size mismatch")
    }
    return 0
}
