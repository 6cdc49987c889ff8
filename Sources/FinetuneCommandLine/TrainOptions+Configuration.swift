import ArgumentParser
import Finetune

extension TrainOptions {
    /// The checked configuration; throws a `ValidationError` naming the flag (exit status 64).
    package func configuration() throws -> TrainConfiguration {
        var c = TrainConfiguration(data: data)
        c.out = out
        c.weights = weights
        c.initialWeights = initialWeights
        c.tensorboard = tensorboard
        c.resume = resume
        c.validationSplit = validationSplit
        c.overwrite = overwrite
        c.skipBadFiles = skipBadFiles
        c.imageSize = imageSize
        c.baseWidths = try parsedWidths()
        c.denseUnits = denseUnits
        c.dropout = dropout
        c.preprocessing = preprocessing
        c.batchSize = batchSize
        c.phase1Epochs = phase1Epochs
        c.phase2Epochs = phase2Epochs
        c.stepsPerEpoch = stepsPerEpoch
        c.validationSteps = validationSteps
        c.testSteps = testSteps
        c.learningRate1 = lr1
        c.learningRate2 = lr2
        c.unfreezeFrom = unfreezeFrom
        c.earlyStoppingPatience = earlyStopping
        c.keepBestCheckpoint = !noBestCheckpoint
        c.augmentation = try augmentation.augmentation()
        c.augmentationRandomness = try augmentation.randomness()
        c.shuffle = !noShuffle
        c.seed = seed
        c.threads = threads
        c.quiet = quiet
        c.distributed = distributed
        try distribution.apply(to: &c)
        try check(c)
        return c
    }

    func check(_ c: TrainConfiguration) throws {
        guard imageSize >= VGG16.minimumSize else { throw ValidationError("--image-size must be ≥ 32 (VGG16's smallest input), got \(imageSize)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be > 0, got \(batchSize)") }
        guard phase1Epochs >= 0, phase2Epochs >= 0 else { throw ValidationError("--phase1-epochs and --phase2-epochs must be ≥ 0") }
        for (flag, value) in [("--steps-per-epoch", stepsPerEpoch), ("--validation-steps", validationSteps), ("--test-steps", testSteps)] {
            if let value, value <= 0 { throw ValidationError("\(flag) must be > 0, got \(value)") }
        }
        guard lr1 > 0, lr2 > 0 else { throw ValidationError("--lr1 and --lr2 must be > 0") }
        guard denseUnits > 0 else { throw ValidationError("--dense-units must be > 0, got \(denseUnits)") }
        guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        if let v = validationSplit, !(v > 0 && v < 1) { throw ValidationError("--validation-split must be between 0 and 1, got \(v)") }
        if let p = earlyStopping, p < 0 { throw ValidationError("--early-stopping must be ≥ 0, got \(p)") }
        if let t = threads, t <= 0 { throw ValidationError("--threads must be > 0, got \(t)") }
        guard !(overwrite && resume != nil) else {
            throw ValidationError("--overwrite and --resume exclude each other: --resume continues the run in --out, --overwrite replaces it")
        }
        if let refusal = MemoryEstimate.refusal(imageSize: imageSize, batchSize: batchSize) { throw ValidationError(refusal) }
        guard ModelDescription.preprocessingNames.contains(preprocessing) else {
            throw ValidationError("--preprocessing must be rescale, caffe or none, got '\(preprocessing)'")
        }
    }

    func parsedWidths() throws -> [Int] {
        let widths = baseWidths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.count == 5, let values = widths as? [Int], values.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--base-widths must be five positive integers separated by commas, got '\(baseWidths)'")
        }
        return values
    }
}
