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
    /// Target size in bytes of one thread's im2col buffer (the working set beside the kernel matrix).
    public var chunkBytes: Int
    /// Fewest output pixels per GEMM call (each call packs the kh·kw·c × f kernel matrix once).
    public var minimumChunkPixels: Int
    public var threading: Threading

    public init(threads: Int? = nil, chunkBytes: Int = 2 << 20, minimumChunkPixels: Int = 256,
                threading: Threading = .automatic) {
        precondition(chunkBytes > 0 && minimumChunkPixels > 0, "chunk sizes must be positive")
        self.threads = threads
        self.chunkBytes = chunkBytes
        self.minimumChunkPixels = minimumChunkPixels
        self.threading = threading
    }

    public static let `default` = ConvolutionOptions()

    /// The thread count these options resolve to (≥ 1).
    public var resolvedThreads: Int { max(1, threads ?? Parallel.threadCount) }
}
