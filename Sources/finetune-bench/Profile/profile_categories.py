"""Sums `perf report` symbol shares (lines "PERCENT<TAB>dso [.] symbol") into operations of a
Finetune training step; used by profile_step.sh."""
import re
import sys

CATEGORIES = [
    ("GEMM micro-kernel (OpenBLAS)", r"sgemm_kernel"),
    ("GEMM packing + beta (OpenBLAS)", r"copy_[A-Z]|sgemm_beta"),
    ("GEMM, AVX-512 (CVectorKernels)", r"gemm_avx512|ft_sgemm|pack_transposed"),
    ("Winograd input transform", r"input_tile"),
    ("Winograd output transform (+ bias, ReLU)", r"output_tile"),
    ("Winograd kernel transform", r"linear_combination|transformKernel"),
    ("memmove / memcpy (copies)", r"memmove|memcpy"),
    ("memset (zero-fill)", r"memset|clear_page"),
    ("max-pool", r"maxPool"),
    ("im2col / col2im", r"im2col|col2im"),
    ("ReLU backward, bias sums, adds", r"reluBackward|addInPlace|bias"),
    ("optimizer (RMSprop)", r"RMSprop"),
    ("SETUP", r"random|RawSignificand|FixedWidthInteger|UInt32|getGenericMetadata|AssociatedTypeWitness"
              r"|ValueWitnesses|uniform|getCache|bitWidth|isSigned|\$sSf|performOnMetadata"),
    ("kernel: page faults, scheduling", r"\[k\]"),
]


def main(mode, path):
    totals = {}
    for line in open(path):
        share, rest = line.split("\t", 1)
        name = next((n for n, rx in CATEGORIES if re.search(rx, rest)), "other")
        totals[name] = totals.get(name, 0.0) + float(share)
    timed = 100.0 - totals.get("SETUP", 0.0)
    print(f"{mode}: share of the timed steps' samples")
    for name, _ in CATEGORIES + [("other", "")]:
        if name != "SETUP":
            print(f"  {name:44s} {totals.get(name, 0.0) / timed * 100:5.1f} %")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
