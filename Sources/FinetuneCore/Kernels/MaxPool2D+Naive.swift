extension NaiveKernels {
    /// y[n,i,j,c] = max over the window's in-image taps of x[n, i·s_h − padTop + p, j·s_w − padLeft + q, c],
    /// from −Float.greatestFiniteMagnitude, NaN skipped (TensorFlow 2.21's forward pass).
    package static func maxPool2DForward(input x: ReferenceTensor, pool: (Int, Int) = (2, 2),
                                        strides: (Int, Int)? = nil, padding: Padding = .valid) -> ReferenceTensor {
        let g = poolGeometry(x.shape, pool, strides ?? pool, padding)
        var y = ReferenceTensor.zeros(g.outputShape)
        for n in 0..<g.batch { for i in 0..<g.outHeight { for j in 0..<g.outWidth { for c in 0..<g.inChannels {
            var m = -Double(Float.greatestFiniteMagnitude)
            for p in 0..<g.kernelHeight { for q in 0..<g.kernelWidth {
                let r = i * g.strideHeight - g.padTop + p, col = j * g.strideWidth - g.padLeft + q
                guard r >= 0, r < g.inHeight, col >= 0, col < g.inWidth else { continue }
                if x[n, r, col, c] > m { m = x[n, r, col, c] }
            } }
            y[n, i, j, c] = m
        } } } }
        return y
    }

    /// dx: each dy[n,i,j,c] is added to the *first* maximum of its window in row-major order
    /// (TensorFlow's rule for ties); overlapping windows add up. The maximum is TensorFlow's
    /// gradient's: the first tap, replaced by each later tap strictly greater (so a NaN first tap
    /// keeps it, a NaN later tap never takes it).
    package static func maxPool2DBackward(input x: ReferenceTensor, outputGradient dy: ReferenceTensor,
                                         pool: (Int, Int) = (2, 2), strides: (Int, Int)? = nil,
                                         padding: Padding = .valid) -> ReferenceTensor {
        let g = poolGeometry(x.shape, pool, strides ?? pool, padding)
        precondition(dy.shape == g.outputShape, "maxPool backward: dy \(dy.shape) ≠ \(g.outputShape)")
        var dx = ReferenceTensor.zeros(x.shape)
        for n in 0..<g.batch { for i in 0..<g.outHeight { for j in 0..<g.outWidth { for c in 0..<g.inChannels {
            if let (r, q) = firstMaximum(x, g, n, i, j, c) { dx[n, r, q, c] += dy[n, i, j, c] }
        } } } }
        return dx
    }

    /// Row and column of the maximum among the in-image taps of window (n, i, j), channel c, as
    /// TensorFlow's gradient finds it: the first tap, replaced by each later tap strictly greater.
    private static func firstMaximum(_ x: ReferenceTensor, _ g: ConvGeometry, _ n: Int, _ i: Int, _ j: Int,
                                     _ c: Int) -> (Int, Int)? {
        var best: (Int, Int)?
        for p in 0..<g.kernelHeight { for q in 0..<g.kernelWidth {
            let r = i * g.strideHeight - g.padTop + p, col = j * g.strideWidth - g.padLeft + q
            guard r >= 0, r < g.inHeight, col >= 0, col < g.inWidth else { continue }
            if let b = best, !(x[n, b.0, b.1, c] < x[n, r, col, c]) { continue }
            best = (r, col)
        } }
        return best
    }

    package static func maxPool2DForward(input x: Tensor, pool: (Int, Int) = (2, 2), strides: (Int, Int)? = nil,
                                        padding: Padding = .valid) -> Tensor {
        maxPool2DForward(input: ReferenceTensor(x), pool: pool, strides: strides, padding: padding).tensor
    }

    package static func maxPool2DBackward(input x: Tensor, outputGradient dy: Tensor, pool: (Int, Int) = (2, 2),
                                         strides: (Int, Int)? = nil, padding: Padding = .valid) -> Tensor {
        maxPool2DBackward(input: ReferenceTensor(x), outputGradient: ReferenceTensor(dy), pool: pool,
                          strides: strides, padding: padding).tensor
    }
}
