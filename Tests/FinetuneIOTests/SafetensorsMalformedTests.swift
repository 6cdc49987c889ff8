import Foundation
import Testing
import FinetuneCore
@testable import FinetuneIO

/// Damaged or hostile safetensors files: each is refused with ``KerasWeightsError`` naming the
/// file, the tensor at fault (when one is), and what is wrong — never a crash, never an
/// allocation sized by what the file claims.
@Suite("safetensors: malformed files")
struct SafetensorsMalformedTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        /// The tensor the message must name, or nil when the file as a whole is at fault.
        var tensor: String?
        /// Words the message must contain.
        var says: String
        var testDescription: String { name }
    }

    static let w = #""w/kernel":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
    static let eight = [UInt8](repeating: 0, count: 8)

    static let cases: [Case] = [
        Case(name: "shorter than the length prefix", bytes: [1, 0, 0], tensor: nil, says: "shorter than the 8-byte header length"),
        Case(name: "header length beyond the file", bytes: [0xFF, 0xFF, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), tensor: nil,
             says: "header length of 65535 bytes, but only 2 bytes follow"),
        Case(name: "header length near 2⁶⁴", bytes: [0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + Array("{}".utf8), tensor: nil,
             says: "but only 2 bytes follow"),
        Case(name: "empty header", bytes: safetensorsBytes(""), tensor: nil, says: "the header is empty"),
        Case(name: "not starting with {", bytes: safetensorsBytes(" {}"), tensor: nil, says: "does not start with '{'"),
        Case(name: "a JSON array, not an object", bytes: safetensorsBytes("[1, 2]"), tensor: nil, says: "does not start with '{'"),
        Case(name: "invalid JSON", bytes: safetensorsBytes(#"{"w/kernel": {"dtype": "F32", "shape": [2]"#), tensor: nil,
             says: "not valid JSON: the text ends inside an object"),
        Case(name: "JSON followed by other text", bytes: safetensorsBytes("{} x"), tensor: nil, says: "text after the JSON value"),
        Case(name: "invalid UTF-8 in a name", bytes: safetensorsBytes(raw: Array("{\"".utf8) + [0xC3, 0x28] + Array("\":1}".utf8)), tensor: nil,
             says: "not valid UTF-8"),
        Case(name: "nesting 10 000 levels deep", bytes: safetensorsBytes("{\"a\":" + String(repeating: "[", count: 10_000)), tensor: nil,
             says: "nested deeper than 64 levels"),
        Case(name: "a tensor entry that is not an object", bytes: safetensorsBytes(#"{"w/kernel": 3}"#), tensor: "w/kernel",
             says: "its entry is a number"),
        Case(name: "no dtype", bytes: safetensorsBytes(#"{"w/kernel":{"shape":[2],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: #"has no "dtype""#),
        Case(name: "unknown dtype", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: "dtype 'F17' is not a safetensors dtype"),
        Case(name: "offsets past the end of the file", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, buffer: eight),
             tensor: "w/kernel", says: "reach past the 8-byte buffer"),
        Case(name: "offsets that end before they begin", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, buffer: eight),
             tensor: "w/kernel", says: "end before they begin"),
        Case(name: "three data offsets", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: "holds 3 numbers"),
        Case(name: "overlapping tensors", bytes: safetensorsBytes("{" + w + #","w/bias":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, buffer: eight),
             tensor: "w/bias", says: "overlap those of 'w/kernel'"),
        Case(name: "a hole between tensors", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
                + #""w/bias":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}"#, buffer: eight),
             tensor: "w/bias", says: "forbids holes"),
        Case(name: "bytes no tensor uses", bytes: safetensorsBytes("{" + w + "}", buffer: eight + [0, 0, 0, 0]), tensor: nil,
             says: "cover 8 bytes of the 12-byte buffer"),
        Case(name: "data offsets not matching shape × dtype", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: "needs 12 bytes, but its data_offsets [0, 8] hold 8"),
        Case(name: "a name given twice", bytes: safetensorsBytes("{" + w + "," + w + "}", buffer: eight), tensor: "w/kernel",
             says: "names it twice"),
        Case(name: "a negative dimension", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: "negative number -2"),
        Case(name: "a fractional dimension", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: "holds 2.0, not an integer"),
        Case(name: "a dimension past 2⁶⁴", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[18446744073709551617],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: "larger than any file"),
        Case(name: "dimensions whose product overflows", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: "more F32 elements than any file can"),
        Case(name: "huge dimensions with a zero (no bytes)", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F32","shape":[9007199254740992,9007199254740992,0],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: "needs 0 bytes, but its data_offsets [0, 8] hold 8"),
        Case(name: "metadata that is not an object", bytes: safetensorsBytes(#"{"__metadata__":[1]}"#), tensor: nil,
             says: "__metadata__ is an array"),
        Case(name: "a metadata value that is not a string", bytes: safetensorsBytes(#"{"__metadata__":{"classes":["cat"]}}"#), tensor: nil,
             says: "member 'classes' is an array; every value must be a string"),
        Case(name: "an I64 tensor", bytes: safetensorsBytes(#"{"steps/count":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "steps/count", says: "holds I64 values"),
        Case(name: "a 4-bit float tensor", bytes: safetensorsBytes(#"{"w/kernel":{"dtype":"F4","shape":[16],"data_offsets":[0,8]}}"#, buffer: eight),
             tensor: "w/kernel", says: "holds F4 values"),
    ]

    @Test("refused with the file, the tensor and the reason", arguments: cases)
    func refused(_ c: Case) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("bad.safetensors")
        try Data(c.bytes).write(to: url)
        do {
            _ = try KerasWeights.read(from: url)
            Issue.record("\(c.name): read without an error")
        } catch let error as KerasWeightsError {
            let message = "\(error)"
            #expect(message.contains(url.path), "\(message)")
            #expect(message.contains(c.says), "\(message)")
            if let tensor = c.tensor { #expect(message.contains("'\(tensor)'"), "\(message)") }
            switch error {
            case .malformedSafetensors(_, let tensor, _): #expect(tensor == c.tensor, "\(message)")
            case .unsupportedDType(_, let tensor, _): #expect(tensor == c.tensor, "\(message)")
            default: Issue.record("\(c.name): unexpected \(message)")
            }
        }
    }

    @Test("a header claimed beyond 100 MB is refused before anything is read")
    func headerLimit() {
        let length = UInt64(SafetensorsHeader.maximumHeaderLength + 1)
        let head = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
        #expect {
            try head.withUnsafeBytes { try SafetensorsHeader(head: $0, fileSize: 1 << 30, file: "big.safetensors") }
        } throws: { "\($0)".contains("at most 100000000 bytes") }
    }

    @Test("edge cases the format allows: empty file of tensors, zero-size tensors, a scalar, padding spaces")
    func allowed() throws {
        let url = URL(fileURLWithPath: "/x/ok.safetensors")
        #expect(try KerasWeights.decodeSafetensors(safetensorsBytes("{}"), file: url).entries.isEmpty)
        let bytes = safetensorsBytes(#"{"a/empty":{"dtype":"F32","shape":[100000,0],"data_offsets":[0,0]},"#
            + #""s/value":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"__metadata__":{"k":"v\u00e9\n"}}    "#,
            buffer: [0, 0, 0x80, 0x3F])
        let weights = try KerasWeights.decodeSafetensors(bytes, file: url)
        #expect(weights.metadata == ["k": "vé\n"])
        #expect(weights.entries.map(\.tensors) == [[.zeros([100_000, 0])], [Tensor(shape: [], scalars: [1])]])
    }
}
