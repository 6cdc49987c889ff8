import Testing
@testable import FinetuneTraining

@Suite("CRC32C")
struct CRC32CTests {
    /// Check values from RFC 3720 appendix B.4 and the CRC catalogue ("123456789").
    @Test("matches the published check values", arguments: [
        (Array("123456789".utf8), UInt32(0xE306_9283)),
        ([], 0),
        ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ((0..<32).map { UInt8($0) }, 0x46DD_794E),
        ((0..<32).map { UInt8(31 - $0) }, 0x113F_DB5C),
    ] as [([UInt8], UInt32)])
    func checkValues(bytes: [UInt8], crc: UInt32) {
        #expect(CRC32C.checksum(bytes) == crc)
    }

    /// Masked values computed by TensorBoard's own `masked_crc32c`
    /// (tensorboard 2.21.0, `tensorboard.compat.tensorflow_stub.pywrap_tensorflow`).
    @Test("masks as TensorFlow does")
    func masked() {
        #expect(CRC32C.masked([]) == 0xA282_EAD8)
        #expect(CRC32C.masked(Array("123456789".utf8)) == 0xC78A_B0E5)
    }
}
