#!/usr/bin/env python3
"""Goldens of `.keras` archive reading: Keras 3 models saved with model.save("x.keras") (a zip
of config.json + model.weights.h5 + metadata.json), with inputs and Keras' predictions.

Cases (archive Goldens/keras_archive/<name>.keras, params.archive names it):
  archive.vgg_three_class  Sequential([Functional "vgg16" (reduced-width VGG16, Keras layer names,
                           as keras.applications builds it), Flatten, Dense(8, relu), Dropout(0.5),
                           Dense(3, softmax)]) on 32×32×3.
  archive.small_binary     Sequential([Input(20×24×3), Conv2D(4, 3, strides 2, valid, relu),
                           MaxPooling2D(2), Conv2D(5, (3, 2), same, linear, no bias),
                           Activation(relu), Flatten, Dense(6), Activation(relu), Dense(1, sigmoid)]).
  archive.unsupported      a model with a BatchNormalization layer (params.layer_class), which
                           Finetune must refuse by naming the class.
Stored per case: "x" (3 inputs) and "y" = model.predict(x) (float32, inference mode).
"""
import os
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")   # reproducible float order
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import keras
from goldens_io import Suite

WIDTHS = [4, 8, 8, 16, 16]
BLOCKS = [2, 2, 3, 3, 3]
L = keras.layers


def vgg_three_class():
    inp = keras.Input((32, 32, 3))
    x = inp
    for b, (n, w) in enumerate(zip(BLOCKS, WIDTHS), start=1):
        for c in range(1, n + 1):
            x = L.Conv2D(w, 3, padding="same", activation="relu", name=f"block{b}_conv{c}")(x)
        x = L.MaxPooling2D(2, 2, name=f"block{b}_pool")(x)
    base = keras.Model(inp, x, name="vgg16")
    return keras.Sequential([keras.Input((32, 32, 3)), base, L.Flatten(name="flatten"),
                             L.Dense(8, activation="relu", name="dense"), L.Dropout(0.5, name="dropout"),
                             L.Dense(3, activation="softmax", name="dense_1")], name="sequential")


def small_binary():
    return keras.Sequential([keras.Input((20, 24, 3)),
                             L.Conv2D(4, 3, strides=2, padding="valid", activation="relu", name="conv_a"),
                             L.MaxPooling2D(2, name="pool"),
                             L.Conv2D(5, (3, 2), padding="same", use_bias=False, name="conv_b"),
                             L.Activation("relu", name="act"), L.Flatten(name="flat"),
                             L.Dense(6, name="hidden"), L.Activation("relu", name="act2"),
                             L.Dense(1, activation="sigmoid", name="out")], name="small")


def unsupported():
    return keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(2, 3, name="conv"),
                             L.BatchNormalization(name="bn"), L.Flatten(name="flat"),
                             L.Dense(1, activation="sigmoid", name="out")], name="with_bn")


def main():
    suite = Suite("keras_archive", "Goldens/gen_keras_archive.py",
                  {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__})
    for old in suite.dir.glob("*.keras"):
        old.unlink()
    for name, build, seed in [("vgg_three_class", vgg_three_class, 41), ("small_binary", small_binary, 42),
                              ("unsupported", unsupported, 43)]:
        keras.utils.set_random_seed(seed)
        model = build()
        rng = np.random.default_rng(seed)
        # Non-zero biases, so a bias that is not loaded shows.
        for layer in model.layers:
            for sub in (layer.layers if hasattr(layer, "layers") else [layer]):
                if getattr(sub, "bias", None) is not None:
                    sub.bias.assign(rng.uniform(-0.1, 0.1, sub.bias.shape).astype("f4"))
        shape = model.inputs[0].shape[1:]
        x = rng.uniform(-2, 2, size=(3, *shape)).astype("f4")
        y = model.predict(x, verbose=0)
        archive = f"{name}.keras"
        model.save(suite.dir / archive)
        params = {"archive": archive}
        if name == "unsupported":
            params["layer_class"] = "BatchNormalization"
        suite.add(f"archive.{name}", {"x": x, "y": y}, seed=seed, tolerance=1e-5,
                  why="float32 forward through a few small layers; Keras/TF and Finetune sum in different orders",
                  params=params)
    suite.write()


if __name__ == "__main__":
    main()
