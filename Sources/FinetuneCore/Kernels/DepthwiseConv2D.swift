import CVectorKernels

/// Depthwise 2-D convolution, NHWC input × (kh, kw, C, M) kernel (+ bias), Keras' `DepthwiseConv2D`
/// (`tf.nn.depthwise_conv2d`): every input channel c is convolved with its own M filters, and output
/// channel o = c·M + m holds filter m of channel c.
///
/// y[n,i,j,c·M+m] = b[c·M+m] + Σ_{p,q} x[n, i·s_h − padTop + p, j·s_w − padLeft + q, c] · w[p,q,c,m]
///
/// Padding and strides follow ``ConvGeometry`` (TensorFlow's asymmetric `same`). A depthwise
/// convolution does a few multiply–adds per byte it reads, so it is written as a direct loop whose
/// innermost loop runs over the contiguous channels of one pixel (the kernel's (c, m) entries of one
/// tap are contiguous too): output rows are split over threads, each row pre-filled with the bias,
/// then every in-image tap adds x·w to it. With depth multiplier 1 (every network here) a row is
/// ``ft_depthwise_row`` instead: the same sums in the same order, vectorised with the accumulators
/// in registers. `epilogue` (an inference-mode batch normalization and its ReLU6 after the
/// convolution, ``ChannelEpilogue``) then runs on each row while it is in cache. `prePadding` is a
/// ``zeroPadding2DForward(input:padding:)`` before the convolution (MobileNetV2's `block_<i>_pad`
/// before a stride-2 `valid` depthwise convolution): the taps that would read its zeros are skipped
/// instead, so the padded copy of the input is never made — the same sums, the same result.
package func depthwiseConv2DForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?,
                                   strides: (Int, Int) = (1, 1), padding: Padding,
                                   prePadding: ZeroPadding2DAmounts? = nil,
                                   epilogue: ChannelEpilogue? = nil) -> Tensor {
    if let prePadding, w.shape[3] != 1 || padding != .valid {
        return depthwiseConv2DForward(input: zeroPadding2DForward(input: x, padding: prePadding), kernel: w, bias: b,
                                      strides: strides, padding: padding, epilogue: epilogue)
    }
    KernelCounters.record(.depthwiseConv2DForward)
    let g = depthwiseConv2DGeometry(input: prePadding?.paddedShape(x.shape) ?? x.shape, kernel: w.shape, strides: strides,
                                    padding: padding)
    // The input as stored, and where the (padded) geometry's first tap lies in it.
    let (inHeight, inWidth) = (x.shape[1], x.shape[2])
    let (padTop, padLeft) = prePadding.map { ($0.top, $0.left) } ?? (g.padTop, g.padLeft)
    if let b { precondition(b.shape == [g.outChannels], "depthwise bias \(b.shape) for \(g.outChannels) channels") }
    epilogue?.check(outputShape: g.outputShape)
    let epilogue = epilogue?.isIdentity == true ? nil : epilogue
    let (oh, ow, o, m) = (g.outHeight, g.outWidth, g.outChannels, w.shape[3])
    return Tensor(shape: g.outputShape) { y in
        guard y.count > 0 else { return }
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in (b?.scalars ?? []).withUnsafeBufferPointer { bp in
            let yBase = y.baseAddress!, wBase = wp.baseAddress!
            let bBase = b == nil ? nil : bp.baseAddress
            Parallel.forEach(g.batch * oh) { row in
                let n = row / oh, i = row &- n &* oh
                let yRow = yBase + row &* ow &* o
                defer { epilogue?.apply(yRow, rows: ow, channels: o, at: row &* ow &* o) }
                if m == 1, let xBase = xp.baseAddress {
                    ft_depthwise_row(xBase + n &* inHeight &* inWidth &* o, inHeight, inWidth, o, wBase,
                                     g.kernelHeight, g.kernelWidth, bBase, i &* g.strideHeight &- padTop,
                                     g.strideWidth, padLeft, ow, yRow)
                    return
                }
                for j in 0..<ow {
                    if let bBase { (yRow + j &* o).update(from: bBase, count: o) } else { (yRow + j &* o).update(repeating: 0, count: o) }
                }
                guard let xBase = xp.baseAddress else { return }
                for p in 0..<g.kernelHeight {
                    let r = i &* g.strideHeight &- g.padTop &+ p
                    guard r >= 0, r < g.inHeight else { continue }
                    let xRow = xBase + (n &* g.inHeight &+ r) &* g.inWidth &* g.inChannels
                    for q in 0..<g.kernelWidth {
                        let tap = wBase + (p &* g.kernelWidth &+ q) &* o
                        let columns = tapColumns(g, q)
                        for j in columns {
                            let xs = xRow + (j &* g.strideWidth &- g.padLeft &+ q) &* g.inChannels
                            multiplyAdd(into: yRow + j &* o, xs, tap, count: o, multiplier: m)
                        }
                    }
                }
            }
        } } }
    }
}

