import Foundation
import Finetune

/// After every epoch: history.json, history.csv and a resumable last.ftckpt, each written
/// atomically. A failed write (a full disk) stops training with an error that names the file,
/// says the previous one is intact and how to resume.
final class ProgressFiles: Callback {
    let folder: RunFolder
    let resumeCommand: String
    /// The first failed write, which stopped training.
    private(set) var failure: (any Error)?

    init(folder: RunFolder, resumeCommand: String) {
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
            throw RunError.saveFailed(file: folder.file(name).path, reason: RunFolder.reason(error),
                                      resume: resumable ? resumeCommand : nil)
        }
    }
}
