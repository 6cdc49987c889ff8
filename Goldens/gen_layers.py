#!/usr/bin/env python3
"""Goldens of the layers residual and inverted-residual backbones need (suite `layers`), produced by
Keras 3 on the TensorFlow backend (TF_ENABLE_ONEDNN_OPTS=0: reproducible float order).

Every layer case builds one Keras layer, sets seeded random weights, and records for a seeded
input x and a seeded upstream gradient r: y = layer(x, training=…), and the gradients of
L = Σ y·r with respect to x and every trainable weight (`tf.GradientTape`). Weights are stored as
`w/<weight name>` (Keras' short names: kernel, bias, gamma, beta, moving_mean, moving_variance),
their gradients as `g/<weight name>`. Where the formula is the point (BatchNormalization,
DepthwiseConv2D), the case is also computed in NumPy float64 from the published formula and the
script refuses to write a case the two disagree on (relative norm error > 2e-5); `params.numpy_rel_err`
records the agreement.

Cases (names are prefixes the Swift tests select by):
  batchnorm.*     BatchNormalization (axis −1): training mode (batch statistics, moving statistics
                  after the call), inference mode (moving statistics), a frozen layer called with
                  training=True (Keras 3: inference mode, statistics unchanged), and three training
                  calls in a row (`moving_mean/<k>`, `moving_variance/<k>` after call k).
  depthwise.*     DepthwiseConv2D: kernel 3 and 5, strides 1 and 2, `same` (TF's asymmetric split)
                  and `valid`, with and without bias, depth multiplier 2, fused ReLU.
  conv2d.*        Conv2D geometries of ResNet50 / MobileNetV2 / EfficientNet stems not covered by
                  the `kernels` suite: 7×7/2 `same` and `valid`, 3×3/2 and 5×5/2 `same` on even sizes
                  (pad 0 before, 1 after), 1×1/2 `valid` (ResNet's projection shortcut).
  zeropadding.*   ZeroPadding2D in the ((top, bottom), (left, right)) form.
  relu.*          ReLU, ReLU(max_value=6) (TF's Relu6: gradient 0 at 0 and at 6), ReLU(max_value=4.5)
                  (relu then clip: gradient 1 at exactly 4.5); inputs hit 0 and the cap exactly.
  global_avg.*, global_max.*
                  GlobalAveragePooling2D / GlobalMaxPooling2D (NHWC → NC); the max cases have ties,
                  which TF's reduce_max gradient shares equally between the tied inputs.
  maxpool.*       MaxPooling2D 3×3/2 `same` and `valid` on even and odd sizes (ResNet50's pool).
  stem.*          Layers in sequence, forward and input gradient: ResNet50's stem (ZeroPadding2D 3 →
                  Conv2D 7×7/2 valid → BatchNormalization → ReLU → ZeroPadding2D 1 → MaxPooling2D
                  3×3/2) and MobileNetV2's (ZeroPadding2D ((0, 1), (0, 1)) → Conv2D 3×3/2 valid without
                  bias → BatchNormalization → ReLU6), inference mode.
  model.*         A small inverted-residual stack trained for three SGD steps by a GradientTape loop
                  (`model(x, training=True)`, BCE on the sigmoid output, `apply_gradients`): every
                  weight by Finetune key (`w/<key>`) before, and after each step (`step<k>/<key>`),
                  and the step's loss. Variants: everything trainable; the base frozen (BN in
                  inference mode, statistics unchanged); the base frozen but its BN layers in
                  training mode (gamma and beta not trainable, the statistics still updated —
                  fastai's `train_bn` without training gamma and beta).

Run: `python3 Goldens/generate.py layers` (pins: Goldens/requirements.txt). Deterministic.
"""
import os
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import pathlib
import sys

import numpy as np
import tensorflow as tf
import keras

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from goldens_io import Suite  # noqa: E402

AGREEMENT = 2e-5
LAYER_TOL = 1e-5
LAYER_WHY = ("single layer in float32: Keras/TF and Finetune sum in different orders; "
             "short sums keep the rounding near 1e-7 relative")
