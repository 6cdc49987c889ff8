/// The numbers a run uses: the flags where given, else Chollet's schedule (real data) or a short
/// one (the generated dataset).
struct DemoSchedule: Equatable {
    var imageSize, phase1Epochs, phase2Epochs, stepsPerEpoch, validationSteps, testSteps: Int

    /// Chollet's numbers (Deep Learning with Python, ch. 5).
    static let book = DemoSchedule(imageSize: 150, phase1Epochs: 30, phase2Epochs: 100, stepsPerEpoch: 100,
                                   validationSteps: 50, testSteps: 50)
    /// A short run on the generated dataset.
    static let generated = DemoSchedule(imageSize: 64, phase1Epochs: 3, phase2Epochs: 3, stepsPerEpoch: 10,
                                        validationSteps: 5, testSteps: 5)

    init(imageSize: Int, phase1Epochs: Int, phase2Epochs: Int, stepsPerEpoch: Int, validationSteps: Int, testSteps: Int) {
        (self.imageSize, self.phase1Epochs, self.phase2Epochs) = (imageSize, phase1Epochs, phase2Epochs)
        (self.stepsPerEpoch, self.validationSteps, self.testSteps) = (stepsPerEpoch, validationSteps, testSteps)
    }

    /// The defaults for `options` (book or generated), overridden by its flags.
    init(_ options: DemoOptions) {
        self = options.data == nil ? .generated : .book
        if let v = options.imageSize { imageSize = v }
        if let v = options.phase1Epochs { phase1Epochs = v }
        if let v = options.phase2Epochs { phase2Epochs = v }
        if let v = options.stepsPerEpoch { stepsPerEpoch = v }
        if let v = options.validationSteps { validationSteps = v }
        if let v = options.testSteps { testSteps = v }
    }
}
