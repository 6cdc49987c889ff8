#!/usr/bin/env python3
"""Golden values for NaN and ±∞ (suite `nonfinite`): what TensorFlow 2.21 / Keras 3 do with them.

A NaN must never vanish silently inside a network: Finetune's kernels treat non-finite values as
TensorFlow's do, and its readers refuse weights files that hold them. Reference: Keras 3 on
TensorFlow-CPU (gradients from `tf.GradientTape`); every value here is TensorFlow's own output,
stored as float32 with its NaN and ±∞ bits.

Cases:
- `relu`: `tf.nn.relu` keeps NaN and +∞ (and maps −∞ to 0); its gradient is 0 at NaN.
- `maxpool.*`: `MaxPooling2D`'s forward pass skips NaN and starts from −FLT_MAX (a window of NaN
  and −∞ alone gives −3.4028235e38); its gradient routes each window's gradient as
  `SpatialMaxPoolWithArgMaxHelper` does (the first tap, replaced by each later tap strictly
  greater), so a NaN first tap receives it.
- `conv_relu`: `Conv2D(3×3, same, relu)` with one NaN input pixel: NaN exactly in the outputs whose
  window holds it (a direct convolution; Winograd tiles spread it to their whole tile).
- `dense_relu`: `Dense(relu)` with a NaN input: every unit NaN.
Files: `nan_block1_conv1.weights.h5` (Keras 3 `save_weights`) and `nan_block1_conv1_legacy.h5`
(the legacy Keras 2 layout of Keras' downloaded ImageNet files) of a small model whose
`block1_conv1` kernel holds one NaN at [1, 1, 0, 2].

Run: `python3 Goldens/generate.py nonfinite` (pins: Goldens/requirements.txt).
"""
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import goldens_io  # noqa: E402

NAN, INF = np.float32("nan"), np.float32("inf")
EXACT = "TensorFlow's own outputs; NaN must be NaN where TensorFlow's is, every other value equal (±0 alike)"


def f32(a):
    return np.asarray(a, dtype=np.float32)


def with_gradient(fn, x, dy):
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = fn(v)
    return y.numpy(), tape.gradient(y, v, output_gradients=tf.constant(dy)).numpy()


def main():
    keras.utils.set_random_seed(5)
    suite = goldens_io.Suite("nonfinite", "Goldens/gen_nonfinite.py",
                             {"keras": keras.__version__, "tensorflow": tf.__version__})

    x = f32([NAN, -1, 0, 2, -INF, INF, -0.0, 3.5])
    dy = f32([1, 2, 3, 4, 5, 6, 7, 8])
    y, dx = with_gradient(tf.nn.relu, x, dy)
    suite.add("relu", {"x": x, "dy": dy, "y": y, "dx": dx}, 0.0, EXACT)

    # 2×2/2 'valid' on (1, 4, 4, 2): every window kind, NaN first, NaN later, all NaN, NaN with −∞,
    # all −∞, NaN beside negatives, ties.
    windows = [[NAN, 1, 2, 3], [3, 2, 1, NAN], [NAN, NAN, NAN, NAN], [NAN, -INF, -INF, -INF],
               [-INF, -INF, -INF, -INF], [NAN, -5, -6, -7], [4, 4, 4, 4], [1, NAN, 9, 2]]
    x = np.zeros((1, 4, 4, 2), np.float32)
    for k, w in enumerate(windows):
        c, i, j = k % 2, (k // 2) // 2, (k // 2) % 2
        x[0, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c] = f32(w).reshape(2, 2)
    dy = f32(np.arange(1, 9).reshape(1, 2, 2, 2))
    y, dx = with_gradient(lambda v: keras.layers.MaxPooling2D(2, 2)(v), x, dy)
    suite.add("maxpool.2x2s2.valid", {"x": x, "dy": dy, "y": y, "dx": dx}, 0.0, EXACT,
              params={"pool": [2, 2], "strides": [2, 2], "padding": "valid"})

    # 3×3/2 'same' on (1, 5, 5, 1): overlapping windows share a NaN, a border window holds −∞.
    x = f32(np.arange(25).reshape(1, 5, 5, 1) % 7 - 3)
    x[0, 1, 1, 0] = NAN
    x[0, 2, 2, 0] = NAN
    x[0, 4, 4, 0] = -INF
    x[0, 0, 0, 0] = NAN
    dy = f32(np.arange(1, 10).reshape(1, 3, 3, 1))
    y, dx = with_gradient(lambda v: keras.layers.MaxPooling2D(3, 2, padding="same")(v), x, dy)
    suite.add("maxpool.3x3s2.same", {"x": x, "dy": dy, "y": y, "dx": dx}, 0.0, EXACT,
              params={"pool": [3, 3], "strides": [2, 2], "padding": "same"})

    rng = np.random.default_rng(7)
    x = f32(rng.uniform(-1, 1, (1, 7, 7, 2)))
    x[0, 3, 2, 1] = NAN
    kernel = f32(rng.uniform(-0.5, 0.5, (3, 3, 2, 3)))
    bias = f32([0.1, -0.2, 0.05])
    conv = keras.layers.Conv2D(3, 3, padding="same", activation="relu")
    conv.build((1, 7, 7, 2))
    conv.set_weights([kernel, bias])
    suite.add("conv_relu", {"x": x, "kernel": kernel, "bias": bias, "y": conv(x).numpy()}, 1e-5,
              "where finite, |Δ| ≤ tolerance·max(1, |y|): float32 sums in another order, and Winograd F(4×4)'s "
              "transforms round more (as the kernels suite's conv cases); the NaN pattern exact")

    dense = keras.layers.Dense(2, activation="relu")
    dense.build((1, 3))
    kernel = f32([[1, -1], [0.5, 2], [-1, 1]])
    dense.set_weights([kernel, f32([0, 0])])
    x = f32([[NAN, 1, 2]])
    suite.add("dense_relu", {"x": x, "kernel": kernel, "y": dense(x).numpy()}, 0.0, EXACT)

    model = keras.Sequential([
        keras.Input((8, 8, 3)),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1"),
        keras.layers.MaxPooling2D(name="block1_pool"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(1, name="dense"),
    ])
    layer = model.get_layer("block1_conv1")
    weights = layer.get_weights()
    weights[0][1, 1, 0, 2] = NAN
    layer.set_weights(weights)
    model.save_weights(str(suite.dir / "nan_block1_conv1.weights.h5"))
    with h5py.File(suite.dir / "nan_block1_conv1_legacy.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    suite.add("nan_weights_files", {}, 0.0, "files: readers must refuse them, naming the layer and the weight",
              params={"keras3": "nan_block1_conv1.weights.h5", "legacy": "nan_block1_conv1_legacy.h5",
                      "layer": "block1_conv1", "index": [1, 1, 0, 2], "kernel_shape": [3, 3, 3, 4]})
    suite.write()


if __name__ == "__main__":
    main()
