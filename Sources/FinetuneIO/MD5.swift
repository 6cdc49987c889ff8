import Foundation

/// MD5 (RFC 1321): the digest Keras publishes as `file_hash` for its pretrained weights
/// (`keras.utils.get_file` picks MD5 for a 32-digit hash). Here only to recognise a download,
/// never for security: the files come over HTTPS from their canonical address.
///
/// Blocks of 64 bytes, read as sixteen little-endian words, go through four rounds of sixteen
/// steps `a = b + rotl(a + f(b, c, d) + K[i] + M[g], s[i])`; `K[i]` is the integer part of
/// `|sin(i + 1)| · 2³²`. The message is padded with 0x80, zeros and its bit length (little-endian).
struct MD5 {
    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476)
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    private static let shifts: [UInt32] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]
    private static let sines: [UInt32] = (0..<64).map { UInt32(abs(sin(Double($0 + 1))) * 4_294_967_296) }

    /// Adds bytes to the message.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var at = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending += bytes[0..<take]
            at = take
            if pending.count == 64 {
                pending.withUnsafeBytes { block($0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - at >= 64 {
            block(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + 64)]))
            at += 64
        }
        pending += bytes[at...]
    }

    /// The digest of everything added, as 32 lower-case hex digits.
    mutating func finalize() -> String {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
        tail += (0..<8).map { UInt8(truncatingIfNeeded: bits >> (8 * UInt64($0))) }
        let message = pending + tail
        message.withUnsafeBytes { raw in
            for at in stride(from: 0, to: raw.count, by: 64) { block(UnsafeRawBufferPointer(rebasing: raw[at..<(at + 64)])) }
        }
        pending.removeAll()
        let (a, b, c, d) = state
        return [a, b, c, d].flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) } }
            .map { String(format: "%02x", $0) }.joined()
    }

    /// The digest of a whole buffer.
    static func hex(_ bytes: some Collection<UInt8>) -> String {
        var md5 = MD5()
        Array(bytes).withUnsafeBytes { md5.update($0) }
        return md5.finalize()
    }

    private mutating func block(_ raw: UnsafeRawBufferPointer) {
        let m = (0..<16).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
        var (a, b, c, d) = state
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i / 16 {
            case 0: f = (b & c) | (~b & d); g = i
            case 1: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ Self.sines[i] &+ m[g]
            let s = Self.shifts[(i / 16) * 4 + i % 4]
            (a, d, c) = (d, c, b)
            b = b &+ (f << s | f >> (32 - s))
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}
