#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension PretrainedWeights {
    /// The file in Keras' cache, downloaded first when it is not there or does not match Keras'
    /// published MD5 (as `keras.utils.get_file` does).
    ///
    /// The download goes to `<file>.part` beside it: an interrupted download resumes there the
    /// next time (an HTTP `Range` request; a server that ignores it sends the whole file again).
    /// Only a complete file whose MD5 matches is renamed to the final name, so that name never
    /// holds a partial or wrong file; a mismatching download is deleted. `$KERAS_HOME` moves the
    /// cache as it does for Keras; `$FINETUNE_WEIGHTS_BASE_URL` replaces Keras' base address
    /// with a mirror holding the same folders. Throws an error whose description says what went
    /// wrong; offline, it names the address to download and the path to copy the file to.
    public static func fetch(_ weights: PretrainedWeights) throws -> URL {
        try fetch(weights, environment: ProcessInfo.processInfo.environment)
    }

    /// ``fetch(_:)`` with the environment given, and a report of the bytes in the partial file
    /// and the size expected, as they arrive.
    package static func fetch(_ weights: PretrainedWeights, environment: [String: String],
                              progress: ((Int64, Int64?) -> Void)? = nil) throws -> URL {
        let destination = cacheDirectory(environment: environment).appendingPathComponent(weights.fileName)
        return try download(weights.url(environment: environment), fileHash: weights.fileHash, to: destination,
                            progress: progress)
    }

    /// Whether `file` is present and, when `fileHash` is given, has that MD5.
    package static func isValid(_ file: URL, fileHash: String?) throws -> Bool {
        guard FileManager.default.fileExists(atPath: file.path) else { return false }
        guard let fileHash else { return true }
        return try md5(ofFileAt: file.path) == fileHash.lowercased()
    }

    /// Downloads `origin` to `destination` (see ``fetch(_:)``): reuses a valid file, resumes a
    /// `.part`, verifies `fileHash` (MD5 hex; nil: not verified), renames only a good file.
    /// `idleTimeout`: seconds without data before the transfer is given up.
    package static func download(_ origin: URL, fileHash: String?, to destination: URL, idleTimeout: TimeInterval = 60,
                                 progress: ((Int64, Int64?) -> Void)? = nil) throws -> URL {
        let path = destination.path
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw PretrainedWeightsError.cacheNotWritable(path: destination.deletingLastPathComponent().path,
                                                          reason: (error as NSError).localizedDescription)
        }
        if try isValid(destination, fileHash: fileHash) { return destination }
        // A file under the final name that does not match: Keras would download it again too.
        if fm.fileExists(atPath: path) { try? fm.removeItem(at: destination) }

        let partial = path + ".part"
        let fd = open(partial, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PretrainedWeightsError.cacheNotWritable(path: partial, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw PretrainedWeightsError.busy(path: path, partial: partial) }
        func size() -> Int64 { Int64(lseek(fd, 0, SEEK_END)) }
        do {
            try transfer(origin, into: fd, fileHash: fileHash, partial: partial, destination: path, idleTimeout: idleTimeout,
                         progress: progress)
        } catch {
            if size() == 0 { unlink(partial) }   // nothing to resume from
            throw error
        }
        guard fsync(fd) == 0, rename(partial, path) == 0 else {
            throw PretrainedWeightsError.cacheNotWritable(path: path, reason: String(cString: strerror(errno)))
        }
        let directory = open(destination.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 { _ = fsync(directory); close(directory) }
        return destination
    }

    /// Runs the transfers into the locked partial file `fd` until it holds the whole file with the
    /// right hash, or throws. At most two: the second only after a resumed one that cannot be
    /// completed (the server refused the range, or the joined file has the wrong hash), from the start.
    private static func transfer(_ origin: URL, into fd: Int32, fileHash: String?, partial: String, destination path: String,
                                 idleTimeout: TimeInterval, progress: ((Int64, Int64?) -> Void)?) throws {
        let url = origin.absoluteString
        func size() -> Int64 { Int64(lseek(fd, 0, SEEK_END)) }
        func restart() -> Bool { ftruncate(fd, 0) == 0 }
        for attempt in 0..<2 {
            let offset = size()
            let outcome = HTTPRangeDownload.run(origin, into: fd, from: offset, idleTimeout: idleTimeout, progress: progress)
            let have = size()
            if let status = outcome.status, status == 416, offset > 0, attempt == 0 {
                // The partial file may already be complete; otherwise start over.
                if try fileHash.map({ try md5(ofDescriptor: fd) == $0.lowercased() }) ?? true { break }
                guard restart() else { break }
                continue
            }
            if let status = outcome.status, status != 200, status != 206 {
                throw PretrainedWeightsError.httpStatus(url: url, path: path, status: status)
            }
            if let expected = outcome.expectedSize, have < expected {
                throw PretrainedWeightsError.truncated(url: url, path: path, received: have, expected: expected, partial: partial)
            }
            if let failure = outcome.failure {
                throw PretrainedWeightsError.unreachable(url: url, path: path, reason: failure, partial: partial, kept: have)
            }
            guard let fileHash else { break }
            let actual = try md5(ofDescriptor: fd)
            if actual == fileHash.lowercased() { break }
            if outcome.resumed, attempt == 0, restart() { continue }
            unlink(partial)
            throw PretrainedWeightsError.hashMismatch(url: url, path: path, expected: fileHash.lowercased(), actual: actual)
        }
    }

    /// MD5 (hex) of the file at `path`, read in 1 MiB pieces.
    static func md5(ofFileAt path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PretrainedWeightsError.cacheNotWritable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        return try md5(ofDescriptor: fd)
    }

    /// MD5 (hex) of everything in the open file `fd`, from its start.
    static func md5(ofDescriptor fd: Int32) throws -> String {
        var md5 = MD5()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var at: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, at) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PretrainedWeightsError.cacheNotWritable(path: "descriptor \(fd)", reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { md5.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            at += off_t(n)
        }
        return md5.finalize()
    }
}
