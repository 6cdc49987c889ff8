extension NaiveKernels {
    /// y[n,i,j,c·M+m] = b[c·M+m] + Σ_{p,q} x[n, i·s_h − padTop + p, j·s_w − padLeft + q, c] · w[p,q,c,m]
    /// (taps outside the image read zero).
    package static func depthwiseConv2DForward(input x: ReferenceTensor, kernel w: ReferenceTensor,
                                              bias b: ReferenceTensor?, strides: (Int, Int) = (1, 1),
                                              padding: Padding) -> ReferenceTensor {
        let g = depthwiseConv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
        let m = w.shape[3]
        var y = ReferenceTensor.zeros(g.outputShape)
        for n in 0..<g.batch { for i in 0..<g.outHeight { for j in 0..<g.outWidth {
            for c in 0..<g.inChannels { for k in 0..<m {
                var acc = b?.scalars[c * m + k] ?? 0
                for p in 0..<g.kernelHeight { for q in 0..<g.kernelWidth {
                    let r = i * g.strideHeight - g.padTop + p, col = j * g.strideWidth - g.padLeft + q
                    guard r >= 0, r < g.inHeight, col >= 0, col < g.inWidth else { continue }
                    acc += x[n, r, col, c] * w[p, q, c, k]
                } }
                y[n, i, j, c * m + k] = acc
            } }
        } } }
        return y
    }

    /// Gradients of ``depthwiseConv2DForward(input:kernel:bias:strides:padding:)-(ReferenceTensor,_,_,_,_)``
    /// given dL/dy: each dy scatters dy·w back to the input it read and adds x·dy to the tap's weight;
    /// db = Σ dy.
    package static func depthwiseConv2DBackward(input x: ReferenceTensor, kernel w: ReferenceTensor,
                                               outputGradient dy: ReferenceTensor, strides: (Int, Int) = (1, 1),
                                               padding: Padding)
        -> (input: ReferenceTensor, kernel: ReferenceTensor, bias: ReferenceTensor) {
        let g = depthwiseConv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
        precondition(dy.shape == g.outputShape, "dy \(dy.shape) ≠ \(g.outputShape)")
        let m = w.shape[3]
        var dx = ReferenceTensor.zeros(x.shape), dw = ReferenceTensor.zeros(w.shape)
        var db = ReferenceTensor.zeros([g.outChannels])
        for n in 0..<g.batch { for i in 0..<g.outHeight { for j in 0..<g.outWidth {
            for c in 0..<g.inChannels { for k in 0..<m {
                let d = dy[n, i, j, c * m + k]
                db[c * m + k] += d
                for p in 0..<g.kernelHeight { for q in 0..<g.kernelWidth {
                    let r = i * g.strideHeight - g.padTop + p, col = j * g.strideWidth - g.padLeft + q
                    guard r >= 0, r < g.inHeight, col >= 0, col < g.inWidth else { continue }
                    dx[n, r, col, c] += d * w[p, q, c, k]
                    dw[p, q, c, k] += d * x[n, r, col, c]
                } }
            } }
        } } }
        return (dx, dw, db)
    }

    /// Float32 form of the reference depthwise convolution (Double inside, one rounding at the end).
    package static func depthwiseConv2DForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?,
                                              strides: (Int, Int) = (1, 1), padding: Padding) -> Tensor {
        depthwiseConv2DForward(input: ReferenceTensor(x), kernel: ReferenceTensor(w), bias: b.map(ReferenceTensor.init),
                               strides: strides, padding: padding).tensor
    }

    /// Float32 form of the reference depthwise convolution gradients.
    package static func depthwiseConv2DBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor,
                                               strides: (Int, Int) = (1, 1), padding: Padding)
        -> (input: Tensor, kernel: Tensor, bias: Tensor) {
        let r = depthwiseConv2DBackward(input: ReferenceTensor(x), kernel: ReferenceTensor(w),
                                        outputGradient: ReferenceTensor(dy), strides: strides, padding: padding)
        return (r.input.tensor, r.kernel.tensor, r.bias.tensor)
    }
}
