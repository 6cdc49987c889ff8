import FinetuneCore

/// An optimizer's per-parameter state ("slots": Adam's m and v, RMSprop's running mean of g²),
/// keyed `"<parameter key>/<slot>"` (`block5_conv1.kernel/m`), as Keras names them per variable.
///
/// A slot tensor is created, zero-filled and shaped like its parameter, the first time that
/// parameter receives a gradient. Only trainable parameters receive gradients, so a frozen
/// parameter never gets state. With this value, an optimizer is its update rule plus a few lines
/// of ``Optimizer`` conformance:
///
/// ```swift
/// var slots = OptimizerSlots()
/// var state: [String: Tensor] { slots.tensors }
/// mutating func restore(state: [String: Tensor], iterations: Int) throws {
///     guard iterations >= 0 else { throw OptimizerError.negativeIterations(iterations) }
///     try slots.restore(state, slots: ["m", "v"], optimizer: "MyOptimizer")
///     self.iterations = iterations
/// }
/// mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
///     defer { iterations += 1 }
///     return slots.update(parameters, gradients: gradients, slots: ["m", "v"]) { s in
///         let (w, g, m, v) = (s.parameter, s.gradient, s.slot("m"), s.slot("v"))
///         for i in s.indices { … }
///     }
/// }
/// ```
///
/// Checkpoints save ``tensors`` through ``Optimizer/state`` and give them back through
/// ``Optimizer/restore(state:iterations:)``, so a resumed run continues bit for bit. RMSprop,
/// SGD, Adam and AdamW keep their state in this type. The article "Writing an optimizer" builds Lion
/// with it.
public struct OptimizerSlots: Sendable, Equatable {
    /// Every slot tensor, keyed `"<parameter key>/<slot>"`: what ``Optimizer/state`` returns.
    public private(set) var tensors: [String: Tensor] = [:]

    /// No state: slots appear as parameters receive gradients.
    public init() {}

    /// Replaces the state with `state` (as saved from ``tensors``) after checking that every key
    /// is `"<parameter key>/<slot>"` with a slot in `slots`, and that the slots of one parameter
    /// agree in shape.
    ///
    /// - Parameters:
    ///   - state: slot tensors keyed `"<parameter key>/<slot>"`.
    ///   - slots: the slot names the optimizer uses in its current configuration.
    ///   - optimizer: the optimizer's name, for the error.
    /// - Throws: ``OptimizerError/unknownSlot(key:optimizer:slots:)`` (state saved by another
    ///   optimizer or configuration), ``OptimizerError/slotShapeMismatch(key:expected:got:)``.
    public mutating func restore(_ state: [String: Tensor], slots: [String], optimizer: String) throws {
        var shapes: [String: Shape] = [:]
        for (key, tensor) in state.sorted(by: { $0.key < $1.key }) {
            guard let slash = key.lastIndex(of: "/"), slash != key.startIndex,
                  slots.contains(String(key[key.index(after: slash)...])) else {
                throw OptimizerError.unknownSlot(key: key, optimizer: optimizer, slots: slots)
            }
            let parameter = String(key[..<slash])
            if let expected = shapes[parameter], expected != tensor.shape {
                throw OptimizerError.slotShapeMismatch(key: key, expected: expected, got: tensor.shape)
            }
            shapes[parameter] = tensor.shape
        }
        tensors = state
    }

    /// One element-wise optimizer step: for every parameter named in `gradients`, runs `rule`
    /// over its scalars, its gradient's and those of its slots `slots` (created as zeros when
    /// new), all updated in place, and returns the new parameter values keyed like `gradients`.
    ///
    /// A parameter of at least 65,536 scalars is cut into contiguous slices that Finetune's
    /// threads (FinetuneCore's `Parallel`) update side by side; the split depends only on the size
    /// and the thread count, and an element-wise rule gives the same bits either way. So `rule`
    /// may run on several threads at once, each with its own slice: it must read and write only
    /// through the slice (and values it captured), and treat each index on its own.
    ///
    /// - Parameters:
    ///   - parameters: the current values; must hold every key of `gradients`.
    ///   - gradients: the gradients, each shaped like its parameter.
    ///   - slots: the slot names this step uses (e.g. `["m", "v"]`); others already stored are kept.
    ///   - rule: the update of one slice.
    public mutating func update(_ parameters: [String: Tensor], gradients: [String: Tensor], slots: [String],
                                _ rule: (ParameterSlice) -> Void) -> [String: Tensor] {
        var updated: [String: Tensor] = [:]
        for (key, g) in gradients {
            guard var w = parameters[key] else { preconditionFailure("optimizer: gradient for '\(key)' but no parameter") }
            precondition(w.shape == g.shape, "optimizer: gradient shape \(g.shape) ≠ parameter shape \(w.shape) for '\(key)'")
            var state = slots.map { take(key, $0, shape: w.shape) }
            Self.run(rule, key: key, &w, g, &state, slots)
            for (name, tensor) in zip(slots, state) { tensors[key + "/" + name] = tensor }
            updated[key] = w
        }
        return updated
    }

    /// Takes slot `slot` of `key` out of the store (zeros of `shape` when new), so the caller owns
    /// it uniquely and updates it in place without a copy.
    private mutating func take(_ key: String, _ slot: String, shape: Shape) -> Tensor {
        if let t = tensors.removeValue(forKey: key + "/" + slot) {
            precondition(t.shape == shape, "optimizer slot \(key)/\(slot) has shape \(t.shape), parameter \(shape)")
            return t
        }
        return .zeros(shape)
    }

    /// Runs `rule` over `w`, `g` and `state`, in pieces on several threads for a large parameter.
    private static func run(_ rule: (ParameterSlice) -> Void, key: String, _ w: inout Tensor, _ g: Tensor,
                            _ state: inout [Tensor], _ names: [String]) {
        let n = w.scalarCount
        guard n > 0 else { return }
        // Below this many scalars a second thread costs more than it saves.
        let pieces = min(Parallel.threadCount, max(1, n / parallelUpdateMinimumScalars))
        g.withUnsafeBufferPointer { gp in
            w.withUnsafeMutableBufferPointer { wp in
                withSlotBuffers(&state) { sp in
                    Parallel.forEach(pieces, threads: pieces) { piece in
                        let lo = n * piece / pieces, hi = n * (piece + 1) / pieces
                        rule(ParameterSlice(key: key, offset: lo,
                                            parameter: UnsafeMutableBufferPointer(rebasing: wp[lo..<hi]),
                                            gradient: UnsafeBufferPointer(rebasing: gp[lo..<hi]),
                                            names: names, slots: sp.map { UnsafeMutableBufferPointer(rebasing: $0[lo..<hi]) }))
                    }
                }
            }
        }
    }

    /// Calls `body` with a mutable buffer of every tensor of `tensors`, in order. Each tensor is
    /// moved out of the array while its buffer is in use, so it is uniquely owned (no copy).
    private static func withSlotBuffers(_ tensors: inout [Tensor], _ body: ([UnsafeMutableBufferPointer<Float>]) -> Void) {
        guard var last = tensors.popLast() else { return body([]) }
        last.withUnsafeMutableBufferPointer { lastBuffer in
            withSlotBuffers(&tensors) { buffers in body(buffers + [lastBuffer]) }
        }
        tensors.append(last)
    }
}

/// Parameters with fewer scalars than this are updated on one thread.
let parallelUpdateMinimumScalars = 1 << 16
