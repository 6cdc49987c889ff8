import CBLAS
import CVectorKernels

/// Whether this CPU runs GEMMs on CVectorKernels' AVX-512 kernel (`ft_sgemm`) rather than OpenBLAS.
package let sgemmVectorKernelAvailable = ft_sgemm(0, 0, 0, 0, 0, 1, nil, 1, nil, 1, 0, nil, 1) != 0

/// Row-major single-precision GEMM, C (m×n) = α·op(A)·op(B) + β·C, on `threads` of Finetune's
/// threads.
///
/// On a CPU with AVX-512 each block is CVectorKernels' `ft_sgemm`, about 1.7× Debian's OpenBLAS
/// 0.3.21 (whose kernels for this CPU are its AVX2 ones, `OPENBLAS_CORETYPE=Haswell` or not) on
/// the shapes of ResNet50's and MobileNetV2's layers and their gradients; without AVX-512, each
/// block is a single-threaded OpenBLAS call. A GEMM worth splitting is cut into one block of C per
/// thread — columns when C is at least as wide as it is tall, rows otherwise. On OpenBLAS this
/// happens only when the application runs OpenBLAS on one thread
/// (``BLASThreading/finetuneSplitsGEMMs``; the executables do, through
/// `Runtime.configureProcess()`), so that OpenBLAS's own worker threads never compete with
/// Finetune's for the cores; when OpenBLAS runs its own threads, the GEMM is one call and
/// OpenBLAS splits it. Column blocks are multiples of 16 floats wide (one AVX-512 vector), so every
/// block but the last keeps full-width micro-tiles. The split depends only on the shape and
/// `threads`, so the same call gives the same bits; on the vector kernel, every split does.
@inline(__always)
func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
           alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
           beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1,
           split: Bool = BLASThreading.finetuneSplitsGEMMs, vectorKernel: Bool = sgemmVectorKernelAvailable) {
    let byColumns = n >= m
    let unit = byColumns ? 16 : 1
    let canSplit = split || vectorKernel
    // Below ~64 k multiply-adds a thread hand-off costs more than it saves.
    let blocks = m &* n &* k < 1 << 16 || !canSplit ? 1 : min(max(threads, 1), ((byColumns ? n : m) + unit - 1) / unit)
    guard blocks > 1 else {
        singleThreadedSGEMM(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, vectorKernel)
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
            singleThreadedSGEMM(transposeA, transposeB, m, hi - lo, k, alpha, a, lda, bBlock, ldb, beta, c + lo, ldc,
                                vectorKernel)
        } else {
            // Rows lo..<hi of C need rows lo..<hi of op(A).
            let aBlock = transposeA ? a + lo : a + lo &* lda
            singleThreadedSGEMM(transposeA, transposeB, hi - lo, n, k, alpha, aBlock, lda, b, ldb, beta,
                                c + lo &* ldc, ldc, vectorKernel)
        }
    }
}

/// ``sgemm(transposeA:transposeB:m:n:k:alpha:_:lda:_:ldb:beta:_:ldc:threads:)`` for callers outside
/// the kernels (benchmarks, tests): C (m×n) = α·op(A)·op(B) + β·C on `threads` of Finetune's
/// threads, split whatever OpenBLAS's own thread count; `vectorKernel: false` multiplies on
/// OpenBLAS even where the AVX-512 kernel could.
package func splitSGEMM(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                       _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int,
                       vectorKernel: Bool = sgemmVectorKernelAvailable) {
    sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb,
          beta: beta, c, ldc: ldc, threads: threads, split: true, vectorKernel: vectorKernel && sgemmVectorKernelAvailable)
}

@inline(__always)
private func singleThreadedSGEMM(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                 _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                                 _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ vectorKernel: Bool) {
    if vectorKernel,
       ft_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) != 0 { return }
    BLASThreading.serialized {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