MODEL_TOL = 1e-5
MODEL_WHY = ("end to end, but short: three SGD steps through eleven small layers in float32 (sums of "
             "≤ 54 terms, batch statistics over ≥ 8 values); rounding stays near 1e-7 relative, so "
             "the single-layer bound holds (the deep VGG16 cases of other suites need 1e-4)")


def rel_err(actual, expected):
    a = np.asarray(actual, np.float64)
    e = np.asarray(expected, np.float64)
    den = np.linalg.norm(e)
    num = np.linalg.norm(a - e)
    return float(num / den) if den > 0 else float(num)


def agree(name, what, keras_value, reference):
    err = rel_err(keras_value, reference)
    if not err <= AGREEMENT:
        sys.exit(f"gen_layers: Keras and NumPy disagree on {name}.{what}: relative error {err:.3g}")
    return float(f"{err:.3g}")


def tape(layer, x, r, training):
    """y = layer(x), and the gradients of Σ y·r w.r.t. x and the layer's trainable weights."""
    xt = tf.constant(x)
    with tf.GradientTape() as t:
        t.watch(xt)
        y = layer(xt, training=training)
        loss = tf.reduce_sum(y * tf.constant(r))
    weights = list(layer.trainable_weights)
    grads = t.gradient(loss, [xt] + weights)
    return y.numpy(), grads[0].numpy(), {w.name: g.numpy() for w, g in zip(weights, grads[1:])}


def upstream(rng, shape):
    return rng.standard_normal(shape).astype("float32")


def run_layer(layer, x, seed, training=False, weights=None):
    """Builds `layer`, sets `weights` (list, Keras order); returns x, dy, y, dx, the initial weights
    (`w/…`) and the trainable weights' gradients (`g/…`)."""
    if not layer.built:
        layer.build(x.shape)
    if weights is not None:
        layer.set_weights(weights)
    initial = {w.name: w.numpy().copy() for w in layer.weights}
    y_shape = layer.compute_output_shape(x.shape)
    r = upstream(np.random.default_rng(seed + 1000), y_shape)
    y, dx, grads = tape(layer, x, r, training)
    tensors = {"x": x, "dy": r, "y": y, "dx": dx}
    for k, v in initial.items():
        tensors["w/" + k] = v
    for k, v in grads.items():
        tensors["g/" + k] = v
    return tensors


def layer_case(suite, name, layer, x, seed, params, training=False, weights=None):
    tensors = run_layer(layer, x, seed, training, weights)
    suite.add(name, tensors, LAYER_TOL, LAYER_WHY, seed=seed, params=params)
    return tensors


# ----------------------------------------------------------------------------------------------
# BatchNormalization
# ----------------------------------------------------------------------------------------------
def bn_numpy(x, r, gamma, beta, mean, var, eps, training):
    """Keras 3 / tf.nn.batch_normalization in float64: y = (x − μ)·γ/√(σ² + ε) + β, with the batch's
    mean and biased variance in training mode, the moving ones otherwise; and the gradients of Σ y·r."""
    x = x.astype(np.float64)
    r = r.astype(np.float64)
    axes = tuple(range(x.ndim - 1))
    n = np.prod([x.shape[a] for a in axes])
    if training:
        mean = x.mean(axis=axes)
        var = ((x - mean) ** 2).mean(axis=axes)
    inv = 1 / np.sqrt(var.astype(np.float64) + eps)
    xhat = (x - mean) * inv
    y = xhat * gamma + beta
    dbeta = r.sum(axis=axes)
    dgamma = (r * xhat).sum(axis=axes)
    if training:
        dx = gamma * inv * (r - dbeta / n - xhat * dgamma / n)
    else:
        dx = r * gamma * inv
    return y, dx, dgamma, dbeta, mean, var


def bn_weights(rng, c):
    return [rng.uniform(0.5, 1.5, c).astype("float32"),           # gamma
            (rng.standard_normal(c) * 0.5).astype("float32"),     # beta
            (rng.standard_normal(c) * 0.5).astype("float32"),     # moving_mean
            rng.uniform(0.5, 2.0, c).astype("float32")]           # moving_variance


