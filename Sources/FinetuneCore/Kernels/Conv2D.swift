import CVectorKernels
/// Gradients returned by ``conv2DBackward(input:kernel:outputGradient:strides:padding:computeInputGradient:computeKernelGradient:)``;
/// each is `nil` when it was not requested.
package struct Conv2DGradients: Sendable {
    package var input: Tensor?
    package var kernel: Tensor?
    package var bias: Tensor?
}

/// 2-D convolution, NHWC input × HWIO kernel (+ bias), Keras `padding` and `strides`.
///
/// y[n,i,j,f] = b[f] + Σ_{p,q,c} x[n, i·s_h − padTop + p, j·s_w − padLeft + q, c] · w[p,q,c,f]
///
/// Lowered to OpenBLAS SGEMM over chunks of output rows (see ``ConvolutionOptions``): per chunk,
/// im2col builds the (pixels × kh·kw·c) patch matrix, the output rows are pre-filled with the bias
/// and Y += P·W is one GEMM whose result lands directly in the output. The working set per thread
/// is one chunk's patch matrix (≈ 1 MB, at most 32 MB), whatever the batch or image size.
/// 3×3 stride-1 convolutions with enough channels and tiles run as Winograd F(m×m, 3×3) instead
/// (``ConvolutionOptions/Algorithm``, ``WinogradTile``), with the bias added in its output transform.
package func conv2DForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?,
                          strides: (Int, Int) = (1, 1), padding: Padding) -> Tensor {
    conv2DForward(input: x, kernel: w, bias: b, strides: strides, padding: padding, options: .default)
}

/// ``conv2DForward(input:kernel:bias:strides:padding:)`` with explicit threading and chunking.
///
/// `winogradCache` keeps the Winograd transform of `w` for later calls with the same kernel (give
/// one to a layer whose weights are frozen). `relu` applies max(·, 0) to each output block while
/// it is still in cache (VGG16's fused activation), instead of a separate pass over the output.
/// `epilogue` (not with `relu`) does the same for an inference-mode batch normalization and its
/// ReLU / ReLU6 that follow the convolution (``ChannelEpilogue``; bit for bit the separate kernels).
package func conv2DForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?, strides: (Int, Int) = (1, 1),
                          padding: Padding, options: ConvolutionOptions,
                          winogradCache: WinogradKernelCache? = nil, relu: Bool = false,
                          epilogue: ChannelEpilogue? = nil) -> Tensor {
    KernelCounters.record(.conv2DForward)
    precondition(!(relu && epilogue != nil), "conv2DForward: relu and an epilogue together")
    let g = conv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
    if let b { precondition(b.shape == [g.outChannels], "bias \(b.shape) for \(g.outChannels) filters") }
    let f = g.outChannels, ow = g.outWidth
    epilogue?.check(outputShape: g.outputShape)
    let epilogue = epilogue?.isIdentity == true ? nil : epilogue
    // With an epilogue a 1×1 convolution runs in chunks too, so each chunk's output is still in cache for it.
    let plan = ConvLowering(g, options: options, chunkPointwise: epilogue != nil)
    let k = plan.patch
    return Tensor(shape: g.outputShape) { y in
        guard y.count > 0 else { return }
        guard k > 0 else {
            for r in 0..<(y.count / f) { for c in 0..<f { y[r * f + c] = max(b?.scalars[c] ?? 0, relu ? 0 : -.infinity) } }
            epilogue?.apply(wholeTensor: y, channels: f)
            return
        }
        let bias: [Float]? = b?.scalars
        if let tile = options.winogradTile(g) {
            let conv = WinogradConv(forward: g, tile: tile)
            let u = transformedKernel(w, tile: tile, adjoint: false, cache: winogradCache)
            x.withUnsafeBufferPointer { xp in u.withUnsafeBufferPointer { up in
                if let bias {
                    bias.withUnsafeBufferPointer { bp in
                        conv.run(input: xp.baseAddress!, transformedKernel: up.baseAddress!, bias: bp.baseAddress!,
                                 relu: relu, output: y.baseAddress!, options: options)
                    }
                } else {
                    conv.run(input: xp.baseAddress!, transformedKernel: up.baseAddress!, bias: nil, relu: relu,
                             output: y.baseAddress!, options: options)
                }
            } }
            epilogue?.apply(wholeTensor: y, channels: f)
            return
        }
        // On the unpacked GEMM, bias and ReLU in its registers (see ConvolutionOptions.unpackedLoweringMaximumPatch).
        let unpacked = k <= options.unpackedLoweringMaximumPatch && plan.helperThreads == 1
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in (bias ?? []).withUnsafeBufferPointer { bp in
            let yBase = y.baseAddress!, xBase = xp.baseAddress!, wBase = wp.baseAddress!
            let biasBase = bias == nil ? nil : bp.baseAddress
            plan.run { _, share in
                let col = plan.pointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: plan.maximumChunkPixels * k)
                defer { col?.deallocate() }
                plan.forEachChunk(in: share) { chunk in
                    let m = chunk.count * ow
                    let yc = yBase + chunk.lowerBound * ow * f
                    let a: UnsafePointer<Float>
                    if let col {
                        plan.im2colSplit(xBase, rows: chunk, into: col)
                        a = UnsafePointer(col)
                    } else {
                        a = xBase + chunk.lowerBound * ow * k
                    }
                    if unpacked, ft_sgemm_bias_relu(m, f, k, a, k, wBase, f, biasBase, relu ? 1 : 0, yc, f) != 0 {
                        epilogue?.apply(yc, rows: m, channels: f, at: chunk.lowerBound * ow * f)
                        return
                    }
                    if let biasBase {
                        for r in 0..<m { (yc + r * f).update(from: biasBase, count: f) }
                    }
                    sgemm(m: m, n: f, k: k, a, lda: k, wBase, ldb: f, beta: biasBase == nil ? 0 : 1, yc, ldc: f,
                          threads: plan.helperThreads)
                    if relu { clampBelowAtZero(yc, count: m &* f) }
                    epilogue?.apply(yc, rows: m, channels: f, at: chunk.lowerBound * ow * f)
                }
            }
        } } }
    }
}

