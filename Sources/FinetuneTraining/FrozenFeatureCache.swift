import FinetuneCore
import FinetuneNN

/// A model cut in two at its earliest trainable layer (or earliest layer whose state training
/// updates): a frozen prefix, whose output for a given input never changes while the trainable set
/// stays the same, and the rest.
///
/// Validation and test sets are the same images every epoch, so the prefix's output for them can
/// be computed once and reused: for phase 1 of Chollet's recipe the whole VGG16 base (13.2 GFLOP an image
/// at 150×150) is skipped from the second validation pass on; in phase 2, blocks 1–4 are.
/// Only `Sequential` containers are looked through; any other layer with sublayers is opaque.
struct ModelSplit {
    let prefix: [any Layer]
    let suffix: Sequential

    init?(model: any Layer, trainable: Set<String>) {
        func leaves(_ layer: any Layer) -> [any Layer] {
            if let s = layer as? Sequential { return s.layers.flatMap(leaves) }
            return [layer]
        }
        let all = leaves(model)
        // The prefix ends at the first layer that trains or whose state a training step updates
        // (a BatchNormalization kept in training mode while frozen): its output changes each step.
        let cut = all.firstIndex {
            $0.parameters.contains { trainable.contains($0.key) } || $0.updatesAnyState(trainable: trainable)
        } ?? all.count
        guard cut > 0, cut < all.count,
              let suffix = try? Sequential(name: model.name + "_trainable_part", Array(all[cut...])) else { return nil }
        prefix = Array(all[..<cut])
        self.suffix = suffix
        // As one Sequential, the prefix runs its fused pairs (a convolution and the max-pool after it).
        frozenPart = try? Sequential(name: model.name + "_frozen_part", prefix)
    }

    private let frozenPart: Sequential?

    /// The frozen prefix's output (inference mode).
    func features(_ x: Tensor) -> Tensor { frozenPart.map { $0(x) } ?? prefix.reduce(x) { $1($0) } }
}

/// Frozen-prefix outputs of repeatable sources, by (source identity, batch index).
struct FrozenFeatureCache {
    /// Upper bound on cached scalars (default 384 Mi floats = 1.5 GiB).
    var capacity: Int = 384 << 20
    private var entries: [String: [Int: Tensor]] = [:]
    private var stored = 0

    mutating func invalidate() { entries = [:]; stored = 0 }

    func lookup(_ identity: String, batch: Int) -> Tensor? { entries[identity]?[batch] }

    mutating func store(_ features: Tensor, identity: String, batch: Int) {
        guard entries[identity]?[batch] == nil, stored + features.scalarCount <= capacity else { return }
        entries[identity, default: [:]][batch] = features
        stored += features.scalarCount
    }
}
