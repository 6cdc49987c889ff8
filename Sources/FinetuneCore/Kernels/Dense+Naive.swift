extension NaiveKernels {
    /// y[r,j] = b[j] + Σ_i x[r,i]·w[i,j]; x (n, in), w (in, out), b (out).
    package static func denseForward(input x: ReferenceTensor, kernel w: ReferenceTensor,
                                    bias b: ReferenceTensor?) -> ReferenceTensor {
        precondition(x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[0], "dense: \(x.shape) × \(w.shape)")
        let n = x.shape[0], k = w.shape[0], m = w.shape[1]
        let xs = x.scalars, ws = w.scalars
        var y = [Double](repeating: 0, count: n * m)
        for r in 0..<n { for j in 0..<m {
            var acc = b?.scalars[j] ?? 0
            for i in 0..<k { acc += xs[r * k + i] * ws[i * m + j] }
            y[r * m + j] = acc
        } }
        return ReferenceTensor(shape: [n, m], scalars: y)
    }

    /// dx[r,i] = Σ_j dy[r,j]·w[i,j]; dw[i,j] = Σ_r x[r,i]·dy[r,j]; db[j] = Σ_r dy[r,j].
    package static func denseBackward(input x: ReferenceTensor, kernel w: ReferenceTensor,
                                     outputGradient dy: ReferenceTensor)
        -> (input: ReferenceTensor, kernel: ReferenceTensor, bias: ReferenceTensor) {
        let n = x.shape[0], k = w.shape[0], m = w.shape[1]
        precondition(dy.shape == [n, m], "dense backward: dy \(dy.shape) ≠ \([n, m] as Shape)")
        let xs = x.scalars, ws = w.scalars, dys = dy.scalars
        var dx = [Double](repeating: 0, count: n * k), dw = [Double](repeating: 0, count: k * m)
        var db = [Double](repeating: 0, count: m)
        for r in 0..<n { for j in 0..<m {
            let d = dys[r * m + j]
            db[j] += d
            for i in 0..<k {
                dx[r * k + i] += d * ws[i * m + j]
                dw[i * m + j] += xs[r * k + i] * d
            }
        } }
        return (ReferenceTensor(shape: x.shape, scalars: dx), ReferenceTensor(shape: w.shape, scalars: dw),
                ReferenceTensor(shape: [m], scalars: db))
    }

    package static func denseForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?) -> Tensor {
        denseForward(input: ReferenceTensor(x), kernel: ReferenceTensor(w), bias: b.map(ReferenceTensor.init)).tensor
    }

    package static func denseBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor)
        -> (input: Tensor, kernel: Tensor, bias: Tensor) {
        let r = denseBackward(input: ReferenceTensor(x), kernel: ReferenceTensor(w), outputGradient: ReferenceTensor(dy))
        return (r.input.tensor, r.kernel.tensor, r.bias.tensor)
    }
}
