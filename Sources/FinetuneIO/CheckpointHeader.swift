/// The JSON header at the start of a checkpoint's (decompressed) payload: where every tensor and
/// blob lies in the data section. Field by field in `Documentation/CheckpointFormat.md`.
struct CheckpointHeader: Codable, Sendable {
    /// One tensor: its group (`weights` or `optimizer`), key, element type, shape, storage encoding,
    /// and byte range relative to the start of the data section.
    struct TensorRecord: Codable, Sendable {
        var group: String
        var key: String
        var dtype: String
        var encoding: String
        var shape: [Int]
        var offset: Int
        var length: Int
    }

    /// One opaque byte string (`trainerState`, `optimizerConfig`) and its byte range.
    struct BlobRecord: Codable, Sendable {
        var name: String
        var offset: Int
        var length: Int
    }

    /// The optimizer whose slots are in the `optimizer` group.
    struct OptimizerRecord: Codable, Sendable {
        var name: String
        var iterations: Int
    }

    var tensors: [TensorRecord]
    var blobs: [BlobRecord]
    var optimizer: OptimizerRecord?
    var metadata: [String: String]

    enum Group {
        static let weights = "weights"
        static let optimizer = "optimizer"
    }
    enum Encoding {
        /// float32 little-endian, element after element.
        static let raw = "raw"
        /// float32 little-endian split into four byte planes (``ByteShuffle``).
        static let bytePlanes = "byteplanes"
    }
    enum Blob {
        static let trainerState = "trainerState"
        static let optimizerConfig = "optimizerConfig"
    }
}

/// The fixed 48-byte preamble of a checkpoint file (all integers little-endian).
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic `89 46 54 43 4B 0D 0A 1A` (`\x89FTCK\r\n\x1A`) |
/// | 8 | 4 | format version (`1`) |
/// | 12 | 4 | flags (`0`; reserved) |
/// | 16 | 8 | payload length P (decompressed) |
/// | 24 | 8 | compressed length C |
/// | 32 | 8 | XXH64 of the C compressed bytes at offset 48 |
/// | 40 | 8 | XXH64 of bytes 0..<40 (this preamble) |
struct CheckpointPreamble: Equatable, Sendable {
    static let magic: [UInt8] = [0x89, 0x46, 0x54, 0x43, 0x4B, 0x0D, 0x0A, 0x1A]
    static let size = 48
    /// Payload sizes beyond this are refused as malformed rather than allocated (1 TiB).
    static let maximumPayload: UInt64 = 1 << 40

    var version: UInt32
    var flags: UInt32
    var payloadLength: UInt64
    var compressedLength: UInt64
    var payloadChecksum: UInt64

    /// The 48 bytes, preamble checksum included.
    var bytes: [UInt8] {
        var out = Self.magic
        out.appendLittleEndian(version)
        out.appendLittleEndian(flags)
        out.appendLittleEndian(payloadLength)
        out.appendLittleEndian(compressedLength)
        out.appendLittleEndian(payloadChecksum)
        out.appendLittleEndian(XXH64.hash(out))
        return out
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    func littleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
