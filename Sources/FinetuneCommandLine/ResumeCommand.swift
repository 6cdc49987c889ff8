/// The command line that resumes a run from its `last.ftckpt`: the run's own arguments without
/// `--resume` and `--overwrite`, then `--resume CHECKPOINT`.
enum ResumeCommand {
    static func make(arguments: [String], checkpoint: String) -> String {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments.dropFirst() {
            if skipNext { skipNext = false; continue }
            if argument == "--resume" { skipNext = true; continue }
            if argument.hasPrefix("--resume=") || argument == "--overwrite" { continue }
            kept.append(argument)
        }
        return quoted([arguments.first ?? "finetune"] + kept + ["--resume", checkpoint])
    }

    /// Arguments joined for a POSIX shell, quoting those that need it.
    static func quoted(_ arguments: [String]) -> String {
        arguments.map { a in
            a.isEmpty || a.contains(where: { !($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) })
                ? "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'" : a
        }.joined(separator: " ")
    }
}
