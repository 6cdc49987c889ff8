import Foundation

/// History as CSV, Keras' `CSVLogger` layout extended: columns
/// `epoch,acc,loss,val_acc,val_loss,seconds,phase,lr` (Keras' own columns first, in its sorted
/// order), one row per epoch, numbers as Python's `repr` writes them (``pythonRepr(_:)``), `NA` for
/// a missing value (Keras' spelling), `\n` line ends. Unlike Keras' `CSVLogger` (0-based), `epoch`
/// is 1-based, as everywhere in this package.
extension EpochRecord {
    /// The CSV header line's fields.
    package static let csvColumns = ["epoch", "acc", "loss", "val_acc", "val_loss", "seconds", "phase", "lr"]

    /// This epoch's CSV fields, in ``csvColumns`` order.
    package var csvFields: [String] {
        func number(_ x: Double?) -> String { x.map(pythonRepr) ?? "NA" }
        return [String(epoch), number(accuracy), number(loss), number(validationAccuracy),
                number(validationLoss), number(seconds), String(phase), number(learningRate)]
    }

    /// This epoch as one CSV line, with its `\n`.
    package var csvLine: String { csvFields.joined(separator: ",") + "\n" }
}

extension History {
    /// The whole history as CSV text: header, then one line per epoch.
    package func csvText() -> String {
        EpochRecord.csvColumns.joined(separator: ",") + "\n" + epochs.map(\.csvLine).joined()
    }

    /// Writes `csvText()` to `url` atomically (temporary file + rename).
    public func writeCSV(to url: URL) throws {
        try writeAtomically(Data(csvText().utf8), to: url)
    }

    /// Reads CSV written by ``writeCSV(to:)`` or ``CSVLogger``. Columns are found by header name, in
    /// any order; `epoch`, `acc`, `loss` are required, the others may be absent or `NA`/empty
    /// (`phase` then defaults to 1, `seconds` to 0). Keras' `accuracy`/`val_accuracy` spellings
    /// are accepted too.
    package init(csvContentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw HistoryFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(csv: text, path: url.path)
    }

    /// Parses CSV text (see ``init(csvContentsOf:)``); `path` only names the source in errors.
    package init(csv text: String, path: String = "<csv>") throws {
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        guard let headerLine = lines.first else {
            throw HistoryFileError.malformed(path: path, line: nil, reason: "the file is empty (expected a header line)")
        }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        func column(_ names: String...) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
        guard let epochColumn = column("epoch"), let accColumn = column("acc", "accuracy"),
              let lossColumn = column("loss") else {
            throw HistoryFileError.malformed(path: path, line: 1,
                reason: "header \(header) lacks one of the columns epoch, acc, loss")
        }
        let valAcc = column("val_acc", "val_accuracy"), valLoss = column("val_loss")
        let seconds = column("seconds"), phase = column("phase"), lr = column("lr", "learning_rate")
        var records: [EpochRecord] = []
        for (index, line) in lines.dropFirst().enumerated() {
            let lineNumber = index + 2
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard fields.count == header.count else {
                throw HistoryFileError.malformed(path: path, line: lineNumber,
                    reason: "\(fields.count) fields, the header has \(header.count)")
            }
            func optional(_ column: Int?) throws -> Double? {
                guard let column, !fields[column].isEmpty, fields[column] != "NA" else { return nil }
                guard let value = Double(fields[column]) else {
                    throw HistoryFileError.malformed(path: path, line: lineNumber,
                        reason: "'\(fields[column])' in column \(header[column]) is not a number")
                }
                return value
            }
            func required(_ column: Int) throws -> Double {
                guard let value = try optional(column) else {
                    throw HistoryFileError.malformed(path: path, line: lineNumber,
                        reason: "column \(header[column]) has no value")
                }
                return value
            }
            func integer(_ column: Int?, default value: Int) throws -> Int {
                guard let x = try optional(column) else { return value }
                guard let n = Int(exactly: x) else {
                    throw HistoryFileError.malformed(path: path, line: lineNumber,
                        reason: "'\(x)' in column \(header[column ?? 0]) is not a whole number")
                }
                return n
            }
            records.append(EpochRecord(
                epoch: try integer(epochColumn, default: 0), phase: try integer(phase, default: 1),
                loss: try required(lossColumn), accuracy: try required(accColumn),
                validationLoss: try optional(valLoss), validationAccuracy: try optional(valAcc),
                seconds: try optional(seconds) ?? 0, learningRate: try optional(lr)))
        }
        self.init(epochs: records)
    }
}
