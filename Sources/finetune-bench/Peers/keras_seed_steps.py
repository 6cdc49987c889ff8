#!/usr/bin/env python3
"""Keras 3 (TF-CPU) peer for `finetune-bench train`: images/s of the seed model's three kinds of
step at the same batch and image size, measured here, in the same run as the Swift numbers.

Prints one JSON line: {"phase1": img/s, "phase2": img/s, "inference": img/s, "versions": {...}}.
Random weights (speed does not depend on them); random inputs; warm-up steps excluded.
"""
import argparse, json, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import keras

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=20)
p.add_argument("--image", type=int, default=150)
p.add_argument("--steps", type=int, default=5)
p.add_argument("--threads", type=int, default=0)
a = p.parse_args()
if a.threads:
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)

base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(a.image, a.image, 3))
model = keras.Sequential([keras.Input((a.image, a.image, 3)), base, keras.layers.Flatten(),
                          keras.layers.Dense(256, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
x = np.random.default_rng(0).uniform(0, 1, (a.batch, a.image, a.image, 3)).astype("float32")
y = (np.arange(a.batch) % 2).reshape(-1, 1).astype("float32")


def rate(step):
    step()  # compile / warm up
    step()
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    return a.batch * a.steps / (time.perf_counter() - t)


base.trainable = False
model.compile(keras.optimizers.RMSprop(2e-5), "binary_crossentropy", metrics=["acc"])
phase1 = rate(lambda: model.train_on_batch(x, y))
base.trainable = True
on = False
for layer in base.layers:
    on = on or layer.name == "block5_conv1"
    layer.trainable = on
model.compile(keras.optimizers.RMSprop(1e-5), "binary_crossentropy", metrics=["acc"])
phase2 = rate(lambda: model.train_on_batch(x, y))
inference = rate(lambda: model.predict_on_batch(x))
print(json.dumps({"phase1": phase1, "phase2": phase2, "inference": inference,
                  "versions": {"tensorflow": tf.__version__, "keras": keras.__version__}}))
