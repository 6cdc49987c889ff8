import ArgumentParser
import CVectorKernels

/// `finetune-bench peak`: what one core can multiply-add per second in fp32 (AVX-512 FMA) and in
/// bf16 (AVX512-BF16 `vdpbf16ps`), measured on register-only chains, alternating the two.
///
/// This decides whether a bf16 path for frozen layers could pay on a CPU: a bf16 GEMM does half
/// the memory traffic of an fp32 one, but its multiply-adds can go at most at the dot product's
/// peak. On this project's machine (Emerald Rapids VM, no AMX) `vdpbf16ps` sustained about half
/// the fp32 FMA rate (0.86 G instructions/s × 32 multiply-adds against 3.5 G × 16), so bf16 would
/// make every GEMM slower, not faster; AMX tiles would be the bf16 unit worth targeting.
struct PeakBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak",
        abstract: "Peak multiply-adds per second of one core: fp32 FMA against the AVX512-BF16 dot product.")

    @Option(help: "Rounds of 12 independent instructions per measurement.")
    var iterations = 50_000_000
    @Option(help: "Measurements of each, alternating; the best is reported.")
    var repeats = 3

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be ≥ 1, got \(iterations)") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be ≥ 1, got \(repeats)") }
    }

    func run() {
        print("CPU: \(cpuModel()), one core")
        var fp32 = 0.0, bf16 = 0.0
        for _ in 0..<repeats {
            fp32 = max(fp32, ft_probe_fp32_fma_rate(iterations))
            bf16 = max(bf16, ft_probe_bf16_dot_rate(iterations))
        }
        guard fp32 > 0 else { print("no AVX-512 on this CPU: nothing to compare"); return }
        print(String(format: "fp32 FMA (AVX-512):          %7.1f G multiply-adds/s (%.1f GFLOP/s)", fp32 / 1e9, 2 * fp32 / 1e9))
        guard bf16 > 0 else { print("no AVX512-BF16 on this CPU"); return }
        print(String(format: "bf16 dot product (vdpbf16ps): %7.1f G multiply-adds/s (%.1f GFLOP/s)", bf16 / 1e9, 2 * bf16 / 1e9))
        print(String(format: "bf16 ÷ fp32: %.2f× — a bf16 GEMM %@ on this CPU", bf16 / fp32,
                     bf16 > 1.1 * fp32 ? "could be faster" : "cannot be faster than fp32"))
    }
}
