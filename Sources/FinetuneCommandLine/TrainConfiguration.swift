import Finetune

/// Every choice of a two-phase training run, as plain values. ``init(data:recipe:)`` takes the
/// model, augmentation and schedule from a ``TwoPhaseRecipe`` (Chollet's by default), except that
/// an epoch is one whole pass over the training images unless ``stepsPerEpoch`` says otherwise. A
/// preset (the cats-vs-dogs demo, a test) changes the fields it needs and runs ``TrainWorkflow``.
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
    public var imageSize: Int
    public var baseWidths = VGG16.standardWidths
    public var denseUnits: Int
    public var dropout: Float = 0
    /// `rescale`, `caffe` or `none` (see ``ModelDescription/preprocessing``).
    public var preprocessing = "rescale"

    // MARK: Schedule
    public var batchSize: Int
    public var phase1Epochs: Int
    public var phase2Epochs: Int
    /// Training batches per epoch (`nil`: one pass over the training images).
    public var stepsPerEpoch: Int?
    /// Validation batches per epoch (`nil`: one pass).
    public var validationSteps: Int?
    /// Test batches in the final evaluation (`nil`: one pass).
    public var testSteps: Int?
    public var learningRate1: Float
    public var learningRate2: Float
    /// Phase 2 trains every base layer from this one on.
    public var unfreezeFrom: String
    /// Stop a phase after this many epochs without a better validation loss (`nil`: never).
    public var earlyStoppingPatience: Int?
    /// With early stopping: put the best epoch's weights back when a phase stops.
    public var restoreBestWeights = true
    /// Keep `best.ftckpt`, the checkpoint with the lowest validation loss so far.
    public var keepBestCheckpoint = true

    // MARK: Augmentation
    /// `nil`: no augmentation.
    public var augmentation: Augmentation?
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

    /// A run on `data` with `recipe`'s image size, head, batch size, epochs, learning rates,
    /// unfreeze point and augmentation; every epoch one pass over the images.
    public init(data: String, recipe: TwoPhaseRecipe = .chollet) {
        self.data = data
        (imageSize, denseUnits, batchSize) = (recipe.imageSize, recipe.denseUnits, recipe.batchSize)
        (phase1Epochs, phase2Epochs) = (recipe.phase1.epochs, recipe.phase2.epochs)
        (learningRate1, learningRate2) = (recipe.phase1.learningRate, recipe.phase2.learningRate)
        unfreezeFrom = recipe.unfreezeFrom
        augmentation = recipe.augmentation
    }

    /// The seed as `flow_from_directory` takes it (NumPy reduces it modulo 2³²).
    var dataSeed: Int { Int(seed % (1 << 32)) }
}
