import Finetune

/// `--recipe fast`: fastai's `Learner.fine_tune` (fastai 2.x, `fastai/callback/schedule.py`) on
/// VGG16 + a new head, with fastai's default numbers:
///
/// - `freeze_epochs = 1` epoch with the base frozen, `fit_one_cycle(1, base_lr, pct_start=0.99)`:
///   one-cycle peaking at `base_lr` (2e-3), warm-up fraction 0.99, `div` 25, `div_final` 1e5;
/// - then the top of the base unfreezes (`--unfreeze-from`, the backbone's default: VGG16's
///   `block5_conv1`, Chollet's choice) and
///   `fit_one_cycle(epochs, slice(base_lr/2/lr_mult, base_lr/2), pct_start=0.3, div=5)` with
///   `lr_mult = 100`: discriminative rates from base/200 (the first unfrozen block) to base/2
///   (head), warm-up 0.3, `div` 5, `div_final` 1e5;
/// - fastai's `Adam`: decoupled weight decay 0.01, β₂ 0.99, ε 1e-5, β₁ following the cycle
///   0.95 → 0.85 → 0.95 (Keras 3's AdamW formulas with these numbers); no label smoothing.
///
/// fastai's `fine_tune` unfreezes the whole base. On VGG16 that makes an unfrozen epoch cost four
/// times a frozen one (the backward pass through blocks 1–4 at 150×150 and above), and on
/// `cats_and_dogs_mini` from HED's backbone it did not pay: 1 + 3 epochs with everything unfrozen
/// reached 0.580 test accuracy in 103 s, 1 + 5 from `block5_conv1` 0.600–0.655 in 53–62 s.
///
/// The schedule has PyTorch's `OneCycleLR` shape (``Schedules/oneCycle(maxLearningRate:totalSteps:warmupFraction:divFactor:finalDivFactor:momentum:)``),
/// whose step boundaries differ from fastai's `combined_cos` by at most one step. fastai's
/// `fine_tune` needs the unfrozen epoch count; here it defaults to ``unfrozenEpochs``.
enum FastRecipe {
    static let name = "fast"
    static let names = ["chollet", name]
    static let baseLearningRate: Float = 2e-3
    static let frozenEpochs = 1
    static let unfrozenEpochs = 5
    static let lrMultiplier: Float = 100
    static let frozenShape = TrainingMethod.OneCycleShape(warmupFraction: 0.99, divFactor: 25, finalDivFactor: 1e5)
    static let unfrozenShape = TrainingMethod.OneCycleShape(warmupFraction: 0.3, divFactor: 5, finalDivFactor: 1e5)
    static let weightDecay = 0.01, beta2 = 0.99, epsilon = 1e-5

    /// `c` with the recipe's epochs, rates, unfreezing and method, for base rate `base`.
    static func apply(to c: inout TrainConfiguration, baseLearningRate base: Float) {
        let vgg = c.backbone == .vgg16
        (c.phase1Epochs, c.phase2Epochs) = vgg ? (frozenEpochs, unfrozenEpochs) : (graphFrozenEpochs, graphUnfrozenEpochs)
        c.learningRate1 = base
        c.learningRate2 = Float(base.decimalDouble / phase2Divisor(c.backbone))
        c.unfreezeFrom = c.backbone.defaultUnfreezeFrom
        c.method = method(baseLearningRate: base, backbone: c.backbone)
    }

    /// Phase 2's top rate is the base rate divided by this: fastai's 2, or 10 with a BatchNorm
    /// backbone, whose phase 2 starts from a head already trained at the higher base rate
    /// (EfficientNet-Lite0 on `cats_and_dogs_mini`: at base/2 the one-cycle peak threw the
    /// validation loss from 0.03 to 0.30 in one epoch; at base/10 it fell steadily).
    static func phase2Divisor(_ backbone: Backbone) -> Double { backbone == .vgg16 ? 2 : 10 }

    /// The recipe's base rate and epochs with a BatchNorm backbone (ResNet50, MobileNetV2,
    /// EfficientNet-Lite), tuned with EfficientNet-Lite0 at 224×224 on `cats_and_dogs_mini` (400
    /// training photos: 20 steps an epoch, so fastai's 2e-3 leaves the head under-trained after
    /// four epochs; 1e-2 reaches 0.975 validation accuracy there). Phase 2 unfreezes the top of the
    /// base only (``Backbone/defaultUnfreezeFrom``), its BatchNorm layers frozen: the backward pass
    /// through the whole network costs more than it gains on a few hundred images.
    static let graphBaseLearningRate: Float = 1e-2
    static let graphFrozenEpochs = 4
    static let graphUnfrozenEpochs = 4

    /// The base rate `--lr1` defaults to under this recipe for `backbone`.
    static func baseLearningRate(for backbone: Backbone) -> Float {
        backbone == .vgg16 ? baseLearningRate : graphBaseLearningRate
    }

    /// The recipe's optimizer, schedules and discriminative rates for base rate `base`.
    static func method(baseLearningRate base: Float, backbone: Backbone = .vgg16) -> TrainingMethod {
        var m = TrainingMethod()
        (m.optimizer, m.weightDecay, m.adamBeta2, m.adamEpsilon) = (.adamw, weightDecay, beta2, epsilon)
        (m.schedule, m.oneCycle) = (.oneCycle, [frozenShape, unfrozenShape])
        // In double precision from the rate as written (2e-3 → 1e-5 … 1e-3), as Python computes them.
        let b = base.decimalDouble, top = phase2Divisor(backbone)
        m.discriminative = Float(b / top / Double(lrMultiplier))...Float(b / top)
        m.labelSmoothing = 0
        m.recipe = name
        return m
    }
}
