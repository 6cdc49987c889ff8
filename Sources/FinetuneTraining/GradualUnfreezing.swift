import FinetuneNN

/// Gradual unfreezing (Howard & Ruder 2018, "Universal Language Model Fine-tuning", §3.2; fastai's
/// `freeze_to`): a freeze policy over time. In the first epoch of its phase only the head and the
/// top `groupsPerStep` groups train; every `epochsPerStep` epochs `groupsPerStep` more groups,
/// downwards, join them, until all do. The optimizer is kept (as fastai's `freeze_to` keeps it):
/// a group's slots start when it first trains.
///
/// The trainable set of an epoch depends only on how many epochs of the phase are done, so a
/// resumed run unfreezes exactly as an uninterrupted one. Set it as ``Trainer/unfreezing``; `fit`
/// applies it at the start of each epoch of phase ``phase``.
package struct GradualUnfreezing: Sendable, Equatable {
    /// The phase it applies to.
    package var phase: Int
    /// Keys that train from the phase's first epoch (the head).
    package var alwaysTrainable: Set<String>
    /// The parameter keys of each group, in the order they unfreeze (the top block first).
    package var groups: [Set<String>]
    /// Groups unfrozen at each step, ≥ 1.
    package var groupsPerStep: Int
    /// Epochs between steps, ≥ 1.
    package var epochsPerStep: Int

    /// Unfreezes `groups` (layer names of `model`, each inner list one group, the top group
    /// first) on top of `alwaysTrainable`. Throws for a layer `model` lacks.
    package init(phase: Int, model: any Layer, alwaysTrainable: Set<String>, groups: [[String]], groupsPerStep: Int = 1,
                 epochsPerStep: Int = 1) throws {
        precondition(groupsPerStep >= 1 && epochsPerStep >= 1, "GradualUnfreezing: steps must be ≥ 1")
        let tree = LayerTree(model)
        self.phase = phase
        self.alwaysTrainable = alwaysTrainable
        self.groups = try groups.map { names in try names.reduce(into: Set<String>()) { $0.formUnion(try tree.keys(of: $1)) } }
        self.groupsPerStep = groupsPerStep
        self.epochsPerStep = epochsPerStep
    }

    /// Groups training in epoch `epoch` (0-based) of the phase.
    package func unfrozenGroups(epochInPhase epoch: Int) -> Int {
        min(groups.count, groupsPerStep * (epoch / epochsPerStep + 1))
    }

    /// The trainable keys of epoch `epoch` (0-based) of the phase.
    package func trainableKeys(epochInPhase epoch: Int) -> Set<String> {
        groups.prefix(unfrozenGroups(epochInPhase: epoch)).reduce(alwaysTrainable) { $0.union($1) }
    }
}

extension Trainer {
    /// Applies ``unfreezing`` for the epoch about to start, when it belongs to the current phase.
    func applyUnfreezing() throws {
        guard let unfreezing, unfreezing.phase == phase else { return }
        let done = history.epochs.lazy.filter { $0.phase == self.phase }.count
        let keys = unfreezing.trainableKeys(epochInPhase: done).subtracting(model.allStateKeys)
        guard keys != trainable else { return }
        try setTrainableForRestore(keys)
        featureCache.invalidate()
    }
}
