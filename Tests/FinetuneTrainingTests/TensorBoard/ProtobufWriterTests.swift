import Testing
@testable import FinetuneTraining

@Suite("ProtobufWriter")
struct ProtobufWriterTests {
    /// Examples of the protocol-buffer encoding guide (protobuf.dev, "Encoding").
    @Test("varints as in the encoding guide", arguments: [
        (UInt64(0), [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (150, [0x96, 0x01]),
        (300, [0xAC, 0x02]), (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ] as [(UInt64, [UInt8])])
    func varints(value: UInt64, bytes: [UInt8]) {
        var w = ProtobufWriter()
        w.varint(value)
        #expect(w.bytes == bytes)
    }

    @Test("fields: keys, wire types and payloads")
    func fields() {
        var w = ProtobufWriter()
        w.int64(1, 150)                    // the guide's Test1 { a: 150 }
        w.string(2, "testing")             // the guide's Test2 { b: "testing" }
        w.int64(3, -1)                     // negative int64: ten bytes
        w.float(2, 1)
        w.double(1, 1)
        w.packedDoubles(6, [0.5, 2])
        w.message(2) { _ in }
        #expect(w.bytes == [0x08, 0x96, 0x01,
                            0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67,
                            0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
                            0x15, 0x00, 0x00, 0x80, 0x3F,
                            0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F,
                            0x32, 0x10, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x40,
                            0x12, 0x00])
    }
}
