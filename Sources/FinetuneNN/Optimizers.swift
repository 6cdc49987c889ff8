/// Keras' built-in optimizers (`keras.optimizers.*`), made by name, with Keras 3's defaults and
/// formulas (checked step by step against Keras by the golden suites):
///
/// ```swift
/// let trainer = try Trainer(model: model, optimizer: Optimizers.rmsprop(learningRate: 2e-5),
///                           freezing: .all(of: "vgg16"))
/// ```
///
/// Hyper-parameters are Doubles, cast to Float32 where Keras casts them, so trajectories match.
/// With a `schedule`, the learning rate of each step is `schedule(step: iterations)`. An optimizer
/// of your own conforms to ``Optimizer`` (see the article "Writing an optimizer").
public enum Optimizers {
    /// RMSprop, Keras 3 (Tieleman & Hinton 2012): v ← ρv + (1 − ρ)g²; centered: ḡ ← ρḡ + (1 − ρ)g,
    /// D = v − ḡ² + ε, else D = v + ε; Δ = lr·g / √D (ε inside the root); with momentum μ > 0,
    /// m ← μm + Δ and w ← w − m, else w ← w − Δ. Slots `<key>/rms`, `<key>/momentum` (μ > 0),
    /// `<key>/mean_gradient` (centered).
    public static func rmsprop(learningRate: Float = 1e-3, rho: Double = 0.9, momentum: Double = 0,
                               epsilon: Double = 1e-7, centered: Bool = false,
                               schedule: (any LearningRateSchedule)? = nil) -> any Optimizer {
        RMSprop(learningRate: learningRate, rho: rho, momentum: momentum, epsilon: epsilon, centered: centered,
                schedule: schedule)
    }

    /// The book's RMSprop (Keras 2.0.8): ρ 0.9, ε = 1e-8 *outside* the square root,
    /// Δ = lr·g / (√v + ε).
    public static func rmspropKeras2(learningRate: Float = 1e-3) -> any Optimizer {
        RMSprop.keras2(learningRate: learningRate)
    }

    /// Adam, Keras 3 (Kingma & Ba 2015): t = iterations + 1, α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ),
    /// m ← m + (g − m)(1 − β₁), v ← v + (g² − v)(1 − β₂), w ← w − m·α / (√v + ε) (ε added to √v, as
    /// Keras does); with `amsgrad`, v̂ ← max(v̂, v) replaces v. Slots `<key>/m`, `<key>/v`
    /// (and `<key>/v_hat`).
    public static func adam(learningRate: Float = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                            epsilon: Double = 1e-7, amsgrad: Bool = false,
                            schedule: (any LearningRateSchedule)? = nil) -> any Optimizer {
        Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad,
             schedule: schedule)
    }

    /// SGD, Keras 3: w ← w − lr·g; with momentum μ > 0, m ← μm − lr·g and w ← w + m (Nesterov:
    /// w ← w + μm − lr·g). Slot `<key>/momentum` (μ > 0).
    public static func sgd(learningRate: Float = 0.01, momentum: Double = 0, nesterov: Bool = false,
                           schedule: (any LearningRateSchedule)? = nil) -> any Optimizer {
        SGD(learningRate: learningRate, momentum: momentum, nesterov: nesterov, schedule: schedule)
    }

    /// AdamW, Keras 3 (Loshchilov & Hutter 2019): each step first decays every parameter it updates
    /// with the step's rate, w ← w − w·wd·lr, then takes Adam's step on the decayed w. Biases decay
    /// too, as in Keras; frozen parameters are neither decayed nor given state. Checkpoints name it
    /// `AdamW`.
    public static func adamW(learningRate: Float = 1e-3, weightDecay: Double = 0.004, beta1: Double = 0.9,
                             beta2: Double = 0.999, epsilon: Double = 1e-7, amsgrad: Bool = false,
                             schedule: (any LearningRateSchedule)? = nil) -> any Optimizer {
        AdamW(learningRate: learningRate, weightDecay: weightDecay, beta1: beta1, beta2: beta2, epsilon: epsilon,
              amsgrad: amsgrad, schedule: schedule)
    }

    /// Discriminative learning rates (ULMFiT; fastai's `lr=slice(lo, hi)`): `groups` lists layers of
    /// `model` from the input towards the output, and every parameter not listed forms one more
    /// group, last (the head). For n groups, group g trains at lo · (hi / lo)^(g / (n − 1)) with its
    /// own copy of `optimizer` (own slots, saved under the usual `<key>/<slot>` names). The
    /// optimizer's rate, or its schedule, is the head's: give it `hi` (or a one-cycle peaking at
    /// `hi`) and every group follows the same curve at its own scale. Throws for a layer `model`
    /// lacks or a parameter in two groups, naming it.
    public static func parameterGroups(_ optimizer: any Optimizer, groups: [[String]], rates: ClosedRange<Float>,
                                       in model: any Layer) throws -> any Optimizer {
        try ParameterGroups(optimizer, groups: groups, rates: rates, in: model)
    }
}
