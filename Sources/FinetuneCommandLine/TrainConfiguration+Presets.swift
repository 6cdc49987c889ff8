import Finetune

extension TrainConfiguration {
    /// Chollet's cats-vs-dogs run (Deep Learning with Python, ch. 5), as `demo-catsdogs` runs it:
    /// a binary head on `train/`, `validation/` and `test/` (all three required, exactly two
    /// classes), 150×150 images in batches of 20, 100 steps an epoch, 50 validation and 50 test
    /// steps, RMSprop 2e-5 for 30 epochs with the base frozen, then 1e-5 for 100 epochs from
    /// `block5_conv1` on, Keras' augmentation ranges (rotation 40°, shifts/shear/zoom 0.2,
    /// horizontal flips), no `best.ftckpt`.
    package static func cholletCatsVsDogs(data: String) -> TrainConfiguration {
        var c = TrainConfiguration(data: data)
        c.requiredSplits = ["train", "validation", "test"]
        c.classMode = .binary
        c.imageSize = 150
        c.batchSize = 20
        c.phase1Epochs = 30
        c.phase2Epochs = 100
        c.stepsPerEpoch = 100
        c.validationSteps = 50
        c.testSteps = 50
        c.learningRate1 = 2e-5
        c.learningRate2 = 1e-5
        c.unfreezeFrom = "block5_conv1"
        c.augmentation = Augmentation(rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 0.2,
                                      zoom: 0.2, horizontalFlip: true, fillMode: .nearest)
        c.keepBestCheckpoint = false
        return c
    }
}
