import FinetuneCore

/// Errors about optimizer state and inputs; each names the key and what was expected.
public enum OptimizerError: Error, Equatable, CustomStringConvertible {
    /// A state key is not `"<parameter key>/<slot>"` with a slot this optimizer (as configured) uses.
    case unknownSlot(key: String, optimizer: String, slots: [String])
    /// Slots of one parameter disagree in shape.
    case slotShapeMismatch(key: String, expected: Shape, got: Shape)
    /// A restored iteration count is negative.
    case negativeIterations(Int)

    public var description: String {
        switch self {
        case let .unknownSlot(key, optimizer, slots):
            return "optimizer state '\(key)' is not '<parameter key>/<slot>' with a slot \(optimizer) uses (\(slots.joined(separator: ", "))); was it saved by another optimizer or configuration?"
        case let .slotShapeMismatch(key, expected, got):
            return "optimizer state '\(key)': expected shape \(expected), got \(got)"
        case let .negativeIterations(n):
            return "optimizer iterations must be ≥ 0, got \(n)"
        }
    }
}

/// Per-parameter state tensors keyed `"<parameter key>/<slot>"`, created (zero-filled) the first
/// time a parameter receives a gradient, so a frozen parameter never gets any.
struct OptimizerSlots: Sendable {
    private(set) var tensors: [String: Tensor] = [:]

    /// Takes slot `slot` of `key` out of the store (zeros of `shape` when new), so the caller owns
    /// it uniquely and can update it in place; put it back with ``put(_:_:_:)``.
    mutating func take(_ key: String, _ slot: String, shape: Shape) -> Tensor {
        if let t = tensors.removeValue(forKey: key + "/" + slot) {
            precondition(t.shape == shape, "optimizer slot \(key)/\(slot) has shape \(t.shape), parameter \(shape)")
            return t
        }
        return .zeros(shape)
    }

    mutating func put(_ key: String, _ slot: String, _ value: Tensor) { tensors[key + "/" + slot] = value }

    /// Replaces the store with `state` after checking every key names one of `slots` and that the
    /// slots of one parameter agree in shape.
    mutating func restore(_ state: [String: Tensor], slots: [String], optimizer: String) throws {
        var shapes: [String: Shape] = [:]
        for key in state.keys.sorted() {
            guard let slash = key.lastIndex(of: "/"), slash != key.startIndex,
                  slots.contains(String(key[key.index(after: slash)...])) else {
                throw OptimizerError.unknownSlot(key: key, optimizer: optimizer, slots: slots)
            }
            let parameter = String(key[..<slash]), shape = state[key]!.shape
            if let expected = shapes[parameter], expected != shape {
                throw OptimizerError.slotShapeMismatch(key: key, expected: expected, got: shape)
            }
            shapes[parameter] = shape
        }
        tensors = state
    }
}

/// An empty stand-in for a slot the optimizer's configuration does not use.
let unusedSlot = Tensor.zeros([0])

/// Runs `body` over the raw scalars of a parameter `w` (written in place), its gradient `g` and
/// three slots (written in place; `nil` for a slot that is ``unusedSlot``). The update is
/// element-wise, so a large parameter is cut into contiguous pieces that Finetune's threads update
/// side by side (the same bits as one pass); `body` sees each piece's count and offset pointers.
@inline(__always)
func updateInPlace(_ w: inout Tensor, gradient g: Tensor, _ a: inout Tensor, _ b: inout Tensor, _ c: inout Tensor,
                   _ body: (_ count: Int, _ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                            _ a: UnsafeMutablePointer<Float>?, _ b: UnsafeMutablePointer<Float>?,
                            _ c: UnsafeMutablePointer<Float>?) -> Void) {
    precondition(w.shape == g.shape, "gradient shape \(g.shape) ≠ parameter shape \(w.shape)")
    let n = w.scalarCount
    g.withUnsafeBufferPointer { gp in w.withUnsafeMutableBufferPointer { wp in
        a.withUnsafeMutableBufferPointer { ap in b.withUnsafeMutableBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                guard n > 0 else { return }
                let w = wp.baseAddress!, g = gp.baseAddress!
                let a = ap.count == n ? ap.baseAddress : nil, b = bp.count == n ? bp.baseAddress : nil
                let c = cp.count == n ? cp.baseAddress : nil
                // Below this many scalars, waking a second thread costs more than it saves.
                let pieces = min(Parallel.threadCount, max(1, n / parallelUpdateMinimumScalars))
                Parallel.forEach(pieces, threads: pieces) { piece in
                    let lo = n * piece / pieces, hi = n * (piece + 1) / pieces
                    body(hi - lo, w + lo, g + lo, a.map { $0 + lo }, b.map { $0 + lo }, c.map { $0 + lo })
                }
            }
        } }
    } }
}

/// Parameters with fewer scalars than this are updated on one thread.
let parallelUpdateMinimumScalars = 1 << 16
