import Foundation
import Finetune

/// The training, validation and test sources of a checked dataset: `train/` always; validation
/// from `validation/` or, without that folder, from `--validation-split` of `train/`; `test/`
/// when present. Every split has the class folders of `train/`, in the same order (the
/// ``DatasetCheck`` saw to that). Under `--distributed`, each source is this rank's shard.
struct TrainingData {
    var train: DirectorySource
    var validation: DirectorySource?
    var test: DirectorySource?
    /// Where the validation images came from, for the log.
    var validationOrigin: String
    var classNames: [String]
    /// Images of the whole train, validation and test splits (0 for a missing split).
    var imageCounts: [Int]
    /// Training images of each class, by class index.
    var trainClassCounts: [Int]

    init(_ check: DatasetCheck, _ c: TrainConfiguration, preprocessing: Preprocessing, shard: DataShard?) throws {
        let listing = { (name: String) in check.splits.first { $0.name == name }?.listing }
        guard var trainListing = listing("train") else {
            throw CommandLineError.missingSplit(path: check.root + "/train", hint: TrainingData.layoutHint(c))
        }
        var validationListing = listing("validation")
        validationOrigin = validationListing == nil ? "none" : "validation/"
        if let fraction = c.validationSplit {
            guard validationListing == nil else {
                throw CommandLineError.invalidValue(flag: "--validation-split", value: String(fraction),
                                                    expected: "no --validation-split, since \(c.data) has a validation/ folder")
            }
            (trainListing, validationListing) = try trainListing.split(validationFraction: fraction, seed: c.seed)
            validationOrigin = "--validation-split \(fraction) of train/ (seed \(c.seed))"
        }
        let testListing = listing("test")
        classNames = trainListing.classNames
        trainClassCounts = classNames.indices.map { c in trainListing.labels.lazy.filter { $0 == c }.count }
        imageCounts = [trainListing, validationListing, testListing].map { $0?.relativePaths.count ?? 0 }
        let mode = c.classMode ?? (classNames.count == 2 ? .binary : .categorical)
        func source(_ listing: DirectoryListing, training: Bool) throws -> DirectorySource {
            let whole = try DirectorySource(listing: listing, targetSize: (c.imageSize, c.imageSize), classMode: mode,
                                            batchSize: c.batchSize, shuffle: training && c.shuffle, seed: c.dataSeed,
                                            preprocessing: preprocessing, augmentation: training ? c.augmentation : nil,
                                            randomness: c.augmentationRandomness, workers: max(1, c.threads ?? Parallel.threadCount),
                                            onBadFile: c.skipBadFiles ? .skip : .throw, quiet: c.skipBadFiles)
            let drawn = training && c.sampling == .balanced ? whole.balanced() : whole
            return shard.map { drawn.sharded($0) } ?? drawn
        }
        train = try source(trainListing, training: true)
        validation = try validationListing.map { try source($0, training: false) }
        test = try testListing.map { try source($0, training: false) }
    }

    /// What the dataset root must hold, for an error about a missing split.
    static func layoutHint(_ c: TrainConfiguration) -> String {
        c.requiredSplits.count == 3
            ? "The dataset root needs train/, validation/ and test/, each with one folder per class"
            : "The dataset root needs train/ with one folder per class (and validation/, or --validation-split 0.2, and optionally test/)."
    }

    /// The settings a checkpoint of this run records, and a resume must match.
    /// Training batches per epoch, as `fit` counts them: `--steps-per-epoch`, else one pass.
    func stepsPerEpoch(_ c: TrainConfiguration) -> Int { c.stepsPerEpoch ?? train.batchesPerPass }

    func settings(_ c: TrainConfiguration) -> RunSettings {
        RunSettings(imageSize: c.imageSize, batchSize: c.batchSize, classes: classNames, imageCounts: imageCounts, sampling: c.sampling)
    }
}
