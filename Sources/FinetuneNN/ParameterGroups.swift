import Foundation
import FinetuneCore

/// Discriminative learning rates (Howard & Ruder 2018, ULMFiT; fastai's `lr=slice(lo, hi)`):
/// parameter groups by layer name, each trained at its own rate by its own copy of an optimizer.
///
/// `groups` lists layers (or sub-models) from the input towards the output; every parameter not
/// in a listed group forms one more group, last (the head). For n groups in all, group g's rate
/// is lo · (hi / lo)^(g / (n − 1)) — fastai's `even_mults`, geometric from `rates.lowerBound` for
/// the first group to `rates.upperBound` for the head. List the unfrozen blocks: frozen
/// parameters get no gradients, so their group never trains.
///
/// Each group's optimizer is a copy of `optimizer` with its own slots (so a checkpoint's
/// optimizer state is the union of the groups', under the usual `<key>/<slot>` names) and its
/// rate scaled by rate_g / hi at every step: the optimizer's own rate, or its schedule, is the
/// head's. Give it `hi` (or a ``OneCycle`` peaking at `hi`) and each group follows the same cycle
/// peaking at its own rate, as fastai's `fit_one_cycle(slice(lo, hi))` does; a callback that sets
/// ``learningRate`` scales every group alike.
package struct ParameterGroups: Optimizer {
    /// One optimizer per group, the head's last.
    package private(set) var members: [any Optimizer]
    /// Each group's rate when the head's is `highest`.
    package let rates: [Double]
    /// The head's rate, `rates.upperBound`.
    package let highest: Double
    /// The group of every listed parameter key; keys not here belong to the last group.
    package let groupOfKey: [String: Int]

    /// Groups `groups` of `model`'s layers, then the rest, with rates spread geometrically over
    /// `rates`. Throws ``LayerError/unknownLayer(name:known:)`` for a name `model` lacks and
    /// ``OptimizerError/parameterInTwoGroups(key:)`` when groups overlap.
    package init(_ optimizer: any Optimizer, groups: [[String]], rates: ClosedRange<Float>, in model: any Layer) throws {
        precondition(rates.lowerBound > 0, "ParameterGroups: rates must be positive")
        let tree = LayerTree(model)
        var groupOfKey: [String: Int] = [:]
        for (g, names) in groups.enumerated() {
            for name in names {
                for key in try tree.keys(of: name).sorted() {
                    if let other = groupOfKey[key], other != g { throw OptimizerError.parameterInTwoGroups(key: key) }
                    groupOfKey[key] = g
                }
            }
        }
        let n = groups.count + 1, lo = rates.lowerBound.decimalDouble, hi = rates.upperBound.decimalDouble
        let step = n > 1 ? pow(hi / lo, 1 / Double(n - 1)) : 1
        self.rates = (0..<n).map { n > 1 ? lo * pow(step, Double($0)) : hi }
        self.highest = hi
        self.groupOfKey = groupOfKey
        members = self.rates.map { rate in
            var member = optimizer
            let factor = rate / hi
            if var scheduled = member as? any ScheduledOptimizer, let schedule = scheduled.schedule {
                scheduled.schedule = ScaledSchedule(schedule, factor: factor)
                member = scheduled
            }
            member.learningRate = Float(optimizer.learningRate.decimalDouble * factor)
            return member
        }
    }

    /// The head's rate (the last group's); setting it scales every group's rate alike.
    package var learningRate: Float {
        get { members[members.count - 1].learningRate }
        set {
            for g in members.indices { members[g].learningRate = Float(newValue.decimalDouble * rates[g] / highest) }
        }
    }

    package var iterations: Int { members[0].iterations }

    package var state: [String: Tensor] {
        members.reduce(into: [:]) { all, member in all.merge(member.state) { first, _ in first } }
    }

    /// Removes every group's schedule: each then steps at its ``learningRate`` share as set.
    package mutating func removeSchedules() {
        members = members.map { unscheduled($0) }
    }

    /// The group of parameter key `key`.
    package func group(of key: String) -> Int { groupOfKey[key] ?? members.count - 1 }

    package mutating func restore(state: [String: Tensor], iterations: Int) throws {
        var parts = [[String: Tensor]](repeating: [:], count: members.count)
        for (key, tensor) in state {
            let parameter = key.lastIndex(of: "/").map { String(key[..<$0]) } ?? key
            parts[group(of: parameter)][key] = tensor
        }
        var restored = members
        for g in restored.indices { try restored[g].restore(state: parts[g], iterations: iterations) }
        members = restored
    }

    package mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        var parts = [[String: Tensor]](repeating: [:], count: members.count)
        for (key, g) in gradients { parts[group(of: key)][key] = g }
        var updated: [String: Tensor] = [:]
        for g in members.indices {   // every group steps, so all keep the same iteration count
            updated.merge(members[g].step(parameters: parameters, gradients: parts[g])) { _, new in new }
        }
        return updated
    }
}
