// A convolution's epilogue on rows of its output, in place: an inference-mode batch normalization
// y = (z − mean)·scale + beta per channel (when mean is not null), then a residual added (when
// residual is not null: a residual network's Add), then a clamp — written as
// Finetune's Swift kernels compute them, so the results are theirs bit for bit: each product and
// sum rounded on its own (no fused multiply–add), ReLU as Swift's max(v, 0) (0 when 0 ≥ v, else v:
// NaN stays NaN and −0 becomes 0), the cap as Swift's min(r, cap) (cap when cap < r, else r).
#include "vector_kernels.h"

#include "target_clones.h"

#pragma clang fp contract(off)

static inline __attribute__((always_inline)) float relu(float v) { return 0.0f >= v ? 0.0f : v; }
static inline __attribute__((always_inline)) float capped(float v, float cap) {
    float r = relu(v);
    return cap < r ? cap : r;
}

// v ↦ clamp(v): 0 none, 1 ReLU, else ReLU capped at `cap`.
static inline __attribute__((always_inline)) float clamped(float v, int clamp, float cap) {
    return clamp == 0 ? v : clamp == 1 ? relu(v) : capped(v, cap);
}

CLONES void ft_channel_epilogue(float *y, long rows, long channels, const float *mean, const float *scale,
                                const float *beta, const float *residual, int clamp, float cap) {
    const long c = channels;
    if (residual) {
        // The normalized value rounded, then the residual added (as Add: one rounded sum), then clamped.
        for (long r = 0; r < rows; r++) {
            float *row = y + r * c;
            const float *res = residual + r * c;
            if (mean) {
                for (long k = 0; k < c; k++) {
                    float t = (row[k] - mean[k]) * scale[k];
                    float n = t + beta[k];
                    row[k] = clamped(n + res[k], clamp, cap);
                }
            } else {
                for (long k = 0; k < c; k++) row[k] = clamped(row[k] + res[k], clamp, cap);
            }
        }
        return;
    }
    if (mean) {
        for (long r = 0; r < rows; r++) {
            float *row = y + r * c;
            switch (clamp) {
            case 0:
                for (long k = 0; k < c; k++) { float t = (row[k] - mean[k]) * scale[k]; row[k] = t + beta[k]; }
                break;
            case 1:
                for (long k = 0; k < c; k++) { float t = (row[k] - mean[k]) * scale[k]; row[k] = relu(t + beta[k]); }
                break;
            default:
                for (long k = 0; k < c; k++) {
                    float t = (row[k] - mean[k]) * scale[k];
                    row[k] = capped(t + beta[k], cap);
                }
                break;
            }
        }
        return;
    }
    const long n = rows * c;
    switch (clamp) {
    case 0: break;
    case 1: for (long i = 0; i < n; i++) y[i] = relu(y[i]); break;
    default: for (long i = 0; i < n; i++) y[i] = capped(y[i], cap); break;
    }
}

CLONES void ft_clipped_relu_backward(const float *x, const float *dy, float *dx, long count, float cap,
                                     int passes_at_cap) {
    if (passes_at_cap) {
        for (long i = 0; i < count; i++) dx[i] = x[i] > 0.0f && x[i] <= cap ? dy[i] : 0.0f;
    } else {
        for (long i = 0; i < count; i++) dx[i] = x[i] > 0.0f && x[i] < cap ? dy[i] : 0.0f;
    }
}
