#!/usr/bin/env python3
"""Goldens of functional graphs (suite `graph`), produced by Keras 3's functional API on the
TensorFlow backend (TF_ENABLE_ONEDNN_OPTS=0: reproducible float order).

Cases (names are prefixes the Swift tests select by):
  add.*, concatenate.*
                  The merge layers alone: y = Add()([x0, x1, …]) / Concatenate()([…]) (last axis),
                  and the gradients of L = Σ y·r with respect to every input (`dx<i>`), by
                  tf.GradientTape; also checked against NumPy (sum / concatenation and their
                  gradients), exact.
  residual.{train,inference}
                  A residual block written with the functional API, ResNet50's names and wiring
                  (He et al. 2016; keras.applications.resnet's `block1`): the input fans out to a
                  projection shortcut (1×1 Conv2D → BatchNormalization) and a main path (3×3 Conv2D →
                  BatchNormalization → ReLU → 3×3 Conv2D → BatchNormalization); Add([shortcut,
                  main]) → ReLU. Seeded random weights (`w/<layer>.<weight>`, Finetune's keys); y,
                  the input gradient `dx` (the sum of both branches' gradients) and the gradient of
                  every trainable weight (`g/<key>`) of L = Σ y·r; `train` calls the model with
                  training=True (batch statistics; `after/<key>`: moving statistics after the call).
                  params.zero_by_batch_norm: biases whose exact gradient is 0 (they feed a
                  BatchNormalization using batch statistics); Keras' value there is rounding noise
                  (≤ 1e-5 of the layer's largest kernel gradient, checked here), bounded the same way
                  by the tests.
                  params.layers: Keras' `model.layers` order (the input layer left out).
  fit.{frozen_shortcut,frozen_main}
                  That block + GlobalAveragePooling2D + Dense(1, sigmoid), trained three SGD(0.1)
                  steps on one batch by a GradientTape loop (binary cross-entropy, which Keras
                  computes from the sigmoid's logits) with one branch frozen (`trainable = False`:
                  its BatchNormalization runs in inference mode and keeps its statistics): the
                  loss of each step and every weight and moving statistic after it (`step<k>/<key>`).
  weights.classifier
                  That classifier's initial weights (of `fit.frozen_shortcut`) as Keras writes them:
                  `classifier.weights.h5` (Keras 3 `save_weights`, groups named by class) and
                  `classifier_legacy.h5` (the Keras 2 layout, layers by name), with the weights by
                  key and the inference-mode prediction for `x`.

Run: `python3 Goldens/generate.py graph` (pins: Goldens/requirements.txt). Deterministic.
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

TOL = 1e-5
MERGE_WHY = "a sum of a few float32 values or a copy: exact up to the order of one addition"
BLOCK_WHY = ("five small layers in float32 (sums of ≤ 108 terms, batch statistics over 72 values per "
             "channel); rounding stays near 1e-7 relative")
FIT_WHY = ("three SGD steps through eight small layers in float32; rounding stays near 1e-7 relative, so "
           "the single-layer bound holds")
L = keras.layers


def exact(name, what, actual, expected):
    if not np.array_equal(np.asarray(actual, np.float32), np.asarray(expected, np.float32)):
        sys.exit(f"gen_graph: Keras and NumPy disagree on {name}.{what}")


def merge_cases(suite):
    configs = [
        ("add.two", L.Add, [(2, 4, 5, 3)] * 2),
        ("add.three", L.Add, [(2, 3, 4, 6)] * 3),
        ("add.dense", L.Add, [(5, 7)] * 2),
        ("concatenate.nhwc", L.Concatenate, [(2, 4, 5, 3), (2, 4, 5, 2)]),
        ("concatenate.three", L.Concatenate, [(2, 3, 3, 1), (2, 3, 3, 4), (2, 3, 3, 2)]),
        ("concatenate.dense", L.Concatenate, [(3, 4), (3, 6)]),
    ]
    for i, (name, cls, shapes) in enumerate(configs):
        seed = 100 + i
        rng = np.random.default_rng(seed)
        xs = [rng.standard_normal(s).astype("float32") for s in shapes]
        layer = cls()
        ts = [tf.constant(x) for x in xs]
        y_shape = layer.compute_output_shape([x.shape for x in xs])
        r = rng.standard_normal(y_shape).astype("float32")
        with tf.GradientTape() as t:
            for x in ts:
                t.watch(x)
            y = layer(ts)
            loss = tf.reduce_sum(y * tf.constant(r))
        grads = t.gradient(loss, ts)
        tensors = {"dy": r, "y": y.numpy()}
        if cls is L.Add:
            exact(name, "y", tensors["y"], sum(xs[1:], xs[0]))
        else:
            exact(name, "y", tensors["y"], np.concatenate(xs, axis=-1))
        offset = 0
        for k, (x, g) in enumerate(zip(xs, grads)):
            tensors[f"x{k}"] = x
            tensors[f"dx{k}"] = g.numpy()
            c = x.shape[-1]
            exact(name, f"dx{k}", tensors[f"dx{k}"], r if cls is L.Add else r[..., offset:offset + c])
            offset += c
        suite.add(name, tensors, TOL, MERGE_WHY, seed=seed, params={"inputs": len(xs)})


def bn_weights(rng, c):
    return [rng.uniform(0.5, 1.5, c).astype("float32"),           # gamma
            (rng.standard_normal(c) * 0.5).astype("float32"),     # beta
            (rng.standard_normal(c) * 0.5).astype("float32"),     # moving_mean
            rng.uniform(0.5, 2.0, c).astype("float32")]           # moving_variance


def randomize(model, rng):
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            layer.set_weights(bn_weights(rng, layer.gamma.shape[0]))
        elif layer.weights:
            layer.set_weights([(rng.standard_normal(v.shape) * 0.3).astype("float32") for v in layer.weights])


def keyed(model):
    """(Finetune key, variable) for every weight: `<layer>.<weight name>`."""
    return [(f"{layer.name}.{v.name}", v) for layer in model.layers for v in layer.weights]


def residual_block(x, filters, name):
    """keras.applications.resnet's `block1` (conv_shortcut=True), 3×3 kernels both times."""
    shortcut = L.Conv2D(filters, 1, name=name + "_0_conv")(x)
    shortcut = L.BatchNormalization(epsilon=1.001e-5, name=name + "_0_bn")(shortcut)
    x = L.Conv2D(filters, 3, padding="same", use_bias=False, name=name + "_1_conv")(x)
    x = L.BatchNormalization(epsilon=1.001e-5, name=name + "_1_bn")(x)
    x = L.ReLU(name=name + "_1_relu")(x)
    x = L.Conv2D(filters, 3, padding="same", use_bias=False, name=name + "_2_conv")(x)
    x = L.BatchNormalization(epsilon=1.001e-5, name=name + "_2_bn")(x)
    x = L.Add(name=name + "_add")([shortcut, x])
    return L.ReLU(name=name + "_out")(x)