/// ``conv2DForward(input:kernel:bias:strides:padding:options:winogradCache:relu:)`` followed by a
/// 2 × 2, stride-2, 'valid' max-pool (``maxPool2DForward(input:pool:strides:padding:)``), with the
/// same result bit for bit.
///
/// Where the convolution runs as Winograd with an even tile size, each tile's outputs are pooled
/// in its output transform, so the full-size output is never written nor read back: for VGG16's
/// block1_conv2 that is 115 MB written and read less per batch of 20. Otherwise the two run one
/// after the other. Neither gradient can be taken from the pooled result alone: for layers that
/// need no pullback (frozen, and nothing below them trains).
package func conv2DForwardMaxPooled(input x: Tensor, kernel w: Tensor, bias b: Tensor?, strides: (Int, Int) = (1, 1),
                                   padding: Padding, options: ConvolutionOptions,
                                   winogradCache: WinogradKernelCache? = nil, relu: Bool = false) -> Tensor {
    let g = conv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
    guard let tile = options.winogradTile(g), tile.m % 2 == 0, g.batch > 0, g.inChannels > 0, g.outChannels > 0,
          g.outHeight >= 2, g.outWidth >= 2 else {
        let y = conv2DForward(input: x, kernel: w, bias: b, strides: strides, padding: padding, options: options,
                              winogradCache: winogradCache, relu: relu)
        return maxPool2DForward(input: y, pool: (2, 2), strides: (2, 2), padding: .valid)
    }
    KernelCounters.record(.conv2DForward)
    KernelCounters.record(.maxPoolForward)
    if let b { precondition(b.shape == [g.outChannels], "bias \(b.shape) for \(g.outChannels) filters") }
    let conv = WinogradConv(forward: g, tile: tile)
    let u = transformedKernel(w, tile: tile, adjoint: false, cache: winogradCache)
    return Tensor(shape: [g.batch, g.outHeight / 2, g.outWidth / 2, g.outChannels]) { y in
        x.withUnsafeBufferPointer { xp in u.withUnsafeBufferPointer { up in (b?.scalars ?? []).withUnsafeBufferPointer { bp in
            conv.run(input: xp.baseAddress!, transformedKernel: up.baseAddress!, bias: b == nil ? nil : bp.baseAddress,
                     relu: relu, pool: true, output: y.baseAddress!, options: options)
        } } }
    }
}

