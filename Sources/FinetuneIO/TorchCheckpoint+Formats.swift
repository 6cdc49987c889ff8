import FinetuneCore

/// The two containers `torch.save` writes around a state_dict's pickle, and where each puts the
/// storages' bytes.
extension TorchCheckpoint {
    /// torch.serialization.MAGIC_NUMBER, 0x1950a86a20f9469cfc6c, as LONG1's little-endian bytes.
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    /// torch.serialization.PROTOCOL_VERSION.
    static let legacyProtocolVersion = 1001

    /// The legacy stream (`_use_new_zipfile_serialization=False`, and every torch before 1.6):
    /// pickles of the magic number, the protocol version, system information, the object, and
    /// the storage keys; then for each key an int64 element count and the storage's bytes.
    static func readLegacy(_ raw: UnsafeRawBufferPointer, file: String) throws(TorchCheckpointError)
        -> [(name: String, tensor: Tensor)] {
        var next = 0
        func unpickler() -> TorchUnpickler { TorchUnpickler(file: file, fileSize: raw.count, start: next, end: raw.count) }
        var header = unpickler()
        guard try header.load(raw) == .bigInt(legacyMagic) else {
            throw .notATorchCheckpoint(file: file, found: "a pickle that does not start with torch's magic number "
                                       + "0x1950a86a20f9469cfc6c")
        }
        let version = try header.load(raw)
        guard version == .int(legacyProtocolVersion) else {
            throw .unsupported(file: file, detail: "legacy protocol version \(header.describe(version)), expected "
                               + "\(legacyProtocolVersion); load and save the file with a current torch")
        }
        let systemInfo = try header.load(raw)
        if case let .dict(items)? = header.object(systemInfo),
           items.contains(where: { $0.key == .string("little_endian") && $0.value == .bool(false) }) {
            throw .unsupported(file: file, detail: "the file was written on a big-endian machine; this reader reads "
                               + "little-endian data only")
        }
        next = header.position
        var main = unpickler()
        let root = try main.load(raw)
        next = main.position
        var keyList = unpickler()
        let keysValue = try keyList.load(raw)
        guard case let .list(keyValues)? = keyList.object(keysValue) else {
            throw .malformed(file: file, detail: "the storage key list after the object's pickle is \(keyList.describe(keysValue))")
        }
        let named = Dictionary(main.storages.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var ranges: [String: Range<Int>] = [:]
        var position = keyList.position
        for value in keyValues {
            guard case let .string(key) = value, let storage = named[key], ranges[key] == nil else {
                throw .malformed(file: file, detail: "the storage key list holds \(keyList.describe(value)), which the "
                                 + "object's pickle does not name (or names twice)")
            }
            guard raw.count - position >= 8 else {
                throw .truncated(file: file, detail: "the file ends before storage '\(key)' (byte \(position))")
            }
            let count = (0..<8).reduce(0) { $0 | Int(raw[position + $1]) << (8 * $1) }
            guard count == storage.count else {
                throw .malformed(file: file, detail: "storage '\(key)': the pickle says \(storage.count) elements, the "
                                 + "stream \(count)")
            }
            let length = storage.count * storage.type.elementSize  // ≤ the file's size (checked by the unpickler)
            position += 8
            guard raw.count - position >= length else {
                throw .truncated(file: file, detail: "storage '\(key)' needs \(length) bytes at byte \(position), "
                                 + "\(raw.count - position) remain")
            }
            ranges[key] = position..<(position + length)
            position += length
        }
        if let missing = main.storages.first(where: { ranges[$0.key] == nil }) {
            throw .malformed(file: file, detail: "storage '\(missing.key)' is named by the pickle but not stored")
        }
        return try stateDict(root, main, storages: ranges, raw, file: file)
    }

    /// The zip archive (`torch.save`'s default since 1.6): `<folder>/data.pkl`,
    /// `<folder>/data/<key>` per storage, `<folder>/byteorder` (absent before torch 1.10: little).
    static func readZip(_ raw: UnsafeRawBufferPointer, file: String, verifyingChecksums: Bool) throws(TorchCheckpointError)
        -> [(name: String, tensor: Tensor)] {
        let archive = try StoredZipArchive(raw, file: file)
        guard let pickle = archive.entries.first(where: {
            $0.name.hasSuffix("/data.pkl") && $0.name.split(separator: "/", omittingEmptySubsequences: false).count == 2
        }) else {
            throw .notATorchCheckpoint(file: file, found: "a zip archive without <folder>/data.pkl; TorchScript "
                                       + "archives (torch.jit.save) and .keras archives are not state_dicts")
        }
        let folder = String(pickle.name.dropLast("data.pkl".count))
        if let order = archive.entry(folder + "byteorder") {
            let range = try archive.data(order, in: raw, verifyingChecksum: verifyingChecksums)
            if String(decoding: raw[range], as: UTF8.self) != "little" {
                throw .unsupported(file: file, detail: "\(order.name) says the data is not little-endian (big-endian "
                                   + "storages are not read); load and save the file on a little-endian machine")
            }
        }
        let pickleRange = try archive.data(pickle, in: raw, verifyingChecksum: verifyingChecksums)
        var unpickler = TorchUnpickler(file: file, fileSize: raw.count, start: pickleRange.lowerBound,
                                       end: pickleRange.upperBound)
        let root = try unpickler.load(raw)
        var ranges: [String: Range<Int>] = [:]
        for storage in unpickler.storages {
            let name = folder + "data/" + storage.key
            guard let entry = archive.entry(name) else {
                throw .malformed(file: file, detail: "the pickle names storage '\(storage.key)', but the archive has no \(name)")
            }
            let range = try archive.data(entry, in: raw, verifyingChecksum: verifyingChecksums)
            let length = storage.count * storage.type.elementSize  // ≤ the file's size (checked by the unpickler)
            guard range.count >= length else {
                throw .truncated(file: file, detail: "\(name) holds \(range.count) bytes, storage '\(storage.key)' needs "
                                 + "\(length) (\(storage.count) × \(storage.type.name))")
            }
            ranges[storage.key] = range.lowerBound..<(range.lowerBound + length)
        }
        return try stateDict(root, unpickler, storages: ranges, raw, file: file)
    }
}
