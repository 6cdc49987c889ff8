import CVectorKernels

/// Winograd F(m×m, 3×3) for 3×3 stride-1 convolutions (``WinogradTile``: m = 2, 3, 4 or 6), as α²
/// GEMMs over C-deep transformed tiles (α = m + 2).
///
/// The output is cut into m × m tiles, each read from an α × α input patch d (zero outside the
/// image). Written as U[ξ] (C × F) = the transformed kernel (G g Gᵀ)[ξ] and V[ξ] (tiles × C) = the
/// transformed patches (Bᵀ d B)[ξ] for each of the α² positions ξ of the transform domain, the sum
/// over channels is the GEMM M[ξ] = V[ξ]·U[ξ]; the output transform Aᵀ M A then yields the m × m
/// outputs, with the bias (and a fused ReLU) added on the way out. The transforms are vectorised
/// C (`CVectorKernels`, chosen per CPU at load time). The GEMMs are single-threaded calls of
/// CVectorKernels' `ft_sgemm_unpacked` (V read in place, no zero-fill of M; AVX-512), or of
/// OpenBLAS on CPUs without AVX-512 and above ``ConvolutionOptions/unpackedProductsMaximumChannels``. Chunks of tile rows
/// and their threads follow a ``ChunkPlan``; every output tile is written by exactly one thread,
/// so the same plan gives the same bits.
///
/// The input gradient of a 3×3 stride-1 convolution is itself one (of dy with the kernel rotated
/// by 180° and its channel axes swapped, padding 2 − padTop), so it runs here as well.
struct WinogradConv {
    let batch: Int, inHeight: Int, inWidth: Int, inChannels: Int
    let outHeight: Int, outWidth: Int, outChannels: Int
    let padTop: Int, padLeft: Int
    let tile: WinogradTile

    var tilesHigh: Int { (outHeight + tile.m - 1) / tile.m }
    var tilesWide: Int { (outWidth + tile.m - 1) / tile.m }

    /// Whether the geometry is a 3×3, stride-1 convolution.
    static func applies(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
    }

    /// The forward convolution of `g`.
    init(forward g: ConvGeometry, tile: WinogradTile) {
        batch = g.batch; inHeight = g.inHeight; inWidth = g.inWidth; inChannels = g.inChannels
        outHeight = g.outHeight; outWidth = g.outWidth; outChannels = g.outChannels
        padTop = g.padTop; padLeft = g.padLeft
        self.tile = tile
    }

    /// The convolution computing `g`'s input gradient from its output gradient.
    init(inputGradientOf g: ConvGeometry, tile: WinogradTile) {
        batch = g.batch; inHeight = g.outHeight; inWidth = g.outWidth; inChannels = g.outChannels
        outHeight = g.inHeight; outWidth = g.inWidth; outChannels = g.inChannels
        padTop = 2 - g.padTop; padLeft = 2 - g.padLeft
        self.tile = tile
    }

    /// Multiply-adds of the α² GEMMs (the work Winograd keeps; transforms excluded).
    var gemmMultiplyAdds: Int { batch * tilesHigh * tilesWide * tile.alpha * tile.alpha * inChannels * outChannels }

    /// U[ξ] (C × F, or F × C for the adjoint) = Σ_{p,q} G[i][p]·G[j][q]·w[p][q] for ξ = i·α + j,
    /// from an HWIO kernel (3, 3, C, F); with `adjoint`, of the kernel w′[p][q][f][c] =
    /// w[2−p][2−q][c][f] whose "input channels" are the F filters. Returns α²·C·F floats.
    static func transformKernel(_ w: UnsafePointer<Float>, inChannels C: Int, outChannels F: Int,
                                adjoint: Bool, tile: WinogradTile) -> [Float] {
        guard adjoint else { return combineTaps(w, planeCount: C &* F, tile: tile) }
        // The nine taps of the rotated kernel, each transposed to F × C.
        let planeCount = C &* F
        let taps = [Float](unsafeUninitializedCapacity: 9 &* planeCount) { out, count in
            let o = out.baseAddress!
            Parallel.chunks(9 &* F) { range in
                for pf in range {
                    let p = pf / F, f = pf &- p &* F
                    let from = w + (8 &- p) &* planeCount, to = o + p &* planeCount + f &* C
                    for c in 0..<C { to[c] = from[c &* F &+ f] }
                }
            }
            count = 9 &* planeCount
        }
        return taps.withUnsafeBufferPointer { combineTaps($0.baseAddress!, planeCount: planeCount, tile: tile) }
    }

    /// U[ξ] = Σ_{p,q} G[i][p]·G[j][q]·taps[3p + q] for nine planes of `planeCount` floats, in
    /// blocks small enough that the nine inputs stay in cache while all α² outputs are written.
    private static func combineTaps(_ taps: UnsafePointer<Float>, planeCount: Int, tile: WinogradTile) -> [Float] {
        let alpha = tile.alpha, xiCount = alpha &* alpha
        var coefficients = [Float](repeating: 0, count: xiCount &* 9)
        for i in 0..<alpha { for j in 0..<alpha { for p in 0..<3 { for q in 0..<3 {
            coefficients[((i &* alpha &+ j) &* 3 &+ p) &* 3 &+ q] = tile.g[i &* 3 &+ p] * tile.g[j &* 3 &+ q]
        } } } }
        let block = 4096
        let blocks = (planeCount + block - 1) / block
        return [Float](unsafeUninitializedCapacity: xiCount &* planeCount) { u, count in
            let uBase = u.baseAddress!
            coefficients.withUnsafeBufferPointer { cp in
                Parallel.chunks(blocks) { range in
                    var inputs = [UnsafePointer<Float>?](repeating: nil, count: 9)
                    for b in range {
                        let lo = b &* block, n = min(block, planeCount &- lo)
                        for t in 0..<9 { inputs[t] = taps + (t &* planeCount &+ lo) }
                        inputs.withUnsafeBufferPointer { ip in
                            for xi in 0..<xiCount {
                                ft_linear_combination(9, cp.baseAddress! + xi &* 9, ip.baseAddress!,
                                                      uBase + (xi &* planeCount &+ lo), n)
                            }
                        }
                    }
                }
            }
            count = xiCount &* planeCount
        }
    }

