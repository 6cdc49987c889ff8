import ArgumentParser
import Foundation
import Finetune

extension TrainOptions {
    static let missingData = "--data: missing; pass the dataset root holding train/ (and optionally validation/ and test/), each with one folder per class"

    /// `finetune train`'s run: these flags on ``TrainConfiguration/init(data:recipe:)`` (Chollet's
    /// recipe, an epoch one pass over the images). Throws a `ValidationError` naming the flag
    /// (exit status 64).
    package func configuration() throws -> TrainConfiguration {
        guard let data else { throw ValidationError(Self.missingData) }
        return try configuration(on: TrainConfiguration(data: data))
    }

    /// `preset` with every flag that was given, and every flag with a fixed default (which is
    /// Chollet's value where the recipe has one), applied; the flags left out that have no fixed
    /// default (`--out`, `--image-size`, the epochs and steps, `--best-checkpoint`, the
    /// augmentation ranges) keep the preset's values. Then the checks that need the whole run
    /// (memory, distributed settings). Throws a `ValidationError` naming the flag (exit status 64).
    package func configuration(on preset: TrainConfiguration) throws -> TrainConfiguration {
        var c = preset
        if let data { c.data = data }
        if let out { c.out = out }
        (c.weights, c.initialWeights, c.resume, c.tensorboard) = (weights, initialWeights, resume, tensorboard)
        (c.overwrite, c.skipBadFiles, c.validationSplit) = (overwrite, skipBadFiles, validationSplit)
        c.backbone = backbone
        if let imageSize { c.imageSize = imageSize } else if backbone != .vgg16 { c.imageSize = backbone.defaultImageSize }
        (c.baseWidths, c.preprocessing) = (try parsedWidths(), preprocessing ?? backbone.trainingPreprocessing)
        c.denseUnits = denseUnits ?? Self.recipe.denseUnits
        c.dropout = dropout ?? (backbone == .vgg16 ? 0 : Self.graphHeadDropout)
        c.batchSize = batchSize
        if let stepsPerEpoch { c.stepsPerEpoch = stepsPerEpoch }
        if let validationSteps { c.validationSteps = validationSteps }
        if let testSteps { c.testSteps = testSteps }
        if resolvedRecipe == FastRecipe.name {
            FastRecipe.apply(to: &c, baseLearningRate: lr1 ?? FastRecipe.baseLearningRate(for: backbone))
        } else {
            (c.learningRate1, c.learningRate2) = (Self.recipe.phase1.learningRate, Self.recipe.phase2.learningRate)
            c.unfreezeFrom = backbone.defaultUnfreezeFrom
        }
        if let phase1Epochs { c.phase1Epochs = phase1Epochs }
        if let phase2Epochs { c.phase2Epochs = phase2Epochs }
        if let lr1 { c.learningRate1 = lr1 }
        if let lr2 { c.learningRate2 = lr2 }
        if let unfreezeFrom { c.unfreezeFrom = unfreezeFrom }
        c.trainBatchNorm = trainBatchNorm
        c.earlyStoppingPatience = earlyStopping
        c.method = try method(on: c.method)
        c.classWeight = classWeight
        if let bestCheckpoint { c.keepBestCheckpoint = bestCheckpoint }
        c.augmentation = try augmentation.augmentation(from: preset.augmentation ?? Self.recipe.augmentation)
        c.augmentationRandomness = try augmentation.randomness()
        (c.shuffle, c.seed, c.threads, c.quiet, c.distributed) = (!noShuffle, seed, threads, quiet, distributed)
        if sampling == .balanced && noShuffle {
            throw ValidationError("--sampling balanced draws its own order; leave out --no-shuffle (or use --sampling shuffle)")
        }
        c.sampling = sampling
        try distribution.apply(to: &c)
        if backbone == .vgg16, let refusal = MemoryEstimate.refusal(imageSize: c.imageSize, batchSize: c.batchSize) {
            throw ValidationError(refusal)
        }
        return c
    }

    /// Checks that the files and folders `c` names exist (`--data` unless generated, `--resume`,
    /// `--initial-weights`, `--weights`) and that its `--out` is not a file, before anything is
    /// read or written. Throws a `ValidationError` naming the flag (exit status 64).
    package static func checkPaths(of c: TrainConfiguration) throws {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if !c.generatesData, !(fm.fileExists(atPath: c.data, isDirectory: &isFolder) && isFolder.boolValue) {
            throw ValidationError("--data: no folder at '\(c.data)'; pass the dataset root, the folder holding train/")
        }
        let classWeightFile = ["none", "auto"].contains(c.classWeight) ? nil : c.classWeight
        for (flag, path) in [("--class-weight", classWeightFile), ("--resume", c.resume), ("--initial-weights", c.initialWeights), ("--weights", c.weights == "none" ? nil : c.weights)] {
            guard let path else { continue }
            guard fm.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
                throw ValidationError("\(flag): no file at '\(path)'; check the path\(flag == "--weights" ? ", or pass --weights none" : "")")
            }
        }
        if fm.fileExists(atPath: c.out, isDirectory: &isFolder), !isFolder.boolValue {
            throw ValidationError("--out: '\(c.out)' is a file; pass a folder (it is created when missing)")
        }
    }

    /// `--optimizer`, `--weight-decay`, `--label-smoothing`, `--schedule` and `--discriminative`,
    /// checked; a `ValidationError` names the flag.
    func method(on preset: TrainingMethod = TrainingMethod()) throws -> TrainingMethod {
        var m = preset
        func word<T: RawRepresentable & CaseIterable>(_ flag: String, _ value: String, as: T.Type) throws -> T where T.RawValue == String {
            guard let kind = T(rawValue: value) else {
                throw ValidationError("\(flag): '\(value)' is not accepted; use one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        }
        if let optimizer { m.optimizer = try word("--optimizer", optimizer, as: TrainingMethod.OptimizerKind.self) }
        if let schedule { m.schedule = try word("--schedule", schedule, as: TrainingMethod.ScheduleKind.self) }
        if let gradualUnfreezing { m.gradualUnfreezing = gradualUnfreezing }
        if let weightDecay {
            guard m.optimizer == .adamw else {
                throw ValidationError("--weight-decay: only --optimizer adamw has decoupled weight decay; add --optimizer adamw or leave --weight-decay out")
            }
            try FlagCheck.real("--weight-decay", weightDecay, "a decay in [0, 1)") { $0 >= 0 && $0 < 1 }
            m.weightDecay = weightDecay
        }
        try FlagCheck.real("--label-smoothing", labelSmoothing, "a fraction in [0, 1)") { $0 >= 0 && $0 < 1 }
        if let labelSmoothing { m.labelSmoothing = labelSmoothing }
        if let discriminative {
            let parts = discriminative.split(separator: ":", omittingEmptySubsequences: false).map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo > 0, lo <= hi, hi <= 1 else {
                throw ValidationError("--discriminative: '\(discriminative)' is not accepted; pass two learning rates LO:HI with 0 < LO ≤ HI ≤ 1, e.g. 1e-6:1e-4")
            }
            m.discriminative = lo...hi
        }
        return m
    }

    func parsedWidths() throws -> [Int] {
        let widths = baseWidths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.count == VGG16.blockDepths.count, let values = widths as? [Int], values.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--base-widths: '\(baseWidths)' is not accepted; use five positive integers separated by commas")
        }
        return values
    }
}
