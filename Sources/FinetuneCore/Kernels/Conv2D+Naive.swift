extension NaiveKernels {
    /// y[n,i,j,f] = b[f] + Σ_{p,q,c} x[n, i·s_h − padTop + p, j·s_w − padLeft + q, c] · w[p,q,c,f]
    /// (taps outside the image read zero).
    package static func conv2DForward(input x: ReferenceTensor, kernel w: ReferenceTensor, bias b: ReferenceTensor?,
                                     strides: (Int, Int) = (1, 1), padding: Padding) -> ReferenceTensor {
        let g = conv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
        if let b { precondition(b.shape == [g.outChannels], "bias \(b.shape) for \(g.outChannels) filters") }
        let (H, W, C, KW, F) = (g.inHeight, g.inWidth, g.inChannels, g.kernelWidth, g.outChannels)
        let xs = x.scalars, ws = w.scalars
        var y = [Double](repeating: 0, count: g.outputShape.scalarCount)
        for n in 0..<g.batch { for i in 0..<g.outHeight { for j in 0..<g.outWidth { for f in 0..<F {
            var acc = b?.scalars[f] ?? 0
            for p in 0..<g.kernelHeight { for q in 0..<KW {
                let r = i * g.strideHeight - g.padTop + p, c = j * g.strideWidth - g.padLeft + q
                guard r >= 0, r < H, c >= 0, c < W else { continue }
                for ch in 0..<C {
                    acc += xs[((n * H + r) * W + c) * C + ch] * ws[((p * KW + q) * C + ch) * F + f]
                }
            } }
            y[((n * g.outHeight + i) * g.outWidth + j) * F + f] = acc
        } } } }
        return ReferenceTensor(shape: g.outputShape, scalars: y)
    }

    /// Gradients of ``conv2DForward(input:kernel:bias:strides:padding:)-(ReferenceTensor,_,_,_,_)``
    /// given dL/dy: dx scatters dy·w back over every tap, dw[p,q,c,f] = Σ x[tap]·dy, db[f] = Σ dy.
    package static func conv2DBackward(input x: ReferenceTensor, kernel w: ReferenceTensor,
                                      outputGradient dy: ReferenceTensor,
                                      strides: (Int, Int) = (1, 1), padding: Padding)
        -> (input: ReferenceTensor, kernel: ReferenceTensor, bias: ReferenceTensor) {
        let g = conv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
        precondition(dy.shape == g.outputShape, "dy \(dy.shape) ≠ \(g.outputShape)")
        let (H, W, C, KW, F) = (g.inHeight, g.inWidth, g.inChannels, g.kernelWidth, g.outChannels)
        let xs = x.scalars, ws = w.scalars, dys = dy.scalars
        var dx = [Double](repeating: 0, count: x.scalarCount), dw = [Double](repeating: 0, count: w.scalarCount)
        var db = [Double](repeating: 0, count: F)
        for n in 0..<g.batch { for i in 0..<g.outHeight { for j in 0..<g.outWidth { for f in 0..<F {
            let d = dys[((n * g.outHeight + i) * g.outWidth + j) * F + f]
            db[f] += d
            for p in 0..<g.kernelHeight { for q in 0..<KW {
                let r = i * g.strideHeight - g.padTop + p, c = j * g.strideWidth - g.padLeft + q
                guard r >= 0, r < H, c >= 0, c < W else { continue }
                for ch in 0..<C {
                    let xi = ((n * H + r) * W + c) * C + ch, wi = ((p * KW + q) * C + ch) * F + f
                    dx[xi] += d * ws[wi]
                    dw[wi] += d * xs[xi]
                }
            } }
        } } } }
        return (ReferenceTensor(shape: x.shape, scalars: dx), ReferenceTensor(shape: w.shape, scalars: dw),
                ReferenceTensor(shape: [F], scalars: db))
    }

    /// Float32 form of the reference convolution (Double inside, one rounding at the end).
    package static func conv2DForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?,
                                     strides: (Int, Int) = (1, 1), padding: Padding) -> Tensor {
        conv2DForward(input: ReferenceTensor(x), kernel: ReferenceTensor(w), bias: b.map(ReferenceTensor.init),
                      strides: strides, padding: padding).tensor
    }

    /// Float32 form of the reference convolution gradients.
    package static func conv2DBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor,
                                      strides: (Int, Int) = (1, 1), padding: Padding)
        -> (input: Tensor, kernel: Tensor, bias: Tensor) {
        let r = conv2DBackward(input: ReferenceTensor(x), kernel: ReferenceTensor(w),
                               outputGradient: ReferenceTensor(dy), strides: strides, padding: padding)
        return (r.input.tensor, r.kernel.tensor, r.bias.tensor)
    }
}