INPUT = (6, 6, 3)
FILTERS = 4
BLOCK = "conv2_block1"


def block_model():
    inputs = keras.Input(INPUT, name="input_layer")
    return keras.Model(inputs, residual_block(inputs, FILTERS, BLOCK), name="residual")


def classifier():
    inputs = keras.Input(INPUT, name="input_layer")
    x = residual_block(inputs, FILTERS, BLOCK)
    x = L.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = L.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, outputs, name="classifier")


def layer_names(model):
    return [l.name for l in model.layers if not isinstance(l, keras.layers.InputLayer)]


def residual_cases(suite):
    for i, training in enumerate([True, False]):
        seed = 200 + i
        rng = np.random.default_rng(seed)
        model = block_model()
        randomize(model, rng)
        keys = keyed(model)
        tensors = {"w/" + k: v.numpy().copy() for k, v in keys}
        x = (rng.standard_normal((2,) + INPUT) * 2).astype("float32")
        r = rng.standard_normal((2, INPUT[0], INPUT[1], FILTERS)).astype("float32")
        xt = tf.constant(x)
        with tf.GradientTape() as t:
            t.watch(xt)
            y = model(xt, training=training)
            loss = tf.reduce_sum(y * tf.constant(r))
        names = {id(v): k for k, v in keys}
        grads = t.gradient(loss, [xt] + list(model.trainable_weights))
        tensors.update({"x": x, "dy": r, "y": y.numpy(), "dx": grads[0].numpy()})
        for v, g in zip(model.trainable_weights, grads[1:]):
            tensors["g/" + names[id(v)]] = g.numpy()
        if training:
            for k, v in keys:
                if "moving" in k:
                    tensors["after/" + k] = v.numpy()
        # A bias that feeds a BatchNormalization using batch statistics has a gradient of exactly 0
        # (the batch mean takes any constant away); both sides hold only rounding noise there,
        # which a relative error cannot judge: the tests bound it by the layer's kernel gradient.
        zero = [BLOCK + "_0_conv.bias"] if training else []
        for key in zero:
            noise = np.abs(tensors["g/" + key]).max()
            scale = np.abs(tensors["g/" + key.replace(".bias", ".kernel")]).max()
            if not noise <= TOL * scale:
                sys.exit(f"gen_graph: Keras' gradient of {key} is {noise}, not rounding noise next to {scale}")
        suite.add("residual." + ("train" if training else "inference"), tensors, TOL, BLOCK_WHY, seed=seed,
                  params={"layers": layer_names(model), "training": training,
                          "trainable": sorted(names[id(v)] for v in model.trainable_weights),
                          "zero_by_batch_norm": zero})


