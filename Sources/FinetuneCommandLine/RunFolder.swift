import Foundation
import Finetune

/// The `--out` folder of one run: never a mix of two runs' results.
///
/// Rules: temporary files left by a killed run are removed first. An empty (or new) folder is
/// used as is, and so is one holding only the `run.json` of a run that stopped before training.
/// A folder holding anything else is refused, unless `--overwrite` (the run's own
/// results are deleted; other files are left alone) or `--resume` (the results of the earlier
/// completion — metrics.json, plots, phase2.ftckpt — are deleted; history and checkpoints are
/// rewritten as training goes on). Then `run.json` — the command line and the start time — is
/// written before anything else.
package struct RunFolder {
    package let url: URL

    package init(url: URL) { self.url = url }

    /// Every file a training run writes into `--out`.
    static let results = ["run.json", "history.json", "history.csv", "metrics.json", "accuracy.png", "loss.png",
                          "accuracy_smoothed.png", "loss_smoothed.png", "phase1.ftckpt", "phase2.ftckpt", "last.ftckpt",
                          "best.ftckpt", "generated-data"]
    /// What a completed run adds after its training; stale as soon as training resumes.
    static let finalResults = ["metrics.json", "accuracy.png", "loss.png", "accuracy_smoothed.png", "loss_smoothed.png",
                               "phase2.ftckpt"]

    /// Prepares `configuration.out` by the rules above; returns lines to tell the user.
    static func prepare(_ configuration: TrainConfiguration) throws -> (RunFolder, notes: [String]) {
        let folder = RunFolder(url: URL(fileURLWithPath: configuration.out))
        do {
            try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        } catch {
            throw RunError.outputUnwritable(path: folder.url.path, reason: Self.reason(error))
        }
        var notes: [String] = []
        let stale = AtomicFile.removeStaleTemporaries(in: folder.url)
        if !stale.isEmpty { notes.append("Removed \(stale.count) temporary file(s) an interrupted run left in \(folder.url.path).") }
        let removed = try folder.clear(overwrite: configuration.overwrite, resume: configuration.resume)
        if !removed.isEmpty { notes.append("Removed the earlier results \(removed.joined(separator: ", ")) from \(folder.url.path).") }
        try folder.writeManifest(arguments: configuration.arguments, resumed: configuration.resume,
                                 method: configuration.method.manifest(learningRates: [configuration.learningRate1, configuration.learningRate2])
                                    .merging(["class_weight": configuration.classWeight]) { $1 })
        return (folder, notes)
    }

    /// Removes what `--overwrite` or `--resume` replaces (never the checkpoint being resumed);
    /// refuses a non-empty folder without either. Returns the names removed.
    private func clear(overwrite: Bool, resume: String?) throws -> [String] {
        let fm = FileManager.default
        let entries = ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        // A run that stopped before training (bad flags or data) left only its run.json.
        guard !entries.isEmpty, entries != ["run.json"] else { return [] }
        let remove: [String]
        if overwrite {
            remove = entries.filter(Self.results.contains)
        } else if resume != nil {
            remove = entries.filter(Self.finalResults.contains)
        } else {
            throw RunError.outputInUse(path: url.path, entries: entries, resumable: entries.contains("last.ftckpt"))
        }
        let resumed = resume.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let removable = remove.filter { file($0).standardizedFileURL.path != resumed }
        for name in removable { try? fm.removeItem(at: file(name)) }
        return removable
    }

    package func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// `run.json`: which command produced this folder, when it started, and how each phase
    /// trains (``TrainingMethod/manifest(learningRates:)``: every number of the method).
    private func writeManifest(arguments: [String], resumed: String?, method: [String: Any]) throws {
        var manifest: [String: Any] = ["command": ResumeCommand.quoted(arguments),
                                       "started": ISO8601DateFormatter().string(from: Date()), "method": method]
        if let resumed { manifest["resumed_from"] = resumed }
        try write(JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys]), to: "run.json")
    }

    /// Writes `data` as `name` atomically; a failure names the file and says the old one is intact.
    func write(_ data: Data, to name: String, resume: String? = nil) throws {
        do {
            try AtomicFile.write(data, to: file(name))
        } catch {
            throw RunError.saveFailed(file: file(name).path, reason: Self.reason(error), resume: resume)
        }
    }

    /// The system's reason inside a write error ("No space left on device"), without
    /// Foundation's dump or the temporary file's name.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let e as CheckpointError:
            if case let .writeFailed(_, reason) = e { return trimmed(reason) }
        case let e as HistoryFileError:
            if case let .unwritable(_, reason) = e { return trimmed(reason) }
        case let e as ImageWriteError:
            if case let .failed(_, reason) = e { return trimmed(reason) }
        case let e as DataError:
            if case let .unreadable(_, reason) = e { return trimmed(reason) }
            if case let .invalidConfiguration(reason) = e { return trimmed(reason) }
        default: break
        }
        return systemReason(error)
    }

    private static func systemReason(_ error: any Error) -> String {
        if let failure = error as? AtomicFile.SystemFailure { return String(cString: strerror(failure.code)) }
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }

    /// "write to /x/.a.tmp-1-2: No space left on device" → "No space left on device".
    private static func trimmed(_ reason: String) -> String {
        reason.range(of: ": ", options: .backwards).map { String(reason[$0.upperBound...]) } ?? reason
    }
}
