import Foundation

/// A one-line progress bar on standard error for work outside training (prediction, evaluation),
/// redrawn in place on a terminal and silent otherwise (so piped output stays clean).
struct StepProgress {
    let label: String
    let enabled: Bool

    init(_ label: String, enabled: Bool = isatty(2) != 0) {
        self.label = label
        self.enabled = enabled
    }

    /// The line for `done` of `total` steps.
    static func line(_ label: String, done: Int, total: Int, width: Int = 30) -> String {
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" + String(repeating: ".", count: width - filled - 1) : "")
        return "\(label) \(done)/\(total) [\(bar)]"
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        let end = done == total ? "\n" : ""
        FileHandle.standardError.write(Data("\r\(Self.line(label, done: done, total: total))\(end)".utf8))
    }
}
