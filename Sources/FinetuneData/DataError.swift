/// Everything that can go wrong reading images or a dataset folder. Each case names the file or
/// folder and its description says what to do about it.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file does not exist (any more): it may have been moved or deleted during the run.
    case fileNotFound(path: String)
    /// The file exists but could not be read (permissions, I/O error).
    case unreadable(path: String, reason: String)
    /// The file is empty (0 bytes).
    case emptyFile(path: String)
    /// The contents are not an image format Finetune knows (by signature, not by extension).
    case notAnImage(path: String)
    /// A known image format, or a variant of one, that Finetune does not decode.
    case unsupportedFormat(path: String, format: String)
    /// The image data ends before the image does.
    case truncated(path: String, detail: String)
    /// The decoder rejected the data.
    case corrupt(path: String, detail: String)
    /// More pixels than the decompression-bomb limit allows.
    case tooManyPixels(path: String, width: Int, height: Int, limit: Int)
    /// A dataset folder (a split such as `train/`) does not exist or is not a folder.
    case missingDirectory(path: String)
    /// A dataset folder has no class sub-folders.
    case noClassFolders(path: String)
    /// A dataset folder's class folders hold no image at all.
    case noImages(path: String, extensions: [String])
    /// A class folder holds no file with an accepted extension.
    case emptyClassFolder(path: String, extensions: [String])
    /// Every sample of a batch failed while bad files are being skipped.
    case emptyBatch(paths: [String])
    /// An invalid setting (batch size 0, mismatched shapes, …).
    case invalidConfiguration(String)
    /// A file or folder name that is not valid UTF-8; `path` shows the bad bytes as `\xNN`.
    case invalidName(path: String)
    /// The splits of a dataset do not have the same class folders.
    case classesDiffer(reference: String, classes: [String], differences: [ClassDifference])
    /// A class mode that needs a given number of classes got another number.
    case wrongClassCount(path: String, classes: [String], expected: Int, mode: String)
    /// Several files of a dataset cannot be used (every one found, not only the first).
    indirect case unusableFiles([DataError])

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "image file '\(path)' does not exist: it was listed when the data source was created; "
                + "was the dataset moved or changed during the run? Restore it, or recreate the source."
        case let .unreadable(path, reason):
            return "cannot read '\(path)': \(reason). Check the file's permissions and the disk."
        case let .emptyFile(path):
            return "'\(path)' is empty (0 bytes): delete it or replace it with the image it should be "
                + "(or pass onBadFile: .skip)."
        case let .notAnImage(path):
            return "'\(path)' is not a JPEG, PNG, BMP or PPM image (its first bytes match no image format): "
                + "remove it from the dataset folder, or pass onBadFile: .skip."
        case let .unsupportedFormat(path, format):
            return "'\(path)' is \(format), which Finetune does not decode: convert it to PNG or JPEG "
                + "(e.g. `python3 -c \"from PIL import Image; Image.open('in').convert('RGB').save('out.png')\"`), "
                + "or pass onBadFile: .skip."
        case let .truncated(path, detail):
            return "'\(path)' is truncated (\(detail)): the download or copy was probably interrupted; "
                + "fetch the file again, delete it, or pass onBadFile: .skip."
        case let .corrupt(path, detail):
            return "'\(path)' is not a valid image (\(detail)): replace or delete it, or pass onBadFile: .skip."
        case let .tooManyPixels(path, width, height, limit):
            // The size comes from a file header: its product may not fit in an Int.
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            return "'\(path)' is \(width)×\(height) = \(overflow ? "over 2⁶³" : "\(pixels)") pixels, more than the decompression-bomb "
                + "limit of \(limit): if the image is genuine, raise maxPixels."
        case let .missingDirectory(path):
            return "dataset folder '\(path)' does not exist or is not a folder: flow_from_directory expects "
                + "<data>/train, <data>/validation and <data>/test, each with one sub-folder per class."
        case let .noClassFolders(path):
            return "'\(path)' has no class sub-folders: put each class's images in its own folder "
                + "(e.g. \(path)/cats, \(path)/dogs)."
        case let .noImages(path, extensions):
            return "dataset folder '\(path)' has class folders but no image in them (accepted extensions: "
                + "\(extensions.joined(separator: ", "))): check that the images were copied or extracted there."
        case let .emptyClassFolder(path, extensions):
            return "class folder '\(path)' holds no image (accepted extensions: \(extensions.joined(separator: ", "))): "
                + "add images, remove the folder, or pass onBadFile: .skip to keep it as an empty class."
        case let .emptyBatch(paths):
            return "every file of a batch failed to load (\(paths.joined(separator: ", "))): "
                + "the dataset folder looks damaged; check the warnings printed for each file."
        case let .invalidConfiguration(message):
            return "invalid data configuration: \(message)"
        case .invalidName, .classesDiffer, .wrongClassCount:
            return problem
        case let .unusableFiles(errors):
            return "\(errors.count) file\(errors.count == 1 ? "" : "s") cannot be used:\n"
                + errors.map { "  \($0)" }.joined(separator: "\n")
        }
    }

    /// What is wrong, without a remedy: front ends (a command line) add the fix in their own terms.
    package var problem: String {
        switch self {
        case let .fileNotFound(path): return "'\(path)' does not exist (any more)"
        case let .unreadable(path, reason): return "'\(path)' cannot be read: \(reason)"
        case let .emptyFile(path): return "'\(path)' is empty (0 bytes)"
        case let .notAnImage(path): return "'\(path)' is not a JPEG, PNG, BMP or PPM image (its first bytes match no image format)"
        case let .unsupportedFormat(path, format): return "'\(path)' is \(format), which Finetune does not decode (convert it to PNG or JPEG)"
        case let .truncated(path, detail): return "'\(path)' is truncated (\(detail))"
        case let .corrupt(path, detail): return "'\(path)' is not a valid image (\(detail))"
        case let .tooManyPixels(path, width, height, limit):
            return "'\(path)' is \(width)×\(height) = \(width * height) pixels, more than the decompression-bomb limit of \(limit)"
        case let .invalidName(path):
            return "'\(path)' has a name that is not valid UTF-8 (bad bytes shown as \\xNN): rename it "
                + "(e.g. `convmv -f latin1 -t utf8 --notest -r FOLDER`, or `mv` it in a shell using a glob)"
        case let .classesDiffer(reference, classes, differences):
            return "the splits do not have the same class folders (\(reference) has \(classes.joined(separator: ", "))): "
                + differences.map(\.description).joined(separator: "; ")
                + ". Every split needs the same class folders, or the labels would not match"
        case let .wrongClassCount(path, classes, expected, mode):
            return "'\(path)' has \(classes.count) class folder\(classes.count == 1 ? "" : "s") (\(classes.joined(separator: ", "))), "
                + "but \(mode) labels need exactly \(expected)"
        default: return description
        }
    }

    /// The file or folder the error is about, if any.
    package var path: String? {
        switch self {
        case let .fileNotFound(p), let .unreadable(p, _), let .emptyFile(p), let .notAnImage(p),
             let .unsupportedFormat(p, _), let .truncated(p, _), let .corrupt(p, _),
             let .tooManyPixels(p, _, _, _), let .missingDirectory(p), let .noClassFolders(p), let .noImages(p, _),
             let .emptyClassFolder(p, _), let .invalidName(p), let .wrongClassCount(p, _, _, _):
            return p
        case .emptyBatch, .invalidConfiguration, .classesDiffer, .unusableFiles:
            return nil
        }
    }
}

/// How one split's class folders differ from the reference split's.
public struct ClassDifference: Sendable, Hashable, CustomStringConvertible {
    package let split: String
    /// Reference classes this split lacks.
    package let missing: [String]
    /// Classes this split has and the reference lacks.
    package let extra: [String]

    package init(split: String, missing: [String], extra: [String]) {
        self.split = split
        self.missing = missing
        self.extra = extra
    }

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("lacks \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { parts.append("has extra \(extra.joined(separator: ", "))") }
        return "\(split) " + parts.joined(separator: " and ")
    }
}
