import Foundation
import FinetuneCore

/// Files skipped so far by a source (shared by its copies), each warned about once on stderr.
final class SkipLog: Sendable {
    private struct State {
        var skipped: [SkippedFile] = []
        var seen: Set<String> = []
    }
    private let state = Locked(State())
    private let quiet: Bool

    init(quiet: Bool = false) { self.quiet = quiet }

    func record(path: String, reason: String) {
        let isNew = state.withLock { state in
            let isNew = state.seen.insert(path).inserted
            if isNew { state.skipped.append(SkippedFile(path: path, reason: reason)) }
            return isNew
        }
        if isNew && !quiet {
            FileHandle.standardError.write(Data("warning: skipping \(reason)\n".utf8))
        }
    }

    var files: [SkippedFile] { state.withLock { $0.skipped } }
}
