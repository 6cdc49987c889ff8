import FinetuneCore
import FinetuneNN

/// A model cut in two at one tensor before its earliest trainable layer (or earliest layer whose
/// state training updates): a frozen prefix, whose output for a given input never changes while
/// the trainable set stays the same, and the rest.
///
/// Validation and test sets are the same images every epoch, so the prefix's output for them can
/// be computed once and reused: for phase 1 of Chollet's recipe the whole VGG16 base (13.2 GFLOP an image
/// at 150×150) is skipped from the second validation pass on; in phase 2, blocks 1–4 are.
///
/// `Sequential` and `Graph` containers are looked through (any other layer with sublayers is
/// opaque): the model becomes one graph of leaf layers in forward order, and the cut is the last
/// node that every path from the input to the output passes through — no connection jumps over
/// it — with every layer up to it frozen. In a graph, the prefix thus ends before the residual
/// block (or branch point) that holds the first trainable layer; the cached tensor is that
/// node's output. Chains are run as `Sequential`s, so a frozen convolution and the max-pool
/// after it stay fused.
struct ModelSplit {
    let prefix: any Layer
    let suffix: any Layer

    init?(model: any Layer, trainable: Set<String>) {
        var flat = LeafGraph()
        _ = flat.append(model, input: 0)
        let n = flat.layers.count
        // The first layer that trains or whose state a training step updates (a BatchNormalization
        // kept in training mode while frozen): its output changes each step.
        let firstLive = flat.layers.firstIndex {
            $0.parameters.contains { trainable.contains($0.key) } || $0.updatesAnyState(trainable: trainable)
        } ?? n
        // The furthest node any layer reading from nodes before c reads, for each c.
        var reach = Array(repeating: 0, count: n + 1)
        for (k, from) in flat.inputs.enumerated() { for i in from { reach[i] = max(reach[i], k + 1) } }
        // Node c (the output of layers[c − 1]) is the cut when every layer before it is frozen,
        // something follows it, and nothing reading a node before it lies beyond it.
        var cut = 0, furthest = reach[0]
        let last = min(firstLive, n - 1)
        if last >= 1 {
            for c in 1...last {
                if furthest <= c { cut = c }
                furthest = max(furthest, reach[c])
            }
        }
        guard cut > 0 else { return nil }
        prefix = flat.part(nodes: 1...cut, name: model.name + "_frozen_part")
        suffix = flat.part(nodes: (cut + 1)...n, name: model.name + "_trainable_part")
    }

    /// The frozen prefix's output (inference mode).
    func features(_ x: Tensor) -> Tensor { prefix(x) }
}

/// A model's leaf layers wired as a graph: node 0 is the input, node k + 1 the output of `layers[k]`.
struct LeafGraph {
    var layers: [any Layer] = []
    var inputs: [[Int]] = []

    /// Appends `layer` (a `Sequential` or `Graph` inlined) reading node `input`; returns its output node.
    mutating func append(_ layer: any Layer, input: Int) -> Int {
        if let sequential = layer as? Sequential {
            return sequential.layers.reduce(input) { append($1, input: $0) }
        }
        if let graph = layer as? Graph {
            var nodes = [input]
            for (inner, from) in zip(graph.layers, graph.inputs) {
                if inner is any MergeLayer {
                    nodes.append(leaf(inner, from.map { nodes[$0] }))
                } else {
                    nodes.append(append(inner, input: nodes[from[0]]))
                }
            }
            return nodes.last!
        }
        return leaf(layer, [input])
    }

    private mutating func leaf(_ layer: any Layer, _ from: [Int]) -> Int {
        layers.append(layer)
        inputs.append(from)
        return layers.count
    }

    /// Nodes `nodes` as a model reading node `nodes.lowerBound − 1`: a `Sequential` for a chain,
    /// else a `Graph`.
    func part(nodes: ClosedRange<Int>, name: String) -> any Layer {
        let base = nodes.lowerBound - 1
        let parts = Array(layers[(nodes.lowerBound - 1)..<nodes.upperBound])
        let from = inputs[(nodes.lowerBound - 1)..<nodes.upperBound].map { $0.map { $0 - base } }
        if from.enumerated().allSatisfy({ $0.element == [$0.offset] }), let chain = try? Sequential(name: name, parts) {
            return chain
        }
        return Graph(name: name, inputName: name + "_input", inputShape: [], layers: parts, inputs: from)
    }
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
