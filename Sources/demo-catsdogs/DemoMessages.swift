import ArgumentParser
import Foundation
import Finetune

/// The one place where errors become what a command-line user reads: the file or flag, what is
/// wrong, and the fix in command-line terms — never a library API name or a raw error dump.
enum DemoMessages {
    /// Exit codes (sysexits' EX_USAGE for usage errors; 128 + SIGINT for an interrupted run).
    static let usageError: Int32 = 64, runtimeError: Int32 = 1, interrupted: Int32 = 130

    /// The message and exit code for `error`.
    static func describe(_ error: any Error) -> (message: String, code: Int32) {
        switch error {
        case let e as DemoError: return describe(e)
        case let e as DataError: return (data(e), e.isUsage ? usageError : runtimeError)
        case let e as TrainerError: return (trainer(e), runtimeError)
        case let e as LayerError:
            if case let .unknownLayer(name, known) = e {
                return ("--unfreeze-from: the model has no layer '\(name)'; use one of \(known.joined(separator: ", "))", usageError)
            }
            return ("the model cannot be built: \(e). Check --image-size", usageError)
        case let e as CheckpointError: return (checkpoint(e, flag: nil), runtimeError)
        case let e as HistoryFileError: return ("\(e)", runtimeError)
        case let e as AtomicFile.SystemFailure: return ("\(e.description). Check that --out is on a writable disk with free space", runtimeError)
        case let e as CustomStringConvertible: return (plain(e.description), runtimeError)
        default: return ((error as NSError).localizedDescription, runtimeError)
        }
    }

    static func describe(_ e: DemoError) -> (message: String, code: Int32) {
        switch e {
        case let .missingFile(flag, path):
            return ("\(flag): no file at '\(path)'. Check the path, or leave the flag out to use the default", usageError)
        case let .missingSplit(path):
            return ("--data: '\(path)' is missing. The dataset root needs train/, validation/ and test/, each with one folder per class", usageError)
        case let .outputInUse(path, entries, resumable):
            let shown = entries.prefix(6).joined(separator: ", ") + (entries.count > 6 ? ", …" : "")
            let resume = resumable ? "Pass --resume \(path)/last.ftckpt to continue that run, " : "Pass "
            return ("--out: '\(path)' already holds files of another run (\(shown)). \(resume)--overwrite to replace "
                + "its results, or choose an empty --out", usageError)
        case let .outputUnwritable(path, reason):
            return ("--out: cannot use '\(path)': \(reason). Choose a folder you can write to", usageError)
        case let .resumeMismatch(file, differences):
            return ("--resume: '\(file)' was written for another run: " + differences.joined(separator: "; ")
                + ". Pass the flags and --data of that run, or start afresh without --resume", usageError)
        case let .badInput(flag, path, underlying):
            switch underlying {
            case let c as CheckpointError: return (checkpoint(c, flag: flag), usageError)
            case let k as KerasWeightsError:
                return ("\(flag) '\(path)': " + plain(k.description), usageError)
            default:
                return ("\(flag) '\(path)': " + describe(underlying).message, usageError)
            }
        case let .saveFailed(file, reason, resume):
            let retry = resume.map { " Free some space and resume with:\n  \($0)" } ?? " Free some space and run again."
            return ("could not write '\(file)': \(reason). The previous \((file as NSString).lastPathComponent), if any, "
                + "is intact.\(retry)", runtimeError)
        case let .unusableFiles(errors):
            let list = errors.prefix(50).map { "  " + $0.problem }.joined(separator: "\n")
            let more = errors.count > 50 ? "\n  … and \(errors.count - 50) more" : ""
            return ("\(errors.count) image file\(errors.count == 1 ? " is" : "s are") unusable (found before training):\n"
                + list + more + "\nReplace or delete \(errors.count == 1 ? "it" : "them"), or pass --skip-bad-files to train without \(errors.count == 1 ? "it" : "them")",
                runtimeError)
        }
    }

