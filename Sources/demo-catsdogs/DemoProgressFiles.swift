import Foundation
import Finetune

/// After every epoch: history.json, history.csv and a resumable last.ftckpt, each written
/// atomically. A failed write (a full disk) stops training with an error that names the file,
/// says the previous one is intact and how to resume.
final class DemoProgressFiles: Callback {
    let folder: DemoRunFolder
    let resumeCommand: String
    private(set) var failure: (any Error)?

    init(folder: DemoRunFolder, resumeCommand: String) {
        self.folder = folder
        self.resumeCommand = resumeCommand
    }

    func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        do {
            try write(control.history, checkpoint: { try control.saveCheckpoint(to: $0) })
            return .proceed
        } catch {
            failure = error
            return .stopTraining
        }
    }

    /// Writes the checkpoint (through `save`), then the history files, so the history on disk is
    /// never ahead of the checkpoint. `resumable`: whether a failure can point at an earlier
    /// last.ftckpt (not before the first one is written).
    func write(_ history: History, checkpoint save: (String) throws -> Void, resumable: Bool = true) throws {
        try attempt("last.ftckpt", resumable) { try save($0.path) }
        try attempt("history.json", resumable) { try history.writeJSON(to: $0) }
        try attempt("history.csv", resumable) { try history.writeCSV(to: $0) }
    }

    private func attempt(_ name: String, _ resumable: Bool, _ body: (URL) throws -> Void) throws {
        do {
            try body(folder.file(name))
        } catch {
            throw DemoError.saveFailed(file: folder.file(name).path, reason: Self.reason(error),
                                       resume: resumable ? resumeCommand : nil)
        }
    }

    /// The system's reason inside a library write error ("No space left on device").
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
        return DemoRunFolder.reason(error)
    }

    /// "write to /x/.a.tmp-1-2: No space left on device" → "No space left on device".
    private static func trimmed(_ reason: String) -> String {
        reason.range(of: ": ", options: .backwards).map { String(reason[$0.upperBound...]) } ?? reason
    }
}
