import CBLAS

/// Gradients returned by ``conv2DBackward(input:kernel:outputGradient:strides:padding:computeInputGradient:computeKernelGradient:)``;
/// each is `nil` when it was not requested.
public struct Conv2DGradients: Sendable {
    public var input: Tensor?
    public var kernel: Tensor?
    public var bias: Tensor?
}

/// 2-D convolution, NHWC input × HWIO kernel (+ bias), Keras `padding` and `strides`.
///
/// y[n,i,j,f] = b[f] + Σ_{p,q,c} x[n, i·s_h − padTop + p, j·s_w − padLeft + q, c] · w[p,q,c,f]
///
/// Lowered per image to im2col + OpenBLAS SGEMM.
public func conv2DForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?,
                          strides: (Int, Int) = (1, 1), padding: Padding) -> Tensor {
    KernelCounters.record(.conv2DForward)
    let g = conv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
    if let b { precondition(b.shape == [g.outChannels], "bias \(b.shape) for \(g.outChannels) filters") }
    let m = g.outHeight * g.outWidth, k = g.kernelHeight * g.kernelWidth * g.inChannels, f = g.outChannels
    var col = [Float](repeating: 0, count: m * k)
    return Tensor(shape: g.outputShape) { y in
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in
            for n in 0..<g.batch {
                let yn = y.baseAddress! + n * m * f
                if let b {
                    b.withUnsafeBufferPointer { bp in
                        for r in 0..<m { (yn + r * f).update(from: bp.baseAddress!, count: f) }
                    }
                } else {
                    yn.update(repeating: 0, count: m * f)
                }
                col.withUnsafeMutableBufferPointer { cp in im2col(g, xp.baseAddress! + n * g.inHeight * g.inWidth * g.inChannels, cp.baseAddress!) }
                col.withUnsafeBufferPointer { cp in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(f), Int32(k),
                                1, cp.baseAddress, Int32(k), wp.baseAddress, Int32(f), 1, yn, Int32(f))
                }
            }
        } }
    }
}

/// Gradients of ``conv2DForward(input:kernel:bias:strides:padding:)`` given dL/dy. The input
/// gradient and the kernel/bias gradients are computed only when asked for (a frozen layer asks
/// for neither kernel nor bias; the first trainable layer does not need its input gradient).
public func conv2DBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor,
                           strides: (Int, Int) = (1, 1), padding: Padding,
                           computeInputGradient: Bool = true,
                           computeKernelGradient: Bool = true) -> Conv2DGradients {
    let g = conv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
    precondition(dy.shape == g.outputShape, "conv2DBackward: dy \(dy.shape) ≠ \(g.outputShape)")
    let m = g.outHeight * g.outWidth, k = g.kernelHeight * g.kernelWidth * g.inChannels, f = g.outChannels
    let imageSize = g.inHeight * g.inWidth * g.inChannels
    var result = Conv2DGradients()
    var col = [Float](repeating: 0, count: m * k)
    if computeKernelGradient {
        KernelCounters.record(.conv2DKernelGradient)
        var dw = Tensor.zeros(w.shape)
        var db = Tensor.zeros([f])
        x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dyp in
            dw.withUnsafeMutableBufferPointer { dwp in db.withUnsafeMutableBufferPointer { dbp in
                for n in 0..<g.batch {
                    let dyn = dyp.baseAddress! + n * m * f
                    col.withUnsafeMutableBufferPointer { cp in im2col(g, xp.baseAddress! + n * imageSize, cp.baseAddress!) }
                    col.withUnsafeBufferPointer { cp in
                        // dW (k×f) += colᵀ (k×m) · dy (m×f)
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(f), Int32(m),
                                    1, cp.baseAddress, Int32(k), dyn, Int32(f), 1, dwp.baseAddress, Int32(f))
                    }
                    for r in 0..<m { for c in 0..<f { dbp[c] += dyn[r * f + c] } }
                }
            } }
        } }
        result.kernel = dw
        result.bias = db
    }
    if computeInputGradient {
        KernelCounters.record(.conv2DInputGradient)
        result.input = Tensor(shape: x.shape) { dx in
            dx.update(repeating: 0)
            w.withUnsafeBufferPointer { wp in dy.withUnsafeBufferPointer { dyp in
                for n in 0..<g.batch {
                    col.withUnsafeMutableBufferPointer { cp in
                        // dcol (m×k) = dy (m×f) · Wᵀ (f×k)
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(k), Int32(f),
                                    1, dyp.baseAddress! + n * m * f, Int32(f), wp.baseAddress, Int32(f),
                                    0, cp.baseAddress, Int32(k))
                        col2imAdd(g, cp.baseAddress!, dx.baseAddress! + n * imageSize)
                    }
                }
            } }
        }
    }
    return result
}

/// Unfolds one NHWC image into rows of (kh·kw·c) patch values, one row per output pixel;
/// out-of-image taps are zero.
@inline(__always)
func im2col(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
    let c = g.inChannels, k = g.kernelHeight * g.kernelWidth * c
    for i in 0..<g.outHeight { for j in 0..<g.outWidth {
        let row = col + (i * g.outWidth + j) * k
        for p in 0..<g.kernelHeight {
            let r = i * g.strideHeight - g.padTop + p
            for q in 0..<g.kernelWidth {
                let cc = j * g.strideWidth - g.padLeft + q
                let dst = row + (p * g.kernelWidth + q) * c
                if r >= 0, r < g.inHeight, cc >= 0, cc < g.inWidth {
                    dst.update(from: x + (r * g.inWidth + cc) * c, count: c)
                } else {
                    dst.update(repeating: 0, count: c)
                }
            }
        }
    } }
}

/// The adjoint of ``im2col(_:_:_:)``: adds each patch row back onto the image it came from.
@inline(__always)
func col2imAdd(_ g: ConvGeometry, _ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
    let c = g.inChannels, k = g.kernelHeight * g.kernelWidth * c
    for i in 0..<g.outHeight { for j in 0..<g.outWidth {
        let row = col + (i * g.outWidth + j) * k
        for p in 0..<g.kernelHeight {
            let r = i * g.strideHeight - g.padTop + p
            guard r >= 0, r < g.inHeight else { continue }
            for q in 0..<g.kernelWidth {
                let cc = j * g.strideWidth - g.padLeft + q
                guard cc >= 0, cc < g.inWidth else { continue }
                let src = row + (p * g.kernelWidth + q) * c, dst = dx + (r * g.inWidth + cc) * c
                for t in 0..<c { dst[t] += src[t] }
            }
        }
    } }
}
