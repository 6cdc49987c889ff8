import CVectorKernels

/// The kernel gradient of a 3×3 stride-1 convolution by Winograd F(m×m, 3×3), the adjoint of the
/// forward algorithm with respect to the kernel.
///
/// Forward, each m × m output tile is Aᵀ[(G w Gᵀ) ⊙ (Bᵀ d B)]A. Differentiating with respect to w
/// gives dW[p][q] = Σ_ξ G[i][p]·G[j][q]·M[ξ] for the α² positions ξ = i·α + j, where M[ξ] (C × F)
/// = Σ_tiles V[ξ]ᵀ·W[ξ]: V the input transform of each tile's α × α input patch (the forward one)
/// and W = A dy Aᵀ the transform of the tile's m × m output gradients. The sum over tiles is one
/// GEMM per ξ, tiles deep, instead of im2col's GEMM nine times as long per output pixel.
/// Each thread accumulates its own M over its shares of tile rows; the partial sums are added in
/// thread order, so the same plan gives the same bits.
extension WinogradConv {
    /// dW (3, 3, C, F) into `dw` from x (batch, inHeight, inWidth, C) and dy (batch, outHeight,
    /// outWidth, F) of the forward convolution this describes.
    func kernelGradient(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                        into dw: UnsafeMutablePointer<Float>, options: ConvolutionOptions) {
        let C = inChannels, F = outChannels, xiCount = tile.alpha * tile.alpha, planeCount = C * F
        let plan = ChunkPlan(rows: batch * tilesHigh, unitsPerRow: tilesWide,
                             bytesPerUnit: xiCount * (C + F) * MemoryLayout<Float>.size, filters: F, options: options)
        guard plan.rows > 0, tilesWide > 0, planeCount > 0 else { dw.update(repeating: 0, count: 9 * planeCount); return }
        let m = Int32(tile.m)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: plan.threads * xiCount * planeCount)
        defer { sums.deallocate() }
        plan.run { t, share in
            let capacity = plan.maximumChunkUnits
            let v = UnsafeMutablePointer<Float>.allocate(capacity: xiCount * capacity * C)
            let w = UnsafeMutablePointer<Float>.allocate(capacity: xiCount * capacity * F)
            defer { v.deallocate(); w.deallocate() }
            let sum = sums + t * xiCount * planeCount
            var first = true
            plan.forEachChunk(in: share) { chunk in
                let tiles = chunk.count * tilesWide
                Parallel.chunks(tiles, threads: plan.helperThreads) { part in
                    for index in part {
                        let (n, i0, j0) = transformInputTile(index, chunkStart: chunk.lowerBound, tiles: tiles, x: x, into: v)
                        ft_winograd_gradient_tile(m, dy + n &* outHeight &* outWidth &* F, outHeight, outWidth, F,
                                                  i0, j0, w + index &* F, tiles &* F)
                    }
                }
                // M[ξ] (C × F) += V[ξ]ᵀ (C × tiles) · W[ξ] (tiles × F)
                let beta: Float = first ? 0 : 1
                Parallel.chunks(xiCount, threads: plan.helperThreads) { positions in
                    for xi in positions {
                        sgemm(transposeA: true, m: C, n: F, k: tiles, v + xi &* tiles &* C, lda: C,
                              w + xi &* tiles &* F, ldb: F, beta: beta, sum + xi &* planeCount, ldc: F)
                    }
                }
                first = false
            }
            if first { sum.update(repeating: 0, count: xiCount * planeCount) }   // an empty share
        }
        for t in 1..<max(plan.threads, 1) { addInPlace(sums, sums + t * xiCount * planeCount, xiCount * planeCount) }
        // dW[p][q] = Σ_ξ G[i][p]·G[j][q]·M[ξ]
        let alpha = tile.alpha
        var coefficients = [Float](repeating: 0, count: 9 * xiCount)
        for p in 0..<3 { for q in 0..<3 { for i in 0..<alpha { for j in 0..<alpha {
            coefficients[(p * 3 + q) * xiCount + i * alpha + j] = tile.g[i * 3 + p] * tile.g[j * 3 + q]
        } } } }
        let inputs = (0..<xiCount).map { Optional(UnsafePointer(sums + $0 * planeCount)) }
        let block = 4096
        let blocks = (planeCount + block - 1) / block
        coefficients.withUnsafeBufferPointer { cp in inputs.withUnsafeBufferPointer { ip in
            Parallel.chunks(blocks) { range in
                var shifted = [UnsafePointer<Float>?](repeating: nil, count: xiCount)
                for b in range {
                    let lo = b * block, count = min(block, planeCount - lo)
                    for xi in 0..<xiCount { shifted[xi] = ip[xi].map { $0 + lo } }
                    shifted.withUnsafeBufferPointer { sp in
                        for tap in 0..<9 {
                            ft_linear_combination(Int32(xiCount), cp.baseAddress! + tap * xiCount, sp.baseAddress!,
                                                  dw + tap * planeCount + lo, count)
                        }
                    }
                }
            }
        } }
    }
}