/// Gradients of ``conv2DForward(input:kernel:bias:strides:padding:)`` given dL/dy. The input
/// gradient and the kernel/bias gradients are computed only when asked for (a frozen layer asks
/// for neither kernel nor bias; the first trainable layer does not need its input gradient).
///
/// - kernel: dW (kh·kw·c × f) = Σ_chunks Pᵀ·dY, each thread accumulating its own share, the
///   shares summed in thread order; db = Σ dY (per-chunk float sums, accumulated in Double).
/// - input: for 3×3 stride-1 convolutions (under ``ConvolutionOptions/Algorithm/automatic`` when it
///   pays), dx = dy ⋆ rot180(W) with the channel axes swapped, a Winograd convolution again.
///   Otherwise per chunk dP = dY·Wᵀ (GEMM), then col2im adds dP back onto dx. Neighbouring output
///   rows read overlapping input rows, so each thread first does its share except its first h₀ =
///   ⌈kh/s_h⌉ − 1 rows, then (after all threads finish) those rows: no two threads ever add to the
///   same input row at the same time, and no atomics are needed.
package func conv2DBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor,
                           strides: (Int, Int) = (1, 1), padding: Padding,
                           computeInputGradient: Bool = true,
                           computeKernelGradient: Bool = true) -> Conv2DGradients {
    conv2DBackward(input: x, kernel: w, outputGradient: dy, strides: strides, padding: padding,
                   computeInputGradient: computeInputGradient, computeKernelGradient: computeKernelGradient,
                   options: .default)
}

/// ``conv2DBackward(input:kernel:outputGradient:strides:padding:computeInputGradient:computeKernelGradient:)``
/// with explicit threading and chunking.
package func conv2DBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor,
                           strides: (Int, Int) = (1, 1), padding: Padding,
                           computeInputGradient: Bool = true, computeKernelGradient: Bool = true,
                           options: ConvolutionOptions, winogradCache: WinogradKernelCache? = nil) -> Conv2DGradients {
    let g = conv2DGeometry(input: x.shape, kernel: w.shape, strides: strides, padding: padding)
    precondition(dy.shape == g.outputShape, "conv2DBackward: dy \(dy.shape) ≠ \(g.outputShape)")
    var result = Conv2DGradients()
    if computeKernelGradient {
        KernelCounters.record(.conv2DKernelGradient)
        let (dw, db) = conv2DKernelGradient(g, x, dy, options)
        result.kernel = dw
        result.bias = db
    }
    if computeInputGradient {
        KernelCounters.record(.conv2DInputGradient)
        result.input = conv2DInputGradient(g, w, dy, options, winogradCache)
    }
    return result
}

