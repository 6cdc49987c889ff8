import CBLAS

/// Row-major single-precision GEMM, C (m×n) = α·op(A)·op(B) + β·C, on `threads` of Finetune's
/// threads.
///
/// When the application runs OpenBLAS on one thread (``BLASThreading/finetuneSplitsGEMMs``; the
/// executables do, through `Runtime.configureProcess()`), OpenBLAS's own worker threads no longer
/// spin in `sched_yield` between calls competing for the cores with Finetune's threads. Then a GEMM
/// that is worth splitting is cut here into one block of C per thread — columns when C is at least
/// as wide as it is tall, rows otherwise — each computed by a single-threaded OpenBLAS call. When
/// OpenBLAS runs its own threads, the GEMM is one call and OpenBLAS splits it. Column
/// blocks are multiples of 16 floats wide (one AVX-512 vector), so every block but the last keeps
/// full-width micro-tiles. The split depends only on the shape and `threads`, so the same call
/// gives the same bits.
@inline(__always)
func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
           alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
           beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1,
           split: Bool = BLASThreading.finetuneSplitsGEMMs) {
    let byColumns = n >= m
    let unit = byColumns ? 16 : 1
    // Below ~64 k multiply-adds a thread hand-off costs more than it saves.
    let blocks = m &* n &* k < 1 << 16 || !split ? 1 : min(max(threads, 1), ((byColumns ? n : m) + unit - 1) / unit)
    guard blocks > 1 else {
        singleThreadedSGEMM(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        return
    }
    let units = ((byColumns ? n : m) + unit - 1) / unit
    Parallel.forEach(blocks, threads: blocks) { t in
        let lo = min(units * t / blocks * unit, byColumns ? n : m)
        let hi = min(units * (t + 1) / blocks * unit, byColumns ? n : m)
        guard lo < hi else { return }
        if byColumns {
            // Columns lo..<hi of C need columns lo..<hi of op(B).
            let bBlock = transposeB ? b + lo &* ldb : b + lo
            singleThreadedSGEMM(transposeA, transposeB, m, hi - lo, k, alpha, a, lda, bBlock, ldb, beta, c + lo, ldc)
        } else {
            // Rows lo..<hi of C need rows lo..<hi of op(A).
            let aBlock = transposeA ? a + lo : a + lo &* lda
            singleThreadedSGEMM(transposeA, transposeB, hi - lo, n, k, alpha, aBlock, lda, b, ldb, beta,
                                c + lo &* ldc, ldc)
        }
    }
}

/// ``sgemm(transposeA:transposeB:m:n:k:alpha:_:lda:_:ldb:beta:_:ldc:threads:)`` for callers outside
/// the kernels (benchmarks, tests): C (m×n) = op(A)·op(B) + β·C on `threads` of Finetune's threads,
/// split whatever OpenBLAS's own thread count.
package func splitSGEMM(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                       _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
    sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb,
          beta: beta, c, ldc: ldc, threads: threads, split: true)
}

@inline(__always)
private func singleThreadedSGEMM(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                 _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                                 _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    BLASThreading.serialized {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
