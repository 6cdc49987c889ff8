/// 2-D max pooling over NHWC, window `pool`, stride `strides`, Keras padding (default `valid`:
/// the last partial window is dropped, so 75 → 37).
///
/// NaN as TensorFlow 2.21 treats it: the maximum starts at −Float.greatestFiniteMagnitude and
/// skips NaN, so a window with a NaN gives the largest of its other values, and a window of NaN
/// and −∞ alone gives −3.4028235e38.
package func maxPool2DForward(input x: Tensor, pool: (Int, Int) = (2, 2), strides: (Int, Int)? = nil,
                             padding: Padding = .valid) -> Tensor {
    KernelCounters.record(.maxPoolForward)
    let g = poolGeometry(x.shape, pool, strides ?? pool, padding)
    return Tensor(shape: g.outputShape) { y in
        let channels = g.inChannels
        x.withUnsafeBufferPointer { xp in
            guard let xBase = xp.baseAddress, let yBase = y.baseAddress else { return }
            Parallel.forEach(g.batch * g.outHeight) { ni in
                let n = ni / g.outHeight, i = ni &- n &* g.outHeight
                for j in 0..<g.outWidth {
                    let dst = yBase + ((n &* g.outHeight &+ i) &* g.outWidth &+ j) &* channels
                    dst.update(repeating: -.greatestFiniteMagnitude, count: channels)
                    forEachTap(g, n, i, j) { src in
                        let s = xBase + src
                        var c = 0
                        while c < channels { dst[c] = max(dst[c], s[c]); c &+= 1 }
                    }
                }
            }
        }
    }
}

/// Gradient of ``maxPool2DForward(input:pool:strides:padding:)``: each output gradient flows to
/// the first (row-major) maximum of its window, as TensorFlow does; overlapping windows add up.
///
/// The maximum is found as TensorFlow's gradient finds it (`SpatialMaxPoolWithArgMaxHelper`): the
/// window's first tap, replaced by each later tap strictly greater. With NaN in a window the two
/// passes of TensorFlow disagree, and so does this one, the same way: a NaN first tap receives the
/// gradient (nothing compares greater than it), a NaN later tap never does. `y` is only checked
/// for its shape.
///
/// Work is split over output rows when windows never overlap vertically (stride ≥ pool height,
/// VGG16's 2×2/2), else over images; either way each input element is written by one thread in a
/// fixed order, so the result does not depend on the thread count.
package func maxPool2DBackward(input x: Tensor, output y: Tensor, outputGradient dy: Tensor,
                              pool: (Int, Int) = (2, 2), strides: (Int, Int)? = nil,
                              padding: Padding = .valid) -> Tensor {
    KernelCounters.record(.maxPoolBackward)
    let g = poolGeometry(x.shape, pool, strides ?? pool, padding)
    precondition(dy.shape == g.outputShape && y.shape == g.outputShape, "maxPool backward shapes")
    let rowsIndependent = g.strideHeight >= g.kernelHeight
    let units = rowsIndependent ? g.batch * g.outHeight : g.batch
    let channels = g.inChannels
    return Tensor(shape: x.shape) { dx in
        dx.update(repeating: 0)
        guard g.outHeight > 0, g.outWidth > 0 else { return }
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dyp in
            Parallel.chunks(units) { range in
                // Per channel of the current window: the largest value so far and its tap's offset.
                let best = UnsafeMutablePointer<Float>.allocate(capacity: max(channels, 1))
                let source = UnsafeMutablePointer<Int>.allocate(capacity: max(channels, 1))
                defer { best.deallocate(); source.deallocate() }
                for u in range {
                    let n = rowsIndependent ? u / g.outHeight : u
                    let rowsOfUnit = rowsIndependent ? (u % g.outHeight)..<(u % g.outHeight + 1) : 0..<g.outHeight
                    for i in rowsOfUnit { for j in 0..<g.outWidth {
                        let o = ((n * g.outHeight + i) * g.outWidth + j) * channels
                        var first = true
                        forEachTap(g, n, i, j) { src in
                            if first {
                                for c in 0..<channels { best[c] = xp[src + c]; source[c] = src }
                                first = false
                            } else {
                                for c in 0..<channels where best[c] < xp[src + c] { best[c] = xp[src + c]; source[c] = src }
                            }
                        }
                        if !first { for c in 0..<channels { dx[source[c] + c] += dyp[o + c] } }
                    } }
                }
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
        let r = i &* g.strideHeight &- g.padTop &+ p
        guard r >= 0, r < g.inHeight else { continue }
        for q in 0..<g.kernelWidth {
            let c = j &* g.strideWidth &- g.padLeft &+ q
            guard c >= 0, c < g.inWidth else { continue }
            body(((n &* g.inHeight &+ r) &* g.inWidth &+ c) &* g.inChannels)
        }
    }
}
