import CBLAS

/// How one convolution is lowered to GEMM: its output rows — the (n, i) pairs, flattened to
/// `0..<batch·outHeight`, each holding `outWidth` pixels — are split by a ``ChunkPlan`` into one
/// contiguous share per thread, and each share into chunks whose patch matrix (pixels × kh·kw·c,
/// "im2col") fits the working-set budget. A chunk's output rows are contiguous in NHWC, so its
/// GEMM writes straight into the output tensor.
struct ConvLowering {
    let g: ConvGeometry
    /// kh·kw·c: one patch-matrix row, laid out (p, q, c) like an HWIO kernel's first three axes.
    let patch: Int
    /// A 1×1, stride-1 convolution without padding: the input already is the patch matrix.
    let pointwise: Bool
    let plan: ChunkPlan

    /// - Parameters:
    ///   - minimumShareRows: a share must hold at least this many rows (the input
    ///     gradient's conflict-free scheme needs 2·h₀); fewer threads are used otherwise.
    ///   - chunkPointwise: split a pointwise convolution into chunks as well (by default each thread
    ///     runs its whole share as one GEMM, there being no patch matrix to bound).
    init(_ g: ConvGeometry, options: ConvolutionOptions, minimumShareRows: Int = 1, chunkPointwise: Bool = false) {
        self.g = g
        patch = g.kernelHeight * g.kernelWidth * g.inChannels
        pointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padTop == 0 && g.padLeft == 0
        plan = ChunkPlan(rows: g.batch * g.outHeight, unitsPerRow: g.outWidth,
                         // A pointwise chunk's output is sized as well: the epilogue runs on it while it is in cache.
                         bytesPerUnit: (patch + (pointwise && chunkPointwise ? g.outChannels : 0)) * MemoryLayout<Float>.size,
                         filters: g.outChannels, options: options,
                         minimumShareRows: minimumShareRows, wholeShares: pointwise && !chunkPointwise)
    }

    var rows: Int { plan.rows }
    var threads: Int { plan.threads }
    var helperThreads: Int { plan.helperThreads }
    var maximumChunkPixels: Int { plan.maximumChunkUnits }
    func share(_ t: Int) -> Range<Int> { plan.share(t) }
    func forEachChunk(in range: Range<Int>, _ body: (Range<Int>) -> Void) { plan.forEachChunk(in: range, body) }
    func run(_ body: (Int, Range<Int>) -> Void) { plan.run(body) }

    /// ``im2col(_:rows:into:)`` split over ``helperThreads`` by rows.
    func im2colSplit(_ x: UnsafePointer<Float>, rows range: Range<Int>, into col: UnsafeMutablePointer<Float>) {
        let rowFloats = g.outWidth * patch
        Parallel.chunks(range.count, threads: helperThreads) { part in
            im2col(x, rows: (range.lowerBound + part.lowerBound)..<(range.lowerBound + part.upperBound),
                   into: col + part.lowerBound * rowFloats)
        }
    }

    /// ``col2imAdd(_:rows:into:channels:)`` split over ``helperThreads`` by channel ranges, which never
    /// touch the same memory.
    func col2imAddSplit(_ col: UnsafePointer<Float>, rows range: Range<Int>, into dx: UnsafeMutablePointer<Float>) {
        Parallel.chunks(g.inChannels, threads: helperThreads) { channels in
            col2imAdd(col, rows: range, into: dx, channels: channels)
        }
    }

    /// Writes the patch-matrix rows of output rows `range` (pixels in row-major order, each
    /// kh·kw·c values in (p, q, c) order, zero where a tap falls into the padding) to `col`.
    func im2col(_ x: UnsafePointer<Float>, rows range: Range<Int>, into col: UnsafeMutablePointer<Float>) {
        let c = g.inChannels, kw = g.kernelWidth, span = kw * c
        let imageSize = g.inHeight * g.inWidth * c
        var dst = col
        for row in range {
            let n = row / g.outHeight, i = row % g.outHeight
            let image = x + n * imageSize
            for j in 0..<g.outWidth {
                let c0 = j * g.strideWidth - g.padLeft
                let inside = c0 >= 0 && c0 + kw <= g.inWidth
                for p in 0..<g.kernelHeight {
                    let r = i * g.strideHeight - g.padTop + p
                    if r < 0 || r >= g.inHeight {
                        dst.update(repeating: 0, count: span)
                    } else if inside {
                        copy(image + (r * g.inWidth + c0) * c, to: dst, span)
                    } else {
                        for q in 0..<kw {
                            let cc = c0 + q
                            if cc >= 0 && cc < g.inWidth {
                                (dst + q * c).update(from: image + (r * g.inWidth + cc) * c, count: c)
                            } else {
                                (dst + q * c).update(repeating: 0, count: c)
                            }
                        }
                    }
                    dst += span
                }
            }
        }
    }

    /// The adjoint of ``im2col(_:rows:into:)``: adds every patch-matrix row of output rows `range`
    /// back onto the input positions it was read from (padding taps are dropped), for input
    /// channels `channels` only (default: all).
    func col2imAdd(_ col: UnsafePointer<Float>, rows range: Range<Int>, into dx: UnsafeMutablePointer<Float>,
                   channels: Range<Int>? = nil) {
        let c = g.inChannels, kw = g.kernelWidth, span = kw * c
        let all = channels == nil || channels == 0..<c
        let c0ch = channels?.lowerBound ?? 0, cn = channels?.count ?? c
        let imageSize = g.inHeight * g.inWidth * c
        var src = col
        for row in range {
            let n = row / g.outHeight, i = row % g.outHeight
            let image = dx + n * imageSize
            for j in 0..<g.outWidth {
                let c0 = j * g.strideWidth - g.padLeft
                let inside = c0 >= 0 && c0 + kw <= g.inWidth
                for p in 0..<g.kernelHeight {
                    let r = i * g.strideHeight - g.padTop + p
                    if r >= 0 && r < g.inHeight {
                        if inside && all {
                            addInPlace(image + (r * g.inWidth + c0) * c, src, span)
                        } else {
                            for q in 0..<kw {
                                let cc = c0 + q
                                if cc >= 0 && cc < g.inWidth {
                                    addInPlace(image + (r * g.inWidth + cc) * c + c0ch, src + q * c + c0ch, cn)
                                }
                            }
                        }
                    }
                    src += span
                }
            }
        }
    }
}

/// dst[0..<count] = src[0..<count]: a plain loop for short runs (VGG16's first layer copies
/// 3×3 = 9 floats per tap row, where a `memmove` call costs more than the copy), `memmove` otherwise.
@inline(__always)
func copy(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ count: Int) {
    if count <= 32 {
        for t in 0..<count { dst[t] = src[t] }
    } else {
        dst.update(from: src, count: count)
    }
}

/// dst[0..<count] += src[0..<count].
@inline(__always)
func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ count: Int) {
    for t in 0..<count { dst[t] += src[t] }
}
