/// How the fast convolution kernels split their work. The defaults suit a 2-core machine with
/// ≥ 1 MiB of L2 per core (measured in `finetune-bench conv`); tests shrink the chunks so that tiny
/// shapes cross chunk and thread boundaries, and the benchmark compares the threading schemes.
///
/// Results depend only on the options and the shapes (never on timing): the same options give
/// bit-identical results.
package struct ConvolutionOptions: Sendable, Hashable {
    /// Who runs the threads.
    package enum Threading: String, Sendable, CaseIterable, Codable {
        /// Finetune's threads each take a contiguous share of the output rows and call
        /// single-threaded OpenBLAS on their own chunks (no nested threading); falls back to
        /// ``splitGEMM`` when a share would be too small to amortise packing the kernel matrix.
        case automatic
        /// Always Finetune's threads over row chunks, single-threaded OpenBLAS.
        case chunks
        /// One chunk after another; Finetune's threads split each GEMM (by columns of the
        /// output) and each transform or gather pass. OpenBLAS never runs threads of its own.
        case splitGEMM = "split-gemm"
    }

    /// Which algorithm computes a convolution, its input gradient and (with
    /// ``ConvolutionOptions/winogradKernelGradient``) its kernel gradient.
    package enum Algorithm: String, Sendable, CaseIterable, Codable {
        /// Per layer, whichever of im2col + GEMM and Winograd F(m×m, 3×3) (m = 2, 3, 4, 6) the cost
        /// model ``ConvolutionOptions/plan(_:inputGradient:)`` predicts to be fastest. Winograd
        /// needs 3×3 stride-1 kernels and ≥ ``ConvolutionOptions/winogradMinimumChannels``
        /// channels in and out (VGG16's first convolution, C = 3, stays on GEMM).
        case automatic
        /// im2col + GEMM always.
        case gemm
        /// Winograd wherever it applies (3×3, stride 1), im2col + GEMM elsewhere.
        case winograd
    }

    /// Threads to use; `nil` means ``Parallel/threadCount``.
    package var threads: Int?
    /// Target size in bytes of one thread's im2col buffer (the working set beside the kernel
    /// matrix): small enough to stay in L2 while the GEMM packs it.
    package var chunkBytes: Int
    /// Fewest output pixels per GEMM call (each call packs the kh·kw·c × f kernel matrix once)…
    package var minimumChunkPixels: Int
    /// …and at least this many pixels per filter: with m ≥ 2·f pixels, packing the k × f kernel
    /// matrix (or, for the kernel gradient, reading and writing the k × f accumulator) costs
    /// ≲ 3 % of the chunk's 2·m·k·f FLOPs, however deep k is.
    package var pixelsPerFilter: Int
    /// Upper bound on one im2col buffer, bytes (one output row is always allowed).
    package var maximumChunkBytes: Int
    package var threading: Threading
    package var algorithm: Algorithm
    /// Under ``Algorithm/automatic``, Winograd needs at least this many input and output channels
    /// (its α² GEMMs are only C deep; VGG16's first convolution, C = 3, stays on GEMM).
    package var winogradMinimumChannels: Int
    /// Winograd's output tile size m (2, 3, 4 or 6); `nil` lets the cost model choose per layer.
    package var winogradTileSize: Int?
    /// Winograd's α² products with at most this many channels in and out run on CVectorKernels'
    /// unpacked AVX-512 GEMM instead of OpenBLAS (0: always OpenBLAS; default: always the
    /// unpacked GEMM where the CPU has AVX-512). Measured on one core against OpenBLAS's
    /// Cooperlake kernels, packing and zero-fill included: 1.4–1.5× at 64 channels, 1.1–1.3× at
    /// 128, 1.0–1.1× at 256 and 512; per layer (`finetune-bench conv --unpacked-max-channels`)
    /// +12–14 % on blocks 1–2 and +5–18 % on the frozen forward passes of blocks 3–5.
    package var unpackedProductsMaximumChannels: Int
    /// Kernel gradients of the convolutions that run as Winograd F(m×m, 3×3) run as Winograd too
    /// (the adjoint algorithm: α² GEMMs over tiles instead of im2col's 9·C-deep GEMM); `false`
    /// keeps them on im2col + GEMM.
    package var winogradKernelGradient: Bool
    /// GEMM-lowered forward convolutions whose patches are at most this deep (kh·kw·C; default:
    /// all) multiply on CVectorKernels' unpacked AVX-512 GEMM, with the bias and ReLU applied in its
    /// registers, instead of OpenBLAS plus separate bias and ReLU passes (0: always OpenBLAS).
    /// OpenBLAS packs both operands for every chunk, which at shallow depths (VGG16's
    /// block1_conv1: 27) costs as much as the multiply-adds. At any depth — the 1×1 and strided
    /// convolutions of ResNet50 and MobileNetV2 (C up to 2048) — it is at least OpenBLAS' AVX-512
    /// kernels' speed, and about twice that of its AVX2 ones (ResNet50 inference at 160×160, batch 20,
    /// AMD EPYC, `OPENBLAS_CORETYPE=Haswell`: 18.3 / 24.0 → 36.4 / 33.9 images/s; with OpenBLAS'
    /// Cooperlake kernels 27.4 / 27.7 → 28.3 / 26.1, within the noise of a loaded machine).
    package var unpackedLoweringMaximumPatch: Int

    package init(threads: Int? = nil, chunkBytes: Int = 1 << 20, minimumChunkPixels: Int = 256,
                pixelsPerFilter: Int = 2, maximumChunkBytes: Int = 32 << 20, threading: Threading = .automatic,
                algorithm: Algorithm = .automatic, winogradMinimumChannels: Int = 16, winogradTileSize: Int? = nil,
                unpackedProductsMaximumChannels: Int = .max, winogradKernelGradient: Bool = true,
                unpackedLoweringMaximumPatch: Int = .max) {
        precondition(winogradTileSize.map { WinogradTile.withTileSize($0) != nil } ?? true,
                     "Winograd tile size must be one of \(WinogradTile.all.map(\.m))")
        precondition(chunkBytes > 0 && minimumChunkPixels > 0 && pixelsPerFilter >= 0 && maximumChunkBytes > 0,
                     "chunk sizes must be positive")
        self.threads = threads
        self.chunkBytes = chunkBytes
        self.minimumChunkPixels = minimumChunkPixels
        self.pixelsPerFilter = pixelsPerFilter
        self.maximumChunkBytes = maximumChunkBytes
        self.threading = threading
        self.algorithm = algorithm
        self.winogradMinimumChannels = winogradMinimumChannels
        self.winogradTileSize = winogradTileSize
        self.unpackedProductsMaximumChannels = unpackedProductsMaximumChannels
        self.winogradKernelGradient = winogradKernelGradient
        self.unpackedLoweringMaximumPatch = unpackedLoweringMaximumPatch
    }

    /// The Winograd algorithm these options run convolution `g` (`inputGradient`: its input
    /// gradient) with, or `nil` for im2col + GEMM.
    ///
    /// The cost model counts, in GEMM multiply-add units: for Winograd F(m×m, 3×3) over T tiles,
    /// T·α²·C·F in the GEMMs, T·4α²(α−2)·(C + F) for the input and output transforms (sparse
    /// matrices, half the GEMM's vector rate) and 20·α²·C·F per chunk for reading the transformed
    /// kernel (each chunk's α² products stream all of it, about 20 multiply-adds' time per float
    /// on this CPU; with few tiles, as on 5 × 5 maps of 512 channels, that read decides, and the
    /// smaller tiles win: measured 17 ms for F(3×3) against 28 ms for F(6×6), forward and both
    /// gradients, where the earlier 5 per float chose F(6×6)); for im2col + GEMM, P·9·C·F + P·18·C
    /// over P output pixels. The cheapest wins; ties go to the smaller tile (smaller rounding error).
    package func winogradTile(_ g: ConvGeometry, inputGradient: Bool = false) -> WinogradTile? {
        guard WinogradConv.applies(g), g.padTop <= 2, g.padLeft <= 2, algorithm != .gemm else { return nil }
        if let m = winogradTileSize { return WinogradTile.withTileSize(m) }
        let (c, f) = inputGradient ? (g.outChannels, g.inChannels) : (g.inChannels, g.outChannels)
        let (height, width) = inputGradient ? (g.inHeight, g.inWidth) : (g.outHeight, g.outWidth)
        func cost(_ t: WinogradTile) -> Double {
            let a = Double(t.alpha)
            let tiles = Double(g.batch * ((height + t.m - 1) / t.m) * ((width + t.m - 1) / t.m))
            let chunks = Double(resolvedThreads)
            return tiles * a * a * Double(c * f) + tiles * 4 * a * a * (a - 2) * Double(c + f)
                + 20 * a * a * Double(c * f) * chunks
        }
        guard let best = WinogradTile.all.min(by: { cost($0) < cost($1) }) else { return nil }
        if algorithm == .winograd { return best }
        guard min(c, f) >= winogradMinimumChannels else { return nil }
        let pixels = Double(g.batch * height * width)
        let direct = pixels * 9 * Double(c * f) + pixels * 18 * Double(c)
        return cost(best) < direct ? best : nil
    }

    package static let `default` = ConvolutionOptions()

    /// The thread count these options resolve to (≥ 1).
    package var resolvedThreads: Int { max(1, threads ?? Parallel.threadCount) }
}
