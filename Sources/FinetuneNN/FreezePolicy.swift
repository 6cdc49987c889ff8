import FinetuneCore

/// Which parameters train, decided explicitly and checked against the model.
///
/// Starting from a trainable set (by default every key, Keras' default), a policy is one rule or a
/// sequence of rules (``then(_:)``):
/// - ``none``: everything trainable.
/// - ``all(of:)`` / ``freeze(_:)``: the named layers (a whole sub-model such as `"vgg16"`, or a
///   single layer) become frozen; the rest is left as it was. Phase 1 of Chollet's recipe:
///   `.all(of: "vgg16")`.
/// - ``unfreeze(_:)``: the named layers become trainable.
/// - ``from(_:)`` (alias `until(_:)`): in forward order, every layer before the named one is
///   frozen and it and every later layer are trainable — the phase 2 loop of Chollet's recipe
///   (`block5_conv1` and after, including the head, train).
/// - ``keys(_:)``: exactly these keys train.
/// Unknown layer names throw ``LayerError/unknownLayer(name:known:)`` listing the known names;
/// unknown keys throw ``LayerError/unknownParameter(key:layer:)``. Every rule is idempotent, so
/// applying a policy to its own result changes nothing. State such as `BatchNormalization`'s
/// moving statistics is never in a trainable set: no rule adds it, and ``keys(_:)`` leaves it out.
public struct FreezePolicy: Sendable, CustomStringConvertible {
    indirect enum Rule: Sendable {
        case everything
        case freeze([String])
        case unfreeze([String])
        case from(String)
        case keys(Set<String>)
        case sequence([Rule])
    }
    let rule: Rule

    /// Everything trainable.
    public static var none: FreezePolicy { FreezePolicy(rule: .everything) }
    /// Freezes the layer or sub-model `name` (all of its parameters).
    public static func all(of name: String) -> FreezePolicy { FreezePolicy(rule: .freeze([name])) }
    /// Freezes the named layers or sub-models.
    public static func freeze(_ names: String...) -> FreezePolicy { FreezePolicy(rule: .freeze(names)) }
    /// Makes the named layers or sub-models trainable.
    public static func unfreeze(_ names: String...) -> FreezePolicy { FreezePolicy(rule: .unfreeze(names)) }
    /// Trainable from layer `name` on (forward order), frozen before it.
    public static func from(_ name: String) -> FreezePolicy { FreezePolicy(rule: .from(name)) }
    /// Frozen until layer `name`, trainable from it on: the same as ``from(_:)``.
    package static func until(_ name: String) -> FreezePolicy { from(name) }
    /// Exactly `keys` are trainable.
    public static func keys(_ keys: Set<String>) -> FreezePolicy { FreezePolicy(rule: .keys(keys)) }

    /// This policy, then `next` applied to its result.
    public func then(_ next: FreezePolicy) -> FreezePolicy {
        switch rule {
        case let .sequence(rules): return FreezePolicy(rule: .sequence(rules + [next.rule]))
        default: return FreezePolicy(rule: .sequence([rule, next.rule]))
        }
    }

    /// The trainable keys of `model` under this policy, starting from `current` (default: all keys).
    package func trainableKeys(in model: any Layer, startingFrom current: Set<String>? = nil) throws -> Set<String> {
        let tree = LayerTree(model)
        return try Self.apply(rule, to: current ?? Set(tree.allKeys), tree: tree)
    }

    /// The trainable keys and the trainable / non-trainable parameter counts.
    public func apply(to model: any Layer, startingFrom current: Set<String>? = nil) throws -> FreezeReport {
        let keys = try trainableKeys(in: model, startingFrom: current)
        return FreezeReport(model: model, trainableKeys: keys)
    }

    public var description: String { Self.describe(rule) }

    private static func describe(_ rule: Rule) -> String {
        switch rule {
        case .everything: return ".none"
        case let .freeze(n): return ".freeze(\(n.joined(separator: ", ")))"
        case let .unfreeze(n): return ".unfreeze(\(n.joined(separator: ", ")))"
        case let .from(n): return ".from(\(n))"
        case let .keys(k): return ".keys(\(k.sorted().joined(separator: ", ")))"
        case let .sequence(rules): return rules.map(describe).joined(separator: ".then")
        }
    }

