#!/usr/bin/env python3
"""Goldens of Keras' `class_weight` (`Model.fit(..., class_weight={c: w})`), for
`finetune train --class-weight` and `Trainer.classWeights`.

Reference: Keras 3 (TF backend), a small dense model fitted on imbalanced data with class
weights: each sample's loss times its class's weight, reduced by Keras' `sum_over_batch_size`;
the `acc` metric weighted by the same sample weights; validation unweighted. The `auto` weights
are sklearn's `compute_class_weight("balanced")`, n_samples / (n_classes · count_c), computed
here in NumPy from the training labels.

Cases:
  class_weight.binary_balanced        2 classes 18:6, balanced weights, RMSprop.
  class_weight.categorical_balanced   3 classes 12:8:4 (one-hot), balanced weights, RMSprop.
  class_weight.binary_explicit        2 classes 18:6, weights {0: 0.5, 1: 3.0}, Adam.
Per step: the running loss/acc Keras logs; per epoch: loss, acc, val_loss, val_acc; final weights.
"""
import os
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")   # reproducible float order
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import keras
from goldens_io import Suite

TOL = 1e-6


class StepLog(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.loss, self.acc = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.loss.append(float(logs["loss"]))
        self.acc.append(float(logs["acc"]))


def balanced(counts):
    counts = np.asarray(counts, dtype="float64")
    return counts.sum() / (len(counts) * counts)


def case(suite, name, seed, counts, weights, optimizer, features=6, hidden=8, batch=8, epochs=3):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    classes = len(counts)

    def data(per_class):
        y = np.concatenate([np.full(n, c) for c, n in enumerate(per_class)])
        y = y[rng.permutation(len(y))]
        x = rng.standard_normal((len(y), features)) + 0.7 * y[:, None] * np.linspace(-1, 1, features)[None, :]
        labels = y.astype("float32").reshape(-1, 1) if classes == 2 else np.eye(classes, dtype="float32")[y]
        return x.astype("float32"), labels
    x, y = data(counts)
    xv, yv = data([4] * classes)
    units = 1 if classes == 2 else classes
    model = keras.Sequential([keras.Input((features,)),
                              keras.layers.Dense(hidden, activation="relu", name="dense"),
                              keras.layers.Dense(units, activation="sigmoid" if classes == 2 else "softmax",
                                                 name="dense_1")])
    initial = {f"{l.name}.{n}": np.array(v.numpy()) for l in model.layers for v, n in zip(l.weights, ["kernel", "bias"])}
    loss = keras.losses.BinaryCrossentropy() if classes == 2 else keras.losses.CategoricalCrossentropy()
    model.compile(optimizer=optimizer(), loss=loss, metrics=["acc"])
    log = StepLog()
    h = model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, validation_data=(xv, yv),
                  class_weight={c: float(w) for c, w in enumerate(weights)}, callbacks=[log], verbose=0)
    final = {f"{l.name}.{n}": np.array(v.numpy()) for l in model.layers for v, n in zip(l.weights, ["kernel", "bias"])}
    history = np.array([h.history[k] for k in ["loss", "acc", "val_loss", "val_acc"]], dtype="float64").T
    tensors = {"x": x, "y": y, "x_val": xv, "y_val": yv, "weights": np.asarray(weights, dtype="float32"),
               "step_loss": log.loss, "step_acc": log.acc, "history": history}
    for k, v in initial.items():
        tensors["initial/" + k] = v
    for k, v in final.items():
        tensors["final/" + k] = v
    suite.add(name, tensors, seed=seed, tolerance=TOL,
              why="a dense model over 9 float32 steps; Keras sums the batch in another order",
              params={"features": features, "hidden": hidden, "classes": classes, "batch": batch, "epochs": epochs,
                      "counts": list(counts), "optimizer": optimizer().__class__.__name__.lower(),
                      "learning_rate": float(optimizer().learning_rate.numpy()),
                      "history_columns": ["loss", "acc", "val_loss", "val_acc"]})


if __name__ == "__main__":
    suite = Suite("class_weight", "Goldens/gen_class_weight.py",
                  {"numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__})
    case(suite, "class_weight.binary_balanced", 31, [18, 6], balanced([18, 6]),
         lambda: keras.optimizers.RMSprop(learning_rate=1e-2))
    case(suite, "class_weight.categorical_balanced", 32, [12, 8, 4], balanced([12, 8, 4]),
         lambda: keras.optimizers.RMSprop(learning_rate=1e-2))
    case(suite, "class_weight.binary_explicit", 33, [18, 6], [0.5, 3.0],
         lambda: keras.optimizers.Adam(learning_rate=1e-2))
    suite.write()
