/// The directory of a zip archive whose entries are stored uncompressed, as `torch.save` writes
/// them (PKWARE's APPNOTE: end of central directory, its zip64 variant, central directory
/// entries with zip64 extra fields, local headers).
///
/// Only what finding an entry's bytes needs is read, and every offset and size is checked
/// against the buffer before use; entries are located, not copied. A compressed or encrypted
/// entry is refused when it is read. Errors are ``TorchCheckpointError``s naming `file`.
struct StoredZipArchive {
    struct Entry: Equatable {
        var name: String
        /// 0 = stored; anything else is refused by ``data(_:in:verifyingChecksum:)``.
        var method: UInt16
        var flags: UInt16
        var crc32: UInt32
        /// Bytes in the archive.
        var size: Int
        /// Bytes after decompression (equal to `size` for a stored entry).
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    let file: String
    private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    init(_ bytes: UnsafeRawBufferPointer, file: String) throws(TorchCheckpointError) {
        self.file = file
        // The end record (22 bytes + a comment of up to 65 535) is the last structure of the file.
        let lowest = max(0, bytes.count - 22 - 65_535)
        var at = bytes.count - 22
        while at >= lowest, bytes[at] != 0x50 || Self.read32(bytes, at) != Self.endSignature { at -= 1 }
        guard at >= lowest else {
            throw .malformed(file: file, detail: "a zip archive without its end of central directory record (the file "
                             + "is cut short, or not a whole zip)")
        }
        var count = Int(Self.read16(bytes, at + 10))
        var directorySize = Int(Self.read32(bytes, at + 12))
        var directoryOffset = Int(Self.read32(bytes, at + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // Zip64: a locator just before the end record gives the zip64 end record's offset.
            guard at >= 20, Self.read32(bytes, at - 20) == Self.zip64LocatorSignature else {
                throw .malformed(file: file, detail: "zip64 sizes without a zip64 end of central directory locator")
            }
            let end64 = try Self.offset(Self.read64(bytes, at - 12), file: file)
            guard end64 <= bytes.count - 56, Self.read32(bytes, end64) == Self.zip64EndSignature else {
                throw .malformed(file: file, detail: "the zip64 end of central directory record is missing")
            }
            count = try Self.offset(Self.read64(bytes, end64 + 32), file: file)
            directorySize = try Self.offset(Self.read64(bytes, end64 + 40), file: file)
            directoryOffset = try Self.offset(Self.read64(bytes, end64 + 48), file: file)
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset,
              count <= directorySize / 46 else {
            throw .malformed(file: file, detail: "the zip central directory (\(count) entries, \(directorySize) bytes at "
                             + "\(directoryOffset)) lies outside the file's \(bytes.count) bytes")
        }
        var position = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for _ in 0..<count {
            guard directoryEnd - position >= 46, Self.read32(bytes, position) == Self.centralSignature else {
                throw .malformed(file: file, detail: "zip central directory entry \(entries.count) is damaged")
            }
            let nameLength = Int(Self.read16(bytes, position + 28))
            let extraLength = Int(Self.read16(bytes, position + 30))
            let commentLength = Int(Self.read16(bytes, position + 32))
            let next = position + 46 + nameLength + extraLength + commentLength
            guard next <= directoryEnd else {
                throw .malformed(file: file, detail: "zip central directory entry \(entries.count) runs past the directory")
            }
            let nameRange = (position + 46)..<(position + 46 + nameLength)
            let name = String(decoding: bytes[nameRange], as: UTF8.self)
            var size = UInt64(Self.read32(bytes, position + 24))
            var compressedSize = UInt64(Self.read32(bytes, position + 20))
            var localOffset = UInt64(Self.read32(bytes, position + 42))
            // Zip64 extra field (id 1): the 8-byte values of the fields set to 0xFFFFFFFF, in this order.
            var extra = nameRange.upperBound
            let extraEnd = extra + extraLength
            while extraEnd - extra >= 4 {
                let id = Self.read16(bytes, extra)
                let length = Int(Self.read16(bytes, extra + 2))
                guard length <= extraEnd - extra - 4 else { break }
                if id == 1 {
                    var field = extra + 4
                    func take(_ value: inout UInt64) {
                        guard value == 0xFFFF_FFFF, field + 8 <= extra + 4 + length else { return }
                        value = Self.read64(bytes, field)
                        field += 8
                    }
                    take(&size)
                    take(&compressedSize)
                    take(&localOffset)
                }
                extra += 4 + length
            }
            let entry = Entry(name: name, method: Self.read16(bytes, position + 10), flags: Self.read16(bytes, position + 8),
                              crc32: Self.read32(bytes, position + 16),
                              size: try Self.offset(compressedSize, file: file),
                              uncompressedSize: try Self.offset(size, file: file),
                              localHeaderOffset: try Self.offset(localOffset, file: file))
            if index[name] == nil { index[name] = entries.count }
            entries.append(entry)
            position = next
        }
    }

    /// The entry named `name`, if the archive has one.
    func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The byte range of `entry`'s data in the archive, after checking its local header, that it
    /// is stored, and (when `verifyingChecksum` and the archive records one) its CRC-32.
    func data(_ entry: Entry, in bytes: UnsafeRawBufferPointer, verifyingChecksum: Bool = true)
        throws(TorchCheckpointError) -> Range<Int> {
        guard entry.method == 0 else {
            throw .unsupported(file: file, detail: "zip entry \(entry.name) is compressed (method \(entry.method)); "
                               + "torch.save stores entries uncompressed: load the file in torch and save it again")
        }
        guard entry.flags & 1 == 0 else {
            throw .unsupported(file: file, detail: "zip entry \(entry.name) is encrypted")
        }
        guard entry.size == entry.uncompressedSize else {
            throw .malformed(file: file, detail: "stored zip entry \(entry.name) records \(entry.size) bytes and "
                             + "\(entry.uncompressedSize) uncompressed")
        }
        let header = entry.localHeaderOffset
        guard header <= bytes.count - 30, Self.read32(bytes, header) == Self.localSignature else {
            throw .malformed(file: file, detail: "the local header of zip entry \(entry.name) is missing")
        }
        let start = header + 30 + Int(Self.read16(bytes, header + 26)) + Int(Self.read16(bytes, header + 28))
        guard start <= bytes.count, entry.size <= bytes.count - start else {
            throw .truncated(file: file, detail: "zip entry \(entry.name) claims \(entry.size) bytes at \(start), "
                             + "the file has \(bytes.count)")
        }
        let range = start..<(start + entry.size)
        // torch writes a CRC of 0 when asked not to compute them (compute_crc32 = False).
        if verifyingChecksum, entry.crc32 != 0, CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[range])) != entry.crc32 {
            throw .malformed(file: file, detail: "zip entry \(entry.name) does not match its CRC-32: the file is damaged")
        }
        return range
    }

    // MARK: - Little-endian fields (callers check the bounds)

    private static func read16(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        guard at >= 0, at + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    private static func read32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        guard at >= 0, at + 4 <= bytes.count else { return 0 }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    private static func read64(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        guard at >= 0, at + 8 <= bytes.count else { return 0 }
        return UInt64(read32(bytes, at)) | UInt64(read32(bytes, at + 4)) << 32
    }

    /// A 64-bit size or offset as `Int`, refused beyond `Int.max`.
    private static func offset(_ value: UInt64, file: String) throws(TorchCheckpointError) -> Int {
        guard value <= UInt64(Int.max) else {
            throw .malformed(file: file, detail: "a zip size or offset of \(value) bytes")
        }
        return Int(value)
    }
}
