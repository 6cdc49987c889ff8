/// Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions (Lavin & Gray, "Fast Algorithms for
/// Convolutional Neural Networks", CVPR 2016): 2.25× fewer multiplications than the direct
/// definition, as 16 GEMMs over C-deep transformed tiles.
///
/// The output is cut into 2×2 tiles, each read from a 4×4 input patch d (zero outside the image).
/// With Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]], G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]]
/// and Aᵀ = [[1,1,1,0],[0,1,−1,−1]], one tile of one filter is
///
///     Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
///
/// Written as U[ξ] (C × F) = the transformed kernel and V[ξ] (tiles × C) = the transformed patches
/// for each of the 16 positions ξ of the 4×4 transform domain, the sum over c is the GEMM
/// M[ξ] = V[ξ]·U[ξ]; the output transform Aᵀ M A then yields the 2×2 outputs (plus bias).
/// Chunks of tile rows and their threads follow a ``ChunkPlan``; every output tile is written by
/// exactly one thread, so the same plan gives the same bits.
///
/// The input gradient of a 3×3 stride-1 convolution is itself one (of dy with the kernel rotated
/// by 180° and its channel axes swapped, padding 2 − padTop), so it runs here as well.
struct WinogradConv {
    let batch: Int, inHeight: Int, inWidth: Int, inChannels: Int
    let outHeight: Int, outWidth: Int, outChannels: Int
    let padTop: Int, padLeft: Int

    var tilesHigh: Int { (outHeight + 1) / 2 }
    var tilesWide: Int { (outWidth + 1) / 2 }

    /// Whether the geometry is a 3×3, stride-1 convolution.
    static func applies(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
    }

    /// The forward convolution of `g`.
    init(forward g: ConvGeometry) {
        batch = g.batch; inHeight = g.inHeight; inWidth = g.inWidth; inChannels = g.inChannels
        outHeight = g.outHeight; outWidth = g.outWidth; outChannels = g.outChannels
        padTop = g.padTop; padLeft = g.padLeft
    }

    /// The convolution computing `g`'s input gradient from its output gradient.
    init(inputGradientOf g: ConvGeometry) {
        batch = g.batch; inHeight = g.outHeight; inWidth = g.outWidth; inChannels = g.outChannels
        outHeight = g.inHeight; outWidth = g.inWidth; outChannels = g.inChannels
        padTop = 2 - g.padTop; padLeft = 2 - g.padLeft
    }

    /// U[ξ][c][f] = (G·g·Gᵀ)[ξ] for the 3×3 kernel g of input channel c and filter f, from an HWIO
    /// kernel (3, 3, C, F); with `adjoint`, of the kernel w′[p][q][f][c] = w[2−p][2−q][c][f] whose
    /// "input channels" are the F filters (U[ξ][f][c]). The caller deallocates.
    static func transformKernel(_ w: UnsafePointer<Float>, inChannels C: Int, outChannels F: Int,
                                adjoint: Bool) -> UnsafeMutablePointer<Float> {
        let (rowsOut, colsOut) = adjoint ? (F, C) : (C, F)   // U[ξ] is rowsOut × colsOut
        let u = UnsafeMutablePointer<Float>.allocate(capacity: 16 * C * F)
        let plane = rowsOut * colsOut
        for r in 0..<rowsOut {
            for col in 0..<colsOut {
                let (c, f) = adjoint ? (col, r) : (r, col)
                // g[p][q] of the kernel used (rotated by 180° for the adjoint).
                func g(_ p: Int, _ q: Int) -> Float {
                    adjoint ? w[(((2 - p) * 3 + (2 - q)) * C + c) * F + f] : w[((p * 3 + q) * C + c) * F + f]
                }
                // Row a of G·g (a 1×3 row), then that row times Gᵀ (4 values) into U[4a + b].
                for a in 0..<4 {
                    let h0: Float, h1: Float, h2: Float
                    switch a {
                    case 0: (h0, h1, h2) = (g(0, 0), g(0, 1), g(0, 2))
                    case 1: (h0, h1, h2) = (0.5 * (g(0, 0) + g(1, 0) + g(2, 0)), 0.5 * (g(0, 1) + g(1, 1) + g(2, 1)),
                                            0.5 * (g(0, 2) + g(1, 2) + g(2, 2)))
                    case 2: (h0, h1, h2) = (0.5 * (g(0, 0) - g(1, 0) + g(2, 0)), 0.5 * (g(0, 1) - g(1, 1) + g(2, 1)),
                                            0.5 * (g(0, 2) - g(1, 2) + g(2, 2)))
                    default: (h0, h1, h2) = (g(2, 0), g(2, 1), g(2, 2))
                    }
                    let o = u + (a * 4) * plane + r * colsOut + col
                    o[0] = h0
                    o[plane] = 0.5 * (h0 + h1 + h2)
                    o[2 * plane] = 0.5 * (h0 - h1 + h2)
                    o[3 * plane] = h2
                }
            }
        }
        return u
    }