def fit_cases(suite):
    branches = {"frozen_shortcut": ["_0_conv", "_0_bn"],
                "frozen_main": ["_1_conv", "_1_bn", "_2_conv", "_2_bn"]}
    for i, (variant, frozen) in enumerate(branches.items()):
        seed = 300 + i
        rng = np.random.default_rng(seed)
        model = classifier()
        randomize(model, rng)
        for suffix in frozen:
            model.get_layer(BLOCK + suffix).trainable = False
        x = (rng.standard_normal((8,) + INPUT) * 2).astype("float32")
        labels = np.array([[0], [1], [1], [0], [1], [0], [0], [1]], dtype="float32")
        tensors = {"x": x, "labels": labels}
        keys = keyed(model)
        for k, v in keys:
            tensors["w/" + k] = v.numpy().copy()
        names = {id(v): k for k, v in keys}
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
        for suffix in frozen:
            if suffix.endswith("_bn"):
                for stat in ("moving_mean", "moving_variance"):
                    key = f"{BLOCK}{suffix}.{stat}"
                    if not np.array_equal(tensors[f"step3/{key}"], tensors["w/" + key]):
                        sys.exit(f"gen_graph: Keras changed the frozen {key}")
        if variant == "frozen_shortcut":
            # The initial weights as Keras writes them, in both layouts (see weights_files).
            weights_files(suite, model, {k[2:]: v for k, v in tensors.items() if k.startswith("w/")}, x)
        suite.add(f"fit.{variant}", tensors, TOL, FIT_WHY, seed=seed,
                  params={"layers": layer_names(model), "learning_rate": 0.1,
                          "frozen": [BLOCK + s for s in frozen],
                          "trainable": sorted(names[id(v)] for v in model.trainable_weights)})


def weights_files(suite, model, initial, x):
    """`classifier.weights.h5` (Keras 3 `save_weights`: groups by class, `batch_normalization_2`)
    and `classifier_legacy.h5` (the Keras 2 layout of Keras' downloaded ImageNet files:
    `layer_names`, `weight_names`) holding `initial`; case `weights.classifier`: those weights by
    key and the model's inference-mode prediction for `x`."""
    trained = [v.numpy() for v in model.weights]
    for v in model.weights:
        v.assign(initial[next(k for k, w in keyed(model) if w is v)])
    model.save_weights(str(suite.dir / "classifier.weights.h5"))
    from keras.src.legacy.saving import legacy_h5_format
    import h5py
    with h5py.File(suite.dir / "classifier_legacy.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    tensors = {"x": x, "y": model(tf.constant(x), training=False).numpy()}
    tensors.update({"w/" + k: v for k, v in initial.items()})
    suite.add("weights.classifier", tensors, TOL, "one inference pass of eight small layers in float32", seed=None,
              params={"files": ["classifier.weights.h5", "classifier_legacy.h5"], "layers": layer_names(model)})
    for v, t in zip(model.weights, trained):
        v.assign(t)


if __name__ == "__main__":
    np.random.seed(0)
    tf.random.set_seed(0)
    suite = Suite("graph", "Goldens/gen_graph.py",
                  {"numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__})
    merge_cases(suite)
    residual_cases(suite)
    fit_cases(suite)
    suite.write()
    total = sum(f.stat().st_size for f in suite.dir.iterdir())
    print(f"graph: {len(suite.manifest['cases'])} cases, {total / 1e6:.2f} MB in {suite.dir}")
