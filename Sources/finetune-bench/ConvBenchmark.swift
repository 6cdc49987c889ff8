import ArgumentParser
import CBLAS
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import FinetuneCore
import FinetuneRuntime
import FinetuneTraining

/// `swift run -c release finetune-bench conv [--batch N] [--threads N] …`
///
/// Forward, input-gradient and kernel-gradient throughput of ``conv2DForward(input:kernel:bias:strides:padding:)``
/// and ``conv2DBackward(input:kernel:outputGradient:strides:padding:computeInputGradient:computeKernelGradient:)``
/// at VGG16's 13 convolution shapes (3×3, stride 1, `same`; 150×150 input, pools 150 → 75 → 37 → 18 → 9),
/// next to OpenBLAS SGEMM at 2048³ measured in the same run, so the ratio survives a noisy machine.
/// FLOPs count 2 per multiply–add of the direct definition (2·N·H·W·F·9·C per pass), whatever
/// algorithm runs.
///
/// Cost model, worked out before the chunked kernels were written (batch 20, 2 threads):
/// the 13 convolutions cost 13.23 GFLOP per image per pass, 265 GFLOP per pass for the batch.
/// The old kernel unfolded one whole image per GEMM call: block1_conv2's patch matrix is
/// 22 500 × 576 floats = 52 MB per image, 1 GB written and read back per pass for 33 GFLOP of GEMM,
/// i.e. ≈ 32 FLOP per byte of DRAM traffic — with one thread doing im2col while OpenBLAS's second
/// thread waits. Prediction: ≈ 60–70 % of SGEMM on block1/2, near SGEMM on blocks 4–5 (k = 4608
/// dwarfs the unfold); chunking to ~1–2 MB per thread keeps the unfold in L2 (2 MB/core here) and
/// running both threads over their own chunks should bring every layer with ≥ 64 filters to
/// ≈ 85–95 % of SGEMM; block1_conv1 (k = 27) stays far below (its GEMM is 27 deep, unfold-bound).
/// Winograd F(2×2, 3×3) needs 2.25× fewer multiplies; its 16 GEMMs are only C deep and its
/// transforms are memory-bound, so ≈ 1.5× in effective GFLOP/s was the expectation.
///
/// Measured (Emerald Rapids Xeon VM, 2 cores shared with other agents, load ≈ 1.5–2.5; OpenBLAS
/// 0.3.21 with its Cooperlake kernels; wall clock, best of 3; numbers move ±15 % run to run):
///
///     scheme                                  fwd GF/s   dx GF/s   dW GF/s   SGEMM 2048³
///     one image per GEMM, BLAS threads (old)     85         85        87        216
///     chunked GEMM, OpenBLAS threads            107        104        90        257
///     chunked GEMM, Finetune threads            186        203       217        216
///     default (Winograd where it pays)          225        241       186        238
///
/// The old scheme came out at ≈ 40 % of SGEMM on *every* block, not just the early ones: one
/// image per call makes blocks 4–5 GEMMs of m = 324 and 81 rows, too short for two BLAS threads —
/// the prediction missed that. Chunked GEMM reached 0.86 / 0.94 / 1.0 of SGEMM (block1_conv1:
/// ≈ 0.13, as predicted), Winograd 0.95 / 1.01 in effective GFLOP/s (per layer up to 1.45× the
/// GEMM path on blocks 2–4; block5 at batch 20 has too few tiles per thread and stays on GEMM).
/// Finetune's threads over chunks beat OpenBLAS's threads on the same chunks on every block
/// (`--threading blas`, row 2): the per-call thread hand-off, and OpenBLAS's spinning workers
/// competing with the unfold between calls, cost more than packing the kernel matrix once per
/// thread. `automatic` therefore used OpenBLAS threads only for problems too small to split
/// (fewer than 256 output pixels per thread, e.g. block5 at batch 1). `--cpu-time` (GFLOP per CPU-second ×
/// threads) gave the same ranking with less noise while the machine was busy. Since then OpenBLAS
/// never runs threads of its own: such problems split their GEMMs over Finetune's threads
/// (`--threading split-gemm`), and Winograd's products run on CVectorKernels' unpacked GEMM.
struct ConvBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Convolution GFLOP/s at the VGG16 layer shapes, next to OpenBLAS SGEMM 2048³.",
        discussion: """
            Runs forward, input-gradient and kernel-gradient passes of all 13 VGG16 convolutions \
            (3×3, stride 1, same padding) on random data and prints GFLOP/s per pass, then OpenBLAS \
            sgemm at 2048×2048×2048 on the same threads (best of a run before and one after the \
            layers), and each pass's ratio to it.
            """)

    @Option(help: "Images per batch (Chollet's recipe trains with \(TwoPhaseRecipe.chollet.batchSize)).")
    var batch: Int = TwoPhaseRecipe.chollet.batchSize

    @Option(help: "Threads for the kernels (default: all active cores).")
    var threads: Int?

    @Option(help: "Input image height and width; the pools floor it block by block (150 → 75 → 37 → 18 → 9).")
    var imageSize: Int = 150

    @Option(help: "Timed runs per measurement; the fastest is reported (after one untimed warm-up run).")
    var repeats: Int = 3

    @Option(help: "Comma-separated layer names to run (e.g. block1_conv2,block5_conv1); default: all 13.")
    var layers: String?

    @Option(help: "Who runs the threads: automatic (default), chunks (each thread its own chunks) or split-gemm (one chunk at a time, each GEMM split over the threads).")
    var threading: ConvolutionOptions.Threading = .automatic

    @Option(help: "Convolution algorithm: automatic (default: per layer, GEMM or Winograd F(m×m,3×3) by the cost model), gemm (im2col + GEMM) or winograd. Kernel gradients always use GEMM.")
    var algorithm: ConvolutionOptions.Algorithm = .automatic

    @Option(name: .customLong("winograd-tile"), help: "Force Winograd's output tile size m (2, 3, 4 or 6) wherever Winograd runs; default: the cost model's choice per layer.")
    var winogradTile: Int?

    @Option(help: "Target im2col working set per thread, KiB (default \(ConvolutionOptions.default.chunkBytes >> 10)).")
    var chunkKib: Int?

    @Option(help: "Fewest output pixels per GEMM call (default \(ConvolutionOptions.default.minimumChunkPixels)).")
    var minChunkPixels: Int?

    @Option(help: "Winograd products with at most this many channels use the unpacked AVX-512 GEMM, the rest OpenBLAS; 0: OpenBLAS always (default: no limit).")
    var unpackedMaxChannels: Int?
    @Option(help: "GEMM-lowered convolutions with patches at most this deep (kh·kw·C; block1_conv1: 27) use the unpacked AVX-512 GEMM with bias and ReLU fused; 0: OpenBLAS always (default: 64).")
    var unpackedMaxPatch: Int?

    @Flag(help: "Kernel gradients on im2col + GEMM even where the forward pass runs as Winograd (default: Winograd's adjoint there).")
    var gemmKernelGradient = false

    @Flag(help: "Unfold one whole image per GEMM call (the pre-chunking scheme), for comparison.")
    var perImage = false

    @Flag(help: "Skip the OpenBLAS SGEMM 2048³ reference measurement.")
    var skipSgemm = false

    @Flag(help: ArgumentHelp("Report GFLOP per CPU-second × threads instead of per wall-clock second.",
                             discussion: """
                                 On a machine shared with other busy processes, wall-clock time mostly measures \
                                 the neighbours. Process CPU time counts only the cycles this process ran, so \
                                 GFLOP per CPU-second × threads estimates the throughput with the cores to \
                                 itself. Fair only when no thread waits on another: use it with \
                                 --threading chunks; SGEMM is then measured on one thread and scaled by the \
                                 thread count.
                                 """))
    var cpuTime = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be ≥ 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be ≥ 1") }
        guard imageSize >= 16 else { throw ValidationError("--image-size must be ≥ 16 (four 2×2 pools)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
        if let chunkKib, chunkKib < 1 { throw ValidationError("--chunk-kib must be ≥ 1") }
        if let minChunkPixels, minChunkPixels < 1 { throw ValidationError("--min-chunk-pixels must be ≥ 1") }
        if let winogradTile, WinogradTile.withTileSize(winogradTile) == nil {
            throw ValidationError("--winograd-tile must be one of \(WinogradTile.all.map(\.m))")
        }
        let known = Set(VGG16Layer.all(imageSize: imageSize).map(\.name))
        for name in selectedNames ?? [] where !known.contains(name) {
            throw ValidationError("unknown layer '\(name)'; known: \(known.sorted().joined(separator: ", "))")
        }
    }

    private var selectedNames: [String]? {
        layers.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func run() throws {
        if let threads { Parallel.setThreadCount(threads) }
        let t = Parallel.threadCount
        var base = ConvolutionOptions(threads: t, threading: threading, algorithm: algorithm)
        base.winogradTileSize = winogradTile
        if let chunkKib { base.chunkBytes = chunkKib << 10 }
        if let minChunkPixels { base.minimumChunkPixels = minChunkPixels }
        if let unpackedMaxChannels { base.unpackedProductsMaximumChannels = unpackedMaxChannels }
        if let unpackedMaxPatch { base.unpackedLoweringMaximumPatch = unpackedMaxPatch }
        if gemmKernelGradient { base.winogradKernelGradient = false }
        let selected = VGG16Layer.all(imageSize: imageSize).filter { selectedNames?.contains($0.name) ?? true }
        print("conv benchmark: batch \(batch), \(imageSize)×\(imageSize) input, \(t) thread(s), algorithm \(algorithm.rawValue), threading \(threading.rawValue), "
              + (perImage ? "one image per GEMM" : "chunks ≈ \(base.chunkBytes >> 10) KiB / ≥ \(base.minimumChunkPixels) px")
              + ", best of \(repeats)" + (cpuTime ? ", GFLOP per CPU-second × threads" : ""))
        let runtime = Runtime.configureProcess()   // as the executables run: the same call again does nothing new
        print("OpenBLAS \(String(cString: openblas_get_config())), core \(runtime.openBLASCore)"
              + (runtime.openBLASCoreChange.map { " (\($0): the library did not recognise this CPU)" } ?? ""))
        let header = ["layer", "input → output", "GFLOP", "fwd GF/s", "frozen fwd GF/s", "dx GF/s", "dW GF/s", "fwd / dx algorithm"]
        var rows: [[String]] = []
        var totals = (flops: 0.0, forward: 0.0, frozen: 0.0, input: 0.0, kernel: 0.0)
        // SGEMM is measured before and after the layers and the better run kept: on a shared
        // machine the peer must not look slow because a neighbour was busy at that moment.
        let sgemmBefore = skipSgemm ? 0 : measureSGEMM(n: 2048, threads: t)
        var rng = SeededRNG(seed: 1)
        for layer in selected {
            var options = base
            if perImage { options.chunkBytes = layer.size * layer.size * 9 * layer.inChannels * 4; options.minimumChunkPixels = 1 }
            let x = Tensor.uniform([batch, layer.size, layer.size, layer.inChannels], low: -1, high: 1, using: &rng)
            let w = Tensor.glorotUniform([3, 3, layer.inChannels, layer.outChannels], using: &rng)
            let b = Tensor.uniform([layer.outChannels], low: -0.1, high: 0.1, using: &rng)
            let dy = Tensor.uniform([batch, layer.size, layer.size, layer.outChannels], low: -1, high: 1, using: &rng)
            let geometry = conv2DGeometry(input: x.shape, kernel: w.shape, strides: (1, 1), padding: .same)
            let flops = geometry.forwardFLOPs
            let forward = best(of: repeats) {
                _ = conv2DForward(input: x, kernel: w, bias: b, padding: .same, options: options)
            }
            let cache = WinogradKernelCache()
            let frozen = best(of: repeats) {
                _ = conv2DForward(input: x, kernel: w, bias: b, padding: .same, options: options, winogradCache: cache)
            }
            let input = best(of: repeats) {
                _ = conv2DBackward(input: x, kernel: w, outputGradient: dy, padding: .same,
                                   computeInputGradient: true, computeKernelGradient: false, options: options)
            }
            let kernel = best(of: repeats) {
                _ = conv2DBackward(input: x, kernel: w, outputGradient: dy, padding: .same,
                                   computeInputGradient: false, computeKernelGradient: true, options: options)
            }
            totals.flops += flops
            totals.forward += forward
            totals.frozen += frozen
            totals.input += input
            totals.kernel += kernel
            rows.append([layer.name, "\(layer.size)²×\(layer.inChannels) → \(layer.outChannels)",
                         format(flops / 1e9, 1), format(flops / forward / 1e9, 1), format(flops / frozen / 1e9, 1),
                         format(flops / input / 1e9, 1), format(flops / kernel / 1e9, 1),
                         algorithmName(options, geometry, inputGradient: false) + " / "
                            + algorithmName(options, geometry, inputGradient: true)])
            FileHandle.standardError.write("  \(layer.name) measured\n".data(using: .utf8) ?? Data())
        }
        rows.append(["all", "\(selected.count) layers", format(totals.flops / 1e9, 1),
                     format(totals.flops / totals.forward / 1e9, 1), format(totals.flops / totals.frozen / 1e9, 1),
                     format(totals.flops / totals.input / 1e9, 1), format(totals.flops / totals.kernel / 1e9, 1), ""])
        printTable(header, rows)
        print(String(format: "time per batch: forward %.3f s, input gradient %.3f s, kernel gradient %.3f s",
                     totals.forward, totals.input, totals.kernel))
        guard !skipSgemm else { return }
        let sgemm = max(sgemmBefore, measureSGEMM(n: 2048, threads: t))
        let all = totals.flops / 1e9
        print(String(format: "OpenBLAS sgemm 2048³ on %d thread(s): %.1f GFLOP/s", t, sgemm))
        print(String(format: "ratio to sgemm (all layers): forward %.2f, input gradient %.2f, kernel gradient %.2f",
                     all / totals.forward / sgemm, all / totals.input / sgemm, all / totals.kernel / sgemm))
    }

    /// Fastest of `n` timed runs (after one untimed warm-up), seconds: wall-clock, or with
    /// `--cpu-time` the process CPU time divided by `threads`.
    private func best(of n: Int, threads: Int = Parallel.threadCount, _ body: () -> Void) -> Double {
        body()
        var fastest = Double.infinity
        for _ in 0..<n {
            let start = cpuTime ? processCPUSeconds() : Double(DispatchTime.now().uptimeNanoseconds) / 1e9
            body()
            let end = cpuTime ? processCPUSeconds() : Double(DispatchTime.now().uptimeNanoseconds) / 1e9
            fastest = min(fastest, (end - start) / (cpuTime ? Double(threads) : 1))
        }
        return fastest
    }

    private func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// GFLOP/s of one n×n×n SGEMM split over `threads` of Finetune's threads (best of `repeats`).
    private func measureSGEMM(n: Int, threads: Int) -> Double {
        var rng = SeededRNG(seed: 2)
        let a = Tensor.uniform([n, n], low: -1, high: 1, using: &rng), b = Tensor.uniform([n, n], low: -1, high: 1, using: &rng)
        var c = Tensor.zeros([n, n])
        // With --cpu-time: one thread (nothing spins), scaled by the thread count.
        let gemmThreads = cpuTime ? 1 : threads
        let seconds = best(of: repeats, threads: 1) {
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                splitSGEMM(m: n, n: n, k: n, ap.baseAddress!, lda: n, bp.baseAddress!, ldb: n, beta: 0,
                           cp.baseAddress!, ldc: n, threads: gemmThreads)
            } } }
        }
        return 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9 * Double(cpuTime ? threads : 1)
    }
}

