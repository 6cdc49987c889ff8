import CBLAS
import Synchronization

/// The process-wide settings Finetune trains fastest with, applied only when the application asks.
///
/// Finetune's library code never changes its host process: no environment variable, no other
/// library's globals, no allocator setting, no `fork`. Those settings belong to the application,
/// because a server that links Finetune may use OpenBLAS or the allocator for its own work. An
/// application that runs Finetune as its main job opts in once, at start-up, before other threads
/// call OpenBLAS — the `finetune`, `demo-catsdogs`, `finetune-bench` and `finetune-mpi` executables
/// do:
///
/// ```swift
/// import Finetune
/// Runtime.configureProcess()
/// ```
///
/// What it does and why:
/// - OpenBLAS core reselection: where the OpenBLAS build did not recognise the CPU and fell
///   back to SSE3 kernels (Debian 12's 0.3.21 on Emerald Rapids Xeons), sets `OPENBLAS_CORETYPE` to
///   the best kernel set the CPU supports and reruns OpenBLAS's core selection. Nothing happens on
///   a CPU OpenBLAS knows, or when `OPENBLAS_CORETYPE` is already set.
/// - one OpenBLAS thread per call: `openblas_set_num_threads(1)`. Finetune's own threads then
///   split every GEMM worth splitting, and OpenBLAS's worker threads no longer spin between calls
///   competing with them for the cores (8.6 % of a training step's samples when both pools ran).
/// - large buffers reused: raises glibc's mmap and trim thresholds to 1 GiB (`mallopt`), so
///   the multi-megabyte activations of a step are reused by the next one instead of being unmapped
///   and faulted back in (about 8 % of a step).
///
/// Without this call Finetune computes the same results (bit for bit where the OpenBLAS core is the
/// same), reading OpenBLAS's thread count and leaving its GEMMs to OpenBLAS's threads when it has
/// more than one.
public enum Runtime {
    /// Which process-wide settings ``configureProcess()`` applies.
    package struct Settings: Sendable, Equatable {
        /// Rerun OpenBLAS's core selection when it fell back to old kernels on a newer CPU.
        package var reselectOpenBLASCore: Bool
        /// Run OpenBLAS on one thread per call; Finetune's threads split the GEMMs.
        package var singleThreadedOpenBLAS: Bool
        /// Keep freed multi-megabyte buffers in the heap for reuse (glibc's `mallopt`).
        package var reuseLargeBuffers: Bool

        package init(reselectOpenBLASCore: Bool, singleThreadedOpenBLAS: Bool, reuseLargeBuffers: Bool) {
            self.reselectOpenBLASCore = reselectOpenBLASCore
            self.singleThreadedOpenBLAS = singleThreadedOpenBLAS
            self.reuseLargeBuffers = reuseLargeBuffers
        }

        /// All three: what Finetune's executables use and its speed figures were measured with.
        package static let recommended = Settings(reselectOpenBLASCore: true, singleThreadedOpenBLAS: true,
                                                 reuseLargeBuffers: true)
    }

    /// What ``configureProcess()`` found and did.
    public struct Report: Sendable, Equatable, CustomStringConvertible {
        /// OpenBLAS's kernel set afterwards (e.g. "Cooperlake", "Zen").
        package var openBLASCore: String
        /// "Prescott → Cooperlake" when the core was reselected, else nil.
        package var openBLASCoreChange: String?
        /// Threads OpenBLAS runs per call afterwards.
        package var openBLASThreads: Int
        /// Whether glibc now keeps freed large buffers for reuse.
        package var reusesLargeBuffers: Bool

        public var description: String {
            "OpenBLAS core \(openBLASCore)" + (openBLASCoreChange.map { " (reselected: \($0))" } ?? "")
                + ", \(openBLASThreads) OpenBLAS thread\(openBLASThreads == 1 ? "" : "s") per call"
                + (reusesLargeBuffers ? ", large buffers reused" : "")
        }
    }

    private static let lock = Mutex<Report?>(nil)

    /// Applies `settings` to this process and reports the outcome. Call it once at start-up,
    /// before other threads use OpenBLAS; later calls apply what earlier ones did not.
    @discardableResult
    public static func configureProcess() -> Report { configureProcess(.recommended) }

    /// ``configureProcess()`` with some of the settings left out (tests and benchmarks).
    @discardableResult
    package static func configureProcess(_ settings: Settings) -> Report {
        lock.withLock { last in
            var change = last?.openBLASCoreChange
            if settings.reselectOpenBLASCore, change == nil { change = OpenBLASCoreSelection.reselectIfFallback() }
            if settings.singleThreadedOpenBLAS { openblas_set_num_threads(1) }
            let reuse = settings.reuseLargeBuffers ? LargeBufferReuse.enable() : (last?.reusesLargeBuffers ?? false)
            let report = Report(openBLASCore: OpenBLASCoreSelection.name, openBLASCoreChange: change,
                                openBLASThreads: Int(openblas_get_num_threads()), reusesLargeBuffers: reuse)
            last = report
            return report
        }
    }
}
