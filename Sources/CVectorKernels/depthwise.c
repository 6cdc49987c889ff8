// One output row of a depthwise convolution with depth multiplier 1 (MobileNetV2's and
// EfficientNet-Lite's 3×3 and 5×5 stages), NHWC: for each output pixel and each vector of 16
// channels, an accumulator starts at the bias (or zero) and adds x·w for every tap inside the
// image, rows of taps in order and each row's taps left to right — the order of Finetune's Swift
// kernel (`depthwiseConv2DForward`), which adds one tap at a time to the stored row. Products and
// sums are rounded separately (no fused multiply–add), so the result is that kernel's bit for bit;
// here the accumulators stay in registers over all taps, four output pixels at a time sharing each
// weight vector, instead of loading and storing the output once per tap.
#include "vector_kernels.h"
#include <string.h>

#include "target_clones.h"
#define V 16

// y + x·w with the product rounded before the sum, as the Swift kernel computes it.
#pragma clang fp contract(off)

typedef float vec __attribute__((vector_size(V * sizeof(float))));
#define load(p) ({ vec load_v_; memcpy(&load_v_, (p), sizeof load_v_); load_v_; })
#define store(p, v) do { vec store_v_ = (v); memcpy((p), &store_v_, sizeof store_v_); } while (0)

CLONES void ft_depthwise_row(const float *x, long in_h, long in_w, long c, const float *w, long kh, long kw,
                             const float *bias, long row0, long stride_w, long pad_left, long out_w, float *y) {
    const long p_lo = row0 < 0 ? -row0 : 0;
    const long p_hi = in_h - row0 < kh ? in_h - row0 : kh;
    const long cv = c / V * V;
    const vec zero = {0};
    long j = 0;
    while (j < out_w) {
        const long col0 = j * stride_w - pad_left;
        if (col0 >= 0 && j + 4 <= out_w && col0 + 3 * stride_w + kw <= in_w) {
            // Four output pixels whose taps all lie inside the image horizontally.
            const long step = stride_w * c;
            for (long k = 0; k < cv; k += V) {
                vec a0 = bias ? load(bias + k) : zero, a1 = a0, a2 = a0, a3 = a0;
                for (long p = p_lo; p < p_hi; p++) {
                    const float *xr = x + ((row0 + p) * in_w + col0) * c + k;
                    const float *wr = w + p * kw * c + k;
                    for (long q = 0; q < kw; q++) {
                        const vec wv = load(wr + q * c);
                        const float *xq = xr + q * c;
                        vec t0 = load(xq) * wv, t1 = load(xq + step) * wv;
                        vec t2 = load(xq + 2 * step) * wv, t3 = load(xq + 3 * step) * wv;
                        a0 = a0 + t0; a1 = a1 + t1; a2 = a2 + t2; a3 = a3 + t3;
                    }
                }
                float *yk = y + j * c + k;
                store(yk, a0); store(yk + c, a1); store(yk + 2 * c, a2); store(yk + 3 * c, a3);
            }
            for (long u = 0; u < 4; u++) {
                for (long k = cv; k < c; k++) {
                    float a = bias ? bias[k] : 0;
                    for (long p = p_lo; p < p_hi; p++) {
                        const float *xr = x + ((row0 + p) * in_w + col0 + u * stride_w) * c + k;
                        for (long q = 0; q < kw; q++) {
                            float t = xr[q * c] * w[(p * kw + q) * c + k];
                            a = a + t;
                        }
                    }
                    y[(j + u) * c + k] = a;
                }
            }
            j += 4;
            continue;
        }
        // One output pixel, its taps clipped to the image.
        const long q_lo = col0 < 0 ? -col0 : 0;
        const long q_hi = in_w - col0 < kw ? in_w - col0 : kw;
        for (long k = 0; k < cv; k += V) {
            vec a = bias ? load(bias + k) : zero;
            for (long p = p_lo; p < p_hi; p++) {
                const float *xr = x + (row0 + p) * in_w * c + k;
                const float *wr = w + p * kw * c + k;
                for (long q = q_lo; q < q_hi; q++) {
                    vec t = load(xr + (col0 + q) * c) * load(wr + q * c);
                    a = a + t;
                }
            }
            store(y + j * c + k, a);
        }
        for (long k = cv; k < c; k++) {
            float a = bias ? bias[k] : 0;
            for (long p = p_lo; p < p_hi; p++) {
                for (long q = q_lo; q < q_hi; q++) {
                    float t = x[((row0 + p) * in_w + col0 + q) * c + k] * w[(p * kw + q) * c + k];
                    a = a + t;
                }
            }
            y[j * c + k] = a;
        }
        j += 1;
    }
}
