import Finetune

/// Every choice of a two-phase training run, as plain values. The defaults are Chollet's recipe
/// (Deep Learning with Python, ch. 5: 150×150 images, batches of 20, RMSprop 2e-5 for 30 epochs
/// with the base frozen, then 1e-5 for 100 epochs with `block5_conv1` on trainable, rotation 40°,
/// shifts/shear/zoom 0.2, horizontal flips, ×1/255), except that an epoch is one whole pass over
/// the training images unless ``stepsPerEpoch`` says otherwise. A preset (a cats-vs-dogs demo,
/// a test) changes the fields it needs and runs ``TrainWorkflow``.
package struct TrainConfiguration: Sendable {
    // MARK: Data and output
    /// Dataset root: `train/` and optionally `validation/` and `test/`, each with a folder per class.
    package var data: String
    /// Folder for checkpoints, history, plots and metrics.
    package var out: String = "finetune-out"
    /// `--weights`: a Keras .h5 of VGG16's convolutions, `"none"`, or `nil` for the default places.
    package var weights: String?
    /// A Keras 3 `.weights.h5` of the whole model to start from (overrides ``weights``).
    package var initialWeights: String?
    /// Continue the run saved in this checkpoint (`last.ftckpt`, `phase1.ftckpt`, …) of the same
    /// data and configuration.
    package var resume: String?
    /// Also write TensorBoard logs here.
    package var tensorboard: String?
    /// Fraction of each class of `train/` held out for validation when there is no `validation/`.
    package var validationSplit: Double?
    /// Splits that must exist under ``data`` (`validation/` and `test/` are otherwise optional).
    package var requiredSplits = ["train"]
    /// Instead of ``data``: write a generated two-class dataset (circles vs squares) into
    /// `out/generated-data` and train on it.
    package var generatesData = false
    /// Leave out image files that cannot be read (the check before training lists them)
    /// instead of stopping.
    package var skipBadFiles = false
    /// Replace the results of an earlier run in ``out``; without it (or ``resume``), a
    /// non-empty ``out`` is refused.
    package var overwrite = false

    // MARK: Model
    /// `.binary` refuses datasets without exactly two classes; `nil`: binary for two class
    /// folders, categorical for more.
    package var classMode: ClassMode?
    package var imageSize = 150
    package var baseWidths = VGG16.standardWidths
    package var denseUnits = 256
    package var dropout: Float = 0
    /// `rescale`, `caffe` or `none` (see ``ModelDescription/preprocessing``).
    package var preprocessing = "rescale"

    // MARK: Schedule
    package var batchSize = 20
    package var phase1Epochs = 30
    package var phase2Epochs = 100
    /// Training batches per epoch (`nil`: one pass over the training images).
    package var stepsPerEpoch: Int?
    /// Validation batches per epoch (`nil`: one pass).
    package var validationSteps: Int?
    /// Test batches in the final evaluation (`nil`: one pass).
    package var testSteps: Int?
    package var learningRate1: Float = 2e-5
    package var learningRate2: Float = 1e-5
    /// Phase 2 trains every base layer from this one on.
    package var unfreezeFrom = "block5_conv1"
    /// Stop a phase after this many epochs without a better validation loss (`nil`: never).
    package var earlyStoppingPatience: Int?
    /// With early stopping: put the best epoch's weights back when a phase stops.
    package var restoreBestWeights = true
    /// Keep `best.ftckpt`, the checkpoint with the lowest validation loss so far.
    package var keepBestCheckpoint = true

    // MARK: Augmentation
    /// `nil`: no augmentation.
    package var augmentation: Augmentation? = Augmentation(rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2,
                                                          shearRange: 0.2, zoom: 0.2, horizontalFlip: true, fillMode: .nearest)
    package var augmentationRandomness: AugmentationRandomness = .perSample
    package var shuffle = true

    // MARK: Run
    package var seed: UInt64 = 1
    /// CPU threads (`nil`: all cores).
    package var threads: Int?
    /// One line an epoch instead of a progress bar.
    package var quiet = false
    /// Data-parallel over the ranks of `mpirun -np N` (needs a build with `--traits MPI`).
    package var distributed = false
    /// Under `distributed`: the largest bucket of gradients summed in one call, bytes
    /// (`DataParallel`'s default, 4 MiB).
    package var bucketBytes = 4 << 20
    /// Under `distributed`: start each bucket's sum during the backward pass.
    package var overlapsBackward = false
    /// The tool's name in messages (`finetune train: error: …`).
    package var commandName = "finetune train"
    /// The command line, for `run.json` and the command that resumes an interrupted run.
    package var arguments = CommandLine.arguments

    package init(data: String) { self.data = data }

    /// The seed as `flow_from_directory` takes it (NumPy reduces it modulo 2³²).
    var dataSeed: Int { Int(seed % (1 << 32)) }
}
