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

// acc[i][v] = Σ_p op(A)[i][p] · b[p][16v ..< 16v + 16] over p < kc for the first `rows` ≤ 6 rows,
// then stored to (or, with `add`, added to) C, times `alpha` when `scale` is set. NV vectors of 16
// columns; the last one masked by `tail`. TA = 0: op(A)[i][p] = a[i·lda + p] (A read in place, row
// by row); TA = 1: op(A)[i][p] = a[p·lda + i] (Aᵀ, six neighbouring floats of one row of A per p).
#define DEFINE_MICRO(NAME, NV, TA)                                                                    \
    __attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void NAME(       \
        long kc, const float *a, long lda, int rows, const float *b, long ldb, float *c, long ldc,    \
        int add, int scale, float alpha, const float *bias, int relu, __mmask16 tail) {               \
        const float *ar[ROWS];                                                                        \
        for (int i = 0; i < ROWS; i++) ar[i] = a + (i < rows ? i : rows - 1) * (TA ? 1 : lda);        \
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
                __m512 s = _mm512_set1_ps(TA ? ar[i][p * lda] : ar[i][p]);                            \
                for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(s, bv[v], acc[i][v]);        \
            }                                                                                         \
        }                                                                                             \
        __m512 factor = _mm512_set1_ps(alpha);                                                        \
        for (int i = 0; i < rows; i++) {                                                              \
            float *ci = c + i * ldc;                                                                  \
            for (int v = 0; v < NV; v++) {                                                            \
                __mmask16 m = v == NV - 1 ? tail : (__mmask16)0xFFFF;                                 \
                __m512 r = acc[i][v];                                                                 \
                if (scale) r = _mm512_mul_ps(r, factor);                                              \
                if (add) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, ci + 16 * v));                 \
                if (relu) r = _mm512_maskz_mov_ps(                                                    \
                    _mm512_cmp_ps_mask(r, _mm512_setzero_ps(), _CMP_NLE_UQ), r); /* NaN stays */       \
                _mm512_mask_storeu_ps(ci + 16 * v, m, r);                                             \
            }                                                                                         \
        }                                                                                             \
    }

DEFINE_MICRO(micro_64, 4, 0)
DEFINE_MICRO(micro_48, 3, 0)
DEFINE_MICRO(micro_32, 2, 0)
DEFINE_MICRO(micro_16, 1, 0)
DEFINE_MICRO(micro_64_at, 4, 1)
DEFINE_MICRO(micro_48_at, 3, 1)
DEFINE_MICRO(micro_32_at, 2, 1)
DEFINE_MICRO(micro_16_at, 1, 1)

// block[q·64 + jj] = op(B)[p + q][j + jj] for q < kc, jj < width, where op(B) = Bᵀ: row j + jj of B
// holds column j + jj of op(B). In 16 × 16 squares, transposed in registers; the edges one by one.
__attribute__((target("avx512f"))) static void pack_transposed(long kc, long width, const float *b, long ldb,
                                                              float *block) {
    long q = 0;
    for (; q + 16 <= kc; q += 16) {
        long jj = 0;
        for (; jj + 16 <= width; jj += 16) {
            __m512 r[16], t[16], u[16];
            for (int x = 0; x < 16; x++) r[x] = _mm512_loadu_ps(b + (jj + x) * ldb + q);
            // Pairs of rows interleaved, then quads: lane L of t[4g + y] holds column 4L + y of rows
            // 4g ..< 4g + 4. Then the four lanes L of each column gathered across the groups g.
            for (int x = 0; x < 16; x += 2) {
                u[x] = _mm512_unpacklo_ps(r[x], r[x + 1]);
                u[x + 1] = _mm512_unpackhi_ps(r[x], r[x + 1]);
            }
            for (int x = 0; x < 16; x += 4) {
                t[x] = _mm512_shuffle_ps(u[x], u[x + 2], 0x44);
                t[x + 1] = _mm512_shuffle_ps(u[x], u[x + 2], 0xEE);
                t[x + 2] = _mm512_shuffle_ps(u[x + 1], u[x + 3], 0x44);
                t[x + 3] = _mm512_shuffle_ps(u[x + 1], u[x + 3], 0xEE);
            }
            for (int y = 0; y < 4; y++) {
                __m512 even01 = _mm512_shuffle_f32x4(t[y], t[4 + y], 0x88);
                __m512 odd01 = _mm512_shuffle_f32x4(t[y], t[4 + y], 0xDD);
                __m512 even23 = _mm512_shuffle_f32x4(t[8 + y], t[12 + y], 0x88);
                __m512 odd23 = _mm512_shuffle_f32x4(t[8 + y], t[12 + y], 0xDD);
                u[y] = _mm512_shuffle_f32x4(even01, even23, 0x88);
                u[8 + y] = _mm512_shuffle_f32x4(even01, even23, 0xDD);
                u[4 + y] = _mm512_shuffle_f32x4(odd01, odd23, 0x88);
                u[12 + y] = _mm512_shuffle_f32x4(odd01, odd23, 0xDD);
            }
            for (int x = 0; x < 16; x++) _mm512_storeu_ps(block + (q + x) * 64 + jj, u[x]);
        }
        for (; jj < width; jj++)
            for (long x = 0; x < 16; x++) block[(q + x) * 64 + jj] = b[(jj)*ldb + q + x];
    }
    for (; q < kc; q++)
        for (long jj = 0; jj < width; jj++) block[q * 64 + jj] = b[jj * ldb + q];
}

