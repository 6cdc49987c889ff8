#!/usr/bin/env python3
"""Goldens of whole backbones (suite `backbones`): Keras 3's `keras.applications.ResNet50` and
`MobileNetV2` (alpha 1.0) with `include_top=False, weights=None`, on the TensorFlow backend
(TF_ENABLE_ONEDNN_OPTS=0: reproducible float order).

Weights are seeded but not stored: every weight is `hash_uniform(seed, shape, low, high)` (the
generator of Goldens/gen_kernels.py, regenerated bit for bit by the Swift tests) with its seed and
bounds in `params.weights` (`<key>: [seed, low, high]`, Finetune's key `<layer>.<weight>`):
kernels ±2^round(log2 √(3/fan_in)) (unit variance through each convolution), biases ±1/8,
BatchNormalization gamma [0.5, 1.5], beta and moving mean ±1/4, moving variance [0.5, 2].
Inputs are real photos (`../shared/data/cats_and_dogs_mini/train`, the first two cats and the
first two dogs in sorted order), resized by Pillow (bilinear) and preprocessed by each network's
`preprocess_input` (ResNet50: caffe; MobileNetV2: tf); the small input tensors are stored, the
photos are not.

Cases:
  forward.<net>.<h>x<w>   y = model(x, training=False) for 2 photos at h×w (inference mode);
                          params.layers: Keras' `model.layers` order (input left out);
                          params.parameters / params.non_trainable: Keras' counts.
  fit.<net>               A two-phase mini run: Sequential([base, GlobalAveragePooling2D("avg_pool"),
                          Dense(1, sigmoid, "predictions")]) on 4 photos (labels 0 0 1 1) at 32×32 (ResNet50) and 96×96 (MobileNetV2, see FIT_SIZES),
                          SGD(0.001), binary cross-entropy (Keras 3 computes it from the logits),
                          GradientTape steps with training=True. Phase 1: base.trainable = False
                          (its BatchNormalization layers run in inference mode), 2 steps; phase 2:
                          the layers from params.unfreeze_from on trainable (Keras' `base.layers`
                          order), 2 steps. `p<phase>s<step>/loss`, the head's weights after each
                          step, and (phase 2) the gamma, beta and moving statistics of every
                          trainable BatchNormalization; params.trainable<phase>: the trainable keys.
                          The generator checks that Keras left every frozen moving statistic
                          bit-unchanged.
  policy.<net>            The trainable keys when the layers from params.from on are trainable
                          (Keras' idiom `for l in base.layers[:i]: l.trainable = False`), for the
                          freeze policies `.from("conv5_block1_1_conv")` / `.from("block_13_expand")`.
  weights.<net>           Keras' weight files of the network: `<net>.weights.h5` (Keras 3
                          `model.save_weights`) and `<net>_notop_legacy.h5` (the legacy layout of
                          Keras' downloaded ImageNet `…_notop.h5` files, written by
                          `legacy_h5_format.save_weights_to_hdf5_group`). The weights follow a
                          pattern, value[i] = offset + 2^-12·((i mod 17) − 8) (offset per key in
                          params.offsets; moving variances 1 + …), so the files compress: both are
                          copied into the suite group by group and attribute by attribute, only the
                          datasets re-stored with gzip in HDF5 1.10's format (the layout, names and values are Keras').

Run: `python3 Goldens/generate.py backbones` (pins: Goldens/requirements.txt). Deterministic; ≈ 1 min.
"""
import os
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import math
import pathlib
import sys
import tempfile

import h5py
import numpy as np
import PIL
from PIL import Image
import tensorflow as tf
import keras
from keras.src.legacy.saving import legacy_h5_format

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from goldens_io import Suite  # noqa: E402
from gen_kernels import hash_uniform  # noqa: E402

PHOTOS = HERE.parent.parent / "shared" / "data" / "cats_and_dogs_mini" / "train"
FORWARD_TOL = 1e-4
FORWARD_WHY = ("50 (ResNet50) or 52 (MobileNetV2) convolutions in float32 in inference mode; summation order "
               "differs from TensorFlow's, so rounding grows to about 1e-6 relative")
FIT_TOL = 1e-4
FIT_WHY = ("four SGD steps through the whole network in float32, batch statistics over 4 images in the top "
           "block; per-step loss and head weights to 1e-4, moving statistics to 1e-5 (params.statistics_tolerance)")
STEP = 2.0 ** -12
PERIOD = 17
NETS = {
    "resnet50": (keras.applications.ResNet50, keras.applications.resnet.preprocess_input, "conv5_block3_1_conv",
                 "conv5_block1_1_conv"),
    "mobilenetv2": (keras.applications.MobileNetV2, keras.applications.mobilenet_v2.preprocess_input,
                    "block_16_expand", "block_13_expand"),
}


