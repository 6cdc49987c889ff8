#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Appends TensorFlow events to one `events.out.tfevents.<unix time>.<host>` file, framed as
/// TFRecords: `length` (UInt64 LE), masked CRC-32C of those 8 bytes (UInt32 LE), the serialized
/// `Event`, masked CRC-32C of it (UInt32 LE).
///
/// The file is append-only by design, not replaced through `AtomicFile`: TensorBoard tails event
/// files while they grow and would never see a renamed copy. Each record goes to the file with one
/// `write(2)`; ``flush()`` `fsync`s. A process killed mid-write leaves at most one truncated record
/// at the end, which TensorBoard's reader drops, so everything before it stays readable.
package final class EventFileWriter {
    /// The event file.
    package let url: URL
    private var descriptor: Int32

    /// Creates a new event file in `directory` (made if missing), named as TensorFlow names them,
    /// with a numeric suffix if that name is taken, and writes its `brain.Event:2` header.
    package init(directory: URL, wallTime: Double = Date().timeIntervalSince1970) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TensorBoardError.unwritable(path: directory.path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        let base = "events.out.tfevents.\(Int(wallTime)).\(Self.hostName)"
        var suffix = 0
        while true {
            let candidate = directory.appendingPathComponent(suffix == 0 ? base : "\(base).\(suffix)")
            let fd = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 {
                url = candidate
                descriptor = fd
                break
            }
            guard errno == EEXIST, suffix < 1000 else {
                throw TensorBoardError.unwritable(path: candidate.path, reason: String(cString: strerror(errno)))
            }
            suffix += 1
        }
        try append(TensorBoardEvent(wallTime: wallTime, step: 0, payload: .fileVersion("brain.Event:2")))
    }

    /// Writes one event as a TFRecord.
    package func append(_ event: TensorBoardEvent) throws {
        let record = Self.record(event.encoded)
        guard descriptor >= 0 else { throw TensorBoardError.unwritable(path: url.path, reason: "the file is closed") }
        try record.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TensorBoardError.unwritable(path: url.path, reason: String(cString: strerror(errno)))
                }
                done += n
            }
        }
    }

    /// Forces what was written to disk (`fsync`).
    package func flush() throws {
        guard descriptor >= 0 else { return }
        guard fsync(descriptor) == 0 else {
            throw TensorBoardError.unwritable(path: url.path, reason: "fsync: \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes and closes the file; later appends fail.
    package func close() throws {
        guard descriptor >= 0 else { return }
        defer { _ = systemClose(descriptor); descriptor = -1 }
        try flush()
    }

    deinit {
        if descriptor >= 0 {
            _ = fsync(descriptor)
            _ = systemClose(descriptor)
        }
    }

    /// `data` framed as one TFRecord.
    package static func record(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        out += length
        withUnsafeBytes(of: CRC32C.masked(length).littleEndian) { out += $0 }
        out += data
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { out += $0 }
        return out
    }

    /// This machine's name, as TensorFlow puts it in event file names.
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self).filter { $0 != "/" }
        return name.isEmpty ? "localhost" : name
    }
}

/// `close(2)`, out of reach of the method of the same name.
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
