import Foundation

/// The first structure of an HDF5 file, checked before libhdf5 sees the file.
///
/// libhdf5 trusts the sizes and addresses inside a file; a damaged file can make it read out of
/// bounds (found by fuzzing the Keras importer: `H5HG_read` copying past a global-heap buffer) or
/// crash, which no error handling on our side can catch. What can be checked cheaply is checked
/// here: the signature, a superblock version libhdf5 knows, offset/length sizes it supports, and an
/// end-of-file address that the file really reaches (a truncated download fails here, with a
/// message saying so, instead of inside libhdf5).
package struct HDF5Superblock: Equatable {
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    var offset: Int
    var version: Int
    var sizeOfOffsets: Int
    var baseAddress: UInt64
    var endOfFileAddress: UInt64

    package enum Problem: Error, Equatable {
        case noSignature
        case unsupported(String)
        case truncated(expected: UInt64, actual: Int)
    }

    /// Parses the superblock of a file whose first bytes are `head` and whose size is `fileSize`.
    /// The signature may sit at 0, 512, 1024, 2048, … (after a user block).
    init(head: [UInt8], fileSize: Int) throws(Problem) {
        var at = 0
        while at + 8 <= head.count, Array(head[at..<(at + 8)]) != Self.signature {
            at = at == 0 ? 512 : at * 2
        }
        guard at + 8 <= head.count else { throw .noSignature }
        func byte(_ i: Int) throws(Problem) -> Int {
            guard at + i < head.count else { throw .truncated(expected: UInt64(at + i + 1), actual: fileSize) }
            return Int(head[at + i])
        }
        func address(_ i: Int, size: Int) throws(Problem) -> UInt64 {
            var value: UInt64 = 0
            for k in 0..<size { value |= UInt64(try byte(i + k)) << (8 * UInt64(k)) }
            return value
        }
        offset = at
        version = try byte(8)
        // Byte positions of the size of offsets and of the base and end-of-file addresses.
        let sizePosition: Int, addresses: Int, eofIndex: Int
        switch version {
        case 0: sizePosition = 13; addresses = 24; eofIndex = 2
        case 1: sizePosition = 13; addresses = 28; eofIndex = 2
        case 2, 3: sizePosition = 9; addresses = 12; eofIndex = 2
        default: throw .unsupported("superblock version \(version)")
        }
        sizeOfOffsets = try byte(sizePosition)
        guard [2, 4, 8].contains(sizeOfOffsets) else { throw .unsupported("\(sizeOfOffsets)-byte file addresses") }
        baseAddress = try address(addresses, size: sizeOfOffsets)
        endOfFileAddress = try address(addresses + eofIndex * sizeOfOffsets, size: sizeOfOffsets)
        let undefined = sizeOfOffsets == 8 ? UInt64.max : (UInt64(1) << (8 * UInt64(sizeOfOffsets))) - 1
        guard baseAddress != undefined, endOfFileAddress != undefined else {
            throw .unsupported("an undefined base or end-of-file address")
        }
        let (end, overflow) = baseAddress.addingReportingOverflow(endOfFileAddress)
        guard !overflow, end <= UInt64(fileSize) else { throw .truncated(expected: end, actual: fileSize) }
    }

    /// Checks the superblock of the file at `path` (reads its first 4 KiB).
    package static func check(path: String) throws(Problem) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .noSignature }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 4096)) ?? Data())
        let size = (try? handle.seekToEnd()).map { Int($0) } ?? head.count
        _ = try HDF5Superblock(head: head, fileSize: size)
    }
}