def bn_input(rng, shape):
    """Channels with their own offset and spread, as after a convolution."""
    c = shape[-1]
    loc = rng.uniform(-2, 2, c)
    scale = rng.uniform(0.5, 2.0, c)
    return (rng.standard_normal(shape) * scale + loc).astype("float32")


def batchnorm_cases(suite):
    configs = [
        # tag, input shape, training, momentum, epsilon, trainable
        ("train.nhwc", (4, 5, 3, 6), True, 0.99, 1e-3, True),
        ("train.dense", (8, 5), True, 0.99, 1e-3, True),
        ("train.momentum0.9_eps1e-5", (3, 4, 4, 7), True, 0.9, 1e-5, True),
        ("inference.nhwc", (4, 5, 3, 6), False, 0.99, 1e-3, True),
        ("frozen.nhwc", (4, 5, 3, 6), True, 0.99, 1e-3, False),
    ]
    for i, (tag, shape, training, momentum, eps, trainable) in enumerate(configs):
        seed = 100 + i
        rng = np.random.default_rng(seed)
        weights = bn_weights(rng, shape[-1])
        x = bn_input(rng, shape)
        layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=eps)
        layer.trainable = trainable
        name = f"batchnorm.{tag}"
        tensors = run_layer(layer, x, seed, training=training, weights=weights)
        # Keras updates the statistics in training mode only when the layer is trainable.
        batch_mode = training and trainable
        y, dx, dgamma, dbeta, mean, var = bn_numpy(x, tensors["dy"], *[w.astype(np.float64) for w in weights],
                                                   eps, batch_mode)
        errs = {"y": agree(name, "y", tensors["y"], y), "dx": agree(name, "dx", tensors["dx"], dx)}
        if trainable:
            errs["dgamma"] = agree(name, "dgamma", tensors["g/gamma"], dgamma)
            errs["dbeta"] = agree(name, "dbeta", tensors["g/beta"], dbeta)
        # Keras 3: moving ← moving·momentum + batch·(1 − momentum), with the biased batch variance.
        after_mean, after_var = layer.moving_mean.numpy(), layer.moving_variance.numpy()
        if batch_mode:
            errs["moving_mean"] = agree(name, "moving_mean", after_mean,
                                        weights[2] * momentum + mean * (1 - momentum))
            errs["moving_variance"] = agree(name, "moving_variance", after_var,
                                            weights[3] * momentum + var * (1 - momentum))
        else:
            assert np.array_equal(after_mean, weights[2]) and np.array_equal(after_var, weights[3])
        tensors["after/moving_mean"] = after_mean
        tensors["after/moving_variance"] = after_var
        suite.add(name, tensors, LAYER_TOL, LAYER_WHY + "; statistics over ≤ 60 values per channel",
                  seed=seed, params={"momentum": momentum, "epsilon": eps, "training": training,
                                     "trainable": trainable, "numpy_rel_err": errs})

    # Three training calls in a row: the statistics compound.
    for j, (momentum, eps) in enumerate([(0.99, 1e-3), (0.5, 1e-3)]):
        seed = 120 + j
        rng = np.random.default_rng(seed)
        shape = (6, 3, 2, 5)
        weights = bn_weights(rng, shape[-1])
        layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=eps)
        layer.build(shape)
        layer.set_weights(weights)
        tensors = {"w/" + w.name: v for w, v in zip(layer.weights, weights)}
        mm, mv = weights[2].astype(np.float64), weights[3].astype(np.float64)
        errs = []
        for k in range(1, 4):
            x = bn_input(rng, shape)
            y = layer(tf.constant(x), training=True).numpy()
            tensors[f"x/{k}"] = x
            tensors[f"y/{k}"] = y
            tensors[f"moving_mean/{k}"] = layer.moving_mean.numpy()
            tensors[f"moving_variance/{k}"] = layer.moving_variance.numpy()
            axes = (0, 1, 2)
            x64 = x.astype(np.float64)
            mm = mm * momentum + x64.mean(axis=axes) * (1 - momentum)
            mv = mv * momentum + x64.var(axis=axes) * (1 - momentum)
            errs.append({"moving_mean": agree("steps3", "mean", tensors[f"moving_mean/{k}"], mm),
                         "moving_variance": agree("steps3", "var", tensors[f"moving_variance/{k}"], mv)})
        suite.add(f"batchnorm.steps3.momentum{momentum}", tensors, LAYER_TOL,
                  "moving statistics after three training calls, float32 updates",
                  seed=seed, params={"momentum": momentum, "epsilon": eps, "numpy_rel_err": errs})