/// Gradients of ``depthwiseConv2DForward(input:kernel:bias:strides:padding:)`` given dL/dy; each is
/// computed only when asked for (a frozen layer asks for neither kernel nor bias).
///
/// - input: dx[n,r,c,ch] = Σ_{p,q,m} dy[n, i, j, ch·M+m]·w[p,q,ch,m] over the taps (p, q) and outputs
///   (i, j) that read input (r, c) — gathered per input row, so threads never write the same row.
/// - kernel: dw[p,q,ch,m] = Σ_{n,i,j} x[n, i·s_h − padTop + p, j·s_w − padLeft + q, ch]·dy[n,i,j,ch·M+m],
///   db = Σ dy: each output row's sums in Float, added per thread in Double, the threads' sums
///   added in thread order (the split depends only on the sizes and ``Parallel/threadCount``).
package func depthwiseConv2DBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor,
                                    strides: (Int, Int) = (1, 1), padding: Padding,
                                    computeInputGradient: Bool = true,
                                    computeKernelGradient: Bool = true) -> Conv2DGradients {
    let g = depthwiseConv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
    precondition(dy.shape == g.outputShape, "depthwiseConv2DBackward: dy \(dy.shape) ≠ \(g.outputShape)")
    var result = Conv2DGradients()
    if computeInputGradient {
        KernelCounters.record(.depthwiseConv2DInputGradient)
        result.input = depthwiseInputGradient(g, w, dy)
    }
    if computeKernelGradient {
        KernelCounters.record(.depthwiseConv2DKernelGradient)
        (result.kernel, result.bias) = depthwiseKernelGradient(g, x, w.shape, dy)
    }
    return result
}

private func depthwiseInputGradient(_ g: ConvGeometry, _ w: Tensor, _ dy: Tensor) -> Tensor {
    let (oh, ow, o, c, m) = (g.outHeight, g.outWidth, g.outChannels, g.inChannels, w.shape[3])
    return Tensor(shape: g.inputShape) { dx in
        guard dx.count > 0 else { return }
        dx.update(repeating: 0)
        guard oh > 0, ow > 0, o > 0 else { return }
        dy.withUnsafeBufferPointer { dyp in w.withUnsafeBufferPointer { wp in
            let dyBase = dyp.baseAddress!, wBase = wp.baseAddress!, dxBase = dx.baseAddress!
            Parallel.forEach(g.batch * g.inHeight) { row in
                let n = row / g.inHeight, r = row &- n &* g.inHeight
                let dxRow = dxBase + row &* g.inWidth &* c
                for p in 0..<g.kernelHeight {
                    // Output row i reads input row r through tap p when i·s_h − padTop + p = r.
                    let t = r &+ g.padTop &- p
                    guard t >= 0, t % g.strideHeight == 0, t / g.strideHeight < oh else { continue }
                    let dyRow = dyBase + (n &* oh &+ t / g.strideHeight) &* ow &* o
                    for q in 0..<g.kernelWidth {
                        let tap = wBase + (p &* g.kernelWidth &+ q) &* o
                        for j in tapColumns(g, q) {
                            let col = j &* g.strideWidth &- g.padLeft &+ q
                            multiplyAddReduced(into: dxRow + col &* c, dyRow + j &* o, tap, count: o, multiplier: m)
                        }
                    }
                }
            }
        } }
    }
}

