import ArgumentParser
import Foundation
import FinetuneCommandLine

/// Every number of Chollet's recipe (*Deep Learning with Python*, ch. 5) is a flag whose default
/// is the recipe's value.
struct DemoOptions: ParsableArguments {
    // MARK: Data and weights
    @Option(help: ArgumentHelp("Dataset root with train/, validation/, test/ and a folder per class. Without it, a small generated dataset is written and a short schedule runs.", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("Pretrained VGG16 conv weights: a Keras .h5 (classic notop file or Keras 3 .weights.h5, HED backbone accepted), or 'none' for random weights. Default: $FINETUNE_WEIGHTS, then ~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5, then the HED weights fetched by `bash .ci/install-deps --weights`.", valueName: "file|none"))
    var weights: String?

    @Option(name: .customLong("initial-weights"), help: ArgumentHelp("Keras 3 .weights.h5 of the whole model (base + head) to start from; overrides --weights.", valueName: "file"))
    var initialWeights: String?

    @Option(help: ArgumentHelp("Folder for history.json/.csv, plots, checkpoints and metrics.json.", valueName: "dir"))
    var out: String = "demo-out"

    @Option(help: ArgumentHelp("Resume from a checkpoint written by an earlier run (its --out/last.ftckpt, phase1.ftckpt or phase2.ftckpt); the other flags must describe the same run.", valueName: "checkpoint"))
    var resume: String?

    @Option(help: ArgumentHelp("Also write TensorBoard logs to this folder (dir/train, dir/validation: Keras' epoch_loss and epoch_acc, learning rate, batch means, phases, a grid of augmented training images; dir/evaluation: the test loss and accuracy); watch with `tensorboard --logdir dir`.", valueName: "dir"))
    var tensorboard: String?

    @Flag(help: "Replace the results of an earlier run in --out (without it, a non-empty --out is refused unless --resume is given).")
    var overwrite = false

    @Flag(name: .customLong("skip-bad-files"), help: "Leave out image files that cannot be read (the check before training lists them) instead of stopping.")
    var skipBadFiles = false

    // MARK: Model and schedule
    @Option(name: .customLong("image-size"), help: "Images are resized to this height and width (default: Chollet's 150; 64 on the generated dataset).")
    var imageSize: Int?

    @Option(name: .customLong("batch-size"), help: "Images per batch (Chollet's recipe: 20).")
    var batchSize: Int = 20

    @Option(name: .customLong("phase1-epochs"), help: "Epochs with the whole VGG16 base frozen (default: Chollet's 30; 3 on the generated dataset).")
    var phase1Epochs: Int?

    @Option(name: .customLong("phase2-epochs"), help: "Fine-tuning epochs after unfreezing (default: Chollet's 100; 3 on the generated dataset).")
    var phase2Epochs: Int?

    @Option(name: .customLong("steps-per-epoch"), help: "Training batches per epoch (default: Chollet's 100; 10 on the generated dataset).")
    var stepsPerEpoch: Int?

    @Option(name: .customLong("validation-steps"), help: "Validation batches at the end of each epoch (default: Chollet's 50; 5 on the generated dataset).")
    var validationSteps: Int?

    @Option(name: .customLong("test-steps"), help: "Test batches in the final evaluation (default: Chollet's 50; 5 on the generated dataset).")
    var testSteps: Int?

    @Option(help: "RMSprop learning rate of phase 1 (Chollet's recipe: 2e-5).")
    var lr1: Float = 2e-5

    @Option(help: "RMSprop learning rate of phase 2 (Chollet's recipe: 1e-5).")
    var lr2: Float = 1e-5

    @Option(name: .customLong("unfreeze-from"), help: "Phase 2 trains every base layer from this one on (Chollet's recipe: block5_conv1).")
    var unfreezeFrom: String = "block5_conv1"

    // MARK: Augmentation (training images only)
    @Option(help: "Random rotation range in degrees (Chollet's recipe: 40).")
    var rotation: Double = 40

    @Option(name: .customLong("width-shift"), help: "Random horizontal shift, fraction of width (Chollet's recipe: 0.2).")
    var widthShift: Double = 0.2

    @Option(name: .customLong("height-shift"), help: "Random vertical shift, fraction of height (Chollet's recipe: 0.2).")
    var heightShift: Double = 0.2

    @Option(help: "Random shear angle in degrees (Chollet's recipe: 0.2).")
    var shear: Double = 0.2

    @Option(help: "Random zoom range: zoom drawn from [1 − z, 1 + z] (Chollet's recipe: 0.2).")
    var zoom: Double = 0.2

    @Option(name: .customLong("fill-mode"), help: "How points outside the image are filled: nearest, constant, reflect, wrap (Chollet's recipe: nearest).")
    var fillMode: String = "nearest"

    @Flag(name: .customLong("no-augment"), help: "Train on un-augmented images.")
    var noAugment = false

    @Option(name: .customLong("augmentation-randomness"), help: AugmentationOptions.randomnessHelp)
    var augmentationRandomness: String = "per-sample"

    @Flag(name: .customLong("no-shuffle"), help: "Keep the training images in directory order.")
    var noShuffle = false

    @Option(help: "Input scaling: 'rescale' (Chollet's recipe: ×1/255) or 'caffe' (Keras' VGG16 preprocess_input: BGR, mean-subtracted — what pretrained VGG16 weights expect).")
    var preprocessing: String = "rescale"

    // MARK: Run
    @Option(help: "Seed for initialisation, shuffling and augmentation; the same seed and thread count replay a run bit for bit.")
    var seed: UInt64 = 1

    @Option(help: "CPU threads for kernels and data workers (default: all cores).")
    var threads: Int?

    @Flag(help: "Data-parallel over the ranks of `mpirun -np N` (--batch-size is the global batch; rank 0 prints and writes). Needs a build with `--traits MPI`.")
    var distributed = false

    @OptionGroup(title: "Distributed runs") var distribution: DistributedOptions

    @Flag(help: "No progress bar: one summary line per epoch, then the results.")
    var quiet = false
}
