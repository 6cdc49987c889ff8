// Winograd transforms (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016),
// generic in the tile size: the matrices come from the caller. Work is blocked over 64 channels
// so each tile's intermediate rows stay in L1, and every inner loop runs over contiguous channels,
// which the compiler vectorises for each target below.
#include "vector_kernels.h"

#define BLOCK 64
#if defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define CLONES
#endif

CLONES
void ft_winograd_input_tile(int alpha, const float *bt, const float *x, long height, long width,
                            long channels, long row0, long col0, float *v, long plane, float *scratch) {
    for (long c0 = 0; c0 < channels; c0 += BLOCK) {
        const long n = channels - c0 < BLOCK ? channels - c0 : BLOCK;
        // t[i][b][:] = Σ_a Bᵀ[i][a] · d[a][b][:]  (rows outside the image contribute zero)
        for (int i = 0; i < alpha; i++) {
            for (int b = 0; b < alpha; b++) {
                float *t = scratch + ((long)i * alpha + b) * BLOCK;
                for (long c = 0; c < n; c++) t[c] = 0;
                const long col = col0 + b;
                if (col < 0 || col >= width) continue;
                for (int a = 0; a < alpha; a++) {
                    const float k = bt[i * alpha + a];
                    const long row = row0 + a;
                    if (k == 0 || row < 0 || row >= height) continue;
                    const float *d = x + (row * width + col) * channels + c0;
                    for (long c = 0; c < n; c++) t[c] += k * d[c];
                }
            }
        }
        // V[i·alpha + j][:] = Σ_b t[i][b][:] · Bᵀ[j][b]
        for (int i = 0; i < alpha; i++) {
            for (int j = 0; j < alpha; j++) {
                float *out = v + ((long)i * alpha + j) * plane + c0;
                float acc[BLOCK];
                for (long c = 0; c < n; c++) acc[c] = 0;
                for (int b = 0; b < alpha; b++) {
                    const float k = bt[j * alpha + b];
                    if (k == 0) continue;
                    const float *t = scratch + ((long)i * alpha + b) * BLOCK;
                    for (long c = 0; c < n; c++) acc[c] += k * t[c];
                }
                for (long c = 0; c < n; c++) out[c] = acc[c];
            }
        }
    }
}

CLONES
void ft_winograd_output_tile(int alpha, int m, const float *at, const float *m_in, long plane,
                             long filters, const float *bias, int relu, float *y, long row_stride,
                             int rows, int cols, float *scratch) {
    for (long f0 = 0; f0 < filters; f0 += BLOCK) {
        const long n = filters - f0 < BLOCK ? filters - f0 : BLOCK;
        // t[r][j][:] = Σ_i Aᵀ[r][i] · M[i·alpha + j][:]
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < alpha; j++) {
                float *t = scratch + ((long)r * alpha + j) * BLOCK;
                for (long f = 0; f < n; f++) t[f] = 0;
                for (int i = 0; i < alpha; i++) {
                    const float k = at[r * alpha + i];
                    if (k == 0) continue;
                    const float *src = m_in + ((long)i * alpha + j) * plane + f0;
                    for (long f = 0; f < n; f++) t[f] += k * src[f];
                }
            }
        }
        // y[r][s][:] = Σ_j t[r][j][:] · Aᵀ[s][j] + bias, ReLU
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < cols; s++) {
                float acc[BLOCK];
                if (bias) { for (long f = 0; f < n; f++) acc[f] = bias[f0 + f]; }
                else { for (long f = 0; f < n; f++) acc[f] = 0; }
                for (int j = 0; j < alpha; j++) {
                    const float k = at[s * alpha + j];
                    if (k == 0) continue;
                    const float *t = scratch + ((long)r * alpha + j) * BLOCK;
                    for (long f = 0; f < n; f++) acc[f] += k * t[f];
                }
                float *out = y + r * row_stride + s * filters + f0;
                if (relu) { for (long f = 0; f < n; f++) out[f] = acc[f] > 0 ? acc[f] : 0; }
                else { for (long f = 0; f < n; f++) out[f] = acc[f]; }
            }
        }
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
