/// Reference twins of the convolution kernels: the definition written as plainly as possible,
/// for tests to compare the fast kernels against. O(N·H·W·K·K·C·F), no blocking, no threads.
public enum NaiveKernels {
    /// y[n,i,j,f] = b[f] + Σ_{p,q,c} x[n, i·s−padTop+p, j·s−padLeft+q, c] · w[p,q,c,f]
    public static func conv2DForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?,
                                     strides: (Int, Int) = (1, 1), padding: Padding) -> Tensor {
        let g = conv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
        var y = Tensor.zeros(g.outputShape)
        for n in 0..<g.batch { for i in 0..<g.outHeight { for j in 0..<g.outWidth { for f in 0..<g.outChannels {
            var acc: Double = b.map { Double($0.scalars[f]) } ?? 0
            for p in 0..<g.kernelHeight { for q in 0..<g.kernelWidth {
                let r = i * g.strideHeight - g.padTop + p, c = j * g.strideWidth - g.padLeft + q
                guard r >= 0, r < g.inHeight, c >= 0, c < g.inWidth else { continue }
                for ch in 0..<g.inChannels { acc += Double(x[n, r, c, ch]) * Double(w[p, q, ch, f]) }
            } }
            y[n, i, j, f] = Float(acc)
        } } } }
        return y
    }

    /// Gradients of ``conv2DForward(input:kernel:bias:strides:padding:)`` given dL/dy.
    public static func conv2DBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor,
                                      strides: (Int, Int) = (1, 1), padding: Padding)
        -> (input: Tensor, kernel: Tensor, bias: Tensor) {
        let g = conv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
        precondition(dy.shape == g.outputShape, "dy \(dy.shape) ≠ \(g.outputShape)")
        var dx = [Double](repeating: 0, count: x.scalarCount)
        var dw = [Double](repeating: 0, count: w.scalarCount)
        var db = [Double](repeating: 0, count: g.outChannels)
        for n in 0..<g.batch { for i in 0..<g.outHeight { for j in 0..<g.outWidth { for f in 0..<g.outChannels {
            let d = Double(dy[n, i, j, f])
            db[f] += d
            for p in 0..<g.kernelHeight { for q in 0..<g.kernelWidth {
                let r = i * g.strideHeight - g.padTop + p, c = j * g.strideWidth - g.padLeft + q
                guard r >= 0, r < g.inHeight, c >= 0, c < g.inWidth else { continue }
                for ch in 0..<g.inChannels {
                    let xi = ((n * g.inHeight + r) * g.inWidth + c) * g.inChannels + ch
                    let wi = ((p * g.kernelWidth + q) * g.inChannels + ch) * g.outChannels + f
                    dx[xi] += d * Double(w.scalars[wi])
                    dw[wi] += d * Double(x.scalars[xi])
                }
            } }
        } } } }
        return (Tensor(shape: x.shape, scalars: dx.map(Float.init)),
                Tensor(shape: w.shape, scalars: dw.map(Float.init)),
                Tensor(shape: [g.outChannels], scalars: db.map(Float.init)))
    }
}

/// The geometry of convolving an NHWC `input` with an HWIO `kernel`.
public func conv2DGeometry(input: Shape, kernel: Shape, strides: (Int, Int), padding: Padding) -> ConvGeometry {
    precondition(input.rank == 4, "conv2D input must be NHWC, got \(input)")
    precondition(kernel.rank == 4, "conv2D kernel must be HWIO, got \(kernel)")
    precondition(input[3] == kernel[2], "conv2D: input has \(input[3]) channels, kernel expects \(kernel[2])")
    return ConvGeometry(batch: input[0], inHeight: input[1], inWidth: input[2], inChannels: input[3],
                        kernelHeight: kernel[0], kernelWidth: kernel[1], outChannels: kernel[3],
                        strides: strides, padding: padding)
}
