/// 2-D max pooling over NHWC, window `pool`, stride `strides`, Keras padding (default `valid`:
/// the last partial window is dropped, so 75 → 37).
public func maxPool2DForward(input x: Tensor, pool: (Int, Int) = (2, 2), strides: (Int, Int)? = nil,
                             padding: Padding = .valid) -> Tensor {
    KernelCounters.record(.maxPoolForward)
    let g = poolGeometry(x.shape, pool, strides ?? pool, padding)
    return Tensor(shape: g.outputShape) { y in
        x.withUnsafeBufferPointer { xp in
            Parallel.forEach(g.batch * g.outHeight) { ni in
                let n = ni / g.outHeight, i = ni % g.outHeight
                for j in 0..<g.outWidth {
                    let dst = y.baseAddress! + ((n * g.outHeight + i) * g.outWidth + j) * g.inChannels
                    dst.update(repeating: -.infinity, count: g.inChannels)
                    forEachTap(g, n, i, j) { src in
                        for c in 0..<g.inChannels { dst[c] = max(dst[c], xp[src + c]) }
                    }
                }
            }
        }
    }
}

/// Gradient of ``maxPool2DForward(input:pool:strides:padding:)``: each output gradient flows to
/// the first (row-major) maximum of its window, as TensorFlow does.
public func maxPool2DBackward(input x: Tensor, output y: Tensor, outputGradient dy: Tensor,
                              pool: (Int, Int) = (2, 2), strides: (Int, Int)? = nil,
                              padding: Padding = .valid) -> Tensor {
    KernelCounters.record(.maxPoolBackward)
    let g = poolGeometry(x.shape, pool, strides ?? pool, padding)
    precondition(dy.shape == g.outputShape && y.shape == g.outputShape, "maxPool backward shapes")
    return Tensor(shape: x.shape) { dx in
        dx.update(repeating: 0)
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dyp in
            // Parallel over images: windows of different images never overlap.
            Parallel.forEach(g.batch) { n in
                for i in 0..<g.outHeight { for j in 0..<g.outWidth {
                    let o = ((n * g.outHeight + i) * g.outWidth + j) * g.inChannels
                    for c in 0..<g.inChannels {
                        var done = false
                        forEachTap(g, n, i, j) { src in
                            if !done && xp[src + c] == yp[o + c] { dx[src + c] += dyp[o + c]; done = true }
                        }
                    }
                } }
            }
        } } }
    }
}

func poolGeometry(_ s: Shape, _ pool: (Int, Int), _ strides: (Int, Int), _ padding: Padding) -> ConvGeometry {
    precondition(s.rank == 4, "maxPool2D input must be NHWC, got \(s)")
    return ConvGeometry(batch: s[0], inHeight: s[1], inWidth: s[2], inChannels: s[3],
                        kernelHeight: pool.0, kernelWidth: pool.1, outChannels: s[3],
                        strides: strides, padding: padding)
}

/// Calls `body` with the NHWC offset of every in-image tap of output pixel (n, i, j).
@inline(__always)
func forEachTap(_ g: ConvGeometry, _ n: Int, _ i: Int, _ j: Int, _ body: (Int) -> Void) {
    for p in 0..<g.kernelHeight {
        let r = i * g.strideHeight - g.padTop + p
        guard r >= 0, r < g.inHeight else { continue }
        for q in 0..<g.kernelWidth {
            let c = j * g.strideWidth - g.padLeft + q
            guard c >= 0, c < g.inWidth else { continue }
            body(((n * g.inHeight + r) * g.inWidth + c) * g.inChannels)
        }
    }
}
