import Foundation
import Finetune

/// The `--out` folder of one run: never a mix of two runs' results.
///
/// Rules: temporary files left by a killed run are removed first. An empty (or new) folder is
/// used as is. A folder holding anything else is refused, unless `--overwrite` (the demo's own
/// results are deleted; other files are left alone) or `--resume` (the results of the earlier
/// completion — metrics.json, plots, phase2.ftckpt — are deleted; history and checkpoints are
/// rewritten as training goes on). Then `run.json` — the command line and the start time — is
/// written before anything else.
struct DemoRunFolder {
    let url: URL

    /// Every file the demo writes into `--out`.
    static let results = ["run.json", "history.json", "history.csv", "metrics.json", "accuracy.png", "loss.png",
                          "accuracy_smoothed.png", "loss_smoothed.png", "phase1.ftckpt", "phase2.ftckpt", "last.ftckpt",
                          "generated-data"]
    /// What a completed run adds after its training; stale as soon as training resumes.
    static let finalResults = ["metrics.json", "accuracy.png", "loss.png", "accuracy_smoothed.png", "loss_smoothed.png",
                               "phase2.ftckpt"]

    /// Prepares `options.out` by the rules above; returns lines to tell the user.
    static func prepare(_ options: DemoOptions, arguments: [String]) throws -> (DemoRunFolder, notes: [String]) {
        let url = URL(fileURLWithPath: options.out)
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw DemoError.outputUnwritable(path: url.path, reason: Self.reason(error))
        }
        var notes: [String] = []
        let stale = AtomicFile.removeStaleTemporaries(in: url)
        if !stale.isEmpty { notes.append("Removed \(stale.count) temporary file(s) an interrupted run left in \(url.path).") }
        let entries = ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        if !entries.isEmpty {
            let remove: [String]
            if options.overwrite {
                remove = entries.filter(results.contains)
            } else if options.resume != nil {
                remove = entries.filter(finalResults.contains)
            } else {
                throw DemoError.outputInUse(path: url.path, entries: entries, resumable: entries.contains("last.ftckpt"))
            }
            let resumed = options.resume.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            let removable = remove.filter { url.appendingPathComponent($0).standardizedFileURL.path != resumed }
            for name in removable { try? fm.removeItem(at: url.appendingPathComponent(name)) }
            if !removable.isEmpty { notes.append("Removed the earlier results \(removable.joined(separator: ", ")) from \(url.path).") }
        }
        let folder = DemoRunFolder(url: url)
        try folder.writeManifest(arguments: arguments, resumed: options.resume)
        return (folder, notes)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// `run.json`: which command produced this folder, and when it started.
    private func writeManifest(arguments: [String], resumed: String?) throws {
        var manifest: [String: Any] = ["command": DemoResumeCommand.quoted(arguments),
                                       "started": ISO8601DateFormatter().string(from: Date())]
        if let resumed { manifest["resumed_from"] = resumed }
        try write(JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys]), to: "run.json")
    }

    /// Writes `data` as `name` atomically; a failure names the file and says the old one is intact.
    func write(_ data: Data, to name: String, resume: String? = nil) throws {
        do {
            try AtomicFile.write(data, to: file(name))
        } catch {
            throw DemoError.saveFailed(file: file(name).path, reason: Self.reason(error), resume: resume)
        }
    }

    /// The reason part of a system error, without Foundation's dump.
    static func reason(_ error: any Error) -> String {
        if let failure = error as? AtomicFile.SystemFailure { return String(cString: strerror(failure.code)) }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain {
            if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
                return String(cString: strerror(Int32(underlying.code)))
            }
            return ns.localizedDescription
        }
        return "\(error)"
    }
}

/// The command line that resumes this run from its `last.ftckpt`.
enum DemoResumeCommand {
    static func make(arguments: [String], checkpoint: String) -> String {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments.dropFirst() {
            if skipNext { skipNext = false; continue }
            if argument == "--resume" { skipNext = true; continue }
            if argument.hasPrefix("--resume=") || argument == "--overwrite" { continue }
            kept.append(argument)
        }
        return quoted([arguments.first ?? "demo-catsdogs"] + kept + ["--resume", checkpoint])
    }

    /// Arguments joined for a POSIX shell, quoting those that need it.
    static func quoted(_ arguments: [String]) -> String {
        arguments.map { a in
            a.isEmpty || a.contains(where: { !($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) })
                ? "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'" : a
        }.joined(separator: " ")
    }
}
