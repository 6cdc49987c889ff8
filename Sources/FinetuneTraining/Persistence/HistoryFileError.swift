import Foundation
import FinetuneCore

/// Writes `data` to `url` atomically (``FinetuneCore/AtomicFile``: temporary file, fsync, rename),
/// so readers see the old file or the new one, never half of one.
func writeAtomically(_ data: Data, to url: URL) throws {
    do {
        try AtomicFile.write(data, to: url)
    } catch {
        throw HistoryFileError.unwritable(path: url.path, reason: "\(error)")
    }
}

/// Errors reading or writing history and log files; each names the file and what to do.
public enum HistoryFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be created or written.
    case unwritable(path: String, reason: String)
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file's contents are not what was expected (at `line`, when known).
    case malformed(path: String, line: Int?, reason: String)

    public var description: String {
        switch self {
        case let .unwritable(path, reason):
            return "cannot write '\(path)': \(reason) (check that the folder exists and is writable)"
        case let .unreadable(path, reason):
            return "cannot read '\(path)': \(reason)"
        case let .malformed(path, line, reason):
            let at = line.map { " line \($0)" } ?? ""
            return "'\(path)'\(at) is not a history file: \(reason)"
        }
    }
}
