#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Replaces a file so that its final name never holds a half-written file.
///
/// Protocol: create `.<name>.tmp-<pid>-<random>` in the destination's directory (`O_EXCL`, so two
/// writers never share one), let the caller fill it, `fsync` it, `rename` it over the destination
/// (atomic within one file system), then `fsync` the directory so the rename itself survives a
/// power loss. On any failure the temporary file is removed and the destination is untouched: a
/// reader sees either the old file or the new one, never a mix.
package enum AtomicFile {
    /// The temporary file handed to the caller: write through `descriptor`, or let a library
    /// (libhdf5) reopen `path` itself, truncating it.
    package struct Temporary {
        package let path: String
        package let descriptor: Int32

        /// Writes all of `bytes`, retrying short writes and interrupted calls.
        package func write(_ bytes: UnsafeRawBufferPointer) throws(SystemFailure) {
            var done = 0
            while done < bytes.count {
                let n = posixWrite(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SystemFailure(operation: "write to \(path)", code: errno)
                }
                done += n
            }
        }
    }

    /// A failed system call: what was attempted and `strerror`'s text.
    package struct SystemFailure: Error, CustomStringConvertible {
        package var operation: String
        package var code: Int32
        package var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    /// Creates a temporary file beside `destination`, runs `produce` on it, and renames it over
    /// `destination`. Errors from `produce` are rethrown unchanged; failed system calls throw
    /// ``SystemFailure``.
    package static func replace(_ destination: URL, _ produce: (Temporary) throws -> Void) throws {
        let path = destination.path
        let directory = destination.deletingLastPathComponent().path
        let temporaryPath = directory + "/." + destination.lastPathComponent
            + ".tmp-\(getpid())-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SystemFailure(operation: "create a temporary file in \(directory)", code: errno)
        }
        var isOpen = true
        do {
            try produce(Temporary(path: temporaryPath, descriptor: fd))
            // fsync works on the file, not the descriptor: it also flushes what a library wrote
            // through its own descriptor for the same path.
            guard fsync(fd) == 0 else { throw SystemFailure(operation: "fsync \(temporaryPath)", code: errno) }
            isOpen = false
            guard close(fd) == 0 else { throw SystemFailure(operation: "close \(temporaryPath)", code: errno) }
            guard rename(temporaryPath, path) == 0 else {
                throw SystemFailure(operation: "rename \(temporaryPath) to \(path)", code: errno)
            }
        } catch {
            if isOpen { close(fd) }
            unlink(temporaryPath)
            throw error
        }
        syncDirectory(directory)
    }

    /// Removes the temporary files that writers killed mid-write (`kill -9`, a power loss) left in
    /// `directory`: names of the form `.<name>.tmp-<pid>-<hex>` whose process no longer runs.
    /// Files of live processes (a concurrent writer) are kept. Returns the names removed.
    @discardableResult
    package static func removeStaleTemporaries(in directory: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp-", options: .backwards) else { continue }
            let parts = name[marker.upperBound...].split(separator: "-")
            guard parts.count == 2, let pid = Int32(parts[0]), UInt32(parts[1], radix: 16) != nil else { continue }
            if pid != getpid() && kill(pid, 0) == 0 { continue }   // a live writer
            if pid != getpid() && errno == EPERM { continue }       // alive, another user's
            if unlink(directory.path + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }

    /// Flushes a directory entry change (a rename) to disk. Best effort: some file systems refuse
    /// `fsync` on directories, and the data itself is already safe.
    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Every byte of the file at `path`; throws ``SystemFailure`` (`ENOENT` when it does not
    /// exist, `EISDIR` for a directory).
    /// Replaces `destination` with `bytes` (see ``replace(_:_:)``).
    package static func write(_ bytes: some Collection<UInt8>, to destination: URL) throws {
        let contiguous = Array(bytes)
        try replace(destination) { file in try contiguous.withUnsafeBytes { try file.write($0) } }
    }

    package static func readAll(_ path: String) throws(SystemFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemFailure(operation: "open \(path)", code: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemFailure(operation: "stat \(path)", code: errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw SystemFailure(operation: "read \(path)", code: EISDIR) }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: Int(info.st_size)) { buffer, count in
            var done = 0
            while done < buffer.count {
                let n = read(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }   // the file shrank while we read it
                done += n
            }
            count = done
        }
        if failure != 0 { throw SystemFailure(operation: "read \(path)", code: failure) }
        return bytes
    }
}

/// `write(2)`, reachable from inside types that have a `write` method of their own.
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
