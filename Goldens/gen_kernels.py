#!/usr/bin/env python3
"""Golden values for FinetuneCore's CPU kernels (suite `kernels`).

Reference: NumPy float64, written straight from the definitions. Wherever a Keras rule is the
point (Conv2D `same` padding, MaxPooling2D windows and tie rule, the losses' clipping, binary
accuracy's strict `p > 0.5`), the same case is also run through Keras 3 (TensorFlow backend) with
gradients from `tf.GradientTape`, and the script refuses to write a golden the two disagree on
(relative norm error > 2e-5, or any difference for exact quantities such as routing masks).
The stored values are the float64 results rounded to float32; each case records the Keras
agreement it reached in `params.keras_rel_err`.

Inputs are mostly not stored: they are `hash_uniform(seed, shape, low, high)` tensors (a SplitMix64
hash of the flat index, 24 bits → float32; formula in Goldens/README.md), described in
`params.inputs`, and the Swift tests generate the same bits. That keeps the VGG16-shaped cases
(9.4 MB for one 512→512 kernel) down to their outputs. Large kernel gradients are stored as a
strided sample (`dw_sample`, every `dw_sample_stride`-th scalar of the row-major HWIO tensor).

Run: `python3 Goldens/generate.py kernels` (pins: Goldens/requirements.txt). Deterministic: the
same pins give identical bytes.
"""
import math
import os
import pathlib
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import goldens_io  # noqa: E402

SUITE = "kernels"
OUT = pathlib.Path(__file__).resolve().parent / SUITE
KERAS_AGREEMENT = 2e-5
F32_EPS = float(np.float32(1e-7))          # keras.config.epsilon() as float32 (Keras clips in float32)
F32_ONE_MINUS_EPS = float(np.float32(1.0) - np.float32(1e-7))


# ----------------------------------------------------------------------------------------------
# Deterministic inputs shared with Swift (Tests/FinetuneCoreTests/HashUniform.swift)
# ----------------------------------------------------------------------------------------------
M64 = (1 << 64) - 1