private func depthwiseKernelGradient(_ g: ConvGeometry, _ x: Tensor, _ kernelShape: Shape, _ dy: Tensor) -> (Tensor, Tensor) {
    let (oh, ow, o, m) = (g.outHeight, g.outWidth, g.outChannels, kernelShape[3])
    let taps = g.kernelHeight * g.kernelWidth
    let rows = g.batch * oh
    let threads = max(1, min(Parallel.threadCount, rows))
    // Per thread: Double sums of dW (taps·o) then db (o).
    var sums = [Double](repeating: 0, count: threads * (taps + 1) * o)
    if rows > 0, o > 0 {
        x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dyp in sums.withUnsafeMutableBufferPointer { sp in
            let xBase = xp.baseAddress, dyBase = dyp.baseAddress!, sumBase = sp.baseAddress!
            Parallel.forEach(threads, threads: threads) { t in
                let range = (rows * t / threads)..<(rows * (t + 1) / threads)
                let acc = sumBase + t &* (taps + 1) &* o
                let rowSums = UnsafeMutablePointer<Float>.allocate(capacity: (taps + 1) * o)
                defer { rowSums.deallocate() }
                for row in range {
                    rowSums.update(repeating: 0, count: (taps + 1) * o)
                    let n = row / oh, i = row &- n &* oh
                    let dyRow = dyBase + row &* ow &* o
                    for j in 0..<ow { addInPlace(rowSums + taps &* o, dyRow + j &* o, o) }
                    if let xBase {
                        for p in 0..<g.kernelHeight {
                            let r = i &* g.strideHeight &- g.padTop &+ p
                            guard r >= 0, r < g.inHeight else { continue }
                            let xRow = xBase + (n &* g.inHeight &+ r) &* g.inWidth &* g.inChannels
                            for q in 0..<g.kernelWidth {
                                let tap = rowSums + (p &* g.kernelWidth &+ q) &* o
                                for j in tapColumns(g, q) {
                                    let xs = xRow + (j &* g.strideWidth &- g.padLeft &+ q) &* g.inChannels
                                    multiplyAdd(into: tap, xs, dyRow + j &* o, count: o, multiplier: m)
                                }
                            }
                        }
                    }
                    for k in 0..<((taps + 1) &* o) { acc[k] += Double(rowSums[k]) }
                }
            }
        } } }
    }
    var total = [Double](repeating: 0, count: (taps + 1) * o)
    for t in 0..<threads { for k in total.indices { total[k] += sums[t * (taps + 1) * o + k] } }
    let dw = Tensor(shape: kernelShape, scalars: total[0..<(taps * o)].map(Float.init))
    let db = Tensor(shape: [o], scalars: total[(taps * o)...].map(Float.init))
    return (dw, db)
}

/// The output columns j whose tap q lands inside the image: 0 ≤ j·s_w − padLeft + q < inWidth.
@inline(__always)
func tapColumns(_ g: ConvGeometry, _ q: Int) -> Range<Int> {
    let offset = q &- g.padLeft, s = g.strideWidth
    let lower = offset >= 0 ? 0 : (-offset + s - 1) / s
    let upper = g.inWidth - offset <= 0 ? 0 : (g.inWidth - offset + s - 1) / s
    return lower..<max(lower, min(upper, g.outWidth))
}

/// y[k] += x[k / multiplier]·w[k] for k < count: one tap of a depthwise convolution over the
/// channels of one pixel (x has count / multiplier channels).
@inline(__always)
private func multiplyAdd(into y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                         count: Int, multiplier: Int) {
    var k = 0
    if multiplier == 1 {
        while k < count { y[k] += x[k] * w[k]; k &+= 1 }
    } else {
        while k < count { y[k] += x[k / multiplier] * w[k]; k &+= 1 }
    }
}

/// dx[k / multiplier] += dy[k]·w[k] for k < count (the input gradient of one tap).
@inline(__always)
private func multiplyAddReduced(into dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                count: Int, multiplier: Int) {
    var k = 0
    if multiplier == 1 {
        while k < count { dx[k] += dy[k] * w[k]; k &+= 1 }
    } else {
        while k < count { dx[k / multiplier] += dy[k] * w[k]; k &+= 1 }
    }
}

/// The geometry of a depthwise convolution of an NHWC `input` with a (kh, kw, C, M) `kernel`:
/// C·M output channels.
package func depthwiseConv2DGeometry(input: Shape, kernel: Shape, strides: (Int, Int), padding: Padding) -> ConvGeometry {
    precondition(input.rank == 4, "depthwise input must be NHWC, got \(input)")
    precondition(kernel.rank == 4, "depthwise kernel must be (kh, kw, C, M), got \(kernel)")
    precondition(input[3] == kernel[2], "depthwise: input has \(input[3]) channels, kernel expects \(kernel[2])")
    return ConvGeometry(batch: input[0], inHeight: input[1], inWidth: input[2], inChannels: input[3],
                        kernelHeight: kernel[0], kernelWidth: kernel[1], outChannels: kernel[2] * kernel[3],
                        strides: strides, padding: padding)
}
