// C = A·B for the short, equal GEMMs of Winograd convolutions (one per tile position ξ: tiles × C
// times C × F), where OpenBLAS spends as long packing its panels and zeroing C (β = 0) as
// multiplying when C and F are small. Here A is never packed: for each strip of 64 columns of B
// and each block of KC rows of it (KC × 64 floats = 32 KiB, copied contiguous unless it already
// is, resident in L1 while every row block of A passes over it), a 6 × 64 register tile
// accumulates the products of six rows of A, read in place, and is stored once per block — the
// first block writes C, later ones add to it, so C is never zero-filled. Only an AVX-512 version
// exists; without AVX-512 the function returns 0 and the caller uses BLAS.
//
// The same kernel serves GEMM-lowered convolutions with few input channels (VGG16's block1_conv1:
// 27-deep patches, 64 filters), where OpenBLAS's packing and its separate bias and ReLU passes
// over a 64-wide output cost more than the multiply-adds: `ft_sgemm_bias_relu` starts the
// accumulators from the bias and clamps at zero as it stores the last block.
#include "vector_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define ROWS 6
#define KC 128

// acc[i][v] = Σ_p a[i][p] · b[p][16v ..< 16v + 16] over p < kc for the first `rows` ≤ 6 rows, then
// stored to (or, with `add`, added to) C. NV vectors of 16 columns; the last one masked by `tail`.
#define DEFINE_MICRO(NAME, NV)                                                                        \
    __attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void NAME(       \
        long kc, const float *a, long lda, int rows, const float *b, long ldb, float *c, long ldc,    \
        int add, const float *bias, int relu, __mmask16 tail) {                                       \
        const float *ar[ROWS];                                                                        \
        for (int i = 0; i < ROWS; i++) ar[i] = a + (i < rows ? i : rows - 1) * lda;                    \
        __m512 acc[ROWS][NV];                                                                         \
        for (int v = 0; v < NV; v++) {                                                                \
            __mmask16 m = v == NV - 1 ? tail : (__mmask16)0xFFFF;                                     \
            __m512 start = bias ? _mm512_maskz_loadu_ps(m, bias + 16 * v) : _mm512_setzero_ps();      \
            for (int i = 0; i < ROWS; i++) acc[i][v] = start;                                         \
        }                                                                                             \
        for (long p = 0; p < kc; p++) {                                                               \
            const float *bp = b + p * ldb;                                                            \
            __m512 bv[NV];                                                                            \
            for (int v = 0; v < NV - 1; v++) bv[v] = _mm512_loadu_ps(bp + 16 * v);                   \
            bv[NV - 1] = _mm512_maskz_loadu_ps(tail, bp + 16 * (NV - 1));                             \
            for (int i = 0; i < ROWS; i++) {                                                          \
                __m512 s = _mm512_set1_ps(ar[i][p]);                                                  \
                for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(s, bv[v], acc[i][v]);        \
            }                                                                                         \
        }                                                                                             \
        for (int i = 0; i < rows; i++) {                                                              \
            float *ci = c + i * ldc;                                                                  \
            for (int v = 0; v < NV; v++) {                                                            \
                __mmask16 m = v == NV - 1 ? tail : (__mmask16)0xFFFF;                                 \
                __m512 r = acc[i][v];                                                                 \
                if (add) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, ci + 16 * v));                 \
                if (relu) r = _mm512_maskz_mov_ps(                                                    \
                    _mm512_cmp_ps_mask(r, _mm512_setzero_ps(), _CMP_NLE_UQ), r); /* NaN stays */       \
                _mm512_mask_storeu_ps(ci + 16 * v, m, r);                                             \
            }                                                                                         \
        }                                                                                             \
    }

DEFINE_MICRO(micro_64, 4)
DEFINE_MICRO(micro_16, 1)

__attribute__((target("avx512f"))) static void gemm_avx512(long m, long n, long k, const float *a, long lda,
                                                           const float *b, long ldb, float *c, long ldc,
                                                           const float *bias, int relu) {
    // One KC × 64 block of B, copied contiguous: rows of B 2 KiB apart (512 filters) would all map
    // to a few L1 sets and evict each other; 256-byte rows fill L1 evenly.
    float block[KC * 64] __attribute__((aligned(64)));
    for (long j = 0; j < n; j += 64) {
        long width = n - j < 64 ? n - j : 64;
        for (long p = 0; p < k; p += KC) {
            long kc = k - p < KC ? k - p : KC;
            const float *bj = b + p * ldb + j;
            long ldbj = ldb;
            if (width == 64 && ldb != 64) {
                for (long q = 0; q < kc; q++)
                    for (int v = 0; v < 4; v++) _mm512_store_ps(block + q * 64 + 16 * v, _mm512_loadu_ps(bj + q * ldb + 16 * v));
                bj = block;
                ldbj = 64;
            }
            for (long i = 0; i < m; i += ROWS) {
                int rows = m - i < ROWS ? (int)(m - i) : ROWS;
                const float *ai = a + i * lda + p;
                float *cij = c + i * ldc + j;
                // The bias starts the first block's sums; the ReLU clamps the last block's.
                const float *start = p == 0 && bias ? bias + j : NULL;
                int clamp = relu && p + kc == k;
                if (width == 64) {
                    micro_64(kc, ai, lda, rows, bj, ldbj, cij, ldc, p > 0, start, clamp, 0xFFFF);
                } else {
                    // 16 columns at a time; the last strip masked to what is left.
                    for (long s = 0; s < width; s += 16) {
                        long left = width - s;
                        __mmask16 tail = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
                        micro_16(kc, ai, lda, rows, bj + s, ldbj, cij + s, ldc, p > 0, start ? start + s : NULL, clamp, tail);
                    }
                }
            }
        }
    }
}

int ft_sgemm_bias_relu(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                       const float *bias, int relu, float *c, long ldc) {
    if (!__builtin_cpu_supports("avx512f")) return 0;
    if (m <= 0 || n <= 0) return 1;
    if (k <= 0) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) {
                float v = bias ? bias[j] : 0;
                c[i * ldc + j] = relu && v <= 0 ? 0 : v;   // NaN stays NaN, as TensorFlow's ReLU
            }
        return 1;
    }
    gemm_avx512(m, n, k, a, lda, b, ldb, c, ldc, bias, relu);
    return 1;
}

int ft_sgemm_unpacked(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                      float *c, long ldc) {
    return ft_sgemm_bias_relu(m, n, k, a, lda, b, ldb, NULL, 0, c, ldc);
}
#else
int ft_sgemm_bias_relu(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                       const float *bias, int relu, float *c, long ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)bias; (void)relu; (void)c; (void)ldc;
    return 0;
}

int ft_sgemm_unpacked(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                      float *c, long ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc;
    return 0;
}
#endif
