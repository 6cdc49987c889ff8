import FinetuneCore

/// One way a checkpoint and a model disagree.
public enum ModelMismatch: Sendable, Hashable, CustomStringConvertible {
    /// The model has this parameter; the checkpoint does not.
    case missingKey(String)
    /// The checkpoint has this parameter (or optimizer slot); the model does not.
    case unexpectedKey(String)
    /// Both have the parameter, with different shapes.
    case shape(key: String, checkpoint: Shape, model: Shape)

    public var description: String {
        switch self {
        case let .missingKey(key): return "missing key '\(key)' (in the model, not in the checkpoint)"
        case let .unexpectedKey(key): return "unexpected key '\(key)' (in the checkpoint, not in the model)"
        case let .shape(key, checkpoint, model):
            return "'\(key)' has shape \(checkpoint) in the checkpoint but \(model) in the model"
        }
    }
}

/// Everything that can go wrong reading, checking, restoring or writing a ``Checkpoint``. Each
/// description names the file, says what is wrong, and what to do about it.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing at this path.
    case fileNotFound(file: String)
    /// The file exists but could not be read (permissions, a directory, an I/O error).
    case unreadable(file: String, reason: String)
    /// The file does not start with the checkpoint magic; `found` says what it looks like instead.
    case notACheckpoint(file: String, found: String)
    /// The file is shorter than its preamble says: it was cut short.
    case truncated(file: String, size: Int, expected: Int)
    /// A checksum does not match, or the compressed payload does not decode.
    case corrupted(file: String, detail: String)
    /// The checksums match but the content breaks the format (a writer bug or a hand-made file).
    case malformed(file: String, detail: String)
    /// Written in a format version this build does not know.
    case newerVersion(file: String, version: UInt32, supported: UInt32)
    /// The checkpoint's parameters do not fit the model (keys or shapes).
    case modelMismatch(file: String, problems: [ModelMismatch])
    /// The model refused a saved parameter (``/FinetuneNN/Layer/setParameter(_:to:)`` threw).
    case modelRejected(file: String, key: String, reason: String)
    /// The checkpoint holds no optimizer, or another kind of optimizer than the one given.
    case optimizerMismatch(file: String, saved: String?, given: String)
    /// The optimizer refused the saved state.
    case optimizerRestoreFailed(file: String, reason: String)
    /// The trainer state or optimizer config blob does not decode as the type asked for.
    case blobDecodingFailed(file: String, blob: String, reason: String)
    /// A value cannot be written (duplicate key, compression level out of range, unencodable
    /// trainer state).
    case invalidArgument(String)
    /// Writing the file failed; any previous file at this path is unchanged.
    case writeFailed(file: String, reason: String)
    /// A weight or optimizer slot holds NaN or ±∞ (`group`: "weights" or "optimizer").
    case nonFinite(file: String, key: String, group: String, values: NonFiniteValues)

    /// How many mismatches a description lists before summarising the rest.
    static let listedProblems = 12

    public var description: String {
        switch self {
        case let .fileNotFound(file):
            return "checkpoint \(file) does not exist: check the path (checkpoints are written by Checkpoint.write(to:), usually *.ftckpt)"
        case let .unreadable(file, reason):
            return "cannot read checkpoint \(file): \(reason)"
        case let .notACheckpoint(file, found):
            return "\(file) is not a Finetune checkpoint (\(found)); pass a file written by Checkpoint.write(to:). "
                + "Keras weights (.h5, .weights.h5) load with KerasWeights.read(from:)"
        case let .truncated(file, size, expected):
            return "checkpoint \(file) is truncated: it has \(size) bytes, its preamble needs \(expected). "
                + "It was cut short after it was written (interrupted copy, full disk); use an earlier checkpoint"
        case let .corrupted(file, detail):
            return "checkpoint \(file) is corrupted: \(detail). Its bytes changed after it was written "
                + "(disk or transfer error); use another copy or an earlier checkpoint"
        case let .malformed(file, detail):
            return "checkpoint \(file) is malformed: \(detail). The checksums match, so the writer produced it "
                + "this way; re-create it with Checkpoint.write(to:)"
        case let .newerVersion(file, version, supported):
            return "checkpoint \(file) was written by a newer Finetune (checkpoint format \(version); this build reads "
                + "format \(supported) and older): update Finetune to read it"
        case let .modelMismatch(file, problems):
            var shown = problems.prefix(Self.listedProblems).map(\.description)
            if problems.count > Self.listedProblems { shown.append("and \(problems.count - Self.listedProblems) more") }
            return "checkpoint \(file) holds a different model: " + shown.joined(separator: "; ")
                + ". Restore it into the architecture it was saved from (same layers, names and widths)"
        case let .modelRejected(file, key, reason):
            return "checkpoint \(file): the model refused '\(key)': \(reason)"
        case let .optimizerMismatch(file, saved, given):
            guard let saved else {
                return "checkpoint \(file) holds no optimizer state, so it cannot restore a \(given); "
                    + "start a fresh optimizer, or save the checkpoint with Checkpoint(model:optimizer:)"
            }
            return "checkpoint \(file) holds \(saved) state, not \(given) state: restore it into a \(saved), "
                + "or start a fresh \(given)"
        case let .optimizerRestoreFailed(file, reason):
            return "checkpoint \(file): the optimizer refused its saved state: \(reason)"
        case let .blobDecodingFailed(file, blob, reason):
            return "checkpoint \(file): its \(blob) does not decode as the type asked for (\(reason)); "
                + "decode it with the type the trainer encoded"
        case let .invalidArgument(reason):
            return "cannot write checkpoint: \(reason)"
        case let .writeFailed(file, reason):
            return "could not write checkpoint \(file): \(reason). Any earlier file at that path is unchanged"
        case let .nonFinite(file, key, group, values):
            return "checkpoint \(file): \(group == "optimizer" ? "optimizer slot" : "weight") '\(key)' holds \(values): "
                + "it was saved from a run whose training diverged. Nothing trains from it; resume from an earlier checkpoint"
        }
    }
}
