import Foundation
import Synchronization

/// Files skipped so far by a source (shared by its copies), each warned about once on stderr.
final class SkipLog: Sendable {
    private let state = Mutex<(files: [SkippedFile], seen: Set<String>)>(([], []))
    private let quiet: Bool

    init(quiet: Bool = false) { self.quiet = quiet }

    func record(path: String, reason: String) {
        let isNew = state.withLock { s -> Bool in
            guard !s.seen.contains(path) else { return false }
            s.seen.insert(path)
            s.files.append(SkippedFile(path: path, reason: reason))
            return true
        }
        if isNew && !quiet {
            FileHandle.standardError.write(Data("warning: skipping \(reason)\n".utf8))
        }
    }

    var files: [SkippedFile] { state.withLock { $0.files } }
}