    /// y = conv(x, U) (+ bias, ReLU when `relu`), x (batch, inHeight, inWidth, inChannels) →
    /// y (batch, outHeight, outWidth, outChannels); with `pool` (even tile sizes only), y is that
    /// output max-pooled 2 × 2 with stride 2, 'valid' (batch, outHeight / 2, outWidth / 2,
    /// outChannels), pooled in the output transform so the full-size output is never written.
    func run(input x: UnsafePointer<Float>, transformedKernel u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             relu: Bool = false, pool: Bool = false, output y: UnsafeMutablePointer<Float>, options: ConvolutionOptions) {
        precondition(!pool || tile.m % 2 == 0, "a pooled Winograd output needs an even tile size")
        let C = inChannels, F = outChannels, xiCount = tile.alpha * tile.alpha
        let plan = ChunkPlan(rows: batch * tilesHigh, unitsPerRow: tilesWide,
                             bytesPerUnit: xiCount * (C + F) * MemoryLayout<Float>.size, filters: F, options: options)
        guard plan.rows > 0, tilesWide > 0 else { return }
        let m = Int32(tile.m)
        let unpacked = max(C, F) <= options.unpackedProductsMaximumChannels
        plan.runSharingChunks { _, nextChunk in
            let capacity = plan.maximumChunkUnits
            let v = UnsafeMutablePointer<Float>.allocate(capacity: xiCount * capacity * C)
            let products = UnsafeMutablePointer<Float>.allocate(capacity: xiCount * capacity * F)
            defer { v.deallocate(); products.deallocate() }
            while let chunk = nextChunk() {
                let tiles = chunk.count * tilesWide
                Parallel.chunks(tiles, threads: plan.helperThreads) { part in
                    for t in part { _ = transformInputTile(t, chunkStart: chunk.lowerBound, tiles: tiles, x: x, into: v) }
                }
                // The α² products are independent: when the threads share a chunk, each takes some of them.
                Parallel.chunks(xiCount, threads: plan.helperThreads) { positions in
                    for xi in positions {
                        let a = v + xi &* tiles &* C, b = u + xi &* C &* F, c = products + xi &* tiles &* F
                        if unpacked, ft_sgemm_unpacked(tiles, F, C, a, C, b, F, c, F) != 0 { continue }
                        sgemm(m: tiles, n: F, k: C, a, lda: C, b, ldb: F, beta: 0, c, ldc: F)
                    }
                }
                Parallel.chunks(tiles, threads: plan.helperThreads) { part in
                    for t in part {
                        let (n, i0, j0) = tileOrigin(of: chunk.lowerBound &* tilesWide &+ t)
                        let rows = Int32(min(tile.m, outHeight &- i0)), columns = Int32(min(tile.m, outWidth &- j0))
                        if pool {
                            let pooledHeight = outHeight / 2, pooledWidth = outWidth / 2
                            let out = y + ((n &* pooledHeight &+ i0 / 2) &* pooledWidth &+ j0 / 2) &* F
                            _ = ft_winograd_output_tile_pooled(m, products + t &* F, tiles &* F, F, bias, relu ? 1 : 0,
                                                               out, pooledWidth &* F, rows, columns)
                        } else {
                            let out = y + ((n &* outHeight &+ i0) &* outWidth &+ j0) &* F
                            ft_winograd_output_tile(m, products + t &* F, tiles &* F, F, bias, relu ? 1 : 0, out,
                                                    outWidth &* F, rows, columns)
                        }
                    }
                }
            }
        }
    }

    /// V of tile `index` of the chunk whose first tile row is `chunkStart` (`tiles` tiles in all):
    /// the input transform of its α × α patch of x, at v + index·C (planes tiles·C apart).
    /// Returns the tile's image, first output row and first output column.
    @inline(__always)
    func transformInputTile(_ index: Int, chunkStart: Int, tiles: Int, x: UnsafePointer<Float>,
                            into v: UnsafeMutablePointer<Float>) -> (n: Int, row: Int, column: Int) {
        let origin = tileOrigin(of: chunkStart &* tilesWide &+ index)
        ft_winograd_input_tile(Int32(tile.m), x + origin.n &* inHeight &* inWidth &* inChannels, inHeight, inWidth,
                               inChannels, origin.row &- padTop, origin.column &- padLeft, v + index &* inChannels,
                               tiles &* inChannels)
        return origin
    }

    /// Image, first output row and first output column of tile `index` (flattened over n, tile row, tile column).
    @inline(__always)
    func tileOrigin(of index: Int) -> (n: Int, row: Int, column: Int) {
        let perImage = tilesHigh &* tilesWide
        let n = index / perImage, rest = index &- n &* perImage
        let tr = rest / tilesWide
        return (n, tr &* tile.m, (rest &- tr &* tilesWide) &* tile.m)
    }
}