    static func data(_ e: DataError) -> String {
        switch e {
        case .fileNotFound, .unreadable, .emptyFile, .notAnImage, .unsupportedFormat, .truncated, .corrupt, .tooManyPixels:
            return e.problem + ". Replace or delete it, or pass --skip-bad-files to train without it"
        case let .missingDirectory(path):
            return "--data: '\(path)' is missing or not a folder. The dataset root needs train/, validation/ and test/, each with one folder per class"
        case let .noClassFolders(path):
            return "--data: '\(path)' has no class folders: put each class's images in its own folder (e.g. \(path)/cats, \(path)/dogs)"
        case let .noImages(path, extensions):
            return "--data: '\(path)' has class folders but no images in them (accepted extensions: \(extensions.joined(separator: ", ")))"
        case let .emptyClassFolder(path, _):
            return "--data: class folder '\(path)' has no usable image; every split needs at least one image of every class. Add images, or remove that class from every split"
        case .invalidName, .classesDiffer:
            return "--data: " + e.problem
        case let .wrongClassCount(path, classes, _, _):
            return "--data: '\(path)' has \(classes.count) class folder\(classes.count == 1 ? "" : "s") (\(classes.joined(separator: ", "))), "
                + "but demo-catsdogs trains a two-class (binary) classifier: keep exactly two class folders in every split"
        case let .unusableFiles(errors):
            return describe(DemoError.unusableFiles(errors)).message
        case let .emptyBatch(paths):
            return "every image of a batch failed to load (\(paths.prefix(3).joined(separator: ", "))…): the dataset looks damaged"
        case let .invalidConfiguration(message):
            return "invalid settings: \(message). Check --image-size, --batch-size and the augmentation flags"
        }
    }

    static func trainer(_ e: TrainerError) -> String {
        switch e {
        case let .nonFiniteLoss(epoch, value):
            return "the loss became \(value) in epoch \(epoch): lower --lr1/--lr2, or use --preprocessing caffe with pretrained weights"
        case .interrupted:
            return "interrupted"
        default:
            return plain(e.description)
        }
    }

    static func checkpoint(_ e: CheckpointError, flag: String?) -> String {
        let prefix = flag.map { "\($0): " } ?? ""
        switch e {
        case let .fileNotFound(file): return "\(prefix)no checkpoint at '\(file)'; pass the last.ftckpt of an earlier --out"
        case let .notACheckpoint(file, _):
            return "\(prefix)'\(file)' is not a demo-catsdogs checkpoint; pass the last.ftckpt, phase1.ftckpt or phase2.ftckpt of an earlier --out"
        case let .writeFailed(file, reason):
            return describe(DemoError.saveFailed(file: file, reason: reason, resume: nil)).message
        case .modelMismatch:
            return "\(prefix)" + plain(e.description) + ". Pass the --image-size of the run that wrote it"
        default:
            return prefix + plain(e.description)
        }
    }

    /// Library descriptions with their API hints turned into command-line terms.
    static func plain(_ text: String) -> String {
        var t = text
        for (api, cli) in [("onBadFile: .skip", "--skip-bad-files"), ("raise maxPixels", "downscale it or pass --skip-bad-files"),
                           ("load it with scope .convolutions", "pass it with --weights, not --initial-weights"),
                           ("Checkpoint.write(to:)", "demo-catsdogs (its --out/last.ftckpt)"),
                           ("(a FreezePolicy) before fit", "(--unfreeze-from)")] {
            t = t.replacingOccurrences(of: api, with: cli)
        }
        return t
    }
}

extension DataError {
    /// Errors in what the user pointed --data at (rather than a damaged file).
    var isUsage: Bool {
        switch self {
        case .missingDirectory, .noClassFolders, .noImages, .emptyClassFolder, .invalidName, .classesDiffer, .wrongClassCount: return true
        default: return false
        }
    }
}
