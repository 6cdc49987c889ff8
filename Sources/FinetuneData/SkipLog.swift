import Foundation

/// Files skipped so far by a source (shared by its copies), each warned about once on stderr.
/// Guarded by an `NSLock` (a pthread mutex, which ThreadSanitizer understands; it does not see
/// the futex under `Synchronization.Mutex` on Linux).
final class SkipLog: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`:
    private var skipped: [SkippedFile] = []
    private var seen: Set<String> = []
    private let quiet: Bool

    init(quiet: Bool = false) { self.quiet = quiet }

    func record(path: String, reason: String) {
        lock.lock()
        let isNew = seen.insert(path).inserted
        if isNew { skipped.append(SkippedFile(path: path, reason: reason)) }
        lock.unlock()
        if isNew && !quiet {
            FileHandle.standardError.write(Data("warning: skipping \(reason)\n".utf8))
        }
    }

    var files: [SkippedFile] {
        lock.lock()
        defer { lock.unlock() }
        return skipped
    }
}
