import Dispatch
import Synchronization

/// The CPU threads Finetune's kernels may use, and a parallel-for over them.
///
/// Kernels split their outer loop with `Parallel.forEach`. When the application runs
/// OpenBLAS on one thread (the executables do, through `Runtime.configureProcess()`), these are the
/// only threads that compute: a GEMM worth splitting is split by Finetune, so no second pool of
/// threads spins or competes for the cores. Finetune never changes OpenBLAS's thread count itself.
public enum Parallel {
    private static let configured = Atomic<Int>(0)

    /// Number of threads kernels use (default: all active processors).
    public static var threadCount: Int {
        let n = configured.load(ordering: .relaxed)
        return n > 0 ? n : max(1, ProcessInfo_activeProcessorCount())
    }

    /// Sets the thread count for Finetune's kernels (OpenBLAS's own is the application's). Values < 1
    /// mean "all cores".
    public static func setThreadCount(_ n: Int) {
        configured.store(max(0, n), ordering: .relaxed)
    }

    /// Runs `body(i)` for every `i` in `0..<count`, split into contiguous chunks over
    /// ``threadCount`` threads. Iterations must be independent. Runs inline for one thread.
    package static func forEach(_ count: Int, _ body: (Int) -> Void) {
        chunks(count) { range in for i in range { body(i) } }
    }

    /// Runs `body` on contiguous sub-ranges covering `0..<count`, one per thread at most.
    package static func chunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        chunks(count, threads: threadCount, body)
    }

    /// Runs `body(i)` for every `i` in `0..<count` on at most `threads` threads (contiguous chunks).
    package static func forEach(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        chunks(count, threads: threads) { range in for i in range { body(i) } }
    }

    /// Runs `body` on at most `threads` contiguous sub-ranges covering `0..<count`: range k is
    /// `count·k/t ..< count·(k+1)/t` with t = min(threads, count), so the split depends only on
    /// `count` and `threads` (results that depend on it are reproducible).
    package static func chunks(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let t = max(1, min(threads, count))
        if t == 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: t) { k in
                let lo = count * k / t, hi = count * (k + 1) / t
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }
}

private struct UnsafeSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

#if canImport(Glibc)
import Glibc
private func ProcessInfo_activeProcessorCount() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
import Darwin
private func ProcessInfo_activeProcessorCount() -> Int { Int(sysconf(_SC_NPROCESSORS_ONLN)) }
#endif
