import Foundation
import Finetune

/// The training, validation and test sources of a dataset root, as `finetune train` reads it:
/// `train/` is required; validation comes from `validation/` or, without that folder, from
/// `--validation-split` of `train/`; `test/` is optional. Every split uses the class folders of
/// `train/`, in the same order.
struct TrainingData {
    var train: DirectorySource
    var validation: DirectorySource?
    var test: DirectorySource?
    /// Where the validation images came from, for the log.
    var validationOrigin: String

    var classNames: [String] { train.classNames }

    init(_ c: TrainConfiguration, preprocessing: Preprocessing, classMode: ClassMode?) throws {
        let root = URL(fileURLWithPath: c.data)
        let fm = FileManager.default
        guard fm.fileExists(atPath: c.data) else { throw CommandLineError.missingFile(flag: "--data", path: c.data) }
        let trainPath = root.appendingPathComponent("train").path
        guard fm.fileExists(atPath: trainPath) else {
            throw CommandLineError.missingSplit(path: trainPath, hint: "The dataset root needs train/ with one folder per class "
                + "(and validation/, or --validation-split 0.2, and optionally test/).")
        }
        var trainListing = try DirectoryListing(root: trainPath)
        guard trainListing.classNames.count >= 2 else {
            throw CommandLineError.invalidValue(flag: "--data", value: trainPath,
                                                expected: "a train/ folder with at least two class folders (it has \(trainListing.classNames.joined(separator: ", ")))")
        }
        let classes = trainListing.classNames
        let mode = classMode ?? (classes.count == 2 ? .binary : .categorical)
        let workers = max(1, c.threads ?? Parallel.threadCount)
        func source(_ listing: DirectoryListing, training: Bool) throws -> DirectorySource {
            try DirectorySource(listing: listing, targetSize: (c.imageSize, c.imageSize), classMode: mode,
                                batchSize: c.batchSize, shuffle: training && c.shuffle, seed: c.dataSeed,
                                preprocessing: preprocessing, augmentation: training ? c.augmentation : nil,
                                randomness: c.augmentationRandomness, workers: workers)
        }
        func split(_ name: String) throws -> DirectoryListing? {
            let path = root.appendingPathComponent(name).path
            guard fm.fileExists(atPath: path) else { return nil }
            return try DirectoryListing(root: path, classes: classes)
        }
        var validationListing = try split("validation")
        validationOrigin = "validation/"
        if let fraction = c.validationSplit {
            guard validationListing == nil else {
                throw CommandLineError.invalidValue(flag: "--validation-split", value: String(fraction),
                                                    expected: "no --validation-split, since \(c.data) has a validation/ folder")
            }
            (trainListing, validationListing) = try trainListing.split(validationFraction: fraction, seed: c.seed)
            validationOrigin = "--validation-split \(fraction) of train/ (seed \(c.seed))"
        }
        train = try source(trainListing, training: true)
        validation = try validationListing.map { try source($0, training: false) }
        test = try split("test").map { try source($0, training: false) }
        if validation == nil { validationOrigin = "none" }
    }
}
