// Peak-rate probes: how many multiply-adds per second one core sustains with fp32 FMA and with
// the AVX512-BF16 dot product (vdpbf16ps), each on independent register chains (no memory
// traffic), so a benchmark can decide from measurement whether a bf16 kernel could ever beat the
// fp32 one on this CPU. Each function is compiled for the instruction set it probes (`target`),
// and is only called when the CPU reports that set (`__builtin_cpu_supports`).
#include "vector_kernels.h"
#include <time.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define CHAINS 12

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// The empty asm statements make the compiler keep every iteration (it cannot prove the operands
// unchanged) without adding work; the sum at the end keeps the chains alive.
__attribute__((target("avx512f"), noinline)) static float fma_chains(long iterations) {
    __m512 acc[CHAINS];
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    __m512 a = _mm512_set1_ps(1.0f), b = _mm512_set1_ps(1e-7f);
    for (long r = 0; r < iterations; r++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(a, b, acc[i]);
        __asm__ volatile("" : "+v"(a));
    }
    float sum = 0;
    for (int i = 0; i < CHAINS; i++) sum += _mm512_reduce_add_ps(acc[i]);
    return sum;
}

__attribute__((target("avx512f,avx512bf16"), noinline)) static float bf16_chains(long iterations) {
    __m512 acc[CHAINS];
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    __m512i a = _mm512_set1_epi32(0x3f803f80);  // bf16 pairs (1, 1)
    __m512i b = _mm512_set1_epi32(0x33d633d6);  // bf16 pairs (≈1e-7, ≈1e-7)
    for (long r = 0; r < iterations; r++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_dpbf16_ps(acc[i], (__m512bh)a, (__m512bh)b);
        __asm__ volatile("" : "+v"(a));
    }
    float sum = 0;
    for (int i = 0; i < CHAINS; i++) sum += _mm512_reduce_add_ps(acc[i]);
    return sum;
}

double ft_probe_fp32_fma_rate(long iterations) {
    if (!__builtin_cpu_supports("avx512f") || iterations <= 0) return 0;
    double start = seconds_now();
    volatile float keep = fma_chains(iterations);
    (void)keep;
    return (double)iterations * CHAINS * 16 / (seconds_now() - start);
}

double ft_probe_bf16_dot_rate(long iterations) {
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bf16") || iterations <= 0) return 0;
    double start = seconds_now();
    volatile float keep = bf16_chains(iterations);
    (void)keep;
    return (double)iterations * CHAINS * 32 / (seconds_now() - start);
}
#else
double ft_probe_fp32_fma_rate(long iterations) { (void)iterations; return 0; }
double ft_probe_bf16_dot_rate(long iterations) { (void)iterations; return 0; }
#endif
