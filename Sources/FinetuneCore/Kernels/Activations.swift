#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Runs `body` over `0..<count` split across threads when the tensor is large enough for
/// threads to pay (elementwise kernels: results never depend on the split).
@inline(__always)
func elementwise(_ count: Int, _ body: (Range<Int>) -> Void) {
    if count < 1 << 16 { body(0..<count) } else { Parallel.chunks(count, body) }
}

/// max(x, 0), elementwise; NaN stays NaN, as TensorFlow's ReLU keeps it (Swift's `max(x, 0)` is
/// `0 ≥ x ? 0 : x`, which is false for NaN).
package func reluForward(_ x: Tensor) -> Tensor {
    Tensor(shape: x.shape) { y in
        x.withUnsafeBufferPointer { xp in
            guard let from = xp.baseAddress, let to = y.baseAddress else { return }
            elementwise(xp.count) { r in
                var i = r.lowerBound
                while i < r.upperBound { to[i] = max(from[i], 0); i &+= 1 }
            }
        }
    }
}

/// dx = dy where the ReLU *output* is positive (equivalently x > 0), else 0 — TensorFlow's rule
/// (no gradient at exactly 0).
package func reluBackward(output y: Tensor, outputGradient dy: Tensor) -> Tensor {
    precondition(y.shape == dy.shape, "relu backward: \(y.shape) vs \(dy.shape)")
    return Tensor(shape: y.shape) { dx in
        y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dp in
            guard let out = yp.baseAddress, let grad = dp.baseAddress, let to = dx.baseAddress else { return }
            elementwise(yp.count) { r in
                var i = r.lowerBound
                while i < r.upperBound { to[i] = out[i] > 0 ? grad[i] : 0; i &+= 1 }
            }
        } }
    }
}

/// 1 / (1 + e^(−x)), elementwise, evaluated without overflow for large |x|.
package func sigmoidForward(_ x: Tensor) -> Tensor {
    Tensor(shape: x.shape) { y in
        x.withUnsafeBufferPointer { xp in elementwise(xp.count) { r in for i in r { y[i] = sigmoid(xp[i]) } } }
    }
}

/// dx = dy · y · (1 − y).
package func sigmoidBackward(output y: Tensor, outputGradient dy: Tensor) -> Tensor {
    precondition(y.shape == dy.shape, "sigmoid backward: \(y.shape) vs \(dy.shape)")
    return Tensor(shape: y.shape) { dx in
        y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dp in
            elementwise(yp.count) { r in for i in r { dx[i] = dp[i] * yp[i] * (1 - yp[i]) } }
        } }
    }
}

/// Softmax over the last axis, max-subtracted for stability: y_i = e^(x_i − m) / Σ_j e^(x_j − m).
package func softmaxForward(_ x: Tensor) -> Tensor {
    let last = x.shape.dimensions.last ?? 1
    return Tensor(shape: x.shape) { y in
        x.withUnsafeBufferPointer { xp in
            for r in 0..<(xp.count / max(last, 1)) {
                let o = r * last
                var m = -Float.infinity
                for i in 0..<last { m = max(m, xp[o + i]) }
                var s: Float = 0
                for i in 0..<last { let e = expf(xp[o + i] - m); y[o + i] = e; s += e }
                for i in 0..<last { y[o + i] /= s }
            }
        }
    }
}

/// dx = y ⊙ (dy − Σ dy·y) over the last axis.
package func softmaxBackward(output y: Tensor, outputGradient dy: Tensor) -> Tensor {
    let last = y.shape.dimensions.last ?? 1
    return Tensor(shape: y.shape) { dx in
        y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dp in
            for r in 0..<(yp.count / max(last, 1)) {
                let o = r * last
                var dot: Float = 0
                for i in 0..<last { dot += dp[o + i] * yp[o + i] }
                for i in 0..<last { dx[o + i] = yp[o + i] * (dp[o + i] - dot) }
            }
        } }
    }
}

@inline(__always) package func sigmoid(_ x: Float) -> Float {
    x >= 0 ? 1 / (1 + expf(-x)) : { let e = expf(x); return e / (1 + e) }()
}
