#if canImport(Glibc)
import Glibc
#endif

/// Lets freed multi-megabyte buffers be reused instead of returned to the kernel.
///
/// glibc serves allocations above its mmap threshold (at most 32 MiB, adjusted at run time) with
/// fresh `mmap`s and unmaps them on `free`. A VGG16 training step allocates and frees activations
/// of up to 115 MB (20 × 150 × 150 × 64 floats) every step, so each one comes back as untouched
/// pages: one page fault and one page clear per 4 KiB, about 8 % of a step's CPU time in a
/// profile. ``enable()`` raises the mmap threshold and the trim threshold to 1 GiB, so such buffers
/// come from the heap and, once freed, are reused by the next step as they are. Peak memory does
/// not grow (the same buffers are live at the same time); the process just keeps its high-water
/// mark instead of handing pages back between steps.
///
/// A process-wide allocator setting: it runs only when the application asks, through
/// ``Runtime/configureProcess()``. Does nothing outside glibc.
enum LargeBufferReuse {
    /// Raises glibc's mmap and trim thresholds to 1 GiB (once; later calls do nothing). Whether it took.
    static func enable() -> Bool { enabled }

    private static let enabled: Bool = {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which Swift's Glibc module leaves out; its parameter
        // numbers are glibc's stable ABI: M_TRIM_THRESHOLD = −1, M_MMAP_THRESHOLD = −3.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let limit: Int32 = 1 << 30
        return mallopt(-3, limit) == 1 && mallopt(-1, limit) == 1
        #else
        return false
        #endif
    }()
}
