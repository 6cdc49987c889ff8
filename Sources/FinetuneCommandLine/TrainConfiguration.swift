import Finetune

/// Every choice of a two-phase training run, as plain values. The defaults are Chollet's recipe
/// (Deep Learning with Python, ch. 5: 150×150 images, batches of 20, RMSprop 2e-5 for 30 epochs
/// with the base frozen, then 1e-5 for 100 epochs with `block5_conv1` on trainable, rotation 40°,
/// shifts/shear/zoom 0.2, horizontal flips, ×1/255), except that an epoch is one whole pass over
/// the training images unless ``stepsPerEpoch`` says otherwise. A preset (a cats-vs-dogs demo,
/// a test) changes the fields it needs and runs ``TrainWorkflow``.
public struct TrainConfiguration: Sendable {
    // MARK: Data and output
    /// Dataset root: `train/` and optionally `validation/` and `test/`, each with a folder per class.
    public var data: String
    /// Folder for checkpoints, history, plots and metrics.
    public var out: String = "finetune-out"
    /// `--weights`: a Keras .h5 of VGG16's convolutions, `"none"`, or `nil` for the default places.
    public var weights: String?
    /// A Keras 3 `.weights.h5` of the whole model to start from (overrides ``weights``).
    public var initialWeights: String?
    /// Continue the run saved in this checkpoint (`last.ftckpt`, `phase1.ftckpt`, …) of the same
    /// data and configuration.
    public var resume: String?
    /// Also write TensorBoard logs here.
    public var tensorboard: String?
    /// Fraction of each class of `train/` held out for validation when there is no `validation/`.
    public var validationSplit: Double?
    /// Splits that must exist under ``data`` (`validation/` and `test/` are otherwise optional).
    public var requiredSplits = ["train"]
    /// Instead of ``data``: write a generated two-class dataset (circles vs squares) into
    /// `out/generated-data` and train on it.
    public var generatesData = false
    /// Leave out image files that cannot be read (the check before training lists them)
    /// instead of stopping.
    public var skipBadFiles = false
    /// Replace the results of an earlier run in ``out``; without it (or ``resume``), a
    /// non-empty ``out`` is refused.
    public var overwrite = false

    // MARK: Model
    /// `.binary` refuses datasets without exactly two classes; `nil`: binary for two class
    /// folders, categorical for more.
    public var classMode: ClassMode?
    public var imageSize = 150
    public var baseWidths = VGG16.standardWidths
    public var denseUnits = 256
    public var dropout: Float = 0
    /// `rescale`, `caffe` or `none` (see ``ModelDescription/preprocessing``).
    public var preprocessing = "rescale"

    // MARK: Schedule
    public var batchSize = 20
    public var phase1Epochs = 30
    public var phase2Epochs = 100
    /// Training batches per epoch (`nil`: one pass over the training images).
    public var stepsPerEpoch: Int?
    /// Validation batches per epoch (`nil`: one pass).
    public var validationSteps: Int?
    /// Test batches in the final evaluation (`nil`: one pass).
    public var testSteps: Int?
    public var learningRate1: Float = 2e-5
    public var learningRate2: Float = 1e-5
    /// Phase 2 trains every base layer from this one on.
    public var unfreezeFrom = "block5_conv1"
    /// Stop a phase after this many epochs without a better validation loss (`nil`: never).
    public var earlyStoppingPatience: Int?
    /// With early stopping: put the best epoch's weights back when a phase stops.
    public var restoreBestWeights = true
    /// Keep `best.ftckpt`, the checkpoint with the lowest validation loss so far.
    public var keepBestCheckpoint = true

    // MARK: Augmentation
    /// `nil`: no augmentation.
    public var augmentation: Augmentation? = Augmentation(rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2,
                                                          shearRange: 0.2, zoom: 0.2, horizontalFlip: true, fillMode: .nearest)
    public var augmentationRandomness: AugmentationRandomness = .perSample
    public var shuffle = true

    // MARK: Run
    public var seed: UInt64 = 1
    /// CPU threads (`nil`: all cores).
    public var threads: Int?
    /// One line an epoch instead of a progress bar.
    public var quiet = false
    /// Data-parallel over the ranks of `mpirun -np N` (needs a build with `--traits MPI`).
    public var distributed = false
    /// Under `distributed`: the largest bucket of gradients summed in one call, bytes
    /// (`DataParallel`'s default, 4 MiB).
    public var bucketBytes = 4 << 20
    /// Under `distributed`: start each bucket's sum during the backward pass.
    public var overlapsBackward = false
    /// The tool's name in messages (`finetune train: error: …`).
    public var commandName = "finetune train"
    /// The command line, for `run.json` and the command that resumes an interrupted run.
    public var arguments = CommandLine.arguments

    public init(data: String) { self.data = data }

    /// The seed as `flow_from_directory` takes it (NumPy reduces it modulo 2³²).
    var dataSeed: Int { Int(seed % (1 << 32)) }
}
