/// y = x₀ + x₁ + … + xₖ, element-wise, summed left to right in Float32: Keras' `Add`, which
/// computes `inputs[0] + inputs[1] + …` in that order. Every input has the same shape.
package func addForward(_ inputs: [Tensor]) -> Tensor {
    precondition(!inputs.isEmpty, "add: no inputs")
    let shape = inputs[0].shape
    for x in inputs { precondition(x.shape == shape, "add: input \(x.shape) differs from \(shape)") }
    guard inputs.count > 1 else { return inputs[0] }
    var y = inputs[0]
    for x in inputs.dropFirst() { add(x, into: &y) }
    return y
}

/// a ← a + b, element-wise (shapes equal): the sum of two gradients that meet at a fan-out, and
/// one step of ``addForward(_:)``.
package func add(_ b: Tensor, into a: inout Tensor) {
    precondition(a.shape == b.shape, "add: \(a.shape) + \(b.shape)")
    b.withUnsafeBufferPointer { bp in
        a.withUnsafeMutableBufferPointer { ap in
            for i in 0..<ap.count { ap[i] += bp[i] }
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
