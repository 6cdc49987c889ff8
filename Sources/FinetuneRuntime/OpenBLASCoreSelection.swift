import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// A fix for OpenBLAS builds that do not recognise the CPU they run on.
///
/// OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels from the CPU model when it is
/// loaded. A CPU newer than the library is not recognised — Debian 12's OpenBLAS 0.3.21 on an
/// Emerald Rapids Xeon (family 6, model 207) falls back to its SSE3 "Prescott" kernels and runs
/// SGEMM about 4× slower than its AVX-512 kernels. Unless the user chose a core with
/// `OPENBLAS_CORETYPE`, ``reselectIfFallback()`` checks for such a fallback and, when the CPU
/// reports AVX-512 (or AVX2 + FMA), reruns OpenBLAS's own core selection with
/// `OPENBLAS_CORETYPE` set to the best kernel set the CPU supports (Cooperlake, SkylakeX or
/// Haswell). Results only change by float rounding; correctness never depends on the core.
///
/// This changes a library the whole process shares (its environment and OpenBLAS's globals), so
/// it runs only when the application asks, through ``Runtime/configureProcess()``.
enum OpenBLASCoreSelection {
    /// The kernel set OpenBLAS uses now (e.g. "Cooperlake").
    static var name: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Reruns OpenBLAS's core selection when it fell back to an old kernel set; "old → new", or nil.
    static func reselectIfFallback() -> String? {
        #if os(Linux) && arch(x86_64)
        if getenv("OPENBLAS_CORETYPE") != nil { return nil }
        let before = name
        let fallbacks: Set<String> = ["Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Core2",
                                      "Penryn", "Dunnington", "Nehalem", "Atom", "Nano", "Sandybridge"]
        guard fallbacks.contains(before), let target = bestCore(), target != before else { return nil }
        guard let handle = dlopen(nil, RTLD_NOW),
              let quit = dlsym(handle, "gotoblas_dynamic_quit"),
              let initialise = dlsym(handle, "gotoblas_dynamic_init") else { return nil }
        typealias Entry = @convention(c) () -> Void
        setenv("OPENBLAS_CORETYPE", target, 0)
        unsafeBitCast(quit, to: Entry.self)()
        unsafeBitCast(initialise, to: Entry.self)()
        return "\(before) → \(name)"
        #else
        return nil
        #endif
    }

    /// The best OpenBLAS 0.3.21 x86-64 kernel set the CPU's flags (from /proc/cpuinfo) allow.
    private static func bestCore() -> String? {
        #if os(Linux)
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line else { break }
            let text = String(cString: line)
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
            let avx512 = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(flags.contains)
            if avx512 && flags.contains("avx512_bf16") { return "Cooperlake" }
            if avx512 { return "SkylakeX" }
            if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
            return nil
        }
        #endif
        return nil
    }
}
