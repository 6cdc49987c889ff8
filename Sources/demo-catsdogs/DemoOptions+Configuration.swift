import Foundation
import Finetune
import FinetuneCommandLine

extension DemoOptions {
    /// The flags on Chollet's recipe (``TrainConfiguration/cholletCatsVsDogs(data:)``), with the
    /// short schedule of ``DemoSchedule`` when no `--data` is given (a generated dataset).
    func configuration(arguments: [String] = CommandLine.arguments) throws -> TrainConfiguration {
        let schedule = DemoSchedule(self)
        var c = TrainConfiguration.cholletCatsVsDogs(data: data ?? "")
        c.generatesData = data == nil
        c.commandName = "demo-catsdogs"
        c.arguments = arguments
        (c.out, c.weights, c.initialWeights, c.resume, c.tensorboard) = (out, weights, initialWeights, resume, tensorboard)
        (c.overwrite, c.skipBadFiles, c.distributed, c.quiet) = (overwrite, skipBadFiles, distributed, quiet)
        (c.imageSize, c.phase1Epochs, c.phase2Epochs) = (schedule.imageSize, schedule.phase1Epochs, schedule.phase2Epochs)
        (c.stepsPerEpoch, c.validationSteps, c.testSteps) = (schedule.stepsPerEpoch, schedule.validationSteps, schedule.testSteps)
        (c.batchSize, c.learningRate1, c.learningRate2, c.unfreezeFrom) = (batchSize, lr1, lr2, unfreezeFrom)
        c.augmentation = noAugment ? nil : Augmentation(rotationRange: rotation, widthShiftRange: widthShift,
                                                        heightShiftRange: heightShift, shearRange: shear, zoom: zoom,
                                                        horizontalFlip: true, fillMode: try AugmentationOptions.fillMode(fillMode))
        c.augmentationRandomness = try AugmentationOptions.randomness(augmentationRandomness)
        (c.shuffle, c.preprocessing, c.seed, c.threads) = (!noShuffle, preprocessing, seed, threads)
        try distribution.apply(to: &c)
        return c
    }
}
