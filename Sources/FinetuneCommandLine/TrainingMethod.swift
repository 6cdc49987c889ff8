import Foundation
import Finetune

/// How each phase of a run trains: optimizer, weight decay, label smoothing, learning-rate
/// schedule and discriminative rates (`finetune train`'s `--optimizer`, `--weight-decay`,
/// `--label-smoothing`, `--schedule`, `--discriminative`). The default is Chollet's recipe: a
/// fresh RMSprop (Keras 3) at a constant rate in each phase, no smoothing, one rate for all.
package struct TrainingMethod: Sendable, Equatable {
    package enum OptimizerKind: String, CaseIterable, Sendable {
        case rmsprop, adam, adamw, sgd
    }

    package enum ScheduleKind: String, CaseIterable, Sendable {
        /// The phase's rate at every step.
        case constant
        /// PyTorch's `OneCycleLR` over the phase's steps, peaking at the phase's rate.
        case oneCycle = "one-cycle"
        /// Keras' `CosineDecay` from the phase's rate to 0 over the phase's steps.
        case cosine
    }

    /// The shape of a one-cycle schedule (PyTorch's `OneCycleLR` parameters).
    package struct OneCycleShape: Sendable, Equatable {
        package var warmupFraction = 0.3, divFactor = 25.0, finalDivFactor = 1e4
        package init(warmupFraction: Double = 0.3, divFactor: Double = 25, finalDivFactor: Double = 1e4) {
            (self.warmupFraction, self.divFactor, self.finalDivFactor) = (warmupFraction, divFactor, finalDivFactor)
        }
    }

    package var optimizer = OptimizerKind.rmsprop
    /// AdamW's decoupled weight decay (nil: Keras' default, 0.004).
    package var weightDecay: Double?
    /// Label smoothing of the cross-entropy loss (Keras' `label_smoothing`), in [0, 1).
    package var labelSmoothing = 0.0
    package var schedule = ScheduleKind.constant
    /// One-cycle shapes of phase 1 and phase 2.
    package var oneCycle = [OneCycleShape(), OneCycleShape()]
    /// Phase 2's rates spread geometrically over the unfrozen VGG16 blocks (lowest block) to the
    /// head (highest); nil: one rate, `--lr2`.
    package var discriminative: ClosedRange<Float>?
    /// Adam's and AdamW's β₂ and ε (Keras' defaults unless a recipe changes them).
    package var adamBeta2 = 0.999, adamEpsilon = 1e-7
    /// Phase 2 unfreezes this many VGG16 blocks an epoch, top first (``GradualUnfreezing``); nil:
    /// all of them at once.
    package var gradualUnfreezing: Int?
    /// The recipe these values come from (`chollet` or `fast`), for run.json.
    package var recipe = "chollet"

    package init() {}

    /// Keras' AdamW default weight decay.
    static let kerasWeightDecay = 0.004

    /// The optimizer of phase `phase` (1 or 2) at `learningRate`, scheduled over `totalSteps`,
    /// with discriminative groups over the unfrozen blocks of `model` in phase 2 (`trainable`:
    /// its trainable keys). Throws when the schedule cannot span `totalSteps`, naming the flag.
    func makeOptimizer(phase: Int, learningRate: Float, totalSteps: Int, model: any Layer,
                       trainable: Set<String>, backbone: Backbone) throws -> any Optimizer {
        let groups = phase == 2 ? discriminative : nil
        let peak = groups?.upperBound ?? learningRate
        let schedule = try makeSchedule(phase: phase, peak: peak, totalSteps: totalSteps)
        let base: any Optimizer
        switch optimizer {
        case .rmsprop: base = RMSprop(learningRate: peak, schedule: schedule)
        case .adam: base = Adam(learningRate: peak, beta2: adamBeta2, epsilon: adamEpsilon, schedule: schedule)
        case .adamw:
            base = AdamW(learningRate: peak, weightDecay: weightDecay ?? Self.kerasWeightDecay, beta2: adamBeta2,
                         epsilon: adamEpsilon, schedule: schedule)
        case .sgd: base = SGD(learningRate: peak, schedule: schedule)
        }
        guard let groups else { return base }
        let blocks = Self.unfrozenBlocks(trainable, backbone: backbone, model: model)
        return try ParameterGroups(base, groups: blocks, rates: groups, in: model)
    }

    /// The layers with trainable parameters of each block of the base (the model's first layer;
    /// blocks as ``Backbone/block(ofLayer:)`` groups them), lowest block first, each block's layers
    /// in the base's order.
    static func unfrozenBlocks(_ trainable: Set<String>, backbone: Backbone, model: any Layer) -> [[String]] {
        let layers = Set(trainable.compactMap { key in key.lastIndex(of: ".").map { String(key[..<$0]) } })
        var order: [String] = [], members: [String: [String]] = [:]
        for leaf in LayerTree(model.sublayers.first ?? model).leaves where layers.contains(leaf.name) {
            guard let block = backbone.block(ofLayer: leaf.name) else { continue }
            if members[block] == nil { order.append(block) }
            members[block, default: []].append(leaf.name)
        }
        return order.map { members[$0]! }
    }

    func makeSchedule(phase: Int, peak: Float, totalSteps: Int) throws -> (any LearningRateSchedule)? {
        guard totalSteps > 0 else { return nil }
        switch schedule {
        case .constant:
            return nil
        case .cosine:
            return CosineDecay(initialLearningRate: peak, decaySteps: totalSteps)
        case .oneCycle:
            let shape = oneCycle[phase - 1]
            let top = shape.warmupFraction * Double(totalSteps) - 1
            guard top > 0, top < Double(totalSteps - 1) else {
                throw CommandLineError.invalidValue(
                    flag: "--schedule", value: "one-cycle",
                    expected: "a phase long enough for its warm-up and its annealing: phase \(phase) has \(totalSteps) step(s), "
                        + "and a warm-up fraction of \(shape.warmupFraction) needs more; train more epochs or steps, or use --schedule constant")
            }
            return OneCycle(maxLearningRate: peak, totalSteps: totalSteps, warmupFraction: shape.warmupFraction,
                            divFactor: shape.divFactor, finalDivFactor: shape.finalDivFactor)
        }
    }

    /// Phase 2's gradual unfreezing over the VGG16 blocks `trainable` holds (top first), the
    /// rest of `trainable` (the head) training from the first epoch; nil without
    /// ``gradualUnfreezing``.
    func unfreezing(model: any Layer, trainable: Set<String>, backbone: Backbone) throws -> GradualUnfreezing? {
        guard let k = gradualUnfreezing else { return nil }
        let blocks = Self.unfrozenBlocks(trainable, backbone: backbone, model: model)
        let blockKeys = try blocks.flatMap { $0 }.reduce(into: Set<String>()) { $0.formUnion(try LayerTree(model).keys(of: $1)) }
        return try GradualUnfreezing(phase: 2, model: model, alwaysTrainable: trainable.subtracting(blockKeys),
                                     groups: blocks.reversed(), groupsPerStep: k)
    }

    /// The loss of a model with this head: its cross-entropy with ``labelSmoothing``.
    func loss(binary: Bool) -> any Loss {
        binary ? BinaryCrossEntropy(labelSmoothing: labelSmoothing) : CategoricalCrossEntropy(labelSmoothing: labelSmoothing)
    }

    /// How phase `phase` trains, in words (`RMSprop(2e-05)`, `AdamW(0.001, wd 0.01), one-cycle`).
    func describe(phase: Int, learningRate: Float) -> String {
        let groups = phase == 2 ? discriminative : nil
        let rate = groups.map { "\($0.lowerBound)…\($0.upperBound) over the unfrozen blocks and the head" } ?? "\(learningRate)"
        let name = ["rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW", "sgd": "SGD"][optimizer.rawValue] ?? optimizer.rawValue
        let decay = optimizer == .adamw ? ", weight decay \(weightDecay ?? Self.kerasWeightDecay)" : ""
        let unfreezing = phase == 2 ? gradualUnfreezing.map { ", unfreezing \($0) block(s) an epoch" } ?? "" : ""
        return "\(name)(\(rate)\(decay))" + (schedule == .constant ? "" : ", \(schedule.rawValue) schedule") + unfreezing
    }

    /// Every number of the method, for `run.json`.
    func manifest(learningRates: [Float]) -> [String: Any] {
        var m: [String: Any] = ["recipe": recipe, "optimizer": optimizer.rawValue, "label_smoothing": labelSmoothing,
                                "schedule": schedule.rawValue,
                                "learning_rates": learningRates.map { Double($0.description) ?? Double($0) }]
        if optimizer == .adamw { m["weight_decay"] = weightDecay ?? Self.kerasWeightDecay }
        if optimizer == .adam || optimizer == .adamw { (m["beta_2"], m["epsilon"]) = (adamBeta2, adamEpsilon) }
        if schedule == .oneCycle {
            m["one_cycle"] = oneCycle.map {
                ["warmup_fraction": $0.warmupFraction, "div_factor": $0.divFactor, "final_div_factor": $0.finalDivFactor]
            }
        }
        if let gradualUnfreezing { m["gradual_unfreezing_blocks_per_epoch"] = gradualUnfreezing }
        if let d = discriminative {
            m["discriminative"] = ["low": Double(d.lowerBound.description) ?? 0, "high": Double(d.upperBound.description) ?? 0]
        }
        return m
    }
}
