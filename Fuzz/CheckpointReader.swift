// libFuzzer entry point for the checkpoint reader. Built by .ci/fuzz with
// `swiftc -sanitize=fuzzer,address`; not part of the package.
//
// A checkpoint carries XXH64 checksums of its preamble and payload, so random mutations would
// almost never get past them. The first byte of an input picks what the rest is:
//   even: a whole file; its lengths and checksums are recomputed before reading, so mutations
//         reach the zstd frame and everything behind it;
//   odd:  a decompressed payload (header length, JSON header, data section), compressed and
//         wrapped in a valid preamble, so mutations reach the header and tensor table directly.
@testable import FinetuneIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let mode = data[0]
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let file: [UInt8]
    if mode & 1 == 0 {
        file = withValidChecksums(rest)
    } else {
        guard let compressed = try? rest.withUnsafeBytes({ try Zstd.compress($0, level: 1, threads: 1) }) else { return 0 }
        file = CheckpointPreamble(version: Checkpoint.formatVersion, flags: 0, payloadLength: UInt64(rest.count),
                                  compressedLength: UInt64(compressed.count),
                                  payloadChecksum: XXH64.hash(compressed)).bytes + compressed
    }
    if let checkpoint = try? Checkpoint(decoding: file, file: "fuzz-input") {
        for (_, tensor) in checkpoint.weights {
            precondition(tensor.scalars.count == tensor.shape.scalarCount, "tensor size mismatch")
        }
        _ = checkpoint.optimizerState.count
    }
    return 0
}

/// `bytes` with the compressed length and both checksums of the preamble made to match.
private func withValidChecksums(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.count >= CheckpointPreamble.size else { return bytes }
    var out = bytes
    func store(_ value: UInt64, at offset: Int) {
        for i in 0..<8 { out[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
    store(UInt64(bytes.count - CheckpointPreamble.size), at: 24)
    store(XXH64.hash(Array(out[CheckpointPreamble.size...])), at: 32)
    store(XXH64.hash(Array(out[0..<40])), at: 40)
    return out
}
