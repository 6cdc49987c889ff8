#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where text output (the progress bar) goes. A sink that is a terminal gets redraws in place
/// (`\r`); any other sink gets whole lines only, so logs and pipes stay readable.
package protocol TextSink: AnyObject {
    /// Writes `text` as it is (no newline added).
    func write(_ text: String)
    /// True when `\r` redraws the current line (an interactive terminal).
    var isTerminal: Bool { get }
}

/// Standard output, flushed after every write. `isTerminal` is `isatty(STDOUT_FILENO)`.
package final class StandardOutputSink: TextSink, Sendable {
    package let isTerminal: Bool
    /// Standard output; whether it is a terminal is checked once, here.
    package init() { isTerminal = isatty(STDOUT_FILENO) != 0 }
    package func write(_ text: String) {
        print(text, terminator: "")   // through stdio's buffer, in order with other print()s
        fflush(nil)
    }
}

/// Collects everything written, for tests and for callers that want the text.
package final class StringSink: TextSink {
    /// Everything written so far.
    package private(set) var text = ""
    package let isTerminal: Bool
    /// A sink that behaves as a terminal (redraws with `\r`) or not.
    package init(isTerminal: Bool) { self.isTerminal = isTerminal }
    package func write(_ text: String) { self.text += text }

    /// What a terminal would show after all the writes: each `\r` returns to the start of the line
    /// and later characters overwrite earlier ones; `\n` ends a line.
    package var screenLines: [String] {
        var lines: [[Unicode.Scalar]] = [[]]
        var column = 0
        for ch in text.unicodeScalars {
            switch ch {
            case "\r": column = 0
            case "\n": lines.append([]); column = 0
            default:
                if column < lines[lines.count - 1].count { lines[lines.count - 1][column] = ch }
                else { lines[lines.count - 1].append(ch) }
                column += 1
            }
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { String(String.UnicodeScalarView($0)) }
    }
}
