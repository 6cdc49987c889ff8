import Foundation
import FinetuneCore

/// Checkpoint ⇄ bytes. Layout: `Documentation/CheckpointFormat.md`.
extension Checkpoint {
    /// Data-section items start at multiples of this many bytes.
    static let alignment = 64

    /// The version of the libzstd this build links (`1.5.4`).
    package static var zstdVersion: String { Zstd.version }

    /// What writing produced: sizes on disk and before compression.
    package struct Encoded: Sendable {
        /// The 48-byte preamble.
        package var preamble: [UInt8]
        /// The zstd frame that follows it.
        package var compressed: [UInt8]
        /// Size of the decompressed payload (header + data section).
        package var payloadLength: Int
        /// Size of the whole file.
        package var fileLength: Int { preamble.count + compressed.count }
        /// payload ÷ file size.
        package var compressionRatio: Double { Double(payloadLength) / Double(max(fileLength, 1)) }
        /// The file's bytes, preamble then compressed payload.
        package var bytes: [UInt8] { preamble + compressed }
    }

    /// Serializes the checkpoint: header + data section, zstd at `compressionLevel` with
    /// `threads` workers (0: one per core Finetune uses), float tensors stored as byte planes when
    /// `byteShuffle` is on. Throws ``CheckpointError/invalidArgument(_:)`` for duplicate keys or an
    /// unknown level.
    package func encoded(compressionLevel: Int = Checkpoint.defaultCompressionLevel, threads: Int = 0,
                        byteShuffle: Bool = true) throws -> Encoded {
        guard Zstd.levels.contains(compressionLevel) else {
            throw CheckpointError.invalidArgument(
                "compression level \(compressionLevel) is outside zstd's range \(Zstd.levels.lowerBound)...\(Zstd.levels.upperBound)")
        }
        let payload = try payloadBytes(byteShuffle: byteShuffle)
        let compressed: [UInt8]
        do {
            compressed = try payload.withUnsafeBytes {
                try Zstd.compress($0, level: compressionLevel, threads: threads > 0 ? threads : Parallel.threadCount)
            }
        } catch {
            throw CheckpointError.writeFailed(file: fileDescription, reason: "zstd: \(error)")
        }
        let preamble = CheckpointPreamble(version: Self.formatVersion, flags: 0,
                                          payloadLength: UInt64(payload.count),
                                          compressedLength: UInt64(compressed.count),
                                          payloadChecksum: XXH64.hash(compressed))
        return Encoded(preamble: preamble.bytes, compressed: compressed, payloadLength: payload.count)
    }

