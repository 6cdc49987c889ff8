/// y = x₀ + x₁ + … + xₖ, element-wise, summed left to right in Float32: Keras' `Add`, which
/// computes `inputs[0] + inputs[1] + …` in that order. Every input has the same shape.
package func addForward(_ inputs: [Tensor]) -> Tensor {
    addForward(inputs, relu: false)
}

/// ``addForward(_:)`` then max(·, 0) (``reluForward(_:)``) in the same pass: ResNet's `_add` and
/// `_out` where nothing needs their gradient. The same float operations, so the same bits.
package func addReLUForward(_ inputs: [Tensor]) -> Tensor {
    addForward(inputs, relu: true)
}

/// The sum in one pass over a new tensor (x₀ + x₁, split over threads), the further inputs added
/// to it, then max(·, 0) when `relu` as the last one is added.
private func addForward(_ inputs: [Tensor], relu: Bool) -> Tensor {
    precondition(!inputs.isEmpty, "add: no inputs")
    KernelCounters.record(.addForward)
    let shape = inputs[0].shape
    for x in inputs { precondition(x.shape == shape, "add: input \(x.shape) differs from \(shape)") }
    guard inputs.count > 1 else { return relu ? reluForward(inputs[0]) : inputs[0] }
    return Tensor(shape: shape) { y in
        guard let to = y.baseAddress else { return }
        for k in 1..<inputs.count {
            let clamp = relu && k == inputs.count - 1
            inputs[k].withUnsafeBufferPointer { bp in inputs[0].withUnsafeBufferPointer { ap in
                let b = bp.baseAddress!
                // The first sum reads x₀; later ones add to y itself.
                let a = k == 1 ? ap.baseAddress! : UnsafePointer(to)
                elementwise(y.count) { r in
                    var i = r.lowerBound
                    if clamp {
                        while i < r.upperBound { to[i] = max(a[i] + b[i], 0); i &+= 1 }
                    } else {
                        while i < r.upperBound { to[i] = a[i] + b[i]; i &+= 1 }
                    }
                }
            } }
        }
    }
}

/// a ← a + b, element-wise (shapes equal): the sum of two gradients that meet at a fan-out.
package func add(_ b: Tensor, into a: inout Tensor) {
    precondition(a.shape == b.shape, "add: \(a.shape) + \(b.shape)")
    b.withUnsafeBufferPointer { bp in
        a.withUnsafeMutableBufferPointer { ap in
            guard let to = ap.baseAddress, let from = bp.baseAddress else { return }
            elementwise(ap.count) { r in
                var i = r.lowerBound
                while i < r.upperBound { to[i] += from[i]; i &+= 1 }
            }
        }
    }
}

/// Concatenation along the last axis (channels of NHWC, features of (N, F)): Keras'
/// `Concatenate(axis=-1)`. Every input has the same leading dimensions; y's last axis holds x₀'s
/// channels, then x₁'s, ….
package func concatenateLastAxisForward(_ inputs: [Tensor]) -> Tensor {
    precondition(!inputs.isEmpty, "concatenate: no inputs")
    let lead = Array(inputs[0].shape.dimensions.dropLast())
    for x in inputs {
        precondition(x.rank >= 1 && Array(x.shape.dimensions.dropLast()) == lead,
                     "concatenate: input \(x.shape) does not share the leading dimensions \(lead)")
    }
    let widths = inputs.map { $0.shape.dimensions.last ?? 1 }
    let total = widths.reduce(0, +)
    let rows = lead.reduce(1, *)
    return Tensor(shape: Shape(lead + [total])) { y in
        var offset = 0
        for (x, c) in zip(inputs, widths) {
            x.withUnsafeBufferPointer { xp in
                for r in 0..<rows {
                    for k in 0..<c { y[r &* total &+ offset &+ k] = xp[r &* c &+ k] }
                }
            }
            offset += c
        }
    }
}

/// Gradient of ``concatenateLastAxisForward(_:)``: dy's channels cut back into parts of `widths`
/// channels; `nil` where `needed` is false (that part is never copied).
package func concatenateLastAxisBackward(outputGradient dy: Tensor, widths: [Int], needed: [Bool]) -> [Tensor?] {
    precondition(widths.count == needed.count && dy.rank >= 1 && dy.shape.dimensions.last == widths.reduce(0, +),
                 "concatenate backward: dy \(dy.shape) for widths \(widths)")
    let lead = Array(dy.shape.dimensions.dropLast())
    let rows = lead.reduce(1, *), total = widths.reduce(0, +)
    var offset = 0
    return dy.withUnsafeBufferPointer { dp in
        zip(widths, needed).map { c, isNeeded -> Tensor? in
            defer { offset += c }
            guard isNeeded else { return nil }
            let start = offset
            return Tensor(shape: Shape(lead + [c])) { dx in
                for r in 0..<rows {
                    for k in 0..<c { dx[r &* c &+ k] = dp[r &* total &+ start &+ k] }
                }
            }
        }
    }
}