    /// y = conv(x, U) (+ bias), x (batch, inHeight, inWidth, inChannels) → y (batch, outHeight, outWidth, outChannels).
    func run(input x: UnsafePointer<Float>, transformedKernel u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             output y: UnsafeMutablePointer<Float>, options: ConvolutionOptions) {
        let C = inChannels, F = outChannels
        let plan = ChunkPlan(rows: batch * tilesHigh, unitsPerRow: tilesWide,
                             bytesPerUnit: 16 * (C + F) * MemoryLayout<Float>.size, filters: F, options: options)
        guard plan.rows > 0, tilesWide > 0 else { return }
        plan.run { _, share in
            let capacity = plan.maximumChunkUnits
            let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * capacity * C)
            let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * capacity * F)
            defer { v.deallocate(); m.deallocate() }
            plan.forEachChunk(in: share) { chunk in
                let tiles = chunk.count * tilesWide
                Parallel.chunks(tiles, threads: plan.helperThreads) { part in
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 16 * C)
                    defer { scratch.deallocate() }
                    for t in part { inputTransform(x, tile: chunk.lowerBound * tilesWide + t, slot: t, tiles: tiles,
                                                   into: v, scratch: scratch) }
                }
                for xi in 0..<16 {
                    sgemm(m: tiles, n: F, k: C, v + xi * tiles * C, lda: C, u + xi * C * F, ldb: F,
                          beta: 0, m + xi * tiles * F, ldc: F)
                }
                Parallel.chunks(tiles, threads: plan.helperThreads) { part in
                    for t in part { outputTransform(m, slot: t, tiles: tiles, tile: chunk.lowerBound * tilesWide + t,
                                                    bias: bias, into: y) }
                }
            }
        }
    }

    /// V[ξ][slot][c] = (Bᵀ d B)[ξ] for the 4×4 patch of tile `tile` (flattened over n, tile row, tile column).
    @inline(__always)
    private func inputTransform(_ x: UnsafePointer<Float>, tile: Int, slot: Int, tiles: Int,
                                into v: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let C = inChannels
        let n = tile / (tilesHigh * tilesWide), rest = tile % (tilesHigh * tilesWide)
        let r0 = 2 * (rest / tilesWide) - padTop, c0 = 2 * (rest % tilesWide) - padLeft
        let base: UnsafePointer<Float>, rowStride: Int
        if r0 >= 0, r0 + 4 <= inHeight, c0 >= 0, c0 + 4 <= inWidth {
            base = x + ((n * inHeight + r0) * inWidth + c0) * C
            rowStride = inWidth * C
        } else {
            for a in 0..<4 { for b in 0..<4 {
                let r = r0 + a, c = c0 + b, dst = scratch + (a * 4 + b) * C
                if r >= 0, r < inHeight, c >= 0, c < inWidth {
                    dst.update(from: x + ((n * inHeight + r) * inWidth + c) * C, count: C)
                } else {
                    dst.update(repeating: 0, count: C)
                }
            } }
            base = UnsafePointer(scratch)
            rowStride = 4 * C
        }
        let d0 = base, d1 = base + rowStride, d2 = base + 2 * rowStride, d3 = base + 3 * rowStride
        let plane = tiles * C
        let out = v + slot * C
        let c1 = C, c2 = 2 * C, c3 = 3 * C
        for c in 0..<C {
            // Bᵀ·d: combine rows.
            let t00 = d0[c] - d2[c], t01 = d0[c1 + c] - d2[c1 + c], t02 = d0[c2 + c] - d2[c2 + c], t03 = d0[c3 + c] - d2[c3 + c]
            let t10 = d1[c] + d2[c], t11 = d1[c1 + c] + d2[c1 + c], t12 = d1[c2 + c] + d2[c2 + c], t13 = d1[c3 + c] + d2[c3 + c]
            let t20 = d2[c] - d1[c], t21 = d2[c1 + c] - d1[c1 + c], t22 = d2[c2 + c] - d1[c2 + c], t23 = d2[c3 + c] - d1[c3 + c]
            let t30 = d1[c] - d3[c], t31 = d1[c1 + c] - d3[c1 + c], t32 = d1[c2 + c] - d3[c2 + c], t33 = d1[c3 + c] - d3[c3 + c]
            // (Bᵀ·d)·B: combine columns.
            out[c] = t00 - t02; out[plane + c] = t01 + t02; out[2 * plane + c] = t02 - t01; out[3 * plane + c] = t01 - t03
            out[4 * plane + c] = t10 - t12; out[5 * plane + c] = t11 + t12
            out[6 * plane + c] = t12 - t11; out[7 * plane + c] = t11 - t13
            out[8 * plane + c] = t20 - t22; out[9 * plane + c] = t21 + t22
            out[10 * plane + c] = t22 - t21; out[11 * plane + c] = t21 - t23
            out[12 * plane + c] = t30 - t32; out[13 * plane + c] = t31 + t32
            out[14 * plane + c] = t32 - t31; out[15 * plane + c] = t31 - t33
        }
    }

    /// The 2×2 outputs of tile `tile` (all filters): Aᵀ M A + bias, clipped to the output size.
    @inline(__always)
    private func outputTransform(_ m: UnsafePointer<Float>, slot: Int, tiles: Int, tile: Int,
                                 bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let F = outChannels
        let n = tile / (tilesHigh * tilesWide), rest = tile % (tilesHigh * tilesWide)
        let i0 = 2 * (rest / tilesWide), j0 = 2 * (rest % tilesWide)
        let plane = tiles * F
        let s = m + slot * F
        let hasRow1 = i0 + 1 < outHeight, hasCol1 = j0 + 1 < outWidth
        let y00 = y + ((n * outHeight + i0) * outWidth + j0) * F
        let y01 = y00 + F, y10 = y00 + outWidth * F, y11 = y10 + F
        for f in 0..<F {
            let m0 = s[f], m1 = s[plane + f], m2 = s[2 * plane + f], m3 = s[3 * plane + f]
            let m4 = s[4 * plane + f], m5 = s[5 * plane + f], m6 = s[6 * plane + f], m7 = s[7 * plane + f]
            let m8 = s[8 * plane + f], m9 = s[9 * plane + f], m10 = s[10 * plane + f], m11 = s[11 * plane + f]
            let m12 = s[12 * plane + f], m13 = s[13 * plane + f], m14 = s[14 * plane + f], m15 = s[15 * plane + f]
            // Aᵀ·M: combine rows.
            let a0 = m0 + m4 + m8, a1 = m1 + m5 + m9, a2 = m2 + m6 + m10, a3 = m3 + m7 + m11
            let b0 = m4 - m8 - m12, b1 = m5 - m9 - m13, b2 = m6 - m10 - m14, b3 = m7 - m11 - m15
            let bf = bias?[f] ?? 0
            // (Aᵀ·M)·A: combine columns.
            y00[f] = a0 + a1 + a2 + bf
            if hasCol1 { y01[f] = a1 - a2 - a3 + bf }
            if hasRow1 {
                y10[f] = b0 + b1 + b2 + bf
                if hasCol1 { y11[f] = b1 - b2 - b3 + bf }
            }
        }
    }
}
