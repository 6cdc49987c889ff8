import CBLAS
import Synchronization
import Testing
import FinetuneCore

/// Finetune's threads call OpenBLAS from parallel loops (a convolution's chunks, the Winograd
/// kernel gradient's positions). When the application leaves OpenBLAS on threads of its own (the
/// default: one per core), Debian's OpenBLAS 0.3.21 deadlocks if two callers enter it at once, so
/// those calls are serialized. Without that, this test hung (one thread spinning in exec_blas,
/// the others blocked on OpenBLAS's lock, in a Winograd kernel gradient's per-thread GEMMs).
@Suite("OpenBLAS from many threads")
struct ConcurrentBLASTests {
    @Test("GEMMs from four of Finetune's threads at once finish while OpenBLAS runs two threads")
    func concurrentCallers() {
        // OpenBLAS as the process has it (one thread per core by default; not changed here, since
        // other tests call it at the same time).
        #expect(openblas_get_num_threads() >= 1)
        let n = 256
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 2, count: n * n)
        let wrong = Atomic<Int>(0)
        for _ in 0..<30 {
            Parallel.forEach(8, threads: 4) { _ in
                var c = [Float](repeating: 0, count: n * n)
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    // On OpenBLAS, even where the AVX-512 kernel would take these GEMMs.
                    splitSGEMM(m: n, n: n, k: n, ap.baseAddress!, lda: n, bp.baseAddress!, ldb: n, beta: 0,
                               cp.baseAddress!, ldc: n, threads: 1, vectorKernel: false)
                } } }
                if c[0] != Float(n) || c[n * n - 1] != Float(n) { wrong.add(1, ordering: .relaxed) }
            }
        }
        #expect(wrong.load(ordering: .relaxed) == 0)
    }
}
