#!/usr/bin/env python3
"""Goldens of `finetune evaluate`'s interpretation: each image's loss, the top losses and the most
confused class pairs (fastai's `ClassificationInterpretation.top_losses` / `most_confused`).

References:
  losses         Keras 3 (TF backend) `keras.losses.binary_crossentropy` /
                 `categorical_crossentropy` on plain probability tensors (no logits attached), one
                 value per image: p clipped to [1e-7, 1 - 1e-7] in float32 (categorical rows first
                 divided by their sum), then -(z log p + (1 - z) log(1 - p)) or -sum z log p.
  predicted      argmax of each image's class-probability row, first maximum on ties (NumPy's
                 argmax); a sigmoid output p is the row [1 - p, p] in float32.
  top order      the image indices by loss, highest first, ties in index order
                 (np.argsort(-loss, kind="stable")).
  most confused  fastai 2.x `most_confused(min_val)`, transcribed: the confusion matrix (rows
                 actual, columns predicted) with its diagonal zeroed, every (actual, predicted,
                 count) with count >= min_val in row-major order, then sorted by count, highest
                 first (Python's sort is stable, so ties stay in row-major order).

Cases:
  interpretation.binary       48 sigmoid outputs, saturated ones (0, 1, 1e-9, 1 - 1e-9) and
                              exact ties included; labels 0 / 1.
  interpretation.categorical  90 softmax rows over 5 classes from random logits (scale up to 30,
                              so some rows saturate), confusion concentrated on a few pairs;
                              most_confused at min_val 1 and 3.
"""
import os
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import keras
from goldens_io import Suite

TOL = 1e-6


def most_confused(actual, predicted, classes, min_val):
    cm = np.zeros((classes, classes), dtype=np.int64)
    for a, p in zip(actual, predicted):
        cm[a, p] += 1
    np.fill_diagonal(cm, 0)
    res = [(int(i), int(j), int(cm[i, j])) for i, j in zip(*np.where(cm >= min_val))]
    return sorted(res, key=lambda r: r[2], reverse=True)


def add(suite, name, rows, labels, losses, classes, min_vals, params):
    predicted = np.argmax(rows, axis=1)
    order = np.argsort(-losses, kind="stable")
    tensors = {"probabilities": rows, "labels": labels.astype("float32"), "losses": losses,
               "predicted": predicted.astype("float32"), "top_order": order.astype("float32")}
    for m in min_vals:
        pairs = most_confused(labels, predicted, classes, m)
        tensors[f"most_confused_{m}"] = np.array(pairs, dtype="float32").reshape(-1, 3)
    suite.add(name, tensors, tolerance=TOL, seed=params.get("seed"),
              why="float32 log of clipped probabilities; the order and the pairs are exact",
              params={"classes": classes, "min_vals": list(min_vals), **params})


def binary(suite):
    rng = np.random.default_rng(41)
    p = rng.uniform(0, 1, 40).astype("float32")
    p[:4] = [0.0, 1.0, 1e-9, 1 - 1e-9]
    p[4:8] = [0.5, 0.5, 0.9, 0.9]                       # exact ties, in loss too
    p = np.concatenate([p, np.float32([0.25, 0.75, 1e-7, 0.99999994, 0.3, 0.3, 0.7, 0.7])]).astype("float32")
    labels = rng.integers(0, 2, len(p))
    labels[4:8] = [0, 1, 0, 0]
    labels[-4:] = [1, 1, 0, 0]
    loss = keras.losses.binary_crossentropy(labels.astype("float32").reshape(-1, 1), p.reshape(-1, 1))
    losses = np.asarray(loss, dtype="float32")
    rows = np.stack([np.float32(1) - p, p], axis=1).astype("float32")
    add(suite, "interpretation.binary", rows, labels, losses, 2, [1, 2], {"head": "sigmoid", "seed": 41})


def categorical(suite):
    rng = np.random.default_rng(42)
    n, k = 90, 5
    labels = rng.integers(0, k, n)
    logits = rng.standard_normal((n, k)) * rng.choice([1.0, 4.0, 30.0], (n, 1))
    # Confusions concentrated on a few pairs: push some images of class a towards class b.
    for a, b, share in [(0, 3, 0.6), (2, 1, 0.5), (4, 0, 0.3)]:
        idx = np.where(labels == a)[0]
        for i in idx[: int(len(idx) * share)]:
            logits[i, b] += 8.0
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    rows = (e / e.sum(axis=1, keepdims=True)).astype("float32")
    onehot = np.eye(k, dtype="float32")[labels]
    losses = np.asarray(keras.losses.categorical_crossentropy(onehot, rows), dtype="float32")
    add(suite, "interpretation.categorical", rows, labels, losses, k, [1, 3], {"head": "softmax", "seed": 42})


if __name__ == "__main__":
    suite = Suite("interpretation", "Goldens/gen_interpretation.py",
                  {"numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__})
    binary(suite)
    categorical(suite)
    suite.write()
