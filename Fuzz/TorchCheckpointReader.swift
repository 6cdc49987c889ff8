// libFuzzer entry point for the PyTorch checkpoint reader. Built by .ci/fuzz with
// `swiftc -sanitize=fuzzer,address`; not part of the package.
//
// Zip entries carry CRC-32s, so random mutations inside an archive's pickle or storages would
// almost never get past them. The first byte of an input picks how the rest is read:
//   even: as a user's file is read (CRC-32s checked);
//   odd:  with the CRC-32s skipped, so mutations reach data.pkl and the storages directly.
// The legacy stream has no checksums: either mode reaches its pickles.
@testable import FinetuneIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTorchCheckpointReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let file = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if let checkpoint = try? TorchCheckpoint(decoding: file, file: "fuzz-input", verifyingChecksums: data[0] & 1 == 0) {
        var elements = 0
        for (_, tensor) in checkpoint.tensors {
            precondition(tensor.scalars.count == tensor.shape.scalarCount, "tensor size mismatch")
            elements += tensor.scalarCount
        }
        precondition(elements <= file.count, "the tensors hold more elements than the file has bytes")
    }
    return 0
}