extension ConvolutionOptions.Threading: ExpressibleByArgument {}
extension ConvolutionOptions.Algorithm: ExpressibleByArgument {}

/// One of VGG16's 13 convolutions at a given input size (3×3, stride 1, `same`).
struct VGG16Layer {
    var name: String
    var size: Int
    var inChannels: Int
    var outChannels: Int

    /// Simonyan & Zisserman (2014), configuration D; each block ends in a 2×2/2 `valid` max pool.
    static func all(imageSize: Int) -> [VGG16Layer] {
        let blocks = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
        var layers: [VGG16Layer] = [], size = imageSize, inChannels = 3
        for (b, (channels, count)) in blocks.enumerated() {
            for c in 0..<count {
                layers.append(VGG16Layer(name: "block\(b + 1)_conv\(c + 1)", size: size, inChannels: inChannels,
                                         outChannels: channels))
                inChannels = channels
            }
            size /= 2
        }
        return layers
    }
}

private func format(_ v: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", v) }

private func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, s in
            i < 2 ? s.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                  : String(repeating: " ", count: widths[i] - s.count) + s
        }.joined(separator: "  ")
    }
    print(line(header))
    print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for r in rows { print(line(r)) }
}

/// "GEMM" or the Winograd tile `options` run convolution `g` (or its input gradient) with.
private func algorithmName(_ options: ConvolutionOptions, _ g: ConvGeometry, inputGradient: Bool) -> String {
    options.winogradTile(g, inputGradient: inputGradient).map { "F(\($0.m))" } ?? "GEMM"
}