def photos(size, count):
    """The first count/2 cats and count/2 dogs, resized to size = (h, w), as float32 0–255."""
    files = []
    for cls in ("cats", "dogs"):
        files += sorted((PHOTOS / cls).glob("*.jpg"))[:count // 2]
    images = [np.asarray(Image.open(f).convert("RGB").resize((size[1], size[0]), Image.BILINEAR), np.float32)
              for f in files]
    return np.stack(images), [f.name for f in files]


def keyed(model):
    return [(f"{layer.name}.{v.name}", v) for layer in model.layers for v in layer.weights]


def power_of_two(x):
    return 2.0 ** round(math.log2(x))


def bounds(key, shape):
    w = key.rsplit(".", 1)[1]
    if w == "kernel":
        # A depthwise output sees kh·kw inputs; a convolution's or a dense unit's every input row.
        fan_in = int(np.prod(shape[:2])) if "depthwise" in key else int(np.prod(shape[:-1]))
        b = power_of_two(math.sqrt(3.0 / fan_in))
        return -b, b
    return {"bias": (-0.125, 0.125), "gamma": (0.5, 1.5), "beta": (-0.25, 0.25),
            "moving_mean": (-0.25, 0.25), "moving_variance": (0.5, 2.0)}[w]


def randomize(model, base_seed):
    """hash_uniform weights; returns params.weights."""
    spec = {}
    for j, (key, v) in enumerate(keyed(model)):
        seed = base_seed * 1000 + j
        low, high = bounds(key, v.shape)
        v.assign(hash_uniform(seed, list(v.shape), low, high))
        spec[key] = [seed, low, high]
    return spec


def layer_names(model):
    return [l.name for l in model.layers if not isinstance(l, keras.layers.InputLayer)]


def build(net, shape):
    return NETS[net][0](include_top=False, weights=None, input_shape=shape)


def forward_cases(suite):
    sizes = {"resnet50": [(32, 32), (37, 45)], "mobilenetv2": [(32, 32), (36, 40)]}
    for n, (net, shapes) in enumerate(sizes.items()):
        for size in shapes:
            model = build(net, size + (3,))
            spec = randomize(model, 10 + n)
            raw, files = photos(size, 2)
            x = NETS[net][1](raw.copy())
            y = model(tf.constant(x), training=False).numpy()
            trainable = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
            total = sum(int(np.prod(v.shape)) for v in model.weights)
            suite.add(f"forward.{net}.{size[0]}x{size[1]}", {"x": x, "y": y}, FORWARD_TOL, FORWARD_WHY, seed=10 + n,
                      params={"weights": spec, "layers": layer_names(model), "name": model.name, "photos": files,
                              "parameters": total, "non_trainable": total - trainable})


def trainable_after(base, name):
    names = layer_names(base)
    start = names.index(name)
    for i, layer in enumerate(l for l in base.layers if not isinstance(l, keras.layers.InputLayer)):
        layer.trainable = i >= start


def policy_cases(suite):
    for net in NETS:
        model = build(net, (32, 32, 3))
        name = NETS[net][3]
        trainable_after(model, name)
        keys = dict((id(v), k) for k, v in keyed(model))
        suite.add(f"policy.{net}", {"none": [0.0]}, 0.0, "names only", seed=None,
                  params={"from": name, "trainable": sorted(keys[id(v)] for v in model.trainable_weights)})


# Input size of each network's run: MobileNetV2 at 96×96 so that its top blocks (trainable in phase
# 2) see 3×3 maps, BatchNorm's batch statistics then averaging 36 values a channel. At 32×32 they
# were 1×1 (4 values), and the run was ill-conditioned: Keras' own float32 and float64 runs differed
# by 2e-3 in the loss, more than the tolerance.
FIT_SIZES = {"resnet50": (32, 32), "mobilenetv2": (96, 96)}
FIT_RATE = 0.001


def fit_run(net, n):
    """The two-phase run of case `fit.<net>` in Keras' current floatx: (tensors, params, losses)."""
    L = keras.layers
    size = FIT_SIZES[net]
    base = build(net, size + (3,))
    spec = randomize(base, 20 + n)
    model = keras.Sequential([keras.Input(size + (3,)), base, L.GlobalAveragePooling2D(name="avg_pool"),
                              L.Dense(1, activation="sigmoid", name="predictions")], name="classifier")
    head = model.get_layer("predictions")
    width = head.kernel.shape[0]
    bound = power_of_two(math.sqrt(3.0 / width))
    head_spec = {"predictions.kernel": [900 + n, -bound, bound], "predictions.bias": [950 + n, -0.125, 0.125]}
    for key, (seed, low, high) in head_spec.items():
        v = head.kernel if key.endswith("kernel") else head.bias
        v.assign(hash_uniform(seed, list(v.shape), low, high))
    spec.update(head_spec)
    raw, files = photos(size, 4)
    x = NETS[net][1](raw.copy())
    labels = np.array([[0], [0], [1], [1]], np.float32)
    tensors = {"x": x, "labels": labels}
    keys = keyed(base) + keyed(head_layer_model(head))
    names = {id(v): k for k, v in keys}
    initial = {k: v.numpy().copy() for k, v in keys}
    bce = keras.losses.BinaryCrossentropy()
    params = {"weights": spec, "photos": files, "learning_rate": FIT_RATE, "unfreeze_from": NETS[net][2],
              "base": base.name, "statistics_tolerance": 1e-5}
    losses = []
    for phase in (1, 2):
        if phase == 1:
            base.trainable = False
        else:
            base.trainable = True
            trainable_after(base, NETS[net][2])
        opt = keras.optimizers.SGD(learning_rate=FIT_RATE)
        trainable = [names[id(v)] for v in model.trainable_weights]
        params[f"trainable{phase}"] = sorted(trainable)
        bn_layers = [k.rsplit(".", 1)[0] for k in trainable if k.endswith(".gamma")]
        for step in (1, 2):
            with tf.GradientTape() as t:
                p = model(tf.constant(x, dtype=keras.config.floatx()), training=True)
                loss = bce(tf.constant(labels, dtype=keras.config.floatx()), p)
            grads = t.gradient(loss, model.trainable_weights)
            opt.apply_gradients(zip(grads, model.trainable_weights))
            tag = f"p{phase}s{step}"
            losses.append(float(loss))
            tensors[f"{tag}/loss"] = [float(loss)]
            for k, v in keys:
                layer = k.rsplit(".", 1)[0]
                if layer == "predictions" or layer in bn_layers:
                    tensors[f"{tag}/{k}"] = v.numpy()
        for k, v in keys:
            if "moving" in k and k.rsplit(".", 1)[0] not in bn_layers and not np.array_equal(v.numpy(), initial[k]):
                sys.exit(f"gen_backbones: Keras changed the frozen {k} in phase {phase}")
    return tensors, params, losses


def fit_cases(suite):
    for n, net in enumerate(NETS):
        tensors, params, losses = fit_run(net, n)
        suite.add(f"fit.{net}", tensors, FIT_TOL, FIT_WHY, seed=20 + n, params=params)


def head_layer_model(layer):
    """Adapter so `keyed` sees one layer."""
    class One:
        layers = [layer]
    return One


def pattern_weights(model):
    offsets = {}
    for j, (key, v) in enumerate(keyed(model)):
        n = int(np.prod(v.shape))
        offset = (1.0 if key.endswith("moving_variance") else 0.0) + j / 4096.0
        i = np.arange(n) % PERIOD - (PERIOD // 2)
        v.assign((offset + STEP * i).astype(np.float32).reshape(v.shape))
        offsets[key] = offset
    return offsets


def copy_attrs(src, dst):
    for name in src.attrs:
        dst.attrs.create(name, src.attrs[name], dtype=src.attrs.get_id(name).dtype)


def recompress(src, dst):
    """Copies the HDF5 file `src` to `dst` group by group and attribute by attribute (same names,
    order, attribute types) in HDF5 1.10's format, storing each dataset over 256 bytes with gzip."""
    # HDF5 1.10's format (libver v110: groups in their object headers, single-chunk indexes) keeps the
    # bookkeeping of several hundred small groups and datasets from outweighing their data.
    with h5py.File(src, "r") as s, h5py.File(dst, "w", libver=("v110", "v110")) as d:
        copy_attrs(s, d)

        def walk(sg, dg):
            for name in sg:
                item = sg[name]
                if isinstance(item, h5py.Group):
                    walk(item, dg.create_group(name))
                else:
                    data = item[()]
                    if data.nbytes > 256:
                        dg.create_dataset(name, data=data, chunks=data.shape, compression="gzip", compression_opts=9,
                                          shuffle=True)
                    else:
                        dg.create_dataset(name, data=data)
                    copy_attrs(item, dg[name])
            copy_attrs(sg, dg)
        walk(s, d)


def weights_cases(suite):
    for net in NETS:
        model = build(net, (32, 32, 3))
        offsets = pattern_weights(model)
        files = [f"{net}.weights.h5", f"{net}_notop_legacy.h5"]
        with tempfile.TemporaryDirectory() as tmp:
            model.save_weights(os.path.join(tmp, files[0]))
            with h5py.File(os.path.join(tmp, files[1]), "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, model)
            for name in files:
                recompress(os.path.join(tmp, name), suite.dir / name)
        suite.add(f"weights.{net}", {"none": [0.0]}, 0.0, "stored values, compared exactly", seed=None,
                  params={"files": files, "offsets": offsets, "step": STEP, "period": PERIOD,
                          "layers": layer_names(model)})


if __name__ == "__main__":
    np.random.seed(0)
    tf.random.set_seed(0)
    suite = Suite("backbones", "Goldens/gen_backbones.py",
                  {"numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__,
                   "h5py": h5py.__version__, "pillow": PIL.__version__})
    for old in list(suite.dir.glob("*.h5")):
        old.unlink()
    forward_cases(suite)
    policy_cases(suite)
    fit_cases(suite)
    weights_cases(suite)
    suite.write()
    total = sum(f.stat().st_size for f in suite.dir.iterdir())
    print(f"backbones: {len(suite.manifest['cases'])} cases, {total / 1e6:.2f} MB in {suite.dir}")
