import ArgumentParser
import Finetune

/// The flags of `finetune train`; each default is Chollet's (see ``TrainConfiguration``).
package struct TrainOptions: ParsableArguments {
    // MARK: Data and weights
    @Option(help: ArgumentHelp("Dataset root: train/ (required), validation/ and test/ (optional), each with one folder per class.", valueName: "dir"))
    package var data: String

    @Option(help: ArgumentHelp("Folder for checkpoints, history.json/.csv, plots and metrics.json.", valueName: "dir"))
    package var out: String = "finetune-out"

    @Option(help: ArgumentHelp("Pretrained VGG16 convolution weights (Keras .h5, classic notop or Keras 3 .weights.h5), or 'none' for random weights. Default: $FINETUNE_WEIGHTS, then ~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5, then the HED weights of `bash .ci/install-deps --weights`.", valueName: "file|none"))
    package var weights: String?

    @Option(name: .customLong("initial-weights"), help: ArgumentHelp("Keras 3 .weights.h5 of the whole model (base + head) to start from; overrides --weights.", valueName: "file"))
    package var initialWeights: String?

    @Option(help: ArgumentHelp("Continue a run from one of its checkpoints (last.ftckpt after every epoch, phase1.ftckpt, …), with the same data and flags.", valueName: "checkpoint"))
    package var resume: String?

    @Option(help: ArgumentHelp("Also write TensorBoard logs to this folder (dir/train, dir/validation; the test scores in dir/evaluation, where `finetune evaluate --tensorboard dir` logs too); watch with `tensorboard --logdir dir`.", valueName: "dir"))
    package var tensorboard: String?

    @Flag(help: "Replace the results of an earlier run in --out (without it, a non-empty --out is refused unless --resume is given).")
    package var overwrite = false

    @Flag(name: .customLong("skip-bad-files"), help: "Leave out image files that cannot be read (the check before training lists them) instead of stopping.")
    package var skipBadFiles = false

    @Option(name: .customLong("validation-split"), help: ArgumentHelp("Without a validation/ folder: hold out this fraction of each class of train/ (chosen by --seed).", valueName: "fraction"))
    package var validationSplit: Double?

    // MARK: Model
    @Option(name: .customLong("image-size"), help: "Images are resized to this height and width (≥ 32).")
    package var imageSize: Int = 150

    @Option(name: .customLong("dense-units"), help: "Units of the hidden Dense layer of the head.")
    package var denseUnits: Int = 256

    @Option(help: "Dropout rate before the output layer (0: none).")
    package var dropout: Float = 0

    @Option(name: .customLong("base-widths"), help: ArgumentHelp("Filters of the five VGG16 blocks, comma-separated (only with --weights none; for quick experiments).", valueName: "w1,…,w5"))
    package var baseWidths: String = VGG16.standardWidths.map(String.init).joined(separator: ",")

    @Option(help: "Input scaling: rescale (×1/255), caffe (Keras' VGG16 preprocess_input: BGR minus ImageNet means) or none.")
    package var preprocessing: String = "rescale"

    // MARK: Schedule
    @Option(name: .customLong("batch-size"), help: "Images per batch.")
    package var batchSize: Int = 20

    @Option(name: .customLong("phase1-epochs"), help: "Epochs with the whole VGG16 base frozen.")
    package var phase1Epochs: Int = 30

    @Option(name: .customLong("phase2-epochs"), help: "Fine-tuning epochs after unfreezing.")
    package var phase2Epochs: Int = 100

    @Option(name: .customLong("steps-per-epoch"), help: "Training batches per epoch (default: one pass over train/).")
    package var stepsPerEpoch: Int?

    @Option(name: .customLong("validation-steps"), help: "Validation batches per epoch (default: one pass).")
    package var validationSteps: Int?

    @Option(name: .customLong("test-steps"), help: "Test batches in the final evaluation (default: one pass).")
    package var testSteps: Int?

    @Option(help: "RMSprop learning rate of phase 1.")
    package var lr1: Float = 2e-5

    @Option(help: "RMSprop learning rate of phase 2.")
    package var lr2: Float = 1e-5

    @Option(name: .customLong("unfreeze-from"), help: "Phase 2 trains every base layer from this one on.")
    package var unfreezeFrom: String = "block5_conv1"

    @Option(name: .customLong("early-stopping"), help: ArgumentHelp("Stop a phase after this many epochs without a lower validation loss, and restore that epoch's weights.", valueName: "patience"))
    package var earlyStopping: Int?

    @Flag(name: .customLong("no-best-checkpoint"), help: "Do not keep best.ftckpt (the epoch with the lowest validation loss).")
    package var noBestCheckpoint = false

    // MARK: Augmentation
    @OptionGroup(title: "Augmentation (training images only)") package var augmentation: AugmentationOptions

    @Flag(name: .customLong("no-shuffle"), help: "Keep the training images in directory order.")
    package var noShuffle = false

    // MARK: Run
    @Option(help: "Seed for initialisation, shuffling, augmentation and --validation-split.")
    package var seed: UInt64 = 1

    @Option(help: "CPU threads for kernels and data workers (default: all cores).")
    package var threads: Int?

    @Flag(help: "Data-parallel over the ranks of `mpirun -np N` (--batch-size is the global batch; rank 0 prints and writes). Needs a build with `--traits MPI`.")
    package var distributed = false

    @OptionGroup(title: "Distributed runs") package var distribution: DistributedOptions

    @Flag(help: "No progress bar: one line an epoch.")
    package var quiet = false

    package init() {}
}