# ----------------------------------------------------------------------------------------------
# DepthwiseConv2D
# ----------------------------------------------------------------------------------------------
def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


def pads(n, k, s, padding):
    if padding == "valid":
        return (n - k) // s + 1, 0, 0
    return same_pads(n, k, s)


def depthwise_numpy(x, w, b, r, strides, padding):
    """y[n,i,j,c·M+m] = b + Σ_{p,q} x[n, i·s−pt+p, j·s−pl+q, c]·w[p,q,c,m]; gradients of Σ y·r."""
    N, H, W, C = x.shape
    kh, kw, _, M = w.shape
    oh, pt, pb = pads(H, kh, strides[0], padding)
    ow, pl, pr = pads(W, kw, strides[1], padding)
    xp = np.pad(x.astype(np.float64), ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    w64 = w.astype(np.float64)
    r64 = r.astype(np.float64).reshape(N, oh, ow, C, M)
    y = np.zeros((N, oh, ow, C, M))
    dxp = np.zeros_like(xp)
    dw = np.zeros(w.shape)
    for p in range(kh):
        for q in range(kw):
            rs = slice(p, p + (oh - 1) * strides[0] + 1, strides[0])
            cs = slice(q, q + (ow - 1) * strides[1] + 1, strides[1])
            patch = xp[:, rs, cs, :]
            y += patch[..., None] * w64[p, q]
            dw[p, q] = np.einsum("nijc,nijcm->cm", patch, r64)
            dxp[:, rs, cs, :] += np.einsum("nijcm,cm->nijc", r64, w64[p, q])
    y = y.reshape(N, oh, ow, C * M)
    if b is not None:
        y += b.astype(np.float64)
    dx = dxp[:, pt:pt + H, pl:pl + W, :]
    return y, dx, dw, r.astype(np.float64).sum(axis=(0, 1, 2))


def depthwise_cases(suite):
    configs = [
        # tag, input shape, kernel, strides, padding, multiplier, bias, activation
        ("k3.s1.same", (2, 6, 7, 5), 3, 1, "same", 1, True, "linear"),
        ("k3.s2.same.even", (2, 8, 10, 6), 3, 2, "same", 1, True, "linear"),
        ("k3.s2.same.odd", (2, 7, 9, 4), 3, 2, "same", 1, False, "linear"),
        ("k3.s2.valid", (2, 9, 8, 5), 3, 2, "valid", 1, True, "linear"),
        ("k5.s1.same", (2, 7, 6, 3), 5, 1, "same", 1, True, "relu"),
        ("k5.s2.same.even", (2, 10, 8, 4), 5, 2, "same", 1, False, "linear"),
        ("k5.s2.valid", (1, 11, 9, 6), 5, 2, "valid", 1, True, "linear"),
        ("k3.s1.valid.multiplier2", (2, 6, 5, 3), 3, 1, "valid", 2, True, "linear"),
        ("k3.s2.same.multiplier3", (1, 6, 7, 2), 3, 2, "same", 3, False, "linear"),
        ("k3.s1.same.channels17", (1, 5, 4, 17), 3, 1, "same", 1, True, "linear"),
    ]
    for i, (tag, shape, k, s, padding, mult, bias, act) in enumerate(configs):
        seed = 200 + i
        rng = np.random.default_rng(seed)
        layer = keras.layers.DepthwiseConv2D(k, strides=s, padding=padding, depth_multiplier=mult,
                                             use_bias=bias, activation=act)
        layer.build(shape)
        weights = [(rng.standard_normal(v.shape) * 0.5).astype("float32") for v in layer.weights]
        x = rng.standard_normal(shape).astype("float32")
        name = f"depthwise.{tag}"
        tensors = run_layer(layer, x, seed, weights=weights)
        params = {"kernel": [k, k], "strides": [s, s], "padding": padding, "depth_multiplier": mult,
                  "use_bias": bias, "activation": act}
        if act == "linear":
            y, dx, dw, db = depthwise_numpy(x, weights[0], weights[1] if bias else None, tensors["dy"],
                                            (s, s), padding)
            errs = {"y": agree(name, "y", tensors["y"], y), "dx": agree(name, "dx", tensors["dx"], dx),
                    "dkernel": agree(name, "dkernel", tensors["g/kernel"], dw)}
            if bias:
                errs["dbias"] = agree(name, "dbias", tensors["g/bias"], db)
            params["numpy_rel_err"] = errs
        suite.add(name, tensors, LAYER_TOL, LAYER_WHY, seed=seed, params=params)


# ----------------------------------------------------------------------------------------------
# Conv2D geometries of the backbone stems
# ----------------------------------------------------------------------------------------------
def conv_cases(suite):
    configs = [
        # tag, input shape, filters, kernel, strides, padding, bias
        ("k7.s2.same", (2, 16, 14, 3), 4, 7, 2, "same", True),          # H, W: 2 before, 3 after
        ("k7.s2.valid", (2, 17, 15, 3), 4, 7, 2, "valid", True),
        ("k3.s2.same.even", (2, 8, 10, 3), 5, 3, 2, "same", False),     # 0 before, 1 after
        ("k5.s2.same.even", (2, 10, 8, 4), 3, 5, 2, "same", True),      # 1 before, 2 after
        ("k3.s2.valid.even", (2, 9, 9, 3), 4, 3, 2, "valid", False),
        ("k1.s2.valid", (2, 7, 8, 6), 5, 1, 2, "valid", True),
        ("k1.s1.valid.nobias", (2, 5, 4, 6), 7, 1, 1, "valid", False),
    ]
    for i, (tag, shape, f, k, s, padding, bias) in enumerate(configs):
        seed = 300 + i
        rng = np.random.default_rng(seed)
        layer = keras.layers.Conv2D(f, k, strides=s, padding=padding, use_bias=bias)
        layer.build(shape)
        weights = [(rng.standard_normal(v.shape) * 0.3).astype("float32") for v in layer.weights]
        x = rng.standard_normal(shape).astype("float32")
        layer_case(suite, f"conv2d.{tag}", layer, x, seed,
                   {"filters": f, "kernel": [k, k], "strides": [s, s], "padding": padding, "use_bias": bias},
                   weights=weights)


# ----------------------------------------------------------------------------------------------
# ZeroPadding2D, ReLU, global pooling, max pooling
# ----------------------------------------------------------------------------------------------
def simple_cases(suite):
    for i, (tag, shape, padding) in enumerate([
        ("t1b2l3r0", (2, 4, 5, 3), ((1, 2), (3, 0))),
        ("mobilenet_v2", (1, 6, 6, 2), ((0, 1), (0, 1))),
        ("resnet50", (1, 5, 4, 3), ((3, 3), (3, 3))),
        ("none", (1, 3, 2, 2), ((0, 0), (0, 0))),
    ]):
        seed = 400 + i
        x = np.random.default_rng(seed).standard_normal(shape).astype("float32")
        layer_case(suite, f"zeropadding.{tag}", keras.layers.ZeroPadding2D(padding), x, seed,
                   {"padding": [list(padding[0]), list(padding[1])]})

    for i, (tag, cap) in enumerate([("plain", None), ("max6", 6.0), ("max4.5", 4.5)]):
        seed = 500 + i
        rng = np.random.default_rng(seed)
        x = (rng.standard_normal((3, 4, 5, 6)) * 4).astype("float32").reshape(-1)
        c = np.float32(cap if cap is not None else 6.0)
        # The boundaries exactly, and their float32 neighbours.
        x[:8] = [0.0, -0.0, c, c, np.nextafter(c, np.float32(0)), np.nextafter(c, np.float32(100)),
                 np.float32(1e-30), -np.float32(1e-30)]
        x = x.reshape(3, 4, 5, 6)
        layer_case(suite, f"relu.{tag}", keras.layers.ReLU(max_value=cap), x, seed,
                   {"max_value": cap})

    for i, (tag, shape, ties) in enumerate([("nhwc", (3, 4, 5, 6), False), ("ties", (2, 3, 4, 5), True),
                                            ("one_pixel", (2, 1, 1, 4), False)]):
        seed = 600 + i
        rng = np.random.default_rng(seed)
        x = rng.standard_normal(shape).astype("float32")
        if ties:
            x = np.floor(x).astype("float32")      # few levels: many windows with tied maxima
        layer_case(suite, f"global_avg.{tag}", keras.layers.GlobalAveragePooling2D(), x, seed, {})
        layer_case(suite, f"global_max.{tag}", keras.layers.GlobalMaxPooling2D(), x, seed, {})

    for i, (tag, shape, padding) in enumerate([("even.same", (2, 8, 10, 3), "same"),
                                               ("even.valid", (2, 8, 10, 3), "valid"),
                                               ("odd.same", (2, 9, 7, 2), "same"),
                                               ("odd.valid", (2, 9, 7, 2), "valid")]):
        seed = 700 + i
        x = np.random.default_rng(seed).standard_normal(shape).astype("float32")
        layer_case(suite, f"maxpool.p3s2.{tag}", keras.layers.MaxPooling2D(3, strides=2, padding=padding),
                   x, seed, {"pool": [3, 3], "strides": [2, 2], "padding": padding})


# ----------------------------------------------------------------------------------------------
# Stems: layers in sequence (inference mode)
# ----------------------------------------------------------------------------------------------
def keyed(model):
    """(Finetune key, variable) for every weight of a flat model: `<layer>.<weight name>`."""
    return [(f"{layer.name}.{v.name}", v) for layer in model.layers for v in layer.weights]


def randomize(model, rng):
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights(bn_weights(rng, layer.gamma.shape[0]))
        elif layer.weights:
            layer.set_weights([(rng.standard_normal(v.shape) * 0.3).astype("float32") for v in layer.weights])


def stem_cases(suite):
    L = keras.layers
    stems = [
        ("resnet50", (2, 18, 16, 3), [
            L.ZeroPadding2D(((3, 3), (3, 3)), name="conv1_pad"),
            L.Conv2D(8, 7, strides=2, name="conv1_conv"),
            L.BatchNormalization(epsilon=1.001e-5, name="conv1_bn"),
            L.Activation("relu", name="conv1_relu"),
            L.ZeroPadding2D(((1, 1), (1, 1)), name="pool1_pad"),
            L.MaxPooling2D(3, strides=2, name="pool1_pool")]),
        ("mobilenet_v2", (2, 16, 14, 3), [
            L.ZeroPadding2D(((0, 1), (0, 1)), name="Conv1_pad"),
            L.Conv2D(8, 3, strides=2, padding="valid", use_bias=False, name="Conv1"),
            L.BatchNormalization(epsilon=1e-3, momentum=0.999, name="bn_Conv1"),
            L.ReLU(6.0, name="Conv1_relu")]),
    ]
    for i, (tag, shape, layers) in enumerate(stems):
        seed = 800 + i
        rng = np.random.default_rng(seed)
        model = keras.Sequential([keras.Input(shape[1:])] + layers, name=tag)
        randomize(model, rng)
        x = rng.standard_normal(shape).astype("float32")
        r = upstream(rng, model.output_shape[:0] + (shape[0],) + tuple(model.output_shape[1:]))
        xt = tf.constant(x)
        with tf.GradientTape() as t:
            t.watch(xt)
            y = model(xt, training=False)
            loss = tf.reduce_sum(y * tf.constant(r))
        dx = t.gradient(loss, xt)
        tensors = {"x": x, "dy": r, "y": y.numpy(), "dx": dx.numpy()}
        for k, v in keyed(model):
            tensors["w/" + k] = v.numpy()
        suite.add(f"stem.{tag}", tensors, LAYER_TOL,
                  "a few layers in sequence, inference mode, float32 (no division by batch statistics)",
                  seed=seed, params={"layers": [type(l).__name__ for l in layers],
                                     "names": [l.name for l in layers]})


# ----------------------------------------------------------------------------------------------
# A small inverted-residual stack trained three SGD steps
# ----------------------------------------------------------------------------------------------
def stack(input_shape):
    L = keras.layers
    return keras.Sequential([
        keras.Input(input_shape),
        L.ZeroPadding2D(((0, 1), (0, 1)), name="stem_pad"),
        L.Conv2D(6, 3, strides=2, padding="valid", use_bias=False, name="stem_conv"),
        L.BatchNormalization(name="stem_bn"),
        L.ReLU(6.0, name="stem_relu"),
        L.DepthwiseConv2D(3, padding="same", use_bias=False, name="block_dwconv"),
        L.BatchNormalization(name="block_dwconv_bn"),
        L.ReLU(6.0, name="block_dwconv_relu"),
        L.Conv2D(8, 1, use_bias=False, name="block_project"),
        L.BatchNormalization(name="block_project_bn"),
        L.GlobalAveragePooling2D(name="pool"),
        L.Dense(1, activation="sigmoid", name="head"),
    ], name="stack")


def model_cases(suite):
    for i, variant in enumerate(["all", "frozen_base", "frozen_base_train_bn"]):
        seed = 900 + i
        rng = np.random.default_rng(seed)
        model = stack((12, 12, 3))
        randomize(model, rng)
        if variant != "all":
            for layer in model.layers:
                if layer.name == "head":
                    continue
                if variant == "frozen_base_train_bn" and isinstance(layer, keras.layers.BatchNormalization):
                    # The layer stays trainable (so Keras runs it with batch statistics and updates
                    # them); only its gamma and beta stop training.
                    layer.gamma.trainable = False
                    layer.beta.trainable = False
                else:
                    layer.trainable = False
        x = (rng.standard_normal((8, 12, 12, 3)) * 2).astype("float32")
        labels = np.array([[0], [1], [1], [0], [1], [0], [0], [1]], dtype="float32")
        tensors = {"x": x, "labels": labels}
        keys = keyed(model)
        for k, v in keys:
            tensors["w/" + k] = v.numpy()
        names = {id(v): k for k, v in keys}
        trainable = [names[id(v)] for v in model.trainable_weights]
        opt = keras.optimizers.SGD(learning_rate=0.1)
        bce = keras.losses.BinaryCrossentropy()
        for step in range(1, 4):
            with tf.GradientTape() as t:
                p = model(tf.constant(x), training=True)
                loss = bce(tf.constant(labels), p)
            grads = t.gradient(loss, model.trainable_weights)
            opt.apply_gradients(zip(grads, model.trainable_weights))
            tensors[f"step{step}/loss"] = [float(loss)]
            for k, v in keys:
                tensors[f"step{step}/{k}"] = v.numpy()
        suite.add(f"model.stack.{variant}", tensors, MODEL_TOL, MODEL_WHY, seed=seed,
                  params={"trainable": sorted(trainable), "learning_rate": 0.1,
                          "layers": [l.name for l in model.layers]})


if __name__ == "__main__":
    np.random.seed(0)
    tf.random.set_seed(0)
    suite = Suite("layers", "Goldens/gen_layers.py",
                  {"numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__})
    batchnorm_cases(suite)
    depthwise_cases(suite)
    conv_cases(suite)
    simple_cases(suite)
    stem_cases(suite)
    model_cases(suite)
    suite.write()
    total = sum(f.stat().st_size for f in suite.dir.iterdir())
    print(f"layers: {len(suite.manifest['cases'])} cases, {total / 1e6:.2f} MB in {suite.dir}")
