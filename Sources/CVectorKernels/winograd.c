// Winograd F(m×m, 3×3) transforms (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for m = 2, 3, 4, 6, and the matrices themselves.
//
// Each transform is written once, generic in the patch size α = m + 2, and instantiated per α with
// the matrices as compile-time constants: the compiler unrolls the α-loops, drops the products by
// zero and by one, and keeps a tile's α² vectors of 16 channels in registers. Channels are the
// vector axis (NHWC keeps them contiguous); a tail of fewer than 16 channels goes through a
// zero-padded copy.
#include "vector_kernels.h"
#include <string.h>

#ifndef __has_feature
#define __has_feature(x) 0
#endif
// target_clones dispatches through ifunc resolvers, which the dynamic loader runs before any
// sanitizer runtime is initialised; ThreadSanitizer (and coverage instrumentation for fuzzing)
// instrument them and crash at load time. Those builds (tests only) get the baseline code.
#if defined(__x86_64__) && defined(__linux__) && !__has_feature(thread_sanitizer) && \
    !__has_feature(memory_sanitizer) && !__has_feature(coverage_sanitizer)
#define CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define CLONES
#endif
#define INLINE static inline __attribute__((always_inline))
#define V 16

// Toom–Cook matrices on the points 0, ±1, ±½ (and ±2 for m = 6) plus ∞; Goldens/winograd_matrices.py
// derives them in exact rational arithmetic and checks the identity Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A.
static const float BT2[4 * 4] = {
    -1, 0, 1, 0,
    0, 1, 1, 0,
    0, -1, 1, 0,
    0, -1, 0, 1,
};
static const float G2[4 * 3] = {
    -1, 0, 0,
    0.5f, 0.5f, 0.5f,
    0.5f, -0.5f, 0.5f,
    0, 0, 1,
};
static const float AT2[2 * 4] = {
    1, 1, 1, 0,
    0, 1, -1, 1,
};
static const float BT3[5 * 5] = {
    0.5f, -1, -0.5f, 1, 0,
    0, -0.5f, 0.5f, 1, 0,
    0, 0.5f, -1.5f, 1, 0,
    0, -1, 0, 1, 0,
    0, 0.5f, -1, -0.5f, 1,
};
static const float G3[5 * 3] = {
    2, 0, 0,
    1, 1, 1,
    -1.0f / 3, 1.0f / 3, -1.0f / 3,
    -8.0f / 3, -4.0f / 3, -2.0f / 3,
    0, 0, 1,
};
static const float AT3[3 * 5] = {
    1, 1, 1, 1, 0,
    0, 1, -1, 0.5f, 0,
    0, 1, 1, 0.25f, 1,
};
static const float BT4[6 * 6] = {
    0.25f, 0, -1.25f, 0, 1, 0,
    0, -0.25f, -0.25f, 1, 1, 0,
    0, 0.25f, -0.25f, -1, 1, 0,
    0, -0.5f, -1, 0.5f, 1, 0,
    0, 0.5f, -1, -0.5f, 1, 0,
    0, 0.25f, 0, -1.25f, 0, 1,
};
static const float G4[6 * 3] = {
    4, 0, 0,
    2.0f / 3, 2.0f / 3, 2.0f / 3,
    2.0f / 3, -2.0f / 3, 2.0f / 3,
    -8.0f / 3, -4.0f / 3, -2.0f / 3,
    -8.0f / 3, 4.0f / 3, -2.0f / 3,
    0, 0, 1,
};
static const float AT4[4 * 6] = {
    1, 1, 1, 1, 1, 0,
    0, 1, -1, 0.5f, -0.5f, 0,
    0, 1, 1, 0.25f, 0.25f, 0,
    0, 1, -1, 0.125f, -0.125f, 1,
};
static const float BT6[8 * 8] = {
    -1, 0, 5.25f, 0, -5.25f, 0, 1, 0,
    0, 1, 1, -4.25f, -4.25f, 1, 1, 0,
    0, -1, 1, 4.25f, -4.25f, -1, 1, 0,
    0, 0.5f, 0.25f, -2.5f, -1.25f, 2, 1, 0,
    0, -0.5f, 0.25f, 2.5f, -1.25f, -2, 1, 0,
    0, 2, 4, -2.5f, -5, 0.5f, 1, 0,
    0, -2, 4, 2.5f, -5, -0.5f, 1, 0,
    0, -1, 0, 5.25f, 0, -5.25f, 0, 1,
};
static const float G6[8 * 3] = {
    -1, 0, 0,
    -2.0f / 9, -2.0f / 9, -2.0f / 9,
    -2.0f / 9, 2.0f / 9, -2.0f / 9,
    1.0f / 90, 1.0f / 45, 2.0f / 45,
    1.0f / 90, -1.0f / 45, 2.0f / 45,
    32.0f / 45, 16.0f / 45, 8.0f / 45,
    32.0f / 45, -16.0f / 45, 8.0f / 45,
    0, 0, 1,
};
static const float AT6[6 * 8] = {
    1, 1, 1, 1, 1, 1, 1, 0,
    0, 1, -1, 2, -2, 0.5f, -0.5f, 0,
    0, 1, 1, 4, 4, 0.25f, 0.25f, 0,
    0, 1, -1, 8, -8, 0.125f, -0.125f, 0,
    0, 1, 1, 16, 16, 0.0625f, 0.0625f, 0,
    0, 1, -1, 32, -32, 0.03125f, -0.03125f, 1,
};