private func conv2DKernelGradient(_ g: ConvGeometry, _ x: Tensor, _ dy: Tensor,
                                  _ options: ConvolutionOptions) -> (Tensor, Tensor) {
    let plan = ConvLowering(g, options: options)
    let k = plan.patch, f = g.outChannels, ow = g.outWidth
    let kernelShape = g.kernelShape
    guard k > 0, f > 0 else { return (Tensor.zeros(kernelShape), Tensor.zeros([f])) }
    if options.winogradKernelGradient, let tile = options.winogradTile(g) {
        let conv = WinogradConv(forward: g, tile: tile)
        let dw = Tensor(shape: kernelShape) { out in
            x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dyp in
                conv.kernelGradient(input: xp.baseAddress!, outputGradient: dyp.baseAddress!, into: out.baseAddress!,
                                    options: options)
            } }
        }
        return (dw, biasGradient(dy, filters: f, threads: plan.threads))
    }
    // Thread 0 accumulates into the result; threads 1… into partials summed afterwards.
    var dw = Tensor.zeros(kernelShape)
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: max(plan.threads - 1, 0) * k * f)
    defer { partials.deallocate() }
    let biasSums = UnsafeMutablePointer<Double>.allocate(capacity: plan.threads * f)
    biasSums.initialize(repeating: 0, count: plan.threads * f)
    defer { biasSums.deallocate() }
    x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dyp in dw.withUnsafeMutableBufferPointer { dwp in
        let xBase = xp.baseAddress!, dyBase = dyp.baseAddress!, dwBase = dwp.baseAddress!
        plan.run { t, share in
            let acc = t == 0 ? dwBase : partials + (t - 1) * k * f
            let col = plan.pointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: plan.maximumChunkPixels * k)
            defer { col?.deallocate() }
            var columnSums = [Float](repeating: 0, count: f)
            var first = true
            plan.forEachChunk(in: share) { chunk in
                let m = chunk.count * ow
                let dyc = dyBase + chunk.lowerBound * ow * f
                let a: UnsafePointer<Float>
                if let col {
                    plan.im2colSplit(xBase, rows: chunk, into: col)
                    a = UnsafePointer(col)
                } else {
                    a = xBase + chunk.lowerBound * ow * k
                }
                // dW (k×f) += Pᵀ (k×m) · dY (m×f)
                sgemm(transposeA: true, m: k, n: f, k: m, a, lda: k, dyc, ldb: f, beta: first ? 0 : 1, acc, ldc: f,
                      threads: plan.helperThreads)
                first = false
                columnSums.withUnsafeMutableBufferPointer { cs in
                    cs.update(repeating: 0)
                    for r in 0..<m { addInPlace(cs.baseAddress!, dyc + r * f, f) }
                    for c in 0..<f { biasSums[t * f + c] += Double(cs[c]) }
                }
            }
            if first { acc.update(repeating: 0, count: k * f) }   // an empty share
        }
        for t in 1..<max(plan.threads, 1) { addInPlace(dwBase, partials + (t - 1) * k * f, k * f) }
    } } }
    var db = [Double](repeating: 0, count: f)
    for t in 0..<plan.threads { for c in 0..<f { db[c] += biasSums[t * f + c] } }
    return (dw, Tensor(shape: [f], scalars: db.map(Float.init)))
}

private func conv2DInputGradient(_ g: ConvGeometry, _ w: Tensor, _ dy: Tensor,
                                 _ options: ConvolutionOptions, _ winogradCache: WinogradKernelCache?) -> Tensor {
    // h₀: how many leading rows of a share can touch the input rows of the previous share's last row.
    let h0 = g.kernelHeight > g.strideHeight ? (g.kernelHeight + g.strideHeight - 1) / g.strideHeight - 1 : 0
    let plan = ConvLowering(g, options: options, minimumShareRows: 2 * h0)
    let k = plan.patch, f = g.outChannels, ow = g.outWidth
    return Tensor(shape: g.inputShape) { dx in
        guard dx.count > 0 else { return }
        guard f > 0, plan.rows > 0, ow > 0 else { dx.update(repeating: 0); return }
        if let tile = options.winogradTile(g, inputGradient: true) {
            // dx = dy ⋆ rot180(w) with the channel axes swapped: a 3×3 stride-1 convolution again.
            let conv = WinogradConv(inputGradientOf: g, tile: tile)
            let u = transformedKernel(w, tile: tile, adjoint: true, cache: winogradCache)
            u.withUnsafeBufferPointer { up in dy.withUnsafeBufferPointer { dyp in
                conv.run(input: dyp.baseAddress!, transformedKernel: up.baseAddress!, bias: nil, output: dx.baseAddress!,
                         options: options)
            } }
            return
        }
        let dxBase = dx.baseAddress!
        w.withUnsafeBufferPointer { wp in dy.withUnsafeBufferPointer { dyp in
            let wBase = wp.baseAddress!, dyBase = dyp.baseAddress!
            if plan.pointwise {
                // dX = dY·Wᵀ, written directly (every input pixel is one output pixel).
                plan.run { _, share in
                    plan.forEachChunk(in: share) { chunk in
                        let m = chunk.count * ow
                        sgemm(transposeB: true, m: m, n: k, k: f, dyBase + chunk.lowerBound * ow * f, lda: f,
                              wBase, ldb: f, beta: 0, dxBase + chunk.lowerBound * ow * k, ldc: k, threads: plan.helperThreads)
                    }
                }
                return
            }
            Parallel.chunks(dx.count, threads: max(plan.threads, plan.helperThreads)) { r in
                (dxBase + r.lowerBound).update(repeating: 0, count: r.count)
            }
            // Rows of a share that may share input rows with the previous share's last row.
            func leading(_ share: Range<Int>) -> Int {
                let startsImage = share.lowerBound % g.outHeight == 0
                return startsImage ? 0 : min(h0, share.count)
            }
            func process(_ rows: Range<Int>, _ col: UnsafeMutablePointer<Float>) {
                plan.forEachChunk(in: rows) { chunk in
                    let m = chunk.count * ow
                    // dP (m×k) = dY (m×f) · Wᵀ (f×k)
                    sgemm(transposeB: true, m: m, n: k, k: f, dyBase + chunk.lowerBound * ow * f, lda: f,
                          wBase, ldb: f, beta: 0, col, ldc: k, threads: plan.helperThreads)
                    plan.col2imAddSplit(col, rows: chunk, into: dxBase)
                }
            }
            plan.run { _, share in
                let col = UnsafeMutablePointer<Float>.allocate(capacity: plan.maximumChunkPixels * k)
                defer { col.deallocate() }
                process((share.lowerBound + leading(share))..<share.upperBound, col)
            }
            if plan.threads > 1 {
                plan.run { _, share in
                    let lead = leading(share)
                    guard lead > 0 else { return }
                    let col = UnsafeMutablePointer<Float>.allocate(capacity: plan.maximumChunkPixels * k)
                    defer { col.deallocate() }
                    process(share.lowerBound..<(share.lowerBound + lead), col)
                }
            }
        } }
    }
}

