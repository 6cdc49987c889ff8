import Foundation
@testable import FinetuneTraining

/// The TFRecords of an event file, each checked against both masked CRCs; a truncated last record
/// is dropped (as TensorBoard's reader drops it), a bad checksum throws.
func readRecords(_ bytes: [UInt8]) throws -> [[UInt8]] {
    struct BadChecksum: Error { let offset: Int }
    var records: [[UInt8]] = []
    var at = 0
    func u32(_ i: Int) -> UInt32 { bytes[i..<(i + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    while at + 12 <= bytes.count {
        let header = Array(bytes[at..<(at + 8)])
        let length = Int(header.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        guard u32(at + 8) == CRC32C.masked(header) else { throw BadChecksum(offset: at) }
        guard at + 12 + length + 4 <= bytes.count else { break }
        let data = Array(bytes[(at + 12)..<(at + 12 + length)])
        guard u32(at + 12 + length) == CRC32C.masked(data) else { throw BadChecksum(offset: at) }
        records.append(data)
        at += 16 + length
    }
    return records
}

/// A protocol-buffer message decoded without its schema: field number → values in order
/// (varints as `UInt64`, fixed64/fixed32 as raw bit patterns, length-delimited as bytes).
struct DecodedMessage {
    enum Value { case varint(UInt64), fixed64(UInt64), fixed32(UInt32), bytes([UInt8]) }
    var fields: [Int: [Value]] = [:]

    init(_ bytes: [UInt8]) throws {
        struct Malformed: Error {}
        var at = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard at < bytes.count, shift < 64 else { throw Malformed() }
                let b = bytes[at]; at += 1
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
        }
        func fixed(_ n: Int) throws -> UInt64 {
            guard at + n <= bytes.count else { throw Malformed() }
            defer { at += n }
            return bytes[at..<(at + n)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        while at < bytes.count {
            let key = try varint()
            let value: Value
            switch key & 7 {
            case 0: value = .varint(try varint())
            case 1: value = .fixed64(try fixed(8))
            case 5: value = .fixed32(UInt32(try fixed(4)))
            case 2:
                let n = Int(try varint())
                guard at + n <= bytes.count else { throw Malformed() }
                value = .bytes(Array(bytes[at..<(at + n)])); at += n
            default: throw Malformed()
            }
            fields[Int(key >> 3), default: []].append(value)
        }
    }

    func message(_ field: Int) throws -> DecodedMessage? {
        guard case let .bytes(b)? = fields[field]?.first else { return nil }
        return try DecodedMessage(b)
    }
    func messages(_ field: Int) throws -> [DecodedMessage] {
        try (fields[field] ?? []).compactMap { if case let .bytes(b) = $0 { try DecodedMessage(b) } else { nil } }
    }
    func string(_ field: Int) -> String? {
        guard case let .bytes(b)? = fields[field]?.first else { return nil }
        return String(decoding: b, as: UTF8.self)
    }
    func bytes(_ field: Int) -> [UInt8]? {
        guard case let .bytes(b)? = fields[field]?.first else { return nil }
        return b
    }
    func int(_ field: Int) -> Int64? {
        guard case let .varint(v)? = fields[field]?.first else { return nil }
        return Int64(bitPattern: v)
    }
    func double(_ field: Int) -> Double? {
        guard case let .fixed64(v)? = fields[field]?.first else { return nil }
        return Double(bitPattern: v)
    }
    func float(_ field: Int) -> Float? {
        guard case let .fixed32(v)? = fields[field]?.first else { return nil }
        return Float(bitPattern: v)
    }
}

/// One summary value of an event file, flattened for assertions.
struct LoggedValue {
    var step: Int64
    var tag: String
    var scalar: Float?
    var image: [UInt8]?
    var histogram: DecodedMessage?
    var text: String?
}

/// Every summary value in the event files under `folder` (sorted by file name), and the
/// `file_version` of each file's first record.
func readLoggedValues(in folder: URL) throws -> (values: [LoggedValue], versions: [String]) {
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.hasPrefix("events.out.tfevents.") }.sorted()
    var values: [LoggedValue] = [], versions: [String] = []
    for file in files {
        let records = try readRecords(Array(try Data(contentsOf: folder.appendingPathComponent(file))))
        for (i, record) in records.enumerated() {
            let event = try DecodedMessage(record)
            if i == 0, let v = event.string(3) { versions.append(v) }
            guard let summary = try event.message(5) else { continue }
            for value in try summary.messages(1) {
                let tensor = try value.message(8)
                let text = tensor.flatMap { $0.bytes(8) }.map { String(decoding: $0, as: UTF8.self) }
                values.append(LoggedValue(step: event.int(2) ?? 0, tag: value.string(1) ?? "",
                                          scalar: value.float(2), image: try value.message(4)?.bytes(4),
                                          histogram: try value.message(5), text: text))
            }
        }
    }
    return (values, versions)
}