int ft_winograd_matrices(int m, const float **bt, const float **g, const float **at) {
    switch (m) {
    case 2: *bt = BT2; *g = G2; *at = AT2; return 1;
    case 3: *bt = BT3; *g = G3; *at = AT3; return 1;
    case 4: *bt = BT4; *g = G4; *at = AT4; return 1;
    case 6: *bt = BT6; *g = G6; *at = AT6; return 1;
    default: return 0;
    }
}

// ---- input transform: V[ξ] = (Bᵀ d B)[ξ] for 16 channels of one α × α patch ----

INLINE void input_vector(const int A, const float *bt, const float *d /* [A][A][V] */, float *v, long plane) {
    float t[8][8][V];
    for (int i = 0; i < A; i++)
        for (int b = 0; b < A; b++) {
            for (int c = 0; c < V; c++) t[i][b][c] = 0;
            for (int a = 0; a < A; a++) {
                const float k = bt[i * A + a];
                if (k != 0) for (int c = 0; c < V; c++) t[i][b][c] += k * d[(a * A + b) * V + c];
            }
        }
    for (int i = 0; i < A; i++)
        for (int j = 0; j < A; j++) {
            float acc[V];
            for (int c = 0; c < V; c++) acc[c] = 0;
            for (int b = 0; b < A; b++) {
                const float k = bt[j * A + b];
                if (k != 0) for (int c = 0; c < V; c++) acc[c] += k * t[i][b][c];
            }
            float *out = v + (long)(i * A + j) * plane;
            for (int c = 0; c < V; c++) out[c] = acc[c];
        }
}

INLINE void input_tile(const int A, const float *bt, const float *x, long height, long width, long channels,
                       long row0, long col0, float *v, long plane) {
    const int interior = row0 >= 0 && col0 >= 0 && row0 + A <= height && col0 + A <= width;
    float d[8 * 8 * V];
    for (long c0 = 0; c0 < channels; c0 += V) {
        const long n = channels - c0 < V ? channels - c0 : V;
        if (interior && n == V) {
            for (int a = 0; a < A; a++)
                for (int b = 0; b < A; b++)
                    memcpy(d + (a * A + b) * V, x + ((row0 + a) * width + col0 + b) * channels + c0, V * sizeof(float));
        } else {
            for (int a = 0; a < A; a++)
                for (int b = 0; b < A; b++) {
                    float *dst = d + (a * A + b) * V;
                    const long r = row0 + a, c = col0 + b;
                    long k = 0;
                    if (r >= 0 && r < height && c >= 0 && c < width) {
                        const float *src = x + (r * width + c) * channels + c0;
                        for (; k < n; k++) dst[k] = src[k];
                    }
                    for (; k < V; k++) dst[k] = 0;
                }
        }
        if (n == V) {
            input_vector(A, bt, d, v + c0, plane);
        } else {
            float tail[64 * V];
            input_vector(A, bt, d, tail, V);
            for (int xi = 0; xi < A * A; xi++)
                for (long k = 0; k < n; k++) v[xi * plane + c0 + k] = tail[xi * V + k];
        }
    }
}

