/// How the fast convolution kernels split their work. The defaults suit a 2-core machine with
/// ≥ 1 MiB of L2 per core (measured in `finetune-bench conv`); tests shrink the chunks so that tiny
/// shapes cross chunk and thread boundaries, and the benchmark compares the threading schemes.
///
/// Results depend only on the options and the shapes (never on timing): the same options give
/// bit-identical results.
public struct ConvolutionOptions: Sendable, Hashable {
    /// Who runs the threads.
    public enum Threading: String, Sendable, CaseIterable, Codable {
        /// Finetune's threads each take a contiguous share of the output rows and call
        /// single-threaded OpenBLAS on their own chunks (no nested threading); falls back to
        /// ``blas`` when a share would be too small to amortise packing the kernel matrix.
        case automatic
        /// Always Finetune's threads over row chunks, single-threaded OpenBLAS.
        case chunks
        /// One chunk after another on the calling thread; OpenBLAS parallelises each GEMM.
        case blas
    }

    /// Threads to use; `nil` means ``Parallel/threadCount``.
    public var threads: Int?
    /// Target size in bytes of one thread's im2col buffer (the working set beside the kernel
    /// matrix): small enough to stay in L2 while the GEMM packs it.
    public var chunkBytes: Int
    /// Fewest output pixels per GEMM call (each call packs the kh·kw·c × f kernel matrix once)…
    public var minimumChunkPixels: Int
    /// …and at least this many pixels per filter: with m ≥ 2·f pixels, packing the k × f kernel
    /// matrix (or, for the kernel gradient, reading and writing the k × f accumulator) costs
    /// ≲ 3 % of the chunk's 2·m·k·f FLOPs, however deep k is.
    public var pixelsPerFilter: Int
    /// Upper bound on one im2col buffer, bytes (one output row is always allowed).
    public var maximumChunkBytes: Int
    public var threading: Threading

    public init(threads: Int? = nil, chunkBytes: Int = 1 << 20, minimumChunkPixels: Int = 256,
                pixelsPerFilter: Int = 2, maximumChunkBytes: Int = 32 << 20, threading: Threading = .automatic) {
        precondition(chunkBytes > 0 && minimumChunkPixels > 0 && pixelsPerFilter >= 0 && maximumChunkBytes > 0,
                     "chunk sizes must be positive")
        self.threads = threads
        self.chunkBytes = chunkBytes
        self.minimumChunkPixels = minimumChunkPixels
        self.pixelsPerFilter = pixelsPerFilter
        self.maximumChunkBytes = maximumChunkBytes
        self.threading = threading
    }

    public static let `default` = ConvolutionOptions()

    /// The thread count these options resolve to (≥ 1).
    public var resolvedThreads: Int { max(1, threads ?? Parallel.threadCount) }
}
