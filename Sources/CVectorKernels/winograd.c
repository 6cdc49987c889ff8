// Winograd F(m×m, 3×3) transforms (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for m = 2, 3, 4, 6, and the matrices themselves.
//
// Each transform is written once, generic in the patch size α = m + 2, and instantiated per α with
// the matrices as compile-time constants. A 2-D transform is two passes of one 1-D transform
// (`combine`, over columns, then over rows) on vectors of 16 channels; its loops are unrolled in
// full, so the compiler keeps a column's α vectors in registers and drops the products by zero and
// by ±1. Interior tiles are read straight from the image; border tiles and a tail of fewer than 16
// channels go through a zero-padded copy.
#include "vector_kernels.h"
#include <string.h>

#include "target_clones.h"
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

// A = (Aᵀ)ᵀ (α × m), for the output-gradient transform of kernel gradients.
static const float A2[4 * 2] = {
    1, 0,
    1, 1,
    1, -1,
    0, 1,
};
static const float A3[5 * 3] = {
    1, 0, 0,
    1, 1, 1,
    1, -1, 1,
    1, 0.5f, 0.25f,
    0, 0, 1,
};
static const float A4[6 * 4] = {
    1, 0, 0, 0,
    1, 1, 1, 1,
    1, -1, 1, -1,
    1, 0.5f, 0.25f, 0.125f,
    1, -0.5f, 0.25f, -0.125f,
    0, 0, 0, 1,
};
static const float A6[8 * 6] = {
    1, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1,
    1, -1, 1, -1, 1, -1,
    1, 2, 4, 8, 16, 32,
    1, -2, 4, -8, 16, -32,
    1, 0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f,
    1, -0.5f, 0.25f, -0.125f, 0.0625f, -0.03125f,
    0, 0, 0, 0, 0, 1,
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

// ---- shared: vectors of 16 channels and the 1-D transform ----

typedef float vec __attribute__((vector_size(V * sizeof(float))));
typedef int mask __attribute__((vector_size(V * sizeof(int))));

// Vectors move through statement-expression macros rather than functions that take or return
// them by value: a 64-byte vector has no agreed calling convention in the clones built without
// AVX-512 (clang's -Wpsabi), even where such a function is always inlined.
#define load(p) ({ vec load_v_; memcpy(&load_v_, (p), sizeof load_v_); load_v_; })
#define store(p, v) do { vec store_v_ = (v); memcpy((p), &store_v_, sizeof store_v_); } while (0)

// out[i] = init[i] + Σ_a mat[i·A + a] · in[a] for i < rows (init: zero when null), the terms
// added in order of a. Instantiated with a constant matrix, the unrolled loops keep every vector
// in a register and drop the products by zero (and by ±1) at compile time.
INLINE void combine(const int A, const int rows, const float *mat, const vec *in, const vec *init, vec *out) {
#pragma clang loop unroll(full)
    for (int i = 0; i < rows; i++) {
        vec acc = init ? init[i] : (vec){0};
#pragma clang loop unroll(full)
        for (int a = 0; a < A; a++) {
            const float k = mat[i * A + a];
            if (k != 0) acc += k * in[a];
        }
        out[i] = acc;
    }
}

// ---- input transform: V[ξ] = (Bᵀ d B)[ξ] for 16 channels of one α × α patch ----

// The patch's pixel (a, b) starts at d[a·row_stride + b·col_stride]: the image itself for interior
// tiles, a zero-padded copy at the borders.
INLINE void input_vector(const int A, const float *bt, const float *d, long row_stride, long col_stride,
                         float *v, long plane) {
    vec t[8][8]; // t[b][i] = (Bᵀ d)[i][b]
#pragma clang loop unroll(full)
    for (int b = 0; b < A; b++) {
        vec column[8];
#pragma clang loop unroll(full)
        for (int a = 0; a < A; a++) column[a] = load(d + a * row_stride + b * col_stride);
        combine(A, A, bt, column, 0, t[b]);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < A; i++) {
        vec row[8], out[8];
#pragma clang loop unroll(full)
        for (int b = 0; b < A; b++) row[b] = t[b][i];
        combine(A, A, bt, row, 0, out);
#pragma clang loop unroll(full)
        for (int j = 0; j < A; j++) store(v + (long)(i * A + j) * plane, out[j]);
    }
}

INLINE void input_tile(const int A, const float *bt, const float *x, long height, long width, long channels,
                       long row0, long col0, float *v, long plane) {
    const int interior = row0 >= 0 && col0 >= 0 && row0 + A <= height && col0 + A <= width;
    float d[8 * 8 * V];
    for (long c0 = 0; c0 < channels; c0 += V) {
        const long n = channels - c0 < V ? channels - c0 : V;
        if (interior && n == V) {
            input_vector(A, bt, x + (row0 * width + col0) * channels + c0, width * channels, channels, v + c0, plane);
            continue;
        }
        for (int a = 0; a < A; a++)
            for (int b = 0; b < A; b++) {
                float *dst = d + (a * A + b) * V;
                const long r = row0 + a, c = col0 + b;
                const int inside = r >= 0 && r < height && c >= 0 && c < width;
                if (n == V) {
                    // One vector move (the scalar loop below becomes a call to memmove per pixel).
                    store(dst, inside ? load(x + (r * width + c) * channels + c0) : (vec){0});
                    continue;
                }
                long k = 0;
                if (inside)
                    for (const float *src = x + (r * width + c) * channels + c0; k < n; k++) dst[k] = src[k];
                for (; k < V; k++) dst[k] = 0;
            }
        if (n == V) {
            input_vector(A, bt, d, A * V, V, v + c0, plane);
        } else {
            float tail[64 * V];
            input_vector(A, bt, d, A * V, V, tail, V);
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

// ---- output-gradient transform (kernel gradients): W[ξ] = (A dy Aᵀ)[ξ] for one m × m patch ----

// Kernel gradients by Winograd: dW[p][q] = Σ_ξ G[i][p]·G[j][q]·M[ξ] with M[ξ] = Σ_tiles V[ξ]ᵀ·W[ξ],
// V the input transform of the tile's α × α input patch and W = A dy Aᵀ the transform of its m × m
// output gradients (the adjoint of Y = Aᵀ[U ⊙ V]A with respect to U). dy is NHWC (height × width ×
// filters); outputs outside it are zero. Writes w[ξ·plane + f] for f < filters.
INLINE void gradient_tile(const int A, const int Mo, const float *amat, const float *dy, long height, long width,
                          long filters, long row0, long col0, float *w, long plane) {
    for (long f0 = 0; f0 < filters; f0 += V) {
        const long n = filters - f0 < V ? filters - f0 : V;
        vec t[6][8]; // t[s][i] = (A dy)[i][s]
#pragma clang loop unroll(full)
        for (int s = 0; s < Mo; s++) {
            const long c = col0 + s;
            vec column[6];
#pragma clang loop unroll(full)
            for (int r = 0; r < Mo; r++) {
                const long row = row0 + r;
                column[r] = (vec){0};
                if (c < width && row < height) {
                    const float *src = dy + (row * width + c) * filters + f0;
                    if (n == V) column[r] = load(src);
                    else for (long k = 0; k < n; k++) column[r][k] = src[k];
                }
            }
            combine(Mo, A, amat, column, 0, t[s]);
        }
#pragma clang loop unroll(full)
        for (int i = 0; i < A; i++) {
            vec row[6], out[8];
#pragma clang loop unroll(full)
            for (int s = 0; s < Mo; s++) row[s] = t[s][i];
            combine(Mo, A, amat, row, 0, out);
#pragma clang loop unroll(full)
            for (int j = 0; j < A; j++) {
                float *dst = w + (long)(i * A + j) * plane + f0;
                if (n == V) store(dst, out[j]);
                else for (long k = 0; k < n; k++) dst[k] = out[j][k];
            }
        }
    }
}

#define GRADIENT_TILE(M, ALPHA)                                                                           \
    CLONES static void gradient_tile_##M(const float *dy, long h, long w, long f, long r0, long c0,     \
                                         float *out, long plane) {                                      \
        gradient_tile(ALPHA, M, A##M, dy, h, w, f, r0, c0, out, plane);                                 \
    }
GRADIENT_TILE(2, 4)
GRADIENT_TILE(3, 5)
GRADIENT_TILE(4, 6)
GRADIENT_TILE(6, 8)

void ft_winograd_gradient_tile(int m, const float *dy, long height, long width, long filters,
                               long row0, long col0, float *w, long plane) {
    switch (m) {
    case 2: gradient_tile_2(dy, height, width, filters, row0, col0, w, plane); break;
    case 3: gradient_tile_3(dy, height, width, filters, row0, col0, w, plane); break;
    case 4: gradient_tile_4(dy, height, width, filters, row0, col0, w, plane); break;
    case 6: gradient_tile_6(dy, height, width, filters, row0, col0, w, plane); break;
    }
}

// ---- output transform: y = Aᵀ M A (+ bias, ReLU) for 16 filters of one tile ----

INLINE void output_vector(const int A, const int Mo, const float *at, const float *src, long plane,
                          const float *bias, int relu, float out[6][6][V]) {
    vec t[8][6]; // t[j][r] = (Aᵀ M)[r][j]
#pragma clang loop unroll(full)
    for (int j = 0; j < A; j++) {
        vec column[8];
#pragma clang loop unroll(full)
        for (int i = 0; i < A; i++) column[i] = load(src + (long)(i * A + j) * plane);
        combine(A, Mo, at, column, 0, t[j]);
    }
    vec start[6];
    const vec b = bias ? load(bias) : (vec){0};
#pragma clang loop unroll(full)
    for (int s = 0; s < Mo; s++) start[s] = b;
#pragma clang loop unroll(full)
    for (int r = 0; r < Mo; r++) {
        vec row[8], res[6];
#pragma clang loop unroll(full)
        for (int j = 0; j < A; j++) row[j] = t[j][r];
        combine(A, Mo, at, row, start, res);
#pragma clang loop unroll(full)
        for (int s = 0; s < Mo; s++) {
            vec y = res[s];
            if (relu) y = (vec)((mask)y & ~(y <= 0)); // +0 where y ≤ 0; NaN stays NaN (as TensorFlow's ReLU)
            store(out[r][s], y);
        }
    }
}

// Swift's max(x, y) for each lane: y ≥ x ? y : x.
#define vmax(x, y) ({ vec vmax_x_ = (x), vmax_y_ = (y); mask vmax_take_ = vmax_y_ >= vmax_x_; \
                      (vec)(((mask)vmax_y_ & vmax_take_) | ((mask)vmax_x_ & ~vmax_take_)); })

// With `pool`, the m × m outputs (m even) are max-pooled 2 × 2 with stride 2 before they are stored:
// y then addresses the pooled output, and only ⌊rows/2⌋ × ⌊cols/2⌋ windows lie inside it.
INLINE void output_tile(const int A, const int Mo, const float *at, const float *m_in, long plane, long filters,
                        const float *bias, int relu, int pool, float *y, long row_stride, int rows, int cols) {
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
        if (pool) {
            for (int r = 0; r + 1 < rows; r += 2)
                for (int s = 0; s + 1 < cols; s += 2) {
                    float *dst = y + (r / 2) * row_stride + (s / 2) * filters + f0;
                    // As maxPool2DForward: from −FLT_MAX (TensorFlow's start, so NaN and −∞ alone give
                    // −FLT_MAX), Swift's max(x, y) = y ≥ x ? y : x over the window in row-major order
                    // (the same bits for NaN and ±0 too).
                    vec w = -__FLT_MAX__ + (vec){0};
                    w = vmax(w, load(out[r][s]));
                    w = vmax(w, load(out[r][s + 1]));
                    w = vmax(w, load(out[r + 1][s]));
                    w = vmax(w, load(out[r + 1][s + 1]));
                    if (n == V) store(dst, w);
                    else for (long k = 0; k < n; k++) dst[k] = w[k];
                }
        } else if (n == V) {
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
                                       int relu, int pool, float *y, long row_stride, int rows, int cols) {\
        output_tile(A, M, AT##M, m_in, plane, filters, bias, relu, pool, y, row_stride, rows, cols);       \
    }
OUTPUT_TILE(2, 4)
OUTPUT_TILE(3, 5)
OUTPUT_TILE(4, 6)
OUTPUT_TILE(6, 8)

void ft_winograd_output_tile(int m, const float *m_in, long plane, long filters, const float *bias, int relu,
                             float *y, long row_stride, int rows, int cols) {
    switch (m) {
    case 2: output_tile_2(m_in, plane, filters, bias, relu, 0, y, row_stride, rows, cols); break;
    case 3: output_tile_3(m_in, plane, filters, bias, relu, 0, y, row_stride, rows, cols); break;
    case 4: output_tile_4(m_in, plane, filters, bias, relu, 0, y, row_stride, rows, cols); break;
    case 6: output_tile_6(m_in, plane, filters, bias, relu, 0, y, row_stride, rows, cols); break;
    }
}

int ft_winograd_output_tile_pooled(int m, const float *m_in, long plane, long filters, const float *bias, int relu,
                                   float *y, long row_stride, int rows, int cols) {
    switch (m) {
    case 2: output_tile_2(m_in, plane, filters, bias, relu, 1, y, row_stride, rows, cols); return 1;
    case 4: output_tile_4(m_in, plane, filters, bias, relu, 1, y, row_stride, rows, cols); return 1;
    case 6: output_tile_6(m_in, plane, filters, bias, relu, 1, y, row_stride, rows, cols); return 1;
    default: return 0; // odd m: 2 × 2 windows would straddle tiles
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