def hash_uniform(seed, shape, low, high):
    """float32 tensor: low + (high − low)·u, u = (splitmix64(seed·φ + (i+1)·c) >> 40) / 2²⁴."""
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(1, n + 1, dtype=np.uint64)
    z = np.full(n, (seed * 0x9E3779B97F4A7C15) & M64, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = z + i * np.uint64(0xD1B54A32D192ED03)
        z ^= z >> np.uint64(30)
        z = z * np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z = z * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    u = (z >> np.uint64(40)).astype(np.float64) / 16777216.0
    return (low + (high - low) * u).astype(np.float32).reshape(shape)


class Inputs:
    """Generates input tensors and records how (for `params.inputs`)."""

    def __init__(self, base_seed):
        self.base = base_seed
        self.count = 0
        self.spec = {}

    def uniform(self, key, shape, low, high):
        seed = self.base * 100 + self.count
        self.count += 1
        shape = [int(d) for d in shape]
        self.spec[key] = {"seed": seed, "shape": shape, "low": low, "high": high}
        return hash_uniform(seed, shape, low, high)


def pow2_limit(fan_in):
    """A power-of-two bound ≈ 3/√fan_in (outputs of order 1), exact in any float format."""
    return 2.0 ** round(math.log2(3.0 / math.sqrt(fan_in)))


# ----------------------------------------------------------------------------------------------
# Writer: the shared Goldens/goldens_io.py (format: Goldens/README.md), with two extra checks
# ----------------------------------------------------------------------------------------------
class Suite(goldens_io.Suite):
    def __init__(self):
        super().__init__(SUITE, "Goldens/gen_kernels.py",
                         {"python": platform.python_version(), "numpy": np.__version__,
                          "tensorflow": tf.__version__, "keras": keras.__version__})
        self.names = set()

    @property
    def cases(self):
        return self.manifest["cases"]

    def add(self, name, seed, tolerance, why, params, tensors):
        assert name not in self.names, f"duplicate case {name}"
        self.names.add(name)
        for key, value in tensors.items():
            assert np.all(np.isfinite(np.asarray(value, np.float64))), f"{name}.{key} has non-finite values"
        super().add(name, tensors, tolerance, why, seed=seed, params=params)


def rel_err(actual, expected):
    a = np.asarray(actual, np.float64)
    e = np.asarray(expected, np.float64)
    den = np.linalg.norm(e)
    num = np.linalg.norm(a - e)
    return float(num / den) if den > 0 else float(num)


def agree(name, what, keras_value, reference, bound=KERAS_AGREEMENT):
    err = rel_err(keras_value, reference)
    if not err <= bound:
        sys.exit(f"gen_kernels: Keras and NumPy disagree on {name}.{what}: relative error {err:.3g}")
    return float(f"{err:.3g}")


# ----------------------------------------------------------------------------------------------
# NumPy float64 references
# ----------------------------------------------------------------------------------------------
def same_pads(n, k, s):
    """TensorFlow's `same`: out = ⌈n/s⌉, total = max((out−1)s + k − n, 0), before = ⌊total/2⌋."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2


def geometry(n, k, s, padding):
    if padding == "valid":
        return (n - k) // s + 1, 0
    return same_pads(n, k, s)


def conv_forward(x, w, b, strides, padding):
    """y[n,i,j,f] = b[f] + Σ_{p,q,c} x[n, i·s−pt+p, j·s−pl+q, c]·w[p,q,c,f] (float64)."""
    N, H, W, C = x.shape
    kh, kw, _, F = w.shape
    oh, pt = geometry(H, kh, strides[0], padding)
    ow, pl = geometry(W, kw, strides[1], padding)
    ph = max((oh - 1) * strides[0] + kh - H - pt, 0)
    pw = max((ow - 1) * strides[1] + kw - W - pl, 0)
    xp = np.pad(x.astype(np.float64), ((0, 0), (pt, ph), (pl, pw), (0, 0)))
    y = np.zeros((N, oh, ow, F))
    w64 = w.astype(np.float64)
    for p in range(kh):
        for q in range(kw):
            patch = xp[:, p:p + (oh - 1) * strides[0] + 1:strides[0], q:q + (ow - 1) * strides[1] + 1:strides[1], :]
            y += np.einsum("nijc,cf->nijf", patch, w64[p, q])
    if b is not None:
        y += b.astype(np.float64)
    return y


def conv_backward(x, w, dy, strides, padding):
    N, H, W, C = x.shape
    kh, kw, _, F = w.shape
    oh, pt = geometry(H, kh, strides[0], padding)
    ow, pl = geometry(W, kw, strides[1], padding)
    ph = max((oh - 1) * strides[0] + kh - H - pt, 0)
    pw = max((ow - 1) * strides[1] + kw - W - pl, 0)
    xp = np.pad(x.astype(np.float64), ((0, 0), (pt, ph), (pl, pw), (0, 0)))
    dxp = np.zeros_like(xp)
    dw = np.zeros(w.shape)
    dy64 = dy.astype(np.float64)
    w64 = w.astype(np.float64)
    for p in range(kh):
        for q in range(kw):
            rs = slice(p, p + (oh - 1) * strides[0] + 1, strides[0])
            cs = slice(q, q + (ow - 1) * strides[1] + 1, strides[1])
            dw[p, q] = np.einsum("nijc,nijf->cf", xp[:, rs, cs, :], dy64)
            dxp[:, rs, cs, :] += np.einsum("nijf,cf->nijc", dy64, w64[p, q])
    dx = dxp[:, pt:pt + H, pl:pl + W, :]
    return dx, dw, dy64.sum(axis=(0, 1, 2))


def pool_forward_backward(x, dy, pool, strides, padding):
    """Max pooling and its gradient: each output's gradient goes to the first (row-major) maximum
    of its window; taps outside the image never win."""
    N, H, W, C = x.shape
    oh, pt = geometry(H, pool[0], strides[0], padding)
    ow, pl = geometry(W, pool[1], strides[1], padding)
    y = np.full((N, oh, ow, C), -np.inf)
    dx = np.zeros(x.shape)
    for n in range(N):
        for i in range(oh):
            for j in range(ow):
                for c in range(C):
                    best, at = -np.inf, None
                    for p in range(pool[0]):
                        r = i * strides[0] - pt + p
                        if not 0 <= r < H:
                            continue
                        for q in range(pool[1]):
                            cc = j * strides[1] - pl + q
                            if not 0 <= cc < W:
                                continue
                            v = float(x[n, r, cc, c])
                            if at is None or v > best:
                                best, at = v, (r, cc)
                    y[n, i, j, c] = best
                    if dy is not None:
                        dx[n, at[0], at[1], c] += float(dy[n, i, j, c])
    return y, dx


def sigmoid64(x):
    x = np.asarray(x, np.float64)
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


# ----------------------------------------------------------------------------------------------
# Keras runs (float32, TF backend)
# ----------------------------------------------------------------------------------------------
def keras_conv(x, w, b, dy, strides, padding):
    layer = keras.layers.Conv2D(w.shape[3], w.shape[:2], strides=strides, padding=padding)
    layer.build(x.shape)
    layer.set_weights([w, b])
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = layer(xv)
        s = tf.reduce_sum(y * dy)
    dx, dw, db = tape.gradient(s, [xv, layer.kernel, layer.bias])
    return y.numpy(), dx.numpy(), dw.numpy(), db.numpy()


def keras_pool(x, dy, pool, strides, padding):
    layer = keras.layers.MaxPooling2D(pool, strides=strides, padding=padding)
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = layer(xv)
        s = tf.reduce_sum(y * dy)
    return y.numpy(), tape.gradient(s, xv).numpy()


def keras_dense(x, w, b, dy):
    layer = keras.layers.Dense(w.shape[1])
    layer.build(x.shape)
    layer.set_weights([w, b])
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = layer(xv)
        s = tf.reduce_sum(y * dy)
    dx, dw, db = tape.gradient(s, [xv, layer.kernel, layer.bias])
    return y.numpy(), dx.numpy(), dw.numpy(), db.numpy()


def keras_activation(fn, x, dy):
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = fn(xv)
        s = tf.reduce_sum(y * dy)
    return y.numpy(), tape.gradient(s, xv).numpy()


def keras_loss(loss, z, p):
    pv = tf.Variable(p)
    with tf.GradientTape() as tape:
        value = loss(tf.constant(z), pv)
    return float(value.numpy()), tape.gradient(value, pv).numpy()


# ----------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------
def conv_case(suite, name, seed, x_shape, kernel, cout, strides, padding, why, keras_check=True,
              dw_sample=None, tolerance=1e-5):
    inp = Inputs(seed)
    kh, kw = kernel
    cin = x_shape[3]
    lim = pow2_limit(kh * kw * cin)
    x = inp.uniform("x", x_shape, -1.0, 1.0)
    w = inp.uniform("w", [kh, kw, cin, cout], -lim, lim)
    b = inp.uniform("b", [cout], -0.5, 0.5)
    y = conv_forward(x, w, b, strides, padding)
    dy = inp.uniform("dy", y.shape, -1.0, 1.0)
    dx, dw, db = conv_backward(x, w, dy, strides, padding)
    params = {"kind": "conv2d", "strides": list(strides), "padding": padding,
              "kernel": [kh, kw], "inputs": inp.spec}
    if keras_check:
        ky, kdx, kdw, kdb = keras_conv(x, w, b, dy, strides, padding)
        params["keras_rel_err"] = {"y": agree(name, "y", ky, y), "dx": agree(name, "dx", kdx, dx),
                                   "dw": agree(name, "dw", kdw, dw), "db": agree(name, "db", kdb, db)}
    tensors = {"y": y, "dx": dx, "db": db}
    if dw_sample is not None and dw.size > dw_sample:
        stride = -(-dw.size // dw_sample) | 1          # odd, so every filter index is visited
        params["dw_sample_stride"] = stride
        tensors["dw_sample"] = dw.reshape(-1)[::stride]
    else:
        tensors["dw"] = dw
    suite.add(name, seed, tolerance, why, params, tensors)


def conv_cases(suite):
    why = ("float32 kernels vs float64 reference; ≤ 125-term dot products keep float32 rounding "
           "near 1e-7 relative; Keras 3 Conv2D + GradientTape agrees (keras_rel_err)")
    seed = 1
    for k in (1, 2, 3, 5):
        for padding in ("valid", "same"):
            for s in (1, 2):
                cin, cout = (3, 5) if (k + s) % 2 == 0 else (5, 3)
                conv_case(suite, f"conv.k{k}.{padding}.s{s}", seed, [3, 7, 9, cin], (k, k), cout,
                          (s, s), padding, why)
                seed += 1
    # Rectangular kernels and unequal strides: the height and width rules are independent.
    conv_case(suite, "conv.k2x3.same.s2x1", seed, [3, 7, 9, 3], (2, 3), 5, (2, 1), "same", why)
    conv_case(suite, "conv.k3x2.valid.s1x2", seed + 1, [3, 7, 9, 5], (3, 2), 3, (1, 2), "valid", why)
    conv_case(suite, "conv.k4.same.s2", seed + 2, [3, 8, 9, 3], (4, 4), 5, (2, 2), "same", why)
    # Kernel larger than the image with `same` padding (padding on both sides exceeds the image).
    conv_case(suite, "conv.k5.same.s1.tiny", seed + 3, [2, 3, 2, 3], (5, 5), 4, (1, 1), "same", why)


# VGG16's 13 convolutions (3×3, stride 1, same) at batch 2 and reduced spatial sizes that keep the
# real sizes' parity pattern (150, 75, 37, 18, 9 → 10, 7, 5, 4, 3).
VGG16 = [
    ("block1_conv1", 10, 3, 64), ("block1_conv2", 10, 64, 64),
    ("block2_conv1", 7, 64, 128), ("block2_conv2", 7, 128, 128),
    ("block3_conv1", 5, 128, 256), ("block3_conv2", 5, 256, 256), ("block3_conv3", 5, 256, 256),
    ("block4_conv1", 4, 256, 512), ("block4_conv2", 4, 512, 512), ("block4_conv3", 4, 512, 512),
    ("block5_conv1", 3, 512, 512), ("block5_conv2", 3, 512, 512), ("block5_conv3", 3, 512, 512),
]


def vgg_cases(suite):
    why = ("VGG16 channel counts: dot products of up to 4608 float32 terms; expected float32 "
           "rounding ≈ √4608·6e-8 ≈ 4e-6 relative, inside 1e-5; Keras 3 agrees (keras_rel_err). "
           "dw_sample: every dw_sample_stride-th scalar of dW, to keep the files small")
    for idx, (name, size, cin, cout) in enumerate(VGG16):
        conv_case(suite, f"vgg16.{name}", 100 + idx, [2, size, size, cin], (3, 3), cout, (1, 1),
                  "same", why, dw_sample=4096)


def pool_cases(suite):
    why = ("max pooling selects (exact); overlapping windows sum gradients (float32 rounding); "
           "TensorFlow routes every gradient to the same input")
    configs = [("p2.valid", (2, 2), (2, 2), "valid"), ("p2.same", (2, 2), (2, 2), "same"),
               ("p3s2.valid", (3, 3), (2, 2), "valid"), ("p3s2.same", (3, 3), (2, 2), "same"),
               ("p3s1.same", (3, 3), (1, 1), "same"), ("p2x3s1x2.same", (2, 3), (1, 2), "same")]
    for idx, (tag, pool, strides, padding) in enumerate(configs):
        for ties in (False, True):
            seed = 200 + 2 * idx + int(ties)
            inp = Inputs(seed)
            x = inp.uniform("x", [3, 7, 9, 3], -1.0, 1.0)
            tensors = {}
            params = {"kind": "maxpool2d", "pool": list(pool), "strides": list(strides),
                      "padding": padding}
            if ties:
                # Four levels only: most windows hold several equal maxima (and the negative
                # values check that padding never wins).
                x = (np.floor(x * 2.0) / 2.0).astype(np.float32)
                del inp.spec["x"]
                tensors["x"] = x
            y, _ = pool_forward_backward(x, None, pool, strides, padding)
            dy = inp.uniform("dy", y.shape, -1.0, 1.0)
            y, dx = pool_forward_backward(x, dy, pool, strides, padding)
            ky, kdx = keras_pool(x, dy, pool, strides, padding)
            # The maxima are exact; where windows overlap, an input can collect several output
            # gradients, summed in float32 by TensorFlow: the routing must match exactly, the sums
            # to float32 rounding.
            routed = (dx != 0) == (kdx != 0)
            if not (np.array_equal(ky, y.astype(np.float32)) and routed.all()):
                sys.exit(f"gen_kernels: TensorFlow's max-pool disagrees with the first-maximum rule on {tag}")
            params["inputs"] = inp.spec
            params["keras_rel_err"] = {"y": 0.0, "dx": agree(tag, "dx", kdx, dx, 1e-6)}
            tensors.update({"y": y, "dx": dx})
            suite.add(f"maxpool.{tag}{'.ties' if ties else ''}", seed, 1e-6, why, params, tensors)


def dense_cases(suite):
    why = "float32 GEMM vs float64 reference; Keras 3 Dense + GradientTape agrees (keras_rel_err)"
    for name, seed, n, k, m in [("dense.small", 300, 3, 5, 4), ("dense.one_unit", 301, 4, 7, 1),
                                ("dense.head_256", 302, 2, 8192, 256), ("dense.head_1", 303, 5, 256, 1)]:
        inp = Inputs(seed)
        lim = pow2_limit(k)
        x = inp.uniform("x", [n, k], -1.0, 1.0)
        w = inp.uniform("w", [k, m], -lim, lim)
        b = inp.uniform("b", [m], -0.5, 0.5)
        y = x.astype(np.float64) @ w.astype(np.float64) + b
        dy = inp.uniform("dy", [n, m], -1.0, 1.0)
        dx = dy.astype(np.float64) @ w.astype(np.float64).T
        dw = x.astype(np.float64).T @ dy.astype(np.float64)
        db = dy.astype(np.float64).sum(axis=0)
        ky, kdx, kdw, kdb = keras_dense(x, w, b, dy)
        params = {"kind": "dense", "inputs": inp.spec,
                  "keras_rel_err": {"y": agree(name, "y", ky, y), "dx": agree(name, "dx", kdx, dx),
                                    "dw": agree(name, "dw", kdw, dw), "db": agree(name, "db", kdb, db)}}
        tensors = {"y": y, "dx": dx, "db": db}
        if dw.size > 4096:
            stride = -(-dw.size // 4096) | 1
            params["dw_sample_stride"] = stride
            tensors["dw_sample"] = dw.reshape(-1)[::stride]
        else:
            tensors["dw"] = dw
        suite.add(name, seed, 1e-5, why + (" (8192-term dot products: float32 rounding ≈ 5e-6)" if k > 1000 else ""),
                  params, tensors)


def activation_cases(suite):
    x_rows = np.array([[-3.0, -1.0, -0.0, 0.0, 1e-6, 0.5, 2.0, 7.5],
                       [-100.0, -20.0, -5.0, -1e-3, 1e-3, 5.0, 20.0, 100.0],
                       [0.25, -0.25, 3.0, -3.0, 10.0, -10.0, 0.0, 1.0]], np.float32)
    inp = Inputs(400)
    dy = inp.uniform("dy", x_rows.shape, -1.0, 1.0)
    x64 = x_rows.astype(np.float64)

    # ReLU: TensorFlow's gradient passes where the *output* is > 0, so 0 and −0 get none.
    y = np.maximum(x64, 0)
    dx = np.where(y > 0, dy, 0.0)
    ky, kdx = keras_activation(keras.activations.relu, x_rows, dy)
    suite.add("relu", 400, 1e-6, "exact: selection only; Keras agrees",
              {"kind": "relu", "inputs": inp.spec,
               "keras_rel_err": {"y": agree("relu", "y", ky, y), "dx": agree("relu", "dx", kdx, dx)}},
              {"x": x_rows, "y": y, "dx": dx})

    y = sigmoid64(x64)
    dx = dy * y * (1 - y)
    ky, kdx = keras_activation(keras.activations.sigmoid, x_rows, dy)
    suite.add("sigmoid", 400, 1e-6, "one exp per value, float32 vs float64; Keras agrees",
              {"kind": "sigmoid", "inputs": inp.spec,
               "keras_rel_err": {"y": agree("sigmoid", "y", ky, y), "dx": agree("sigmoid", "dx", kdx, dx)}},
              {"x": x_rows, "y": y, "dx": dx})

    for name, x in [("softmax", x_rows), ("softmax.wide", hash_uniform(401, [4, 10], -4.0, 4.0))]:
        inp2 = Inputs(402 if name != "softmax" else 400)
        d = dy if name == "softmax" else inp2.uniform("dy", x.shape, -1.0, 1.0)
        xs = x.astype(np.float64)
        e = np.exp(xs - xs.max(axis=-1, keepdims=True))
        y = e / e.sum(axis=-1, keepdims=True)
        dx = y * (d - (d * y).sum(axis=-1, keepdims=True))
        ky, kdx = keras_activation(lambda t: keras.activations.softmax(t, axis=-1), x, d)
        params = {"kind": "softmax", "inputs": inp.spec if name == "softmax" else inp2.spec,
                  "keras_rel_err": {"y": agree(name, "y", ky, y), "dx": agree(name, "dx", kdx, dx)}}
        suite.add(name, 400 if name == "softmax" else 402, 1e-5,
                  "exp and a row sum in float32 vs float64 (rows up to 10 wide); Keras agrees",
                  params, {"x": x, "y": y, "dx": dx})


def loss_cases(suite):
    # Binary cross-entropy from logits: Keras 3 (TF backend) = tf.nn.sigmoid_cross_entropy_with_logits,
    # mean over all elements. Saturated logits (±30, ±100) check the stable formulation.
    x = np.array([[-100.0], [-30.0], [-5.0], [-0.5], [0.0], [0.0], [0.5], [3.0], [30.0], [100.0]], np.float32)
    z = np.array([[0], [1], [0], [1], [0], [1], [1], [0], [1], [0]], np.float32)
    x64, z64 = x.astype(np.float64), z.astype(np.float64)
    n = x.size
    value = np.mean(np.maximum(x64, 0) - x64 * z64 + np.log1p(np.exp(-np.abs(x64))))
    grad = (sigmoid64(x64) - z64) / n
    kv, kg = keras_loss(keras.losses.BinaryCrossentropy(from_logits=True), z, x)
    suite.add("bce_logits", 500, 1e-6, "a few exps/logs in float32 vs float64; Keras agrees",
              {"kind": "bce_logits", "value": float(value),
               "keras_rel_err": {"value": agree("bce_logits", "value", kv, value),
                                 "gradient": agree("bce_logits", "gradient", kg, grad)}},
              {"logits": x, "labels": z, "gradient": grad})

    # Soft labels and a batch of rank-2 logits (n, k): still a mean over all n·k elements.
    inp = Inputs(501)
    x = inp.uniform("logits", [6, 3], -6.0, 6.0)
    z = inp.uniform("labels", [6, 3], 0.0, 1.0)
    x64, z64 = x.astype(np.float64), z.astype(np.float64)
    value = np.mean(np.maximum(x64, 0) - x64 * z64 + np.log1p(np.exp(-np.abs(x64))))
    grad = (sigmoid64(x64) - z64) / x.size
    kv, kg = keras_loss(keras.losses.BinaryCrossentropy(from_logits=True), z, x)
    suite.add("bce_logits.soft", 501, 1e-6, "float32 vs float64; Keras agrees",
              {"kind": "bce_logits", "value": float(value), "inputs": inp.spec,
               "keras_rel_err": {"value": agree("bce_logits.soft", "value", kv, value),
                                 "gradient": agree("bce_logits.soft", "gradient", kg, grad)}},
              {"gradient": grad})

    # Binary cross-entropy from probabilities, Keras 3 TF backend: p clipped to [ε, 1−ε] in float32
    # (ε = 1e-7), tf.clip_by_value passes the gradient at the bounds and blocks it strictly outside.
    p = np.array([[0.0], [1e-8], [F32_EPS], [0.2], [0.5], [0.5], [0.9], [F32_ONE_MINUS_EPS], [1.0 - 1e-8], [1.0]],
                 np.float32)
    z = np.array([[1], [1], [1], [0], [1], [0], [1], [0], [0], [0]], np.float32)
    p64, z64 = p.astype(np.float64), z.astype(np.float64)
    q = np.clip(p64, F32_EPS, F32_ONE_MINUS_EPS)
    value = np.mean(-(z64 * np.log(q) + (1 - z64) * np.log(1 - q)))
    inside = (p64 >= F32_EPS) & (p64 <= F32_ONE_MINUS_EPS)
    grad = np.where(inside, (-z64 / q + (1 - z64) / (1 - q)) / p.size, 0.0)
    kv, kg = keras_loss(keras.losses.BinaryCrossentropy(from_logits=False), z, p)
    suite.add("bce_probabilities", 502, 1e-5,
              "log of clipped float32 probabilities vs float64; the gradient at p = 1 − ε is "
              "1/(1 − p) with 1 − p ≈ 1.19e-7 held in float32, so it carries float32's relative "
              "rounding of p (≈ 6e-8/1.2e-7 of 1 ulp) — still ≤ 1e-5 in norm; Keras agrees",
              {"kind": "bce_probabilities", "value": float(value), "epsilon": 1e-7,
               "keras_rel_err": {"value": agree("bce_probabilities", "value", kv, value),
                                 "gradient": agree("bce_probabilities", "gradient", kg, grad)}},
              {"probabilities": p, "labels": z, "gradient": grad})

    # Categorical cross-entropy on probabilities: rows normalised by their sum, clipped to [ε, 1−ε],
    # −Σ z log q, mean over rows. Gradient with the clip mask m_c: (−z_j m_j/q_j + Σ_c z_c m_c)/s.
    p = np.array([[0.0, 0.3, 0.7],        # the labelled class at 0: clipped, no gradient at all
                  [1e-9, 0.5, 0.5],       # soft label with one clipped class
                  [1.0, 0.0, 0.0],        # confident and right: clipped at 1 − ε
                  [0.2, 0.3, 0.1],        # unnormalised row (sum 0.6)
                  [0.25, 0.25, 0.5]], np.float32)
    z = np.array([[1, 0, 0], [0.5, 0.5, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    p64, z64 = p.astype(np.float64), z.astype(np.float64)
    s = p64.sum(axis=1, keepdims=True)
    q_raw = p64 / s
    q = np.clip(q_raw, F32_EPS, F32_ONE_MINUS_EPS)
    mask = ((q_raw >= F32_EPS) & (q_raw <= F32_ONE_MINUS_EPS)).astype(np.float64)
    rows = p.shape[0]
    value = np.mean(-(z64 * np.log(q)).sum(axis=1))
    grad = ((-z64 * mask / q) + (z64 * mask).sum(axis=1, keepdims=True)) / s / rows
    kv, kg = keras_loss(keras.losses.CategoricalCrossentropy(), z, p)
    suite.add("cce", 503, 1e-5, "float32 normalise/clip/log vs float64; Keras agrees",
              {"kind": "cce", "value": float(value), "epsilon": 1e-7,
               "keras_rel_err": {"value": agree("cce", "value", kv, value),
                                 "gradient": agree("cce", "gradient", kg, grad)}},
              {"probabilities": p, "labels": z, "gradient": grad})

    inp = Inputs(504)
    raw = inp.uniform("logits", [7, 4], -3.0, 3.0).astype(np.float64)
    e = np.exp(raw - raw.max(axis=1, keepdims=True))
    p = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    z = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0, 1, 2]]
    p64, z64 = p.astype(np.float64), z.astype(np.float64)
    s = p64.sum(axis=1, keepdims=True)
    q = np.clip(p64 / s, F32_EPS, F32_ONE_MINUS_EPS)
    value = np.mean(-(z64 * np.log(q)).sum(axis=1))
    grad = ((-z64 / q) + z64.sum(axis=1, keepdims=True)) / s / p.shape[0]
    kv, kg = keras_loss(keras.losses.CategoricalCrossentropy(), z, p)
    suite.add("cce.softmax_rows", 504, 1e-5, "float32 vs float64; Keras agrees",
              {"kind": "cce", "value": float(value), "epsilon": 1e-7,
               "keras_rel_err": {"value": agree("cce.softmax_rows", "value", kv, value),
                                 "gradient": agree("cce.softmax_rows", "gradient", kg, grad)}},
              {"probabilities": p, "labels": z, "gradient": grad})


def accuracy_cases(suite):
    # Binary accuracy: prediction 1 iff p > 0.5 (strict), compared with the label.
    p = np.array([[0.0], [0.49999997], [0.5], [0.50000006], [1.0], [0.7], [0.3], [0.5]], np.float32)
    z = np.array([[0], [0], [1], [1], [1], [0], [1], [0]], np.float32)
    value = float(np.mean(((p > 0.5).astype(np.float32) == z).astype(np.float64)))
    kv = float(np.mean(keras.metrics.binary_accuracy(z, p).numpy()))
    if abs(kv - value) > 1e-6:
        sys.exit(f"gen_kernels: Keras binary accuracy {kv} ≠ {value}")
    suite.add("binary_accuracy", 600, 0.0, "a count of hits: exact",
              {"kind": "binary_accuracy", "value": value, "threshold": 0.5},
              {"probabilities": p, "labels": z})

    # Categorical accuracy: argmax (first maximum on ties) of prediction vs label.
    p = np.array([[0.1, 0.7, 0.2], [0.4, 0.4, 0.2], [0.2, 0.4, 0.4], [0.5, 0.2, 0.3], [0.3, 0.3, 0.4]],
                 np.float32)
    z = np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    value = float(np.mean(p.argmax(axis=1) == z.argmax(axis=1)))
    kv = float(np.mean(keras.metrics.categorical_accuracy(z, p).numpy()))
    if abs(kv - value) > 1e-6:
        sys.exit(f"gen_kernels: Keras categorical accuracy {kv} ≠ {value}")
    suite.add("categorical_accuracy", 601, 0.0, "a count of hits: exact; ties go to the first maximum",
              {"kind": "categorical_accuracy", "value": value},
              {"probabilities": p, "labels": z})


def geometry_case(suite):
    """Keras `same` and `valid` output sizes and top/left padding, read off real TensorFlow
    convolutions: a 1-channel column holding 1, 2, …, n convolved with a kernel that is one-hot at
    tap p returns x[i·s − before + p] (0 in the padding), so `before` is the tap p at which output 0
    reads x[0] = 1."""
    rows = []
    for n in (1, 2, 3, 4, 5, 7, 8, 9, 10, 18, 37, 75, 150):
        for k in (1, 2, 3, 4, 5):
            for s in (1, 2, 3):
                for padding in ("same", "valid"):
                    if padding == "valid" and n < k:
                        continue
                    x = np.arange(1, n + 1, dtype=np.float32).reshape(1, n, 1, 1)
                    out, before = None, None
                    for p in range(k):
                        w = np.zeros((k, 1, 1, 1), np.float32)
                        w[p, 0, 0, 0] = 1
                        y = tf.nn.conv2d(x, w, strides=[1, s, 1, 1], padding=padding.upper()).numpy().reshape(-1)
                        out = y.size
                        if y[0] == 1:
                            before = p
                            break
                    if (out, before) != geometry(n, k, s, padding):
                        sys.exit(f"gen_kernels: TF geometry {n},{k},{s},{padding} = {(out, before)} "
                                 f"≠ {geometry(n, k, s, padding)}")
                    rows.append([n, k, s, 0 if padding == "valid" else 1, out, before])
    suite.add("geometry", 0, 0.0, "integer sizes: exact",
              {"kind": "geometry", "columns": ["in", "kernel", "stride", "same", "out", "before"],
               "rows": rows}, {})


def main():
    np.random.seed(0)
    tf.random.set_seed(0)
    suite = Suite()
    geometry_case(suite)
    conv_cases(suite)
    vgg_cases(suite)
    pool_cases(suite)
    dense_cases(suite)
    activation_cases(suite)
    loss_cases(suite)
    accuracy_cases(suite)
    suite.write()
    total = sum(f.stat().st_size for f in OUT.iterdir())
    print(f"kernels: {len(suite.cases)} cases, {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