    /// The uncompressed payload: 8-byte header length, JSON header, zero padding to 64, data.
    func payloadBytes(byteShuffle: Bool) throws -> [UInt8] {
        typealias Header = CheckpointHeader
        var records: [Header.TensorRecord] = []
        var sources: [Tensor] = []
        var cursor = 0
        func place(_ length: Int) -> Int {
            let offset = cursor
            cursor = (cursor + length + Self.alignment - 1) / Self.alignment * Self.alignment
            return offset
        }
        var seen = Set<String>()
        let encoding = byteShuffle ? Header.Encoding.bytePlanes : Header.Encoding.raw
        func add(_ group: String, _ key: String, _ tensor: Tensor) {
            let length = tensor.scalarCount * 4
            records.append(.init(group: group, key: key, dtype: "float32", encoding: encoding,
                                 shape: tensor.shape.dimensions, offset: place(length), length: length))
            sources.append(tensor)
        }
        for (key, value) in weights {
            guard seen.insert(key).inserted else { throw CheckpointError.invalidArgument("weight key '\(key)' appears twice") }
            add(Header.Group.weights, key, value)
        }
        for key in optimizerState.keys.sorted() { add(Header.Group.optimizer, key, optimizerState[key]!) }
        let blobs: [(String, Data)] = [(Header.Blob.optimizerConfig, optimizerConfig), (Header.Blob.trainerState, trainerState)]
        let blobRecords = blobs.map { Header.BlobRecord(name: $0.0, offset: place($0.1.count), length: $0.1.count) }
        let header = Header(tensors: records, blobs: blobRecords,
                            optimizer: optimizerName.map { .init(name: $0, iterations: optimizerIterations) },
                            metadata: metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = [UInt8](try encoder.encode(header))
        let dataStart = (8 + json.count + Self.alignment - 1) / Self.alignment * Self.alignment
        let total = dataStart + cursor

        return [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            // Only the gaps (header padding, alignment padding) need zeros; everything else is
            // overwritten below.
            base.initializeMemory(as: UInt8.self, repeating: 0, count: dataStart)
            var end = 0
            for offset in (records.map { ($0.offset, $0.length) } + blobRecords.map { ($0.offset, $0.length) }) {
                base.advanced(by: dataStart + end).initializeMemory(as: UInt8.self, repeating: 0, count: offset.0 - end)
                end = offset.0 + offset.1
            }
            base.advanced(by: dataStart + end).initializeMemory(as: UInt8.self, repeating: 0, count: cursor - end)
            base.storeBytes(of: UInt64(json.count).littleEndian, as: UInt64.self)
            json.withUnsafeBytes { base.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            for (record, tensor) in zip(records, sources) {
                let target = base.advanced(by: dataStart + record.offset)
                tensor.withUnsafeBufferPointer { scalars in
                    if byteShuffle {
                        ByteShuffle.shuffle(scalars, into: target)
                    } else {
                        for i in 0..<scalars.count {
                            target.storeBytes(of: scalars[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                        }
                    }
                }
            }
            for ((_, data), record) in zip(blobs, blobRecords) {
                data.withUnsafeBytes { if $0.count > 0 { base.advanced(by: dataStart + record.offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            }
            count = total
        }
    }

    /// Parses a checkpoint file's bytes, checking magic, version, sizes, both checksums and (unless
    /// `allowingNonFinite`) that every tensor is finite. `file` names the source in errors.
    package init(decoding bytes: [UInt8], file: String = "(in memory)", allowingNonFinite: Bool = false) throws {
        let payload = try bytes.withUnsafeBytes { try Self.verifiedPayload($0, file: file) }
        try self.init(payload: payload, file: file, allowingNonFinite: allowingNonFinite)
    }

    /// Checks the preamble and checksums and returns the decompressed payload.
    static func verifiedPayload(_ raw: UnsafeRawBufferPointer, file: String) throws -> [UInt8] {
        let magic = CheckpointPreamble.magic
        let head = Array(raw.prefix(magic.count))
        guard head == Array(magic.prefix(head.count)) else {
            throw CheckpointError.notACheckpoint(file: file, found: describeForeignFile(Array(raw.prefix(16))))
        }
        // Every format version keeps this 48-byte preamble (magic, version, …, preamble checksum),
        // so a damaged version field reads as corruption, not as a newer format.
        guard raw.count >= CheckpointPreamble.size else {
            throw CheckpointError.truncated(file: file, size: raw.count, expected: CheckpointPreamble.size)
        }
        let storedPreambleSum = raw.littleEndian(UInt64.self, at: 40)
        let preambleSum = XXH64.hash(UnsafeRawBufferPointer(rebasing: raw[0..<40]))
        guard storedPreambleSum == preambleSum else {
            throw CheckpointError.corrupted(file: file, detail: "the preamble checksum does not match (stored "
                + hex(storedPreambleSum) + ", computed " + hex(preambleSum) + ")")
        }
        let version = raw.littleEndian(UInt32.self, at: 8)
        if version > formatVersion {
            throw CheckpointError.newerVersion(file: file, version: version, supported: formatVersion)
        }
        guard version >= 1 else {
            throw CheckpointError.malformed(file: file, detail: "format version 0 does not exist")
        }
        let flags = raw.littleEndian(UInt32.self, at: 12)
        guard flags == 0 else {
            throw CheckpointError.malformed(file: file, detail: "unknown flags 0x\(String(flags, radix: 16)) in format \(version)")
        }
        let payloadLength = raw.littleEndian(UInt64.self, at: 16)
        let compressedLength = raw.littleEndian(UInt64.self, at: 24)
        guard payloadLength <= CheckpointPreamble.maximumPayload, compressedLength <= CheckpointPreamble.maximumPayload else {
            throw CheckpointError.malformed(file: file, detail: "payload sizes \(payloadLength) / \(compressedLength) are beyond 1 TiB")
        }
        let expected = CheckpointPreamble.size + Int(compressedLength)
        if raw.count < expected { throw CheckpointError.truncated(file: file, size: raw.count, expected: expected) }
        if raw.count > expected {
            throw CheckpointError.corrupted(file: file, detail: "\(raw.count - expected) unexpected bytes follow the compressed payload")
        }
        let body = UnsafeRawBufferPointer(rebasing: raw[CheckpointPreamble.size...])
        let storedSum = raw.littleEndian(UInt64.self, at: 32)
        let sum = XXH64.hash(body)
        guard sum == storedSum else {
            throw CheckpointError.corrupted(file: file, detail: "the payload checksum does not match (stored "
                + hex(storedSum) + ", computed " + hex(sum) + ")")
        }
        do { return try Zstd.decompress(body, size: Int(payloadLength)) } catch {
            throw CheckpointError.corrupted(file: file, detail: "zstd cannot decompress the payload: \(error)")
        }
    }

    /// Builds a checkpoint from a verified, decompressed payload.
    init(payload: [UInt8], file: String, allowingNonFinite: Bool) throws {
        typealias Header = CheckpointHeader
        func malformed(_ detail: String) -> CheckpointError { .malformed(file: file, detail: detail) }
        let parsed: (Header, Int) = try payload.withUnsafeBytes { raw in
            guard raw.count >= 8 else { throw malformed("the payload is \(raw.count) bytes, shorter than its header length field") }
            let headerLength = raw.littleEndian(UInt64.self, at: 0)
            guard headerLength <= UInt64(raw.count - 8) else {
                throw malformed("the header length \(headerLength) exceeds the payload (\(raw.count) bytes)")
            }
            let json = Data(raw[8 ..< 8 + Int(headerLength)])
            let header: Header
            do { header = try JSONDecoder().decode(Header.self, from: json) } catch {
                throw malformed("the JSON header does not decode: \(error)")
            }
            return (header, (8 + Int(headerLength) + Self.alignment - 1) / Self.alignment * Self.alignment)
        }
        let (header, dataStart) = parsed
        // Offsets, lengths and shapes come from the file: every sum and product of them below is
        // formed so that it cannot overflow.
        let dataBytes = payload.count - dataStart
        func range(_ what: String, _ offset: Int, _ length: Int) throws -> Range<Int> {
            guard offset >= 0, length >= 0, offset <= dataBytes, length <= dataBytes - offset else {
                throw malformed("\(what) lies outside the payload (offset \(offset), length \(length), data section \(payload.count - dataStart) bytes)")
            }
            return (dataStart + offset) ..< (dataStart + offset + length)
        }

        var weights: [(key: String, value: Tensor)] = []
        var optimizerState: [String: Tensor] = [:]
        var seenWeights = Set<String>()
        for record in header.tensors {
            let what = "tensor '\(record.key)' (\(record.group))"
            guard record.dtype == "float32" else { throw malformed("\(what) has dtype '\(record.dtype)'; format 1 stores float32 only") }
            guard record.encoding == Header.Encoding.raw || record.encoding == Header.Encoding.bytePlanes else {
                throw malformed("\(what) has unknown encoding '\(record.encoding)'")
            }
            guard record.shape.allSatisfy({ $0 >= 0 }) else { throw malformed("\(what) has a negative dimension \(record.shape)") }
            let shape = Shape(record.shape)
            let byteCount = record.shape.reduce(Optional(4)) { product, dimension in
                product.flatMap { p in
                    let (next, overflow) = p.multipliedReportingOverflow(by: dimension)
                    return overflow ? nil : next
                }
            }
            guard let byteCount else { throw malformed("\(what) has shape \(shape), too large for any file") }
            guard record.length == byteCount else {
                throw malformed("\(what) has \(record.length) bytes; shape \(shape) needs \(byteCount)")
            }
            let bytes = try range(what, record.offset, record.length)
            let tensor = payload.withUnsafeBytes { raw in
                Tensor(shape: shape) { out in
                    let start = raw.baseAddress! + bytes.lowerBound
                    if record.encoding == Header.Encoding.bytePlanes {
                        ByteShuffle.unshuffle(start, into: out)
                    } else {
                        for i in 0..<out.count {
                            out[i] = Float(bitPattern: UInt32(littleEndian: start.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                        }
                    }
                }
            }
            if !allowingNonFinite, let values = tensor.nonFiniteValues() {
                throw CheckpointError.nonFinite(file: file, key: record.key, group: record.group, values: values)
            }
            switch record.group {
            case Header.Group.weights:
                guard seenWeights.insert(record.key).inserted else { throw malformed("weight '\(record.key)' appears twice") }
                weights.append((record.key, tensor))
            case Header.Group.optimizer:
                guard optimizerState.updateValue(tensor, forKey: record.key) == nil else {
                    throw malformed("optimizer slot '\(record.key)' appears twice")
                }
            default:
                throw malformed("\(what) is in unknown group '\(record.group)'")
            }
        }
        var blobs: [String: Data] = [:]
        for record in header.blobs {
            let bytes = try range("blob '\(record.name)'", record.offset, record.length)
            blobs[record.name] = Data(payload[bytes])
        }
        if header.optimizer == nil && !optimizerState.isEmpty {
            throw malformed("it holds optimizer slots but names no optimizer")
        }
        self.init(weights: weights, optimizerName: header.optimizer?.name,
                  optimizerIterations: header.optimizer?.iterations ?? 0, optimizerState: optimizerState,
                  optimizerConfig: blobs[Header.Blob.optimizerConfig] ?? Data(),
                  trainerState: blobs[Header.Blob.trainerState] ?? Data(), metadata: header.metadata)
    }
}

private func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
}

/// What a file that is not a checkpoint looks like, from its first bytes.
func describeForeignFile(_ head: [UInt8]) -> String {
    if head.isEmpty { return "it is empty" }
    let shown = head.prefix(8).map { b -> String in
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }.joined(separator: " ")
    let kind: String
    if head.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) {
        kind = "an HDF5 file, e.g. Keras weights"
    } else if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) {
        kind = "a bare zstd stream"
    } else if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
        kind = "a zip archive, e.g. a .keras model"
    } else if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) || head.starts(with: [0xFF, 0xD8, 0xFF]) {
        kind = "an image"
    } else if head.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20..<0x7F).contains($0) }) {
        kind = "text"
    } else {
        kind = "unknown content"
    }
    return "it starts with \(shown): \(kind)"
}