#define INPUT_TILE(M, A)                                                                               \
    CLONES static void input_tile_##M(const float *x, long h, long w, long c, long r0, long c0,       \
                                      float *v, long plane) {                                          \
        input_tile(A, BT##M, x, h, w, c, r0, c0, v, plane);                                           \
    }
INPUT_TILE(2, 4)
INPUT_TILE(3, 5)
INPUT_TILE(4, 6)
INPUT_TILE(6, 8)

void ft_winograd_input_tile(int m, const float *x, long height, long width, long channels,
                            long row0, long col0, float *v, long plane) {
    switch (m) {
    case 2: input_tile_2(x, height, width, channels, row0, col0, v, plane); break;
    case 3: input_tile_3(x, height, width, channels, row0, col0, v, plane); break;
    case 4: input_tile_4(x, height, width, channels, row0, col0, v, plane); break;
    case 6: input_tile_6(x, height, width, channels, row0, col0, v, plane); break;
    }
}

// ---- output transform: y = Aᵀ M A (+ bias, ReLU) for 16 filters of one tile ----

INLINE void output_vector(const int A, const int Mo, const float *at, const float *src, long plane,
                          const float *bias, int relu, float out[6][6][V]) {
    float t[6][8][V];
    for (int r = 0; r < Mo; r++)
        for (int j = 0; j < A; j++) {
            for (int f = 0; f < V; f++) t[r][j][f] = 0;
            for (int i = 0; i < A; i++) {
                const float k = at[r * A + i];
                if (k != 0) {
                    const float *s = src + (long)(i * A + j) * plane;
                    for (int f = 0; f < V; f++) t[r][j][f] += k * s[f];
                }
            }
        }
    for (int r = 0; r < Mo; r++)
        for (int s = 0; s < Mo; s++) {
            float acc[V];
            for (int f = 0; f < V; f++) acc[f] = bias ? bias[f] : 0;
            for (int j = 0; j < A; j++) {
                const float k = at[s * A + j];
                if (k != 0) for (int f = 0; f < V; f++) acc[f] += k * t[r][j][f];
            }
            if (relu) for (int f = 0; f < V; f++) acc[f] = acc[f] > 0 ? acc[f] : 0;
            for (int f = 0; f < V; f++) out[r][s][f] = acc[f];
        }
}

INLINE void output_tile(const int A, const int Mo, const float *at, const float *m_in, long plane, long filters,
                        const float *bias, int relu, float *y, long row_stride, int rows, int cols) {
    float out[6][6][V];
    for (long f0 = 0; f0 < filters; f0 += V) {
        const long n = filters - f0 < V ? filters - f0 : V;
        if (n == V) {
            output_vector(A, Mo, at, m_in + f0, plane, bias ? bias + f0 : 0, relu, out);
        } else {
            float src[64 * V], b[V];
            for (int xi = 0; xi < A * A; xi++)
                for (int k = 0; k < V; k++) src[xi * V + k] = k < n ? m_in[xi * plane + f0 + k] : 0;
            for (int k = 0; k < V; k++) b[k] = bias && k < n ? bias[f0 + k] : 0;
            output_vector(A, Mo, at, src, V, b, relu, out);
        }
        if (n == V) {
            for (int r = 0; r < rows; r++)
                for (int s = 0; s < cols; s++) memcpy(y + r * row_stride + s * filters + f0, out[r][s], V * sizeof(float));
        } else {
            for (int r = 0; r < rows; r++)
                for (int s = 0; s < cols; s++)
                    for (long k = 0; k < n; k++) y[r * row_stride + s * filters + f0 + k] = out[r][s][k];
        }
    }
}

#define OUTPUT_TILE(M, A)                                                                                   \
    CLONES static void output_tile_##M(const float *m_in, long plane, long filters, const float *bias,    \
                                       int relu, float *y, long row_stride, int rows, int cols) {          \
        output_tile(A, M, AT##M, m_in, plane, filters, bias, relu, y, row_stride, rows, cols);             \
    }
OUTPUT_TILE(2, 4)
OUTPUT_TILE(3, 5)
OUTPUT_TILE(4, 6)
OUTPUT_TILE(6, 8)

void ft_winograd_output_tile(int m, const float *m_in, long plane, long filters, const float *bias, int relu,
                             float *y, long row_stride, int rows, int cols) {
    switch (m) {
    case 2: output_tile_2(m_in, plane, filters, bias, relu, y, row_stride, rows, cols); break;
    case 3: output_tile_3(m_in, plane, filters, bias, relu, y, row_stride, rows, cols); break;
    case 4: output_tile_4(m_in, plane, filters, bias, relu, y, row_stride, rows, cols); break;
    case 6: output_tile_6(m_in, plane, filters, bias, relu, y, row_stride, rows, cols); break;
    }
}

CLONES
void ft_linear_combination(int terms, const float *coefficients, const float *const *inputs,
                           float *out, long count) {
    for (long i = 0; i < count; i++) out[i] = 0;
    for (int k = 0; k < terms; k++) {
        const float c = coefficients[k];
        if (c == 0) continue;
        const float *in = inputs[k];
        for (long i = 0; i < count; i++) out[i] += c * in[i];
    }
}
