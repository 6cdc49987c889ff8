import Foundation
import FinetuneCore

/// NumPy's `.npy` format, version 1.0, little-endian, C order: what `numpy.load` reads without
/// `allow_pickle`. The header is the dict `{'descr': '<f4', 'fortran_order': False, 'shape': (…), }`
/// padded with spaces to a multiple of 64 bytes and ended by a newline.
package enum NumpyFile {
    /// Writes `values` (row-major, `shape.scalarCount` of them) as `<f4` atomically.
    package static func write(float32 values: [Float], shape: [Int], to url: URL) throws {
        precondition(values.count == shape.reduce(1, *), "NumpyFile: \(values.count) values for shape \(shape)")
        var bytes = header(descr: "<f4", shape: shape)
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try AtomicFile.write(bytes, to: url)
    }

    /// Writes `values` as a one-dimensional `<i4` array atomically.
    package static func write(int32 values: [Int32], to url: URL) throws {
        var bytes = header(descr: "<i4", shape: [values.count])
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        try AtomicFile.write(bytes, to: url)
    }

    /// Magic, version 1.0, header length and the padded header text.
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        let unpadded = 10 + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(text.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(text.utf8)
        return bytes
    }
}
