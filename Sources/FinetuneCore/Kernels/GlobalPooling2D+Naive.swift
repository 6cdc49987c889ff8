extension NaiveKernels {
    /// y[n, c] = mean over (i, j) of x[n, i, j, c].
    package static func globalAveragePool2DForward(input x: ReferenceTensor) -> ReferenceTensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var y = ReferenceTensor.zeros([n, c])
        for b in 0..<n { for i in 0..<h { for j in 0..<w { for k in 0..<c { y[b, k] += x[b, i, j, k] / Double(h * w) } } } }
        return y
    }

    /// dx[n, i, j, c] = dy[n, c] / (H·W).
    package static func globalAveragePool2DBackward(outputGradient dy: ReferenceTensor, inputShape: Shape) -> ReferenceTensor {
        var dx = ReferenceTensor.zeros(inputShape)
        let (h, w) = (inputShape[1], inputShape[2])
        for b in 0..<inputShape[0] { for i in 0..<h { for j in 0..<w { for k in 0..<inputShape[3] {
            dx[b, i, j, k] = dy[b, k] / Double(h * w)
        } } } }
        return dx
    }

    /// y[n, c] = max over (i, j) of x[n, i, j, c]; NaN if any of them is NaN.
    package static func globalMaxPool2DForward(input x: ReferenceTensor) -> ReferenceTensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var y = ReferenceTensor(shape: [n, c], scalars: [Double](repeating: -.infinity, count: n * c))
        for b in 0..<n { for i in 0..<h { for j in 0..<w { for k in 0..<c {
            let v = x[b, i, j, k]
            if v.isNaN || y[b, k].isNaN { y[b, k] = .nan } else { y[b, k] = max(y[b, k], v) }
        } } } }
        return y
    }

    /// dx = dy / (number of maxima) at every input equal to its channel's maximum, 0 elsewhere.
    package static func globalMaxPool2DBackward(input x: ReferenceTensor, outputGradient dy: ReferenceTensor) -> ReferenceTensor {
        let y = globalMaxPool2DForward(input: x)
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var ties = ReferenceTensor.zeros([n, c]), dx = ReferenceTensor.zeros(x.shape)
        for b in 0..<n { for i in 0..<h { for j in 0..<w { for k in 0..<c where x[b, i, j, k] == y[b, k] { ties[b, k] += 1 } } } }
        for b in 0..<n { for i in 0..<h { for j in 0..<w { for k in 0..<c {
            dx[b, i, j, k] = (x[b, i, j, k] == y[b, k] ? 1 : 0) / ties[b, k] * dy[b, k]
        } } } }
        return dx
    }

    package static func globalAveragePool2DForward(input x: Tensor) -> Tensor {
        globalAveragePool2DForward(input: ReferenceTensor(x)).tensor
    }
    package static func globalAveragePool2DBackward(outputGradient dy: Tensor, inputShape: Shape) -> Tensor {
        globalAveragePool2DBackward(outputGradient: ReferenceTensor(dy), inputShape: inputShape).tensor
    }
    package static func globalMaxPool2DForward(input x: Tensor) -> Tensor {
        globalMaxPool2DForward(input: ReferenceTensor(x)).tensor
    }
    package static func globalMaxPool2DBackward(input x: Tensor, outputGradient dy: Tensor) -> Tensor {
        globalMaxPool2DBackward(input: ReferenceTensor(x), outputGradient: ReferenceTensor(dy)).tensor
    }
}
