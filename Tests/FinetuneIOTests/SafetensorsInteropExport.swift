import Foundation
import Testing
import FinetuneCore
import FinetuneNN
@testable import FinetuneIO

/// Writes a Finetune safetensors file and, beside it, each tensor as a NumPy `.npy` file, for
/// `.ci/safetensors_check.py` to load with Python's `safetensors` package and compare bit for bit
/// (`.ci/safetensors` runs it with `FINETUNE_SAFETENSORS_EXPORT=DIR`). Without the variable the
/// test is skipped: it checks nothing by itself.
@Suite("safetensors: export for the safetensors package")
struct SafetensorsInteropExport {
    static let folder = ProcessInfo.processInfo.environment["FINETUNE_SAFETENSORS_EXPORT"]

    /// A version 1.0 `.npy` file of a little-endian float32 array (NumPy's format: magic, version,
    /// header length, a Python dict literal padded with spaces so the data starts 64-aligned).
    static func npy(_ tensor: Tensor) -> [UInt8] {
        let dims = tensor.shape.dimensions
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = UInt16(header.utf8.count)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        for x in tensor.scalars { bytes += (0..<4).map { UInt8(truncatingIfNeeded: x.bitPattern >> (8 * UInt32($0))) } }
        return bytes
    }

    @Test("write model.safetensors and the expected values as .npy", .enabled(if: folder != nil, "set FINETUNE_SAFETENSORS_EXPORT=DIR"))
    func export() throws {
        let directory = URL(fileURLWithPath: try #require(Self.folder))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var model = tinySeed(seed: 41)
        var rng = SeededRNG(seed: 42)
        model.layers.append(batchNormLeaf("batch_normalization", 1, rng: &rng))
        var special = model.parameters[0].value
        for (i, x) in [Float(-0.0), .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1 / 3, -1e-38].enumerated() {
            special.scalars[i] = x
        }
        try model.setParameter(model.parameters[0].key, to: special)
        let classes = ["cat", "dog", "ünïcode \"quoted\""]
        try KerasWeights.writeSafetensors(model: model, to: directory.appendingPathComponent("model.safetensors"),
                                          classNames: classes, metadata: ["written_by": "Finetune"])
        var expected: [String: String] = [:]
        for (index, (key, value)) in model.parameters.enumerated() {
            let file = "\(index).npy"
            try Data(Self.npy(value)).write(to: directory.appendingPathComponent(file))
            expected[KerasWeights.tensorName(forKey: key)] = file
        }
        let manifest: [String: Any] = [
            "tensors": expected, "order": model.parameters.map { KerasWeights.tensorName(forKey: $0.key) },
            "metadata": ["format": "keras", "layout": "channels_last", "written_by": "Finetune"],
            "classes": classes,
        ]
        try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(to: directory.appendingPathComponent("expected.json"))
    }
}
