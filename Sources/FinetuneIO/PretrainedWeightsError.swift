/// Why `PretrainedWeights.fetch(_:)` has no file to return. Each description names the address
/// and the path in Keras' cache, and says what to do — offline, which file to put where.
package enum PretrainedWeightsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server could not be reached or the connection broke: `reason` is the system's; `kept`
    /// bytes wait in `partial` for the next fetch to resume from.
    case unreachable(url: String, path: String, reason: String, partial: String, kept: Int64)
    /// The server answered with an HTTP error status.
    case httpStatus(url: String, path: String, status: Int)
    /// The transfer ended before the length the server announced; the bytes received wait in
    /// `partial`.
    case truncated(url: String, path: String, received: Int64, expected: Int64, partial: String)
    /// The downloaded file's MD5 differs from the one Keras publishes; it was deleted.
    case hashMismatch(url: String, path: String, expected: String, actual: String)
    /// Another process is downloading the same file (it holds the lock on `partial`).
    case busy(path: String, partial: String)
    /// The cache folder or file could not be written.
    case cacheNotWritable(path: String, reason: String)

    private static func offline(_ url: String, _ path: String) -> String {
        "Without network access, download \(url) on another machine and copy it to \(path) (Keras' cache: "
            + "$KERAS_HOME/models, default ~/.keras/models; Keras itself uses the same file)"
    }

    package var description: String {
        switch self {
        case let .unreachable(url, path, reason, partial, kept):
            return "could not download \(url): \(reason)."
                + (kept > 0 ? " \(kept) bytes are kept in \(partial); fetching again resumes there." : "")
                + " " + Self.offline(url, path)
        case let .httpStatus(url, path, status):
            return "downloading \(url) failed: the server answered HTTP \(status). " + Self.offline(url, path)
        case let .truncated(url, path, received, expected, partial):
            return "the download of \(url) stopped after \(received) of \(expected) bytes; they are kept in \(partial) "
                + "and fetching again resumes there. " + Self.offline(url, path)
        case let .hashMismatch(url, path, expected, actual):
            return "the file downloaded from \(url) has MD5 \(actual), but Keras publishes \(expected) for it: it was "
                + "deleted, and nothing was put at \(path). Fetch again; if it happens again, the server (or a proxy "
                + "between) delivers another file. " + Self.offline(url, path)
        case let .busy(path, partial):
            return "another process is downloading \(path) (it holds \(partial)); wait for it to finish, then fetch again"
        case let .cacheNotWritable(path, reason):
            return "cannot write \(path): \(reason). Set KERAS_HOME to a folder you can write (the file goes to "
                + "$KERAS_HOME/models/)"
        }
    }
}
