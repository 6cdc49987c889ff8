// libFuzzer entry point for the Keras HDF5 weights importer. libhdf5 reads files only, so each
// input is written to one temporary file first. Built by .ci/fuzz with
// `swiftc -sanitize=fuzzer,address`; not part of the package.
import Foundation
@testable import FinetuneIO

private let scratch = URL(fileURLWithPath: NSTemporaryDirectory())
    .appendingPathComponent("finetune-fuzz-keras-\(getpid()).h5")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKerasWeightsReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard FileManager.default.createFile(atPath: scratch.path, contents: bytes) else { return 0 }
    if let weights = try? KerasWeights.read(from: scratch) {
        for entry in weights.entries {
            for tensor in entry.tensors {
                precondition(tensor.scalars.count == tensor.shape.scalarCount, "tensor size mismatch")
            }
        }
    }
    return 0
}