// C = alpha·op(A)·op(B) (+ C when `accumulate`) (+ bias, then ReLU): op(A) is A, or Aᵀ when `ta`
// (A then k × m, row stride lda); op(B) is B, or Bᵀ when `tb` (B then n × k, row stride ldb).
__attribute__((target("avx512f"))) static void gemm_avx512(int ta, int tb, long m, long n, long k, float alpha,
                                                           const float *a, long lda, const float *b, long ldb,
                                                           int accumulate, float *c, long ldc,
                                                           const float *bias, int relu) {
    // One KC × 64 block of op(B), copied contiguous: rows of B 2 KiB apart (512 filters) would all map
    // to a few L1 sets and evict each other; 256-byte rows fill L1 evenly. Bᵀ is always copied.
    float block[KC * 64] __attribute__((aligned(64)));
    int scale = alpha != 1.0f;
    for (long j = 0; j < n; j += 64) {
        long width = n - j < 64 ? n - j : 64;
        for (long p = 0; p < k; p += KC) {
            long kc = k - p < KC ? k - p : KC;
            const float *bj;
            long ldbj;
            if (tb) {
                pack_transposed(kc, width, b + j * ldb + p, ldb, block);
                bj = block;
                ldbj = 64;
            } else {
                bj = b + p * ldb + j;
                ldbj = ldb;
                if (width == 64 && ldb != 64) {
                    for (long q = 0; q < kc; q++)
                        for (int v = 0; v < 4; v++)
                            _mm512_store_ps(block + q * 64 + 16 * v, _mm512_loadu_ps(bj + q * ldb + 16 * v));
                    bj = block;
                    ldbj = 64;
                }
            }
            // The bias starts the first block's sums; the ReLU clamps the last block's.
            const float *start = p == 0 && bias ? bias + j : NULL;
            int clamp = relu && p + kc == k;
            int add = p > 0 || accumulate;
            // The strip's width rounded up to 16, 32, 48 or 64 columns, its last vector masked to what
            // is left: one pass over six rows of A for the whole strip, and, from 32 columns on, at
            // least eight independent sums, enough to cover the FMA latency on both pipes.
            long left = width - 16 * ((width - 1) / 16);
            __mmask16 tail = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            for (long i = 0; i < m; i += ROWS) {
                int rows = m - i < ROWS ? (int)(m - i) : ROWS;
                const float *ai = ta ? a + p * lda + i : a + i * lda + p;
                float *cij = c + i * ldc + j;
#define MICRO(NAME) (ta ? NAME##_at(kc, ai, lda, rows, bj, ldbj, cij, ldc, add, scale, alpha, start, clamp, tail) \
                            : NAME(kc, ai, lda, rows, bj, ldbj, cij, ldc, add, scale, alpha, start, clamp, tail))
                switch ((width + 15) / 16) {
                case 4: MICRO(micro_64); break;
                case 3: MICRO(micro_48); break;
                case 2: MICRO(micro_32); break;
                default: MICRO(micro_16);
                }
#undef MICRO
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
    gemm_avx512(0, 0, m, n, k, 1.0f, a, lda, b, ldb, 0, c, ldc, bias, relu);
    return 1;
}

int ft_sgemm_unpacked(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                      float *c, long ldc) {
    return ft_sgemm_bias_relu(m, n, k, a, lda, b, ldb, NULL, 0, c, ldc);
}

int ft_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
             const float *b, long ldb, float beta, float *c, long ldc) {
    if (!__builtin_cpu_supports("avx512f")) return 0;
    if (m <= 0 || n <= 0) return 1;
    int products = k > 0 && alpha != 0.0f;
    // With β = 0 the first block of products is stored over C, which is never read (as BLAS); with
    // another β ≠ 1, C is scaled first and the products are added to it.
    if (beta != 1.0f && !(beta == 0.0f && products)) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    }
    if (!products) return 1;
    gemm_avx512(trans_a != 0, trans_b != 0, m, n, k, alpha, a, lda, b, ldb, beta != 0.0f, c, ldc, NULL, 0);
    return 1;
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

int ft_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
             const float *b, long ldb, float beta, float *c, long ldc) {
    (void)trans_a; (void)trans_b; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)ldb;
    (void)beta; (void)c; (void)ldc;
    return 0;
}
#endif