    private static func apply(_ rule: Rule, to current: Set<String>, tree: LayerTree) throws -> Set<String> {
        switch rule {
        case .everything:
            return Set(tree.allKeys)
        case let .freeze(names):
            return try names.reduce(current) { $0.subtracting(try tree.keys(of: $1)) }
        case let .unfreeze(names):
            return try names.reduce(current) { $0.union(try tree.keys(of: $1)) }
        case let .from(name):
            return try tree.keys(from: name)
        case let .keys(keys):
            if let unknown = keys.subtracting(tree.root.parameters.map(\.key)).sorted().first {
                throw LayerError.unknownParameter(key: unknown, layer: tree.root.name)
            }
            return keys.subtracting(tree.stateKeys)
        case let .sequence(rules):
            return try rules.reduce(current) { try apply($1, to: $0, tree: tree) }
        }
    }
}

/// The outcome of a ``FreezePolicy``: the trainable keys, and the parameter counts Keras' summary
/// prints.
public struct FreezeReport: Sendable, Equatable, CustomStringConvertible {
    /// Keys of the parameters that train.
    package var trainableKeys: Set<String>
    /// Scalars in the trainable parameters.
    public var trainableParameters: Int
    /// Scalars in the frozen parameters.
    public var nonTrainableParameters: Int
    /// Names of the layers with parameters that are entirely trainable, in forward order.
    public var trainableLayers: [String]

    /// The report for `model` with `trainableKeys` training.
    package init(model: any Layer, trainableKeys: Set<String>) {
        self.trainableKeys = trainableKeys
        let all = model.parameters
        trainableParameters = all.filter { trainableKeys.contains($0.key) }.reduce(0) { $0 + $1.value.scalarCount }
        nonTrainableParameters = all.reduce(0) { $0 + $1.value.scalarCount } - trainableParameters
        trainableLayers = LayerTree(model).leaves.filter { leaf in
            !leaf.weightKeys.isEmpty && leaf.weightKeys.allSatisfy { trainableKeys.contains($0) }
        }.map(\.name)
    }

    public var description: String {
        "Trainable params: \(ModelSummary.grouped(trainableParameters)); "
            + "non-trainable params: \(ModelSummary.grouped(nonTrainableParameters)); "
            + "trainable layers: \(trainableLayers.isEmpty ? "none" : trainableLayers.joined(separator: ", "))"
    }
}

/// A model's layer tree, flattened for name look-ups.
package struct LayerTree {
    let root: any Layer
    /// Every layer, pre-order (containers before their children), the root first.
    let all: [any Layer]
    /// Layers without sublayers, in forward order.
    package let leaves: [any Layer]

    package init(_ root: any Layer) {
        self.root = root
        func walk(_ l: any Layer) -> [any Layer] { [l] + l.sublayers.flatMap(walk) }
        all = walk(root)
        leaves = all.filter { $0.sublayers.isEmpty }
    }

    /// Keys of every parameter that can train (state left out).
    var allKeys: [String] { root.weightKeys }
    /// Keys of the state parameters (never trainable).
    var stateKeys: Set<String> { root.allStateKeys }

    func layer(_ name: String) throws -> any Layer {
        guard let l = all.first(where: { $0.name == name }) else {
            throw LayerError.unknownLayer(name: name, known: all.map(\.name))
        }
        return l
    }

    /// The trainable-kind keys of layer `name` and its sublayers; throws for a name the model lacks.
    package func keys(of name: String) throws -> Set<String> { Set(try layer(name).weightKeys) }

    /// Keys of every leaf from the first leaf of layer `name` on.
    func keys(from name: String) throws -> Set<String> {
        let target = try layer(name)
        let firstLeafName = LayerTree(target).leaves.first?.name ?? target.name
        guard let start = leaves.firstIndex(where: { $0.name == firstLeafName }) else { return [] }
        return Set(leaves[start...].flatMap(\.weightKeys))
    }
}
