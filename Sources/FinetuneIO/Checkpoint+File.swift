#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import FinetuneCore

extension Checkpoint {
    /// Writes the checkpoint to `url` atomically (temporary file in the same directory, fsync,
    /// rename, fsync of the directory): `url` holds either its previous content or the complete
    /// new checkpoint, never a partial one.
    public func write(to url: URL) throws {
        try write(to: url, compressionLevel: Checkpoint.defaultCompressionLevel)
    }

    /// Writes the checkpoint to `url` atomically (temporary file in the same directory, fsync,
    /// rename, fsync of the directory): `url` holds either its previous content or the complete
    /// new checkpoint, never a partial one. Returns the sizes written.
    ///
    /// - Parameters:
    ///   - compressionLevel: zstd level (negative = faster, up to 22 = smaller).
    ///   - threads: zstd workers; 0 uses ``Parallel/threadCount``.
    ///   - byteShuffle: store floats as byte planes (smaller, same speed); readers accept both.
    @discardableResult
    package func write(to url: URL, compressionLevel: Int = Checkpoint.defaultCompressionLevel,
                       threads: Int = 0, byteShuffle: Bool = true) throws -> Encoded {
        let encoded = try self.encoded(compressionLevel: compressionLevel, threads: threads, byteShuffle: byteShuffle)
        do {
            try AtomicFile.replace(url) { file in
                try encoded.preamble.withUnsafeBytes { try file.write($0) }
                try encoded.compressed.withUnsafeBytes { try file.write($0) }
            }
        } catch {
            throw CheckpointError.writeFailed(file: url.path, reason: String(describing: error))
        }
        return encoded
    }

    /// Reads and checks a checkpoint file: magic, format version, sizes, both checksums, and the
    /// header's consistency, and that every weight and optimizer slot is finite (NaN or ±∞ throws
    /// ``CheckpointError/nonFinite(file:key:group:values:)`` naming the key, unless
    /// `allowingNonFinite`, for tools that inspect such a file). Keys and shapes are checked
    /// against a model by ``restore(into:)``.
    public static func read(from url: URL, allowingNonFinite: Bool = false) throws -> Checkpoint {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.readAll(url.path) } catch {
            if error.code == ENOENT { throw CheckpointError.fileNotFound(file: url.path) }
            throw CheckpointError.unreadable(file: url.path, reason: String(cString: strerror(error.code)))
        }
        var checkpoint = try Checkpoint(decoding: bytes, file: url.path, allowingNonFinite: allowingNonFinite)
        checkpoint.source = url
        return checkpoint
    }
}
