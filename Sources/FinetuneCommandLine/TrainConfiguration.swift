import Finetune

/// Every choice of a two-phase training run, as plain values. ``init(data:recipe:)`` takes the
/// model, augmentation and schedule from a ``TwoPhaseRecipe`` (Chollet's by default), except that
/// an epoch is one whole pass over the training images unless ``stepsPerEpoch`` says otherwise. A
/// preset (the cats-vs-dogs demo, a test) changes the fields it needs and runs ``TrainWorkflow``.
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
    /// The convolutional base (`--backbone`); VGG16, Chollet's, by default.
    package var backbone = Backbone.vgg16
    package var imageSize: Int
    package var baseWidths = VGG16.standardWidths
    package var denseUnits: Int
    package var dropout: Float = 0
    /// `rescale`, `caffe` or `none` (see ``ModelDescription/preprocessing``).
    package var preprocessing = "rescale"

    // MARK: Schedule
    package var batchSize: Int
    package var phase1Epochs: Int
    package var phase2Epochs: Int
    /// Training batches per epoch (`nil`: one pass over the training images).
    package var stepsPerEpoch: Int?
    /// Validation batches per epoch (`nil`: one pass).
    package var validationSteps: Int?
    /// Test batches in the final evaluation (`nil`: one pass).
    package var testSteps: Int?
    package var learningRate1: Float
    package var learningRate2: Float
    /// Phase 2 trains every base layer from this one on.
    package var unfreezeFrom: String
    /// Phase 2 also trains the BatchNormalization layers it unfreezes (batch statistics in
    /// training, moving statistics updated: fastai's `train_bn`); false: they stay frozen and run in
    /// inference mode, as Keras' transfer-learning guide advises for fine-tuning.
    package var trainBatchNorm = false
    /// Stop a phase after this many epochs without a better validation loss (`nil`: never).
    package var earlyStoppingPatience: Int?
    /// With early stopping: put the best epoch's weights back when a phase stops.
    package var restoreBestWeights = true
    /// Keep `best.ftckpt`, the checkpoint with the lowest validation loss so far.
    package var keepBestCheckpoint = true
    /// Optimizer, weight decay, label smoothing, schedule and discriminative rates of the phases
    /// (default: Chollet's, a fresh RMSprop at a constant rate per phase).
    package var method = TrainingMethod()
    /// `--class-weight`: `none`, `auto` (scikit-learn's balanced weights from the training
    /// images) or a JSON file of weights by class name.
    package var classWeight = "none"

    // MARK: Augmentation
    /// `nil`: no augmentation.
    package var augmentation: Augmentation?
    package var augmentationRandomness: AugmentationRandomness = .perSample
    package var shuffle = true
    /// How training passes draw their images (`--sampling`; `.shuffle` follows ``shuffle``).
    package var sampling = Sampling.shuffle

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

    /// A run on `data` with `recipe`'s image size, head, batch size, epochs, learning rates,
    /// unfreeze point and augmentation; every epoch one pass over the images.
    package init(data: String, recipe: TwoPhaseRecipe = .chollet) {
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
