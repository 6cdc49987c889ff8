// libFuzzer entry point for the safetensors reader: the header (length prefix, JSON, tensor table)
// and the conversion of each tensor to Float32, read from memory as `KerasWeights.read(from:)`
// reads a file's bytes; then loading by name into a model with two layers, so the matching of
// names and shapes runs on what was read. Built by .ci/fuzz with `swiftc -sanitize=fuzzer,address`;
// not part of the package.
import Foundation
import FinetuneCore
import FinetuneNN
@testable import FinetuneIO

private let file = URL(fileURLWithPath: "/fuzz/input.safetensors")
private let model: Sequential = {
    var rng = SeededRNG(seed: 1)
    return try! Sequential(name: "tiny", inputShape: [4, 4, 1], [
        Layers.conv2D(name: "conv", inputChannels: 1, filters: 2, kernelSize: (3, 3), using: &rng),
        Layers.flatten(),
        Layers.dense(name: "dense", inputSize: 8, units: 1, using: &rng),
    ])
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensorsReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let weights = try? KerasWeights.decodeSafetensors(bytes, file: file) else { return 0 }
    for entry in weights.entries {
        precondition(entry.tensors.count == entry.tensorNames.count, "tensors and names differ in number")
        for tensor in entry.tensors {
            precondition(tensor.scalars.count == tensor.shape.scalarCount, "tensor size mismatch")
        }
    }
    var copy = model
    _ = try? weights.load(into: &copy, scope: .all)
    _ = try? weights.load(into: &copy, scope: .convolutions)
    return 0
}
