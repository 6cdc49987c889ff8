import FinetuneCore
import FinetuneNN
import FinetuneData

/// A two-phase transfer-learning recipe as one value: the model, the training images and both
/// phases' schedules.
///
/// The model is VGG16's convolutional base with a new binary head, `Flatten` →
/// `Dense(denseUnits, relu)` → `Dense(1, sigmoid)` (``model(widths:using:)``). Training images
/// are resized to `imageSize`×`imageSize`, augmented by ``augmentation``, scaled by
/// ``preprocessing`` and come in batches of ``batchSize`` (validation and test images are only
/// scaled). Phase 1 trains the head with the whole base frozen (``phase1Freezing``) and RMSprop
/// at ``phase1``'s learning rate; phase 2 makes the base trainable from ``unfreezeFrom`` on
/// (``phase2Freezing``) and fine-tunes with a fresh RMSprop at ``phase2``'s rate, the epoch count
/// continuing. Every epoch of both phases is ``stepsPerEpoch`` batches followed by
/// ``validationSteps`` validation batches; the final evaluation reads ``testSteps`` test batches.
///
/// ``chollet`` is the recipe this package is built around: `finetune train`'s defaults,
/// `demo-catsdogs`, `finetune-bench` and the MPI checks take their numbers from it. Change a
/// copy's fields for another schedule.
public struct TwoPhaseRecipe: Sendable, Hashable {
    /// One phase's optimizer and length.
    public struct Phase: Sendable, Hashable {
        /// RMSprop's learning rate (its other settings are Keras' defaults).
        public var learningRate: Float
        public var epochs: Int

        package init(learningRate: Float, epochs: Int) {
            self.learningRate = learningRate
            self.epochs = epochs
        }

        /// A fresh RMSprop at ``learningRate``: each phase starts with new optimizer state, as
        /// Keras does when the model is compiled again.
        public func optimizer() -> any Optimizer { Optimizers.rmsprop(learningRate: learningRate) }
    }

    /// Height and width the images are resized to.
    public var imageSize: Int
    public var batchSize: Int
    /// Units of the head's hidden `Dense` layer.
    public var denseUnits: Int
    /// Random augmentation of the training images.
    public var augmentation: Augmentation
    /// Scaling of every image (training, validation, test) after augmentation.
    public var preprocessing: Preprocessing
    /// Training batches per epoch, in both phases.
    public var stepsPerEpoch: Int
    /// Validation batches at the end of each epoch, in both phases.
    public var validationSteps: Int
    /// The head alone, the base frozen.
    public var phase1: Phase
    /// The base from ``unfreezeFrom`` on, and the head.
    public var phase2: Phase
    /// The first VGG16 layer that phase 2 trains (Keras' layer name).
    public var unfreezeFrom: String
    /// Test batches in the final evaluation.
    public var testSteps: Int

    package init(imageSize: Int, batchSize: Int, denseUnits: Int, augmentation: Augmentation, preprocessing: Preprocessing,
                stepsPerEpoch: Int, validationSteps: Int, phase1: Phase, phase2: Phase, unfreezeFrom: String, testSteps: Int) {
        self.imageSize = imageSize
        self.batchSize = batchSize
        self.denseUnits = denseUnits
        self.augmentation = augmentation
        self.preprocessing = preprocessing
        self.stepsPerEpoch = stepsPerEpoch
        self.validationSteps = validationSteps
        self.phase1 = phase1
        self.phase2 = phase2
        self.unfreezeFrom = unfreezeFrom
        self.testSteps = testSteps
    }

    /// François Chollet's cats-vs-dogs fine-tuning, *Deep Learning with Python* (1st ed., Manning
    /// 2017), ch. 5.3 "Using a pretrained convnet": feature extraction with data augmentation,
    /// then fine-tuning.
    ///
    /// - Model: VGG16 without its top at 150×150×3, then `Flatten`, `Dense(256, relu)`,
    ///   `Dense(1, sigmoid)`; batches of 20.
    /// - Training images: `ImageDataGenerator(rescale=1./255, rotation_range=40,
    ///   width_shift_range=0.2, height_shift_range=0.2, shear_range=0.2, zoom_range=0.2,
    ///   horizontal_flip=True, fill_mode='nearest')`; validation and test images: `rescale=1./255`
    ///   only. The ranges are read with Keras 3's formulas (``/FinetuneData/Augmentation/Semantics/keras3``);
    ///   set `augmentation.semantics = .book` for Keras 2.0.8's.
    /// - Phase 1: `RMSprop(lr=2e-5)`, 30 epochs of 100 steps, 50 validation steps each.
    /// - Phase 2: trainable from `block5_conv1` on, `RMSprop(lr=1e-5)`, 100 epochs of 100 steps,
    ///   50 validation steps each.
    /// - Evaluation: 50 test steps.
    public static let chollet = TwoPhaseRecipe(
        imageSize: 150, batchSize: 20, denseUnits: 256,
        augmentation: Augmentation(rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 0.2,
                                   zoom: 0.2, horizontalFlip: true, fillMode: .nearest),
        preprocessing: .rescale255, stepsPerEpoch: 100, validationSteps: 50,
        phase1: Phase(learningRate: 2e-5, epochs: 30), phase2: Phase(learningRate: 1e-5, epochs: 100),
        unfreezeFrom: "block5_conv1", testSteps: 50)

    /// `imageSize` × `imageSize` × 3.
    public var inputShape: Shape { [imageSize, imageSize, 3] }

    /// Phase 1's trainable set: everything but the VGG16 base (`vgg16`).
    public var phase1Freezing: FreezePolicy { .all(of: "vgg16") }

    /// Phase 2's trainable set: the base from ``unfreezeFrom`` on, and the head.
    public var phase2Freezing: FreezePolicy { .from(unfreezeFrom) }

    /// VGG16 (of `widths`) with this recipe's head at ``inputShape``, Keras-initialised from `rng`
    /// (``/FinetuneNN/VGG16/binaryClassifier(inputShape:widths:denseUnits:using:)``).
    public func model(widths: [Int] = VGG16.standardWidths, using rng: inout some RandomNumberGenerator) throws -> Sequential {
        try VGG16.binaryClassifier(inputShape: inputShape, widths: widths, denseUnits: denseUnits, using: &rng)
    }

    /// The same model with all-zero weights, to be replaced by loaded ones.
    package func model(widths: [Int] = VGG16.standardWidths) throws -> Sequential {
        try VGG16.binaryClassifier(inputShape: inputShape, widths: widths, denseUnits: denseUnits)
    }
}
