/// What went wrong on the command line, in command-line terms: each case names the flag or file
/// and says what to do.
package enum CommandLineError: Error, CustomStringConvertible, Equatable {
    /// A file or folder named by a flag or argument does not exist.
    case missingFile(flag: String, path: String)
    /// A flag's value is out of range or not one of the accepted words.
    case invalidValue(flag: String, value: String, expected: String)
    /// The data folder lacks `train/` (and a `validation/` folder or `--validation-split`).
    case missingSplit(path: String, hint: String)
    /// A checkpoint without the model description `finetune train` stores in it.
    case notATrainedModel(path: String)
    /// Evaluation data whose class folders differ from the classes the model was trained on.
    case classMismatch(path: String, model: [String], data: [String])
    /// A path that holds no image `finetune` can read.
    case noImages(path: String)
    /// A file type the subcommand does not read.
    case unsupportedFile(path: String, expected: String)

    package var description: String {
        switch self {
        case let .missingFile(flag, path):
            return "\(flag): no file or folder at '\(path)'. Check the path."
        case let .invalidValue(flag, value, expected):
            return "\(flag): '\(value)' is not valid; expected \(expected)."
        case let .missingSplit(path, hint):
            return "--data: '\(path)' is missing. \(hint)"
        case let .notATrainedModel(path):
            return "'\(path)' is a checkpoint without a model description (class names, image size); "
                + "only checkpoints written by `finetune train` carry one. Train with `finetune train`, or pass such a checkpoint."
        case let .classMismatch(path, model, data):
            return "'\(path)' has the classes \(data.joined(separator: ", ")), but the model was trained on "
                + "\(model.joined(separator: ", ")). Point it at a folder with one sub-folder per trained class."
        case let .noImages(path):
            return "'\(path)' holds no image (png, jpg, jpeg, bmp, ppm, tif, tiff). Pass image files or a folder of them."
        case let .unsupportedFile(path, expected):
            return "'\(path)': expected \(expected)."
        }
    }
}
