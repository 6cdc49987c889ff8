import Foundation

/// History as JSON (`history.json`): one object per epoch with Keras' log keys,
///
///     {
///       "format": "finetune-history",
///       "version": 1,
///       "epochs": [
///         {"epoch": 1, "phase": 1, "loss": 0.6931, "acc": 0.5, "val_loss": 0.68, "val_acc": 0.55, "seconds": 25.1, "lr": 2e-05},
///         …
///       ]
///     }
///
/// Keys in that order, one epoch per line; numbers as Python's `json.dumps` writes them (shortest
/// round-trip digits, `NaN`/`Infinity` for non-finite values, which Python's `json.load` reads);
/// `null` for a missing value. In pandas: `pd.DataFrame(json.load(f)["epochs"])`.
extension History {
    /// The JSON text described above, ending in a newline.
    package func jsonText() -> String {
        func number(_ x: Double?) -> String { x.map(jsonNumber) ?? "null" }
        let rows = epochs.map { r in
            "    {\"epoch\": \(r.epoch), \"phase\": \(r.phase), \"loss\": \(number(r.loss)), "
                + "\"acc\": \(number(r.accuracy)), \"val_loss\": \(number(r.validationLoss)), "
                + "\"val_acc\": \(number(r.validationAccuracy)), \"seconds\": \(number(r.seconds)), "
                + "\"lr\": \(number(r.learningRate))}"
        }
        let list = rows.isEmpty ? "[]" : "[\n" + rows.joined(separator: ",\n") + "\n  ]"
        return "{\n  \"format\": \"finetune-history\",\n  \"version\": 1,\n  \"epochs\": \(list)\n}\n"
    }

    /// Writes `jsonText()` to `url` atomically (temporary file + rename).
    public func writeJSON(to url: URL) throws {
        try writeAtomically(Data(jsonText().utf8), to: url)
    }

    /// Reads a `history.json` written by ``writeJSON(to:)``; also accepts Keras' own
    /// `json.dump(history.history)` form, `{"loss": [...], "acc": [...], "val_loss": [...], …}`
    /// (epochs numbered from 1, phase 1, seconds 0).
    package init(jsonContentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw HistoryFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(json: data, path: url.path)
    }

    /// Parses JSON data (see ``init(jsonContentsOf:)``); `path` only names the source in errors.
    package init(json data: Data, path: String = "<json>") throws {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true   // NaN / Infinity, as Python writes them
        do {
            if try decoder.decode(EpochsProbe.self, from: data).hasEpochs {
                let file = try decoder.decode(HistoryFile.self, from: data)
                if let version = file.version, version > 1 {
                    throw HistoryFileError.malformed(path: path, line: nil,
                        reason: "format version \(version) is newer than this reader (1); update Finetune")
                }
                self.init(epochs: file.epochs)
            } else {
                self.init(epochs: try decoder.decode(KerasHistory.self, from: data).records(path: path))
            }
        } catch let error as HistoryFileError {
            throw error
        } catch {
            throw HistoryFileError.malformed(path: path, line: nil, reason: "\(error)")
        }
    }
}

/// Whether the top-level object has an `epochs` key (our form) or not (Keras' columns).
private struct EpochsProbe: Decodable {
    var hasEpochs: Bool
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    init(from decoder: any Decoder) throws {
        hasEpochs = try decoder.container(keyedBy: Key.self).contains(Key(stringValue: "epochs"))
    }
}

/// The `history.json` wrapper.
private struct HistoryFile: Decodable {
    var format: String?
    var version: Int?
    var epochs: [EpochRecord]
}

/// Keras' `History.history`: metric name → one value per epoch.
private struct KerasHistory: Decodable {
    var columns: [String: [Double?]]
    init(from decoder: any Decoder) throws {
        columns = try decoder.singleValueContainer().decode([String: [Double?]].self)
    }

    func records(path: String) throws -> [EpochRecord] {
        func column(_ names: String...) -> [Double?]? { names.lazy.compactMap { columns[$0] }.first }
        guard let loss = column("loss"), let acc = column("acc", "accuracy") else {
            throw HistoryFileError.malformed(path: path, line: nil,
                reason: "neither an \"epochs\" list nor Keras' {\"loss\": [...], \"acc\": [...]} (keys: \(columns.keys.sorted()))")
        }
        let valLoss = column("val_loss"), valAcc = column("val_acc", "val_accuracy")
        let lr = column("lr", "learning_rate")
        for (name, values) in columns where values.count != loss.count {
            throw HistoryFileError.malformed(path: path, line: nil,
                reason: "'\(name)' has \(values.count) values, 'loss' has \(loss.count)")
        }
        return try loss.indices.map { i in
            guard let l = loss[i], let a = acc[i] else {
                throw HistoryFileError.malformed(path: path, line: nil, reason: "epoch \(i + 1) has a null loss or acc")
            }
            return EpochRecord(epoch: i + 1, loss: l, accuracy: a, validationLoss: valLoss?[i] ?? nil,
                               validationAccuracy: valAcc?[i] ?? nil, seconds: 0, learningRate: lr?[i] ?? nil)
        }
    }
}
