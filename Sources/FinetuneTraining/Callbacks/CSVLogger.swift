import Foundation

/// Appends one CSV row per epoch to a file (Keras' `CSVLogger`), columns
/// `epoch,acc,loss,val_acc,val_loss,seconds,phase,lr` (see `EpochRecord.csvColumns`).
///
/// The header is written once, when the file is new or empty. Each row is written with one
/// `write(2)` as the epoch ends, so the file is complete up to the last finished epoch even if the
/// process dies. One logger passed to both phases' `fit` keeps appending: only the very first
/// `trainBegin` of a logger made with `append: false` truncates the file (Keras truncates at every
/// `fit`, which loses phase 1). Appending to a file whose header differs fails (``failure``) instead
/// of mixing layouts.
package final class CSVLogger: Callback {
    /// The CSV file.
    package let url: URL
    /// Keep rows already in the file.
    package let append: Bool
    package private(set) var failure: (any Error)?
    private var handle: FileHandle?
    private var started = false

    /// A logger writing to `url`.
    ///
    /// - Parameters:
    ///   - url: the CSV file.
    ///   - append: keep rows already in the file (e.g. when resuming); `false` starts it afresh at
    ///     the first `fit` this logger sees.
    package init(url: URL, append: Bool = false) {
        self.url = url; self.append = append
    }

    package func trainBegin(_ info: TrainBeginInfo, control: TrainingControl) {
        close()
        do {
            try open(truncate: !append && !started)
            started = true
        } catch { failure = error }
    }

    package func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        guard failure == nil else { return .stopTraining }
        do {
            if handle == nil { try open(truncate: false) }
            try handle?.write(contentsOf: Data(record.csvLine.utf8))
        } catch let error as HistoryFileError {
            failure = error
            return .stopTraining
        } catch {
            failure = HistoryFileError.unwritable(path: url.path, reason: "\(error)")
            return .stopTraining
        }
        return .proceed
    }

    package func trainEnd(_ history: History, control: TrainingControl) { close() }

    deinit { try? handle?.close() }

    private func close() {
        try? handle?.close()
        handle = nil
    }

    private func open(truncate: Bool) throws {
        let fm = FileManager.default
        let header = EpochRecord.csvColumns.joined(separator: ",")
        var needsHeader = true
        if !truncate, fm.fileExists(atPath: url.path) {
            let existing: Data
            do { existing = try Data(contentsOf: url) } catch {
                throw HistoryFileError.unreadable(path: url.path, reason: error.localizedDescription)
            }
            if !existing.isEmpty {
                let firstLine = String(decoding: existing.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
                guard firstLine.trimmingCharacters(in: .whitespacesAndNewlines) == header else {
                    throw HistoryFileError.malformed(path: url.path, line: 1,
                        reason: "header '\(firstLine)' differs from '\(header)'; use a new file or delete this one")
                }
                needsHeader = false
            }
        }
        if truncate || !fm.fileExists(atPath: url.path) {
            guard fm.createFile(atPath: url.path, contents: nil) else {
                throw HistoryFileError.unwritable(path: url.path, reason: "cannot create the file (does the folder exist?)")
            }
        }
        do {
            let h = try FileHandle(forWritingTo: url)
            try h.seekToEnd()
            if needsHeader { try h.write(contentsOf: Data((header + "\n").utf8)) }
            handle = h
        } catch {
            throw HistoryFileError.unwritable(path: url.path, reason: "\(error)")
        }
    }
}
