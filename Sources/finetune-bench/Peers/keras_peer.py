#!/usr/bin/env python3
"""Keras 3 (TF-CPU) peer for `finetune-bench compare` and `train`: one measurement per process, so its peak RSS
is its own. Prints one JSON line: {"rate": img/s or null, "seconds": s, "peak_rss_kib": KiB, ...}.

Networks (`--backbone`, random weights — speed does not depend on them): vgg16, Chollet's VGG16 +
Flatten → Dense(256, relu) → Dense(1, sigmoid) (the default); resnet50 / mobilenetv2,
keras.applications.ResNet50 / MobileNetV2(include_top=False, weights=None) + GlobalAveragePooling2D
→ Dense(1, sigmoid); efficientnet-lite0, EfficientNet-Lite0 built from Keras layers exactly as
Finetune's `Applications.efficientNetLite(0)` (Sources/FinetuneNN/EfficientNetLite.swift: the same
shapes, strides, `same` padding, ReLU6, BatchNormalization ε 1e-3) + the same head. Phase 2 trains
from vgg16 block5_conv1, resnet50 conv5_block1_1_conv, mobilenetv2 block_13_expand, efficientnet-lite0
block6a_expand_conv on (as `finetune-bench measure`).

Modes:
  phase1 / phase2 / inference   `train_on_batch` / `predict_on_batch` on one fixed random batch,
                                warm-up steps excluded;
  epoch                         `fit` of one epoch with `ImageDataGenerator(...).flow_from_directory`,
                                fed through endless generators as in the book
                                (Chollet's augmentation, rescale 1/255) on DATA/train, validating on
                                DATA/validation, after a one-step warm-up fit that is not timed;
                                the base frozen, as in phase 1;
  epoch2                        the same epoch with phase 2's trainable set (from block5_conv1).
"""
import argparse, json, os, resource, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import keras

p = argparse.ArgumentParser()
p.add_argument("mode", choices=["phase1", "phase2", "inference", "epoch", "epoch2"])
p.add_argument("--batch", type=int, default=20)
p.add_argument("--image", type=int, default=150)
p.add_argument("--steps", type=int, default=5)
p.add_argument("--threads", type=int, default=0)
p.add_argument("--data", default=None)
p.add_argument("--validation-steps", type=int, default=50)
p.add_argument("--backbone", default="vgg16", choices=["vgg16", "resnet50", "mobilenetv2", "efficientnet-lite0"])
a = p.parse_args()
if a.threads:
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)



def efficientnet_lite0(shape):
    """EfficientNet-Lite0 without its top, layer for layer Finetune's EfficientNetLite.graph(0)."""
    L = keras.layers
    # (repeats, kernel, stride, expansion, input, output) of efficientnet_lite_builder.py's Lite0.
    stages = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
              (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]

    def bn(name, x, relu=True, activation=None):
        x = L.BatchNormalization(momentum=0.99, epsilon=1e-3, name=name)(x)
        return L.ReLU(6.0, name=activation)(x) if relu else x

    inputs = keras.Input(shape)
    x = L.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = bn("stem_bn", x, activation="stem_activation")
    for s, (repeats, k, stride, expansion, cin, cout) in enumerate(stages):
        for r in range(repeats):
            b = "block%d%s" % (s + 1, "abcdefgh"[r])
            c, st = (cin if r == 0 else cout), (stride if r == 0 else 1)
            y = x
            if expansion != 1:
                y = L.Conv2D(c * expansion, 1, padding="same", use_bias=False, name=b + "_expand_conv")(y)
                y = bn(b + "_expand_bn", y, activation=b + "_expand_activation")
            y = L.DepthwiseConv2D(k, strides=st, padding="same", use_bias=False, name=b + "_dwconv")(y)
            y = bn(b + "_bn", y, activation=b + "_activation")
            y = L.Conv2D(cout, 1, padding="same", use_bias=False, name=b + "_project_conv")(y)
            y = bn(b + "_project_bn", y, relu=False)
            if st == 1 and c == cout:
                y = L.Add(name=b + "_add")([y, x])
            x = y
    x = L.Conv2D(1280, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = bn("top_bn", x, activation="top_activation")
    return keras.Model(inputs, x, name="efficientnet_lite0")


shape = (a.image, a.image, 3)
if a.backbone == "vgg16":
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=shape)
    model = keras.Sequential([keras.Input(shape), base, keras.layers.Flatten(),
                              keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
else:
    base = {"resnet50": lambda: keras.applications.ResNet50(weights=None, include_top=False, input_shape=shape),
            "mobilenetv2": lambda: keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=shape),
            "efficientnet-lite0": lambda: efficientnet_lite0(shape)}[a.backbone]()
    model = keras.Sequential([keras.Input(shape), base, keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(1, activation="sigmoid")])
phase2_from = {"vgg16": "block5_conv1", "resnet50": "conv5_block1_1_conv", "mobilenetv2": "block_13_expand",
               "efficientnet-lite0": "block6a_expand_conv"}[a.backbone]
phase2 = a.mode in ("phase2", "epoch2")
if phase2:
    on = False
    for layer in base.layers:
        on = on or layer.name == phase2_from
        layer.trainable = on
else:
    base.trainable = False
model.compile(keras.optimizers.RMSprop(1e-5 if phase2 else 2e-5), "binary_crossentropy", metrics=["acc"])


def peak_rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


if a.mode in ("epoch", "epoch2"):
    from keras.src.legacy.preprocessing.image import ImageDataGenerator  # Keras 3 keeps it here
    train = ImageDataGenerator(rescale=1 / 255, rotation_range=40, width_shift_range=0.2, height_shift_range=0.2,
                               shear_range=0.2, zoom_range=0.2, horizontal_flip=True, fill_mode="nearest") \
        .flow_from_directory(os.path.join(a.data, "train"), target_size=(a.image, a.image), batch_size=a.batch,
                             class_mode="binary")
    validation = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        os.path.join(a.data, "validation"), target_size=(a.image, a.image), batch_size=a.batch, class_mode="binary")

    def forever(iterator):
        # As in the book: an endless generator, so that steps_per_epoch may exceed one pass (Keras 3
        # stops a PyDataset after len() batches — on a small folder that would cut the epoch short).
        while True:
            yield next(iterator)

    train_batches, validation_batches = forever(train), forever(validation)
    model.fit(train_batches, steps_per_epoch=1, epochs=1, validation_data=validation_batches, validation_steps=1,
              verbose=0)
    t = time.perf_counter()
    model.fit(train_batches, steps_per_epoch=a.steps, epochs=1, validation_data=validation_batches,
              validation_steps=a.validation_steps, verbose=0)
    seconds = time.perf_counter() - t
    rate = None
else:
    x = np.random.default_rng(0).uniform(0, 1, (a.batch, a.image, a.image, 3)).astype("float32")
    y = (np.arange(a.batch) % 2).reshape(-1, 1).astype("float32")
    step = (lambda: model.predict_on_batch(x)) if a.mode == "inference" else (lambda: model.train_on_batch(x, y))
    step()  # trace / compile
    step()
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    seconds = time.perf_counter() - t
    rate = a.batch * a.steps / seconds
print(json.dumps({"rate": rate, "seconds": seconds, "peak_rss_kib": peak_rss_kib(),
                  "versions": {"tensorflow": tf.__version__, "keras": keras.__version__}}))
