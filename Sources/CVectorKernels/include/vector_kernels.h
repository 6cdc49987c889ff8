// Vectorised CPU kernels that Swift's baseline x86-64 code generation cannot reach: each function
// is compiled for several instruction sets (AVX-512, AVX2+FMA, baseline) and the loader picks the
// best one the CPU supports (GCC/Clang `target_clones`, resolved once through an ifunc).
// Plain C over caller-owned buffers: no allocation, no global state, no threads.
#ifndef FINETUNE_VECTOR_KERNELS_H
#define FINETUNE_VECTOR_KERNELS_H

#include <stddef.h>

/// Winograd input transform of one tile: V[ξ] = (Bᵀ d B)[ξ] for the alpha × alpha patch d whose
/// top-left input pixel is (row0, col0) of one NHWC image `x` (height × width × channels);
/// pixels outside the image are zero. `bt` is Bᵀ (alpha × alpha, row-major). Writes
/// v[ξ·plane + c] for ξ = i·alpha + j and c < channels. `scratch` holds alpha·alpha·64 floats.
void ft_winograd_input_tile(int alpha, const float *bt, const float *x, long height, long width,
                            long channels, long row0, long col0, float *v, long plane, float *scratch);

/// Winograd output transform of one tile: y = Aᵀ M A (+ bias, then ReLU when `relu` ≠ 0) for the
/// m × m outputs of one tile, M[ξ] at m_in[ξ·plane + f] for f < filters; `at` is Aᵀ (m × alpha,
/// row-major). Writes rows × cols outputs (≤ m each, the rest lies outside the image) at
/// y[(r·row_stride) + s·filters + f]. `scratch` holds alpha·m·64 floats.
void ft_winograd_output_tile(int alpha, int m, const float *at, const float *m_in, long plane,
                             long filters, const float *bias, int relu, float *y, long row_stride,
                             int rows, int cols, float *scratch);

/// out[i] = Σ_k coefficients[k] · inputs[k][i] for i < count (a linear combination of `terms`
/// arrays; zero coefficients are skipped). Used for Winograd kernel transforms.
void ft_linear_combination(int terms, const float *coefficients, const float *const *inputs,
                           float *out, long count);

#endif
