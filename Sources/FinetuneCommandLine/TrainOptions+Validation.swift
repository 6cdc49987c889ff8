import ArgumentParser
import Finetune

/// Every flag's value checked while the command line is parsed, before anything is read or
/// written (ArgumentParser calls ``validate()`` for `finetune train` and `demo-catsdogs` alike):
/// each error names the flag, the value and what is accepted. The files the flags name are
/// checked by ``checkPaths(of:)``, the memory a run needs by ``configuration(on:)``.
extension TrainOptions {
    /// The accepted ranges.
    package static let limits = (batchSize: 1...4096, imageSize: 32...2048, epochs: 0...100_000, steps: 1...1_000_000,
                                threads: 1...1024, denseUnits: 1...65_536)

    /// VGG16's layer names (Keras'), in order: what `--unfreeze-from` accepts.
    package static let baseLayers: [String] = zip(1..., VGG16.blockDepths).flatMap { block, convs in
        (1...convs).map { "block\(block)_conv\($0)" } + ["block\(block)_pool"]
    }

    package func validate() throws {
        let limits = Self.limits
        try FlagCheck.integer("--batch-size", batchSize, in: limits.batchSize)
        try FlagCheck.integer("--image-size", imageSize, in: limits.imageSize, note: " (VGG16 needs ≥ \(VGG16.minimumSize))")
        if backbone != .vgg16 {
            for (flag, given) in [("--dense-units", denseUnits != nil), ("--base-widths", baseWidths != VGG16.standardWidths.map(String.init).joined(separator: ","))] where given {
                throw ValidationError("\(flag): only the vgg16 backbone has it (the \(backbone.rawValue) head is GlobalAveragePooling2D → Dropout → Dense); leave it out, or pass --backbone vgg16")
            }
        }
        try FlagCheck.integer("--phase1-epochs", phase1Epochs, in: limits.epochs)
        try FlagCheck.integer("--phase2-epochs", phase2Epochs, in: limits.epochs)
        try FlagCheck.integer("--steps-per-epoch", stepsPerEpoch, in: limits.steps)
        try FlagCheck.integer("--validation-steps", validationSteps, in: limits.steps)
        try FlagCheck.integer("--test-steps", testSteps, in: limits.steps)
        try FlagCheck.integer("--early-stopping", earlyStopping, in: limits.epochs)
        try FlagCheck.integer("--threads", threads, in: limits.threads)
        try FlagCheck.integer("--dense-units", denseUnits, in: limits.denseUnits)
        try FlagCheck.word("--recipe", recipe, in: FastRecipe.names)
        try FlagCheck.integer("--gradual-unfreezing", gradualUnfreezing, in: 1...(backbone == .vgg16 ? VGG16.blockDepths.count : 64))
        try FlagCheck.real("--lr1", lr1, "a learning rate in (0, 1]") { $0 > 0 && $0 <= 1 }
        try FlagCheck.real("--lr2", lr2, "a learning rate in (0, 1]") { $0 > 0 && $0 <= 1 }
        try FlagCheck.real("--dropout", dropout, "a rate in [0, 1)") { $0 >= 0 && $0 < 1 }
        try FlagCheck.real("--validation-split", validationSplit, "a fraction in (0, 1)") { $0 > 0 && $0 < 1 }
        _ = try parsedWidths()
        _ = try method(on: resolvedRecipe == FastRecipe.name ? FastRecipe.method(baseLearningRate: lr1 ?? FastRecipe.baseLearningRate(for: backbone), backbone: backbone)
                                                     : TrainingMethod())
        try FlagCheck.word("--preprocessing", preprocessing, in: ModelDescription.preprocessingNames)
        if backbone == .vgg16, let unfreezeFrom, !Self.baseLayers.contains(unfreezeFrom) {
            throw ValidationError("--unfreeze-from: VGG16 has no layer '\(unfreezeFrom)'; use one of \(Self.baseLayers.joined(separator: ", "))")
        }
        if classWeight != "none" && distributed {
            throw ValidationError("--class-weight: not supported with --distributed yet; train in one process, or leave --class-weight out")
        }
        guard !(overwrite && resume != nil) else {
            throw ValidationError("--overwrite and --resume exclude each other: --resume continues the run in --out, --overwrite replaces it")
        }
    }
}
