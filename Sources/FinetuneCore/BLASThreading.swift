import CBLAS
import Foundation

/// What Finetune's kernels read of OpenBLAS's settings, without ever changing them.
///
/// OpenBLAS is a process-wide library: its thread count and kernel set belong to the application.
/// Finetune only reads them. On a CPU with AVX-512, GEMMs do not enter OpenBLAS at all (they run on
/// CVectorKernels' `ft_sgemm`, split over Finetune's threads). Elsewhere, when OpenBLAS runs one
/// thread per call (the application chose it, or called
/// ``/FinetuneRuntime/Runtime/configureProcess()``), a GEMM worth splitting is cut into one block
/// per Finetune thread, each a single-threaded OpenBLAS call; when OpenBLAS runs its own threads,
/// the GEMM is one call and OpenBLAS splits it. Both give the same bits: OpenBLAS and Finetune
/// split a GEMM by blocks of its output, never along the summed dimension.
package enum BLASThreading {
    /// Whether Finetune may split a GEMM over its own threads: only when OpenBLAS runs one thread
    /// per call, so that the two never compete for the cores.
    @inline(__always) package static var finetuneSplitsGEMMs: Bool { openblas_get_num_threads() == 1 }

    /// Runs `call` (an OpenBLAS call) so that OpenBLAS is never entered by two of Finetune's
    /// threads at once while it runs threads of its own: Debian's OpenBLAS 0.3.21 (pthreads) then
    /// deadlocks — one caller waits in `exec_blas` for workers that the others' level-3 calls hold
    /// (seen as a test process spinning for 15 minutes). On one OpenBLAS thread, the way the
    /// executables run it, calls go straight through.
    @inline(__always) package static func serialized<R>(_ call: () -> R) -> R {
        if finetuneSplitsGEMMs { return call() }
        lock.lock()
        defer { lock.unlock() }
        return call()
    }

    /// Runs `body` (a `fork()`) while no OpenBLAS call of Finetune's that uses OpenBLAS's own
    /// threads is in flight. glibc runs OpenBLAS's fork handler, which stops its worker threads;
    /// a multi-threaded GEMM whose work was queued to them waits for it forever (seen: a test
    /// process spinning in OpenBLAS while every other thread waited in ``serialized(_:)``).
    /// The lock is a plain pthread mutex (`NSLock`): the child of a `fork()` in `body` releases it
    /// as the copy of the thread that took it, which `Synchronization.Mutex` traps on (it records
    /// the owner's thread id, and the child's differs).
    package static func excludingCalls<R>(_ body: () -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private static let lock = NSLock()
}
