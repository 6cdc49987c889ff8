/// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of TFRecord
/// files, computed a byte at a time from a 256-entry table (RFC 3720, appendix B.4).
///
/// `checksum("123456789") == 0xE3069283`, the standard check value.
package enum CRC32C {
    /// The table for the reflected polynomial: entry `b` is the CRC of the single byte `b`.
    static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes` (initial value and final XOR 0xFFFFFFFF).
    package static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { crc = t[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        }
        return ~crc
    }

    /// TFRecord's masked CRC: rotated right by 15 bits plus 0xA282EAD8, so that a CRC stored
    /// inside checksummed data does not checksum to a fixed value (TensorFlow's `crc32c::Mask`).
    package static func masked(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
