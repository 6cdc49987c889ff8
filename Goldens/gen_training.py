#!/usr/bin/env python3
"""Golden of the seed's two-phase run on a tiny dataset, produced by Keras 3 (TF backend).

Model: a reduced-width VGG16 base (Keras layer names block1_conv1 … block5_pool, widths
WIDTHS instead of 64/128/256/512/512) nested as one layer named "vgg16", then the seed head
Flatten → Dense(256, relu, "dense") → Dense(1, sigmoid, "dense_1"). Fixed in-memory data, fixed
batch order (shuffle=False), no augmentation, no dropout.
Phase 1: base frozen, RMSprop(lr1), binary_crossentropy, metrics ["acc"].
Phase 2: base trainable from block5_conv1 on, recompiled with RMSprop(lr2), fit continues the
epoch count (initial_epoch).
Recorded: initial weights (by Keras key), inputs, per-step running-mean loss/acc as Keras logs them
(on_train_batch_end), per-epoch history, final weights.
"""
import os
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")   # reproducible float order
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import keras
from goldens_io import Suite

WIDTHS = [4, 8, 8, 16, 16]
IMAGE = 32
BLOCKS = [2, 2, 3, 3, 3]


def build_model(seed):
    keras.utils.set_random_seed(seed)
    base = keras.Sequential(name="vgg16")
    base.add(keras.Input((IMAGE, IMAGE, 3)))
    for b, (n, w) in enumerate(zip(BLOCKS, WIDTHS), start=1):
        for c in range(1, n + 1):
            base.add(keras.layers.Conv2D(w, 3, padding="same", activation="relu", name=f"block{b}_conv{c}"))
        base.add(keras.layers.MaxPooling2D(2, 2, name=f"block{b}_pool"))
    model = keras.Sequential([keras.Input((IMAGE, IMAGE, 3)), base,
                              keras.layers.Flatten(name="flatten"),
                              keras.layers.Dense(256, activation="relu", name="dense"),
                              keras.layers.Dense(1, activation="sigmoid", name="dense_1")])
    return model, base


def weights_by_key(model):
    out = {}
    for layer in model.layers:
        sub = layer.layers if hasattr(layer, "layers") else [layer]
        for l in sub:
            for v, n in zip(l.weights, ["kernel", "bias"]):
                out[f"{l.name}.{n}"] = np.array(v.numpy())
    return out


class StepLog(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.loss, self.acc = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.loss.append(float(logs["loss"]))
        self.acc.append(float(logs["acc"]))


def run_case(suite, name, seed, lr1, lr2, epochs1, epochs2, batch, n_train, n_val):
    rng = np.random.default_rng(seed)
    def data(n):
        y = (np.arange(n) % 2).astype("float32")
        # Caffe-like value range (what VGG16 expects): large enough that the signal survives 13
        # narrow ReLU convolutions at Keras' default glorot init; class 1 carries a left-to-right ramp.
        x = rng.uniform(-100, 100, size=(n, IMAGE, IMAGE, 3))
        x += y[:, None, None, None] * 80 * np.linspace(-1, 1, IMAGE)[None, None, :, None]
        return x.astype("float32"), y.reshape(n, 1)
    x, y = data(n_train)
    xv, yv = data(n_val)
    model, base = build_model(seed)
    initial = weights_by_key(model)

    base.trainable = False
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=lr1),
                  loss="binary_crossentropy", metrics=["acc"])
    log1 = StepLog()
    h1 = model.fit(x, y, batch_size=batch, epochs=epochs1, shuffle=False,
                   validation_data=(xv, yv), callbacks=[log1], verbose=0)

    base.trainable = True
    trainable = False
    for layer in base.layers:
        if layer.name == "block5_conv1":
            trainable = True
        layer.trainable = trainable
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=lr2),
                  loss="binary_crossentropy", metrics=["acc"])
    log2 = StepLog()
    h2 = model.fit(x, y, batch_size=batch, epochs=epochs1 + epochs2, initial_epoch=epochs1, shuffle=False,
                   validation_data=(xv, yv), callbacks=[log2], verbose=0)
    final = weights_by_key(model)

    def hist(h):
        return np.array([h.history[k] for k in ["loss", "acc", "val_loss", "val_acc"]], dtype="float64").T
    tensors = {"x": x, "y": y, "x_val": xv, "y_val": yv,
               "phase1_step_loss": log1.loss, "phase1_step_acc": log1.acc,
               "phase2_step_loss": log2.loss, "phase2_step_acc": log2.acc,
               "phase1_history": hist(h1), "phase2_history": hist(h2)}
    for k, v in initial.items():
        tensors["initial/" + k] = v
    for k, v in final.items():
        tensors["final/" + k] = v
    suite.add(name, tensors, seed=seed, tolerance=1e-4,
              why="end to end over many float32 steps; Keras sums in a different order (1e-4, the tolerance for end-to-end runs)",
              params={"widths": WIDTHS, "image": IMAGE, "lr1": lr1, "lr2": lr2, "epochs1": epochs1,
                      "epochs2": epochs2, "batch": batch, "unfreeze_from": "block5_conv1",
                      "history_columns": ["loss", "acc", "val_loss", "val_acc"],
                      "keys": sorted(initial.keys())})


if __name__ == "__main__":
    suite = Suite("training", "Goldens/gen_training.py",
                  {"numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__})
    # The seed's learning rates (tiny steps) and a larger one that moves the weights visibly.
    run_case(suite, "two_phase_seed_lr", seed=7, lr1=2e-5, lr2=1e-5, epochs1=3, epochs2=3,
             batch=8, n_train=24, n_val=16)
    run_case(suite, "two_phase_large_lr", seed=11, lr1=1e-3, lr2=5e-4, epochs1=3, epochs2=3,
             batch=8, n_train=24, n_val=16)
    suite.write()
