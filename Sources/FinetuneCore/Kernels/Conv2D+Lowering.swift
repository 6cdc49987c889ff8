import CBLAS

/// How one convolution is lowered to GEMM: its output rows — the (n, i) pairs, flattened to
/// `0..<batch·outHeight`, each holding `outWidth` pixels — are split into one contiguous share per
/// thread, and each share into chunks whose patch matrix (pixels × kh·kw·c, "im2col") fits the
/// working-set budget. A chunk's output rows are contiguous in NHWC, so its GEMM writes straight
/// into the output tensor.
struct ConvLowering {
    let g: ConvGeometry
    /// kh·kw·c: one patch-matrix row, laid out (p, q, c) like an HWIO kernel's first three axes.
    let patch: Int
    /// batch·outHeight.
    let rows: Int
    /// A 1×1, stride-1 convolution without padding: the input already is the patch matrix.
    let pointwise: Bool
    /// Finetune threads, each with one share of the rows (1 when OpenBLAS does the threading).
    let threads: Int
    /// OpenBLAS threads inside each GEMM call (1 when Finetune's threads own the shares).
    let blasThreads: Int
    /// Output rows per chunk (before the share is divided into equal chunks).
    let rowsPerChunk: Int

    /// Threads that split a chunk's im2col / col2im when OpenBLAS threads the GEMMs.
    var helperThreads: Int { blasThreads }

    /// - Parameter minimumShareRows: a share must hold at least this many rows (the input
    ///   gradient's conflict-free scheme needs 2·h₀); fewer threads are used otherwise.
    init(_ g: ConvGeometry, options: ConvolutionOptions, minimumShareRows: Int = 1) {
        self.g = g
        patch = g.kernelHeight * g.kernelWidth * g.inChannels
        rows = g.batch * g.outHeight
        pointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padTop == 0 && g.padLeft == 0
        let requested = options.resolvedThreads
        let pixels = rows * g.outWidth
        var useChunks: Bool
        switch options.threading {
        case .chunks: useChunks = true
        case .blas: useChunks = false
        case .automatic: useChunks = pixels / requested >= options.minimumChunkPixels
        }
        if requested == 1 { useChunks = true }
        let limit = max(1, rows / max(minimumShareRows, 1))
        threads = useChunks ? max(1, min(requested, rows, limit)) : 1
        blasThreads = useChunks ? 1 : requested
        // One buffer per Finetune thread, or one shared buffer of the whole budget under BLAS threads.
        let budget = useChunks ? options.chunkBytes : options.chunkBytes * requested
        let rowBytes = max(g.outWidth * patch * MemoryLayout<Float>.size, 1)
        let minimumPixels = max(options.minimumChunkPixels, options.pixelsPerFilter * g.outChannels)
        let byPixels = (minimumPixels + g.outWidth - 1) / max(g.outWidth, 1)
        let cap = max(1, options.maximumChunkBytes / rowBytes)
        rowsPerChunk = pointwise ? max(rows, 1) : min(cap, max(1, budget / rowBytes, byPixels))
    }

    /// The rows of thread `t`: `rows·t/threads ..< rows·(t+1)/threads`.
    func share(_ t: Int) -> Range<Int> { (rows * t / threads)..<(rows * (t + 1) / threads) }

    /// Splits `range` into ⌈count / rowsPerChunk⌉ chunks of (nearly) equal size, in order.
    func forEachChunk(in range: Range<Int>, _ body: (Range<Int>) -> Void) {
        guard !range.isEmpty else { return }
        let pieces = (range.count + rowsPerChunk - 1) / rowsPerChunk
        for c in 0..<pieces {
            let lo = range.lowerBound + range.count * c / pieces
            let hi = range.lowerBound + range.count * (c + 1) / pieces
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Largest chunk in pixels (for sizing a thread's im2col buffer): ``forEachChunk(in:_:)`` never
    /// makes a chunk longer than ``rowsPerChunk`` or than a share.
    var maximumChunkPixels: Int {
        min(rowsPerChunk, (rows + threads - 1) / threads) * g.outWidth
    }

    /// Runs `body(t, share(t))` for every thread with OpenBLAS set to ``blasThreads``.
    func run(_ body: (Int, Range<Int>) -> Void) {
        Parallel.withBLASThreads(blasThreads) {
            if threads == 1 { body(0, 0..<rows); return }
            Parallel.forEach(threads, threads: threads) { t in body(t, share(t)) }
        }
    }

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
                        dst.update(from: image + (r * g.inWidth + c0) * c, count: span)
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

/// dst[0..<count] += src[0..<count].
@inline(__always)
func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ count: Int) {
    for t in 0..<count { dst[t] += src[t] }
}

/// Row-major single-precision GEMM: C (m×n) = α·op(A)·op(B) + β·C.
@inline(__always)
func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
           alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
           beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
