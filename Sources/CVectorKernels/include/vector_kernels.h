// Vectorised CPU kernels that Swift's baseline x86-64 code generation cannot reach: each function
// is compiled for several instruction sets (AVX-512, AVX2+FMA, baseline) and the loader picks the
// best one the CPU supports (Clang's `target_clones`, resolved once through an ifunc).
// Plain C over caller-owned buffers: no allocation, no global state, no threads.
#ifndef FINETUNE_VECTOR_KERNELS_H
#define FINETUNE_VECTOR_KERNELS_H

/// Bᵀ (α × α), G (α × 3) and Aᵀ (m × α), row-major, of Winograd F(m×m, 3×3) with α = m + 2;
/// returns 0 (and sets nothing) unless m is 2, 3, 4 or 6.
int ft_winograd_matrices(int m, const float **bt, const float **g, const float **at);

/// Winograd input transform of one tile: V[ξ] = (Bᵀ d B)[ξ] for the α × α patch d whose top-left
/// input pixel is (row0, col0) of one NHWC image `x` (height × width × channels); pixels outside
/// the image are zero. Writes v[ξ·plane + c] for ξ = i·α + j and c < channels.
void ft_winograd_input_tile(int m, const float *x, long height, long width, long channels,
                            long row0, long col0, float *v, long plane);

/// Winograd output transform of one tile: y = Aᵀ M A (+ bias, then ReLU when `relu` ≠ 0) for the
/// m × m outputs of one tile, M[ξ] at m_in[ξ·plane + f] for f < filters. Writes the first rows ×
/// cols outputs (≤ m each; the rest lies outside the image) at y[r·row_stride + s·filters + f].
void ft_winograd_output_tile(int m, const float *m_in, long plane, long filters, const float *bias, int relu,
                             float *y, long row_stride, int rows, int cols);

/// ft_winograd_output_tile followed by a 2 × 2, stride-2 max-pool of the tile's outputs (m even,
/// so no window straddles two tiles): y addresses the pooled output (the tile's first pooled row
/// and column), row_stride is the pooled output's, and rows × cols is still the part of the m × m
/// outputs inside the unpooled image (windows reaching past it are dropped, as a 'valid' pool
/// does). Each window's maximum is taken in row-major order. Returns 0 (nothing written) for odd m.
int ft_winograd_output_tile_pooled(int m, const float *m_in, long plane, long filters, const float *bias, int relu,
                                   float *y, long row_stride, int rows, int cols);

/// Output-gradient transform of one tile, for kernel gradients: W[ξ] = (A dy Aᵀ)[ξ] (A = (Aᵀ)ᵀ,
/// α × m) for the m × m output gradients whose first pixel is (row0, col0) of one NHWC image `dy`
/// (height × width × filters); pixels outside it (row0, col0 ≥ 0) are zero. Writes
/// w[ξ·plane + f] for ξ = i·α + j and f < filters.
void ft_winograd_gradient_tile(int m, const float *dy, long height, long width, long filters,
                               long row0, long col0, float *w, long plane);

/// out[i] = Σ_k coefficients[k] · inputs[k][i] for i < count (a linear combination of `terms`
/// arrays; zero coefficients are skipped). Used for Winograd kernel transforms.
void ft_linear_combination(int terms, const float *coefficients, const float *const *inputs,
                           float *out, long count);

/// C = A·B, row-major single precision (A m × k, B k × n, C m × n overwritten; row strides lda,
/// ldb, ldc), without packing either matrix: for the short products of Winograd convolutions
/// with few channels. Single-threaded. Returns 1 when done, 0 (C untouched) on a CPU without
/// AVX-512, where the caller uses BLAS instead.
int ft_sgemm_unpacked(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                      float *c, long ldc);

/// C = relu?(bias + A·B): ft_sgemm_unpacked with the bias row (n floats, or NULL for none) added
/// to every row of C and, when `relu` is nonzero, max(·, 0) applied as C is stored (NaN gives +0,
/// as in the Winograd output transform). For GEMM-lowered convolutions with shallow patches.
/// Returns 0 (C untouched) on a CPU without AVX-512.
int ft_sgemm_bias_relu(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                       const float *bias, int relu, float *c, long ldc);

/// C = alpha·op(A)·op(B) + beta·C, row-major single precision, as cblas_sgemm (op(A) = A, m × k,
/// or Aᵀ when `trans_a` is nonzero, A then k × m; op(B) = B, k × n, or Bᵀ, B then n × k; C is not
/// read when beta is 0). ft_sgemm_unpacked's kernel, Bᵀ copied in 16 × 16 transposed squares.
/// Single-threaded; each element of C sums its k products in the same order whatever block of C a
/// call covers, so splitting C over calls gives the same bits. Returns 0 (C untouched) on a CPU
/// without AVX-512.
int ft_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
             const float *b, long ldb, float beta, float *c, long ldc);

/// Multiply-adds per second one core sustains on independent AVX-512 fp32 FMA chains over
/// `iterations` rounds (0 without AVX-512). A peak-rate probe for benchmarks, not a kernel.
double ft_probe_fp32_fma_rate(long iterations);

/// The same for the AVX512-BF16 dot product vdpbf16ps (two bf16 multiply-adds per fp32 lane);
/// 0 when the CPU lacks AVX512-BF16.
double ft_probe_bf16_dot_rate(long iterations);

/// One output row of a depthwise convolution with depth multiplier 1, NHWC: y[j·c + k] =
/// bias[k] (0 when bias is null) + Σ x[(row0 + p)·in_w + j·stride_w − pad_left + q][k]·w[(p·kw + q)·c + k]
/// over the taps (p, q) inside the in_h × in_w image `x` (one image, c channels), added rows of taps
/// first, each product rounded before it is added — bit for bit Finetune's Swift depthwise kernel.
/// `row0` is the output row's first input row (i·stride_h − pad_top); y holds out_w × c values.
void ft_depthwise_row(const float *x, long in_h, long in_w, long c, const float *w, long kh, long kw,
                      const float *bias, long row0, long stride_w, long pad_left, long out_w, float *y);

/// In place on `rows` rows of `channels` values: y = (y − mean[k])·scale[k] + beta[k] per channel k
/// when `mean` is not null (the three arrays hold `channels` values), then y + residual (rows ×
/// channels values laid out as y) when `residual` is not null, then clamp 0: none, 1: ReLU (Swift's
/// max(y, 0)), 2: ReLU capped at `cap` (Swift's min(max(y, 0), cap)); each product and sum rounded
/// on its own — bit for bit Finetune's batchNormForward, addForward, reluForward, clippedReLUForward.
void ft_channel_epilogue(float *y, long rows, long channels, const float *mean, const float *scale,
                         const float *beta, const float *residual, int clamp, float cap);

/// dx[i] = dy[i] where 0 < x[i] < cap (or ≤ cap when `passes_at_cap` is nonzero), else 0 — NaN
/// inputs get 0: the gradient of a capped ReLU (Finetune's clippedReLUBackward), vectorised.
void ft_clipped_relu_backward(const float *x, const float *dy, float *dx, long count, float cap, int passes_at_cap);

#endif
