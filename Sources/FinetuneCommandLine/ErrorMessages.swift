import ArgumentParser
import Foundation
import Finetune

/// The one place where errors of a training run become what a command-line user reads: the file
/// or flag, what is wrong, and the fix in command-line terms — never a library API name or a raw
/// error dump. `program` names the tool in messages (`demo-catsdogs`, `finetune train`).
package struct ErrorMessages {
    package let program: String
    /// Whether `program` trains (its bad-file hint names `--skip-bad-files`) or only reads the
    /// images it is given (`finetune predict`, `evaluate`, `explain`: the hint says to leave the file out).
    package let trains: Bool

    package init(program: String, trains: Bool = true) {
        self.program = program
        self.trains = trains
    }

    /// What to do about one unusable image file.
    var badFileHint: String {
        trains ? "Replace or delete it, or pass --skip-bad-files to train without it"
            : "Replace it, or leave it out of the images you pass"
    }

    /// The message for `error` raised by a subcommand that reads images and checkpoints but does
    /// not train: an unusable image is named with what to do, everything else in plain terms.
    package func describeReading(_ error: any Error) -> String {
        switch error {
        case let e as DataError where e.isFileProblem: return e.problem + ". " + badFileHint
        case let e as CommandLineError: return e.description
        case let e as CheckpointError: return reading(e)
        case let e as CustomStringConvertible: return plain(e.description)
        default: return plain((error as NSError).localizedDescription)
        }
    }

    func reading(_ e: CheckpointError) -> String {
        let fix = "pass a checkpoint written by finetune train (phase2.ftckpt, best.ftckpt or last.ftckpt in its --out)"
        switch e {
        case let .fileNotFound(file): return "no checkpoint at '\(file)'; \(fix)"
        case let .notACheckpoint(file, _): return "'\(file)' is not a Finetune checkpoint; \(fix)"
        default: return plain(e.description)
        }
    }

    typealias Described = (message: String, code: Int32)
    static let usage = ExitStatus.usageError, runtime = ExitStatus.runtimeError

    /// The message and exit code for `error`.
    package func describe(_ error: any Error) -> (message: String, code: Int32) {
        switch error {
        case let e as RunError: return describe(e)
        case let e as CommandLineError: return (e.description, e.isUsage ? Self.usage : Self.runtime)
        case let e as DataError: return (data(e), e.isUsage ? Self.usage : Self.runtime)
        case let e as TrainerError: return (trainer(e), Self.runtime)
        case let e as LayerError:
            if case let .unknownLayer(name, known) = e {
                return ("--unfreeze-from: the model has no layer '\(name)'; use one of \(known.joined(separator: ", "))", Self.usage)
            }
            return ("the model cannot be built: \(e). Check --image-size", Self.usage)
        case let e as CheckpointError: return (checkpoint(e, flag: nil), Self.runtime)
        case let e as HistoryFileError: return ("\(e)", Self.runtime)
        case let e as AtomicFile.SystemFailure:
            return ("\(e.description). Check that --out is on a writable disk with free space", Self.runtime)
        case let e as CustomStringConvertible: return (plain(e.description), Self.runtime)
        default: return ((error as NSError).localizedDescription, Self.runtime)
        }
    }

    func describe(_ e: RunError) -> Described {
        switch e {
        case let .outputInUse(path, entries, resumable):
            let shown = entries.prefix(6).joined(separator: ", ") + (entries.count > 6 ? ", …" : "")
            let resume = resumable ? "Pass --resume \(path)/last.ftckpt to continue that run, " : "Pass "
            return ("--out: '\(path)' already holds files of another run (\(shown)). \(resume)--overwrite to replace "
                + "its results, or choose an empty --out", Self.usage)
        case let .outputUnwritable(path, reason):
            return ("--out: cannot use '\(path)': \(reason). Choose a folder you can write to", Self.usage)
        case let .resumeMismatch(file, differences):
            return ("--resume: '\(file)' was written for another run: " + differences.joined(separator: "; ")
                + ". Pass the flags and --data of that run, or start afresh without --resume", Self.usage)
        case let .badInput(flag, path, underlying):
            return (badInput(flag: flag, path: path, underlying), Self.usage)
        case let .saveFailed(file, reason, resume):
            let retry = resume.map { " Free some space and resume with:\n  \($0)" } ?? " Free some space and run again."
            return ("could not write '\(file)': \(reason). The previous \((file as NSString).lastPathComponent), if any, "
                + "is intact.\(retry)", Self.runtime)
        case let .unusableFiles(errors):
            return (unusable(errors), Self.runtime)
        case let .diverged(epoch, step, steps, value, checkpoint, completed, resume):
            let at = "epoch \(epoch)" + (step.map { ", step \($0 + 1) of \(steps)" } ?? "")
            var text = "the training loss became \(value) in \(at); training stopped there without applying that step "
                + "(a non-finite loss never trains on). The learning rate is too high for this model and data "
                + "(lower --lr1/--lr2), or the inputs are badly scaled (--preprocessing)."
            if let checkpoint, let resume {
                text += " \(checkpoint) holds the run after epoch \(completed), before the loss diverged; resume it with:\n  \(resume)"
            } else {
                text += " No epoch had finished, so there is no checkpoint to resume: run again with other settings."
            }
            return (text, Self.runtime)
        }
    }

    func badInput(flag: String, path: String, _ underlying: any Error) -> String {
        switch underlying {
        case let c as CheckpointError: return checkpoint(c, flag: flag)
        case let k as KerasWeightsError: return "\(flag) '\(path)': " + plain(k.description)
        default: return "\(flag) '\(path)': " + describe(underlying).message
        }
    }

    func unusable(_ errors: [DataError]) -> String {
        let list = errors.prefix(50).map { "  " + $0.problem }.joined(separator: "\n")
        let more = errors.count > 50 ? "\n  … and \(errors.count - 50) more" : ""
        let them = errors.count == 1 ? "it" : "them"
        return "\(errors.count) image file\(errors.count == 1 ? " is" : "s are") unusable (found before training):\n"
            + list + more + "\nReplace or delete \(them), or pass --skip-bad-files to train without \(them)"
    }

    func data(_ e: DataError) -> String {
        let layout = "The dataset root needs train/, validation/ and test/, each with one folder per class"
        switch e {
        case .fileNotFound, .unreadable, .emptyFile, .notAnImage, .unsupportedFormat, .truncated, .corrupt, .tooManyPixels:
            return e.problem + ". " + badFileHint
        case let .missingDirectory(path):
            return "--data: '\(path)' is missing or not a folder. \(layout)"
        case let .noClassFolders(path):
            return "--data: '\(path)' has no class folders: put each class's images in its own folder (e.g. \(path)/cats, \(path)/dogs)"
        case let .noImages(path, extensions):
            return "--data: '\(path)' has class folders but no images in them (accepted extensions: \(extensions.joined(separator: ", ")))"
        case let .emptyClassFolder(path, _):
            return "--data: class folder '\(path)' has no usable image; every split needs at least one image of every class. "
                + "Add images, or remove that class from every split"
        case .invalidName, .classesDiffer:
            return "--data: " + e.problem
        case let .wrongClassCount(path, classes, _, _):
            return "--data: '\(path)' has \(classes.count) class folder\(classes.count == 1 ? "" : "s") (\(classes.joined(separator: ", "))), "
                + "but \(program) trains a two-class (binary) classifier: keep exactly two class folders in every split"
        case let .unusableFiles(errors):
            return unusable(errors)
        case let .emptyBatch(paths):
            return "every image of a batch failed to load (\(paths.prefix(3).joined(separator: ", "))…): the dataset looks damaged"
        case let .invalidConfiguration(message):
            return "invalid settings: \(message). Check --image-size, --batch-size and the augmentation flags"
        }
    }

    func trainer(_ e: TrainerError) -> String {
        switch e {
        case let .nonFiniteLoss(epoch, step, value):
            return "the loss became \(value) in epoch \(epoch)\(step.map { ", step \($0 + 1)" } ?? ""): lower --lr1/--lr2, "
                + "or use --preprocessing caffe with pretrained weights"
        case .interrupted: return "interrupted"
        default: return plain(e.description)
        }
    }

    func checkpoint(_ e: CheckpointError, flag: String?) -> String {
        let prefix = flag.map { "\($0): " } ?? ""
        switch e {
        case let .fileNotFound(file): return "\(prefix)no checkpoint at '\(file)'; pass the last.ftckpt of an earlier --out"
        case let .notACheckpoint(file, _):
            return "\(prefix)'\(file)' is not a \(program) checkpoint; pass the last.ftckpt, phase1.ftckpt or phase2.ftckpt of an earlier --out"
        case let .writeFailed(file, reason):
            return describe(RunError.saveFailed(file: file, reason: reason, resume: nil)).message
        case .modelMismatch:
            return prefix + plain(e.description) + ". Pass the --image-size of the run that wrote it"
        default:
            return prefix + plain(e.description)
        }
    }

    /// Library descriptions with their API hints turned into command-line terms.
    func plain(_ text: String) -> String {
        var t = text
        let skip = trains ? "--skip-bad-files" : "leave it out of the images you pass"
        for (api, cli) in [("or pass onBadFile: .skip", "or \(skip)"), ("onBadFile: .skip", skip),
                           ("raise maxPixels", trains ? "downscale it or pass --skip-bad-files" : "downscale it"),
                           ("load it with scope .convolutions", "pass it with --weights, not --initial-weights"),
                           ("Checkpoint.write(to:)", "\(program) (its --out/last.ftckpt)"),
                           ("(a FreezePolicy) before fit", "(--unfreeze-from)")] {
            t = t.replacingOccurrences(of: api, with: cli)
        }
        return t
    }
}

extension DataError {
    /// One image file that cannot be used (missing, unreadable, damaged, not an image, too large).
    var isFileProblem: Bool {
        switch self {
        case .fileNotFound, .unreadable, .emptyFile, .notAnImage, .unsupportedFormat, .truncated, .corrupt, .tooManyPixels: return true
        default: return false
        }
    }

    /// Errors in what the user pointed --data at (rather than a damaged file).
    var isUsage: Bool {
        switch self {
        case .missingDirectory, .noClassFolders, .noImages, .emptyClassFolder, .invalidName, .classesDiffer, .wrongClassCount: return true
        default: return false
        }
    }
}

extension CommandLineError {
    /// A flag's value or a dataset layout the user can fix on the command line (a missing or
    /// unreadable file is a runtime error).
    var isUsage: Bool {
        switch self {
        case .invalidValue, .missingSplit, .classMismatch: return true
        default: return false
        }
    }
}