/// The Winograd transform of kernel `w`, from `cache` when it holds one for this kernel.
private func transformedKernel(_ w: Tensor, tile: WinogradTile, adjoint: Bool, cache: WinogradKernelCache?) -> [Float] {
    let make = {
        w.withUnsafeBufferPointer { wp in
            WinogradConv.transformKernel(wp.baseAddress!, inChannels: w.shape[2], outChannels: w.shape[3],
                                         adjoint: adjoint, tile: tile)
        }
    }
    guard let cache else { return make() }
    return cache.transformed(w, tile: tile, adjoint: adjoint, make: make)
}

/// p[i] = max(p[i], 0) for i < count.
@inline(__always)
func clampBelowAtZero(_ p: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i < count { p[i] = max(p[i], 0); i &+= 1 }
}

/// db[f] = Σ dy[…, f] over every pixel of the batch: per-thread sums in Double (of Float sums over
/// 256 rows), added in thread order.
private func biasGradient(_ dy: Tensor, filters f: Int, threads: Int) -> Tensor {
    let rows = dy.scalarCount / max(f, 1)
    let t = max(1, min(threads, rows))
    var partial = [Double](repeating: 0, count: t * f)
    dy.withUnsafeBufferPointer { dyp in partial.withUnsafeMutableBufferPointer { pp in
        let base = dyp.baseAddress!, sums = pp.baseAddress!
        Parallel.forEach(t, threads: t) { k in
            // Float sums over blocks of 256 rows, the blocks' sums added in Double.
            var columns = [Float](repeating: 0, count: f)
            for c in 0..<f { sums[k * f + c] = 0 }
            var r = rows * k / t
            let end = rows * (k + 1) / t
            while r < end {
                let blockEnd = min(r + 256, end)
                columns.withUnsafeMutableBufferPointer { cs in
                    cs.update(repeating: 0)
                    for row in r..<blockEnd { addInPlace(cs.baseAddress!, base + row * f, f) }
                }
                for c in 0..<f { sums[k * f + c] += Double(columns[c]) }
                r = blockEnd
            }
        }
    } }
    var db = [Double](repeating: 0, count: f)
    for k in 0..<t { for c in 0..<f { db[c] += partial[k * f + c] } }
    return Tensor(shape: [f], scalars: db.map(Float.init))
}
