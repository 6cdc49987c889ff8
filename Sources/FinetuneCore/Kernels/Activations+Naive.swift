#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension NaiveKernels {
    /// max(x, 0); NaN stays NaN (TensorFlow's ReLU).
    package static func reluForward(_ x: ReferenceTensor) -> ReferenceTensor {
        ReferenceTensor(shape: x.shape, scalars: x.scalars.map { $0 <= 0 ? 0 : $0 })
    }

    /// dx = dy where y > 0, else 0 (TensorFlow: no gradient at 0).
    package static func reluBackward(output y: ReferenceTensor, outputGradient dy: ReferenceTensor) -> ReferenceTensor {
        precondition(y.shape == dy.shape, "relu backward: \(y.shape) vs \(dy.shape)")
        return ReferenceTensor(shape: y.shape, scalars: zip(y.scalars, dy.scalars).map { $0 > 0 ? $1 : 0 })
    }

    /// 1 / (1 + e^(−x)).
    package static func sigmoidForward(_ x: ReferenceTensor) -> ReferenceTensor {
        ReferenceTensor(shape: x.shape, scalars: x.scalars.map { 1 / (1 + exp(-$0)) })
    }

    /// dx = dy·y·(1 − y).
    package static func sigmoidBackward(output y: ReferenceTensor, outputGradient dy: ReferenceTensor) -> ReferenceTensor {
        precondition(y.shape == dy.shape, "sigmoid backward: \(y.shape) vs \(dy.shape)")
        return ReferenceTensor(shape: y.shape, scalars: zip(y.scalars, dy.scalars).map { $1 * $0 * (1 - $0) })
    }

    /// y = e^(x − max) / Σ e^(x − max) over the last axis.
    package static func softmaxForward(_ x: ReferenceTensor) -> ReferenceTensor {
        let k = max(x.shape.dimensions.last ?? 1, 1)
        var y = x
        for r in 0..<(x.scalarCount / k) {
            let row = x.scalars[(r * k)..<(r * k + k)]
            let m = row.max() ?? 0
            let e = row.map { exp($0 - m) }
            let s = e.reduce(0, +)
            for c in 0..<k { y.scalars[r * k + c] = e[c] / s }
        }
        return y
    }

    /// dx_i = y_i·(dy_i − Σ_j dy_j·y_j) over the last axis.
    package static func softmaxBackward(output y: ReferenceTensor, outputGradient dy: ReferenceTensor) -> ReferenceTensor {
        precondition(y.shape == dy.shape, "softmax backward: \(y.shape) vs \(dy.shape)")
        let k = max(y.shape.dimensions.last ?? 1, 1)
        var dx = y
        for r in 0..<(y.scalarCount / k) {
            var dot = 0.0
            for c in 0..<k { dot += dy.scalars[r * k + c] * y.scalars[r * k + c] }
            for c in 0..<k { dx.scalars[r * k + c] = y.scalars[r * k + c] * (dy.scalars[r * k + c] - dot) }
        }
        return dx
    }

    package static func reluForward(_ x: Tensor) -> Tensor { reluForward(ReferenceTensor(x)).tensor }
    package static func reluBackward(output y: Tensor, outputGradient dy: Tensor) -> Tensor {
        reluBackward(output: ReferenceTensor(y), outputGradient: ReferenceTensor(dy)).tensor
    }
    package static func sigmoidForward(_ x: Tensor) -> Tensor { sigmoidForward(ReferenceTensor(x)).tensor }
    package static func sigmoidBackward(output y: Tensor, outputGradient dy: Tensor) -> Tensor {
        sigmoidBackward(output: ReferenceTensor(y), outputGradient: ReferenceTensor(dy)).tensor
    }
    package static func softmaxForward(_ x: Tensor) -> Tensor { softmaxForward(ReferenceTensor(x)).tensor }
    package static func softmaxBackward(output y: Tensor, outputGradient dy: Tensor) -> Tensor {
        softmaxBackward(output: ReferenceTensor(y), outputGradient: ReferenceTensor(dy)).tensor
    }
}
