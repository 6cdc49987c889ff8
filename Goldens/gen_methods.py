#!/usr/bin/env python3
"""Goldens of the fine-tuning methods: learning-rate schedules, momentum scheduling, AdamW,
label smoothing and discriminative (per-group) learning rates.

References: Keras 3 (TF backend) where Keras has the method; NumPy float64 transcribed from the
published formula where it has not (PyTorch's `OneCycleLR`, fastai's `even_mults`).

Cases (names are prefixes the Swift tests select by):
  schedule.one_cycle.*   PyTorch `OneCycleLR` (two phases, cosine annealing): lr and momentum of
                         every step 0 … total − 1, NumPy float64 from the formula of
                         torch/optim/lr_scheduler.py (torch is not in the pinned stack).
  schedule.cosine.*      keras.optimizers.schedules.CosineDecay, with and without warm-up, at
                         steps 0 … warmup + decay + 10 (past the end: held at the final value).
  schedule.piecewise.*, schedule.exponential.*   Keras' PiecewiseConstantDecay and
                         ExponentialDecay(staircase=True) (step decay).
  optimizer.adamw.*      120 steps of keras.optimizers.AdamW on a (6, 4) variable with fixed
                         gradients of scale 1e-4 … 1; one case with a CosineDecay schedule (the
                         decay uses the scheduled rate).
  optimizer.lion.*       the same with keras.optimizers.Lion (the example of the article
                         "Writing an optimizer").
  optimizer.one_cycle.*  Keras Adam / SGD(momentum) / RMSprop(momentum) stepped 60 times with the
                         one-cycle lr assigned before each step and β₁ (Adam) or momentum set to
                         the one-cycle momentum: how an optimizer follows a momentum schedule.
  groups.*               discriminative learning rates: three parameters in three groups, each
                         group a Keras optimizer of its own (its own state) whose rate is the
                         group's rate × the schedule; rates from fastai's even_mults(lo, hi, n).
  mini.*                 a two-phase `fit` of a small dense model (Keras 3): phase 1 with "dense"
                         frozen, phase 2 everything trainable and recompiled; AdamW and label
                         smoothing in binary / categorical cross-entropy. Per-step running-mean
                         loss/acc as Keras logs them, per-epoch history, final weights.
"""
import math
import os
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")   # reproducible float order
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import keras
from goldens_io import Suite

STEPS = 120
TOL = 1e-6


# --- PyTorch OneCycleLR (two phases, cos), float64 ---------------------------------------------

def one_cycle(max_lr, total_steps, pct_start=0.3, div_factor=25.0, final_div_factor=1e4,
              base_momentum=0.85, max_momentum=0.95):
    """(lr, momentum) for steps 0 … total_steps − 1, as torch.optim.lr_scheduler.OneCycleLR."""
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    phases = [(float(pct_start * total_steps) - 1, initial_lr, max_lr, max_momentum, base_momentum),
              (total_steps - 1, max_lr, min_lr, base_momentum, max_momentum)]

    def anneal(start, end, pct):
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)

    lrs, moms = [], []
    for step in range(total_steps):
        start_step = 0
        for i, (end_step, lr0, lr1, m0, m1) in enumerate(phases):
            if step <= end_step or i == len(phases) - 1:
                pct = (step - start_step) / (end_step - start_step)
                lrs.append(anneal(lr0, lr1, pct))
                moms.append(anneal(m0, m1, pct))
                break
            start_step = end_step
    return np.array(lrs), np.array(moms)


def even_mults(start, stop, n):
    """fastai's even_mults: n values from start to stop, evenly spaced on a log scale."""
    step = (stop / start) ** (1 / (n - 1))
    return np.array([start * (step ** i) for i in range(n)])


def schedule_cases(suite):
    for name, kw in [("default", dict(max_lr=1e-2, total_steps=100)),
                     ("fastai", dict(max_lr=3e-3, total_steps=37, pct_start=0.25, final_div_factor=4e3)),
                     ("short", dict(max_lr=0.5, total_steps=10, pct_start=0.4, div_factor=10.0,
                                    final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9))]:
        lr, mom = one_cycle(**kw)
        full = dict(pct_start=0.3, div_factor=25.0, final_div_factor=1e4, base_momentum=0.85, max_momentum=0.95)
        full.update(kw)
        suite.add(f"schedule.one_cycle.{name}", {"lr": lr, "momentum": mom}, tolerance=TOL,
                  why="float64 formula stored as float32; Finetune computes in Double and rounds once",
                  params=full)

    for name, kw in [("plain", dict(initial_learning_rate=0.1, decay_steps=50)),
                     ("alpha", dict(initial_learning_rate=2e-3, decay_steps=40, alpha=0.1)),
                     ("warmup", dict(initial_learning_rate=0.0, decay_steps=60, warmup_target=1e-3,
                                     warmup_steps=15)),
                     ("warmup_alpha", dict(initial_learning_rate=1e-4, decay_steps=30, alpha=0.05,
                                           warmup_target=5e-3, warmup_steps=7))]:
        s = keras.optimizers.schedules.CosineDecay(**kw)
        n = kw["decay_steps"] + kw.get("warmup_steps", 0) + 10
        lr = np.array([float(s(t)) for t in range(n)])
        params = {"alpha": 0.0, "warmup_steps": 0, "warmup_target": None}
        params.update(kw)
        suite.add(f"schedule.cosine.{name}", {"lr": lr}, tolerance=TOL,
                  why="Keras computes in float32 (cos of float32); Swift's cosf may round the last bit differently",
                  params=params)

    s = keras.optimizers.schedules.PiecewiseConstantDecay([10, 25, 40], [1e-3, 5e-4, 1e-4, 1e-5])
    suite.add("schedule.piecewise.steps", {"lr": np.array([float(s(t)) for t in range(60)])}, tolerance=0.0,
              why="constants chosen by comparisons: exact",
              params={"boundaries": [10, 25, 40], "values": [1e-3, 5e-4, 1e-4, 1e-5]})
    s = keras.optimizers.schedules.ExponentialDecay(1e-2, decay_steps=12, decay_rate=0.5, staircase=True)
    suite.add("schedule.exponential.staircase", {"lr": np.array([float(s(t)) for t in range(60)])},
              tolerance=TOL, why="float32 pow",
              params={"initial_learning_rate": 1e-2, "decay_steps": 12, "decay_rate": 0.5, "staircase": True})


# --- optimizers ----------------------------------------------------------------------------------

def gradient_sequence(seed, steps=STEPS, shape=(6, 4)):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((steps,) + shape)
    scale = 10.0 ** rng.uniform(-4, 0, size=(steps,) + (1,) * len(shape))   # |g| from 1e-4 to 1
    return (g * scale).astype("float32")


def optimizer_cases(suite):
    cosine = dict(initial_learning_rate=1e-3, decay_steps=80, alpha=0.0, warmup_target=1e-2, warmup_steps=20)
    configs = [
        ("adamw.default", lambda: keras.optimizers.AdamW(), {}),
        ("adamw.strong", lambda: keras.optimizers.AdamW(learning_rate=1e-2, weight_decay=0.1, beta_1=0.8,
                                                        beta_2=0.95, epsilon=1e-5), {}),
        ("adamw.amsgrad", lambda: keras.optimizers.AdamW(learning_rate=3e-3, weight_decay=0.05, amsgrad=True), {}),
        ("adamw.cosine", lambda: keras.optimizers.AdamW(
            learning_rate=keras.optimizers.schedules.CosineDecay(**cosine), weight_decay=0.05), {"cosine": cosine}),
        # Lion: the article "Writing an optimizer" builds it; checked against Keras here.
        ("lion.default", lambda: keras.optimizers.Lion(), {}),
        ("lion.betas", lambda: keras.optimizers.Lion(learning_rate=3e-3, beta_1=0.95, beta_2=0.98), {}),
    ]
    for i, (tag, make, extra) in enumerate(configs):
        seed = 900 + i
        grads = gradient_sequence(seed)
        w0 = np.random.default_rng(seed + 1).standard_normal((6, 4)).astype("float32")
        var = tf.Variable(w0)
        opt = make()
        cfg = {k: v for k, v in opt.get_config().items()
               if k in ("weight_decay", "epsilon", "beta_1", "beta_2", "amsgrad")}
        cfg["optimizer"] = tag.split(".")[0]
        if not extra:
            cfg["learning_rate"] = float(opt.get_config()["learning_rate"])
        traj = []
        for t in range(STEPS):
            opt.apply_gradients([(tf.constant(grads[t]), var)])
            traj.append(var.numpy().copy())
        cfg.update(extra)
        suite.add(f"optimizer.{tag}", {"w0": w0, "gradients": grads, "trajectory": np.stack(traj)},
                  seed=seed, tolerance=TOL,
                  why="float32 element-wise updates in Keras' order",
                  params=cfg)

    # One-cycle: lr assigned and β₁ / momentum set before every step, as PyTorch's OneCycleLR
    # sets a param group's lr and momentum (betas[0] for Adam).
    cycle = dict(max_lr=1e-2, total_steps=60, pct_start=0.25)
    lrs, moms = one_cycle(**cycle)
    for i, (tag, make, attr) in enumerate([
            ("adam", lambda: keras.optimizers.Adam(learning_rate=1e-2), "beta_1"),
            ("adamw", lambda: keras.optimizers.AdamW(learning_rate=1e-2, weight_decay=0.01), "beta_1"),
            ("sgd_momentum", lambda: keras.optimizers.SGD(learning_rate=1e-2, momentum=0.9), "momentum"),
            ("rmsprop_momentum", lambda: keras.optimizers.RMSprop(learning_rate=1e-2, momentum=0.9), "momentum")]):
        seed = 950 + i
        grads = gradient_sequence(seed, steps=cycle["total_steps"])
        w0 = np.random.default_rng(seed + 1).standard_normal((6, 4)).astype("float32")
        var = tf.Variable(w0)
        opt = make()
        opt.build([var])
        traj = []
        for t in range(cycle["total_steps"]):
            opt.learning_rate.assign(lrs[t])
            setattr(opt, attr, float(moms[t]))
            opt.apply_gradients([(tf.constant(grads[t]), var)])
            traj.append(var.numpy().copy())
        params = dict(cycle, optimizer=tag, momentum_attribute=attr)
        if tag == "adamw":
            params["weight_decay"] = 0.01
        suite.add(f"optimizer.one_cycle.{tag}", {"w0": w0, "gradients": grads, "trajectory": np.stack(traj),
                                                 "lr": lrs, "momentum": moms},
                  seed=seed, tolerance=TOL, why="float32 element-wise updates in Keras' order",
                  params=params)


def group_cases(suite):
    """Three parameters in three groups; group g trains with rate rates[g] × the schedule's shape."""
    shapes = {"a.kernel": (4, 6), "b.kernel": (6, 4), "head.kernel": (4, 1)}
    keys = list(shapes)
    lo, hi = 1e-4, 1e-2
    rates = even_mults(lo, hi, 3)
    for tag, total, with_cycle in [("adam.constant", 40, False), ("adam.one_cycle", 40, True)]:
        seed = 980 + (1 if with_cycle else 0)
        rng = np.random.default_rng(seed)
        w0 = {k: rng.standard_normal(s).astype("float32") for k, s in shapes.items()}
        grads = {k: gradient_sequence(seed + 10 + j, steps=total, shape=shapes[k]) for j, k in enumerate(keys)}
        variables = {k: tf.Variable(w0[k]) for k in keys}
        opts = {k: keras.optimizers.Adam(learning_rate=float(r)) for k, r in zip(keys, rates)}
        for k in keys:
            opts[k].build([variables[k]])
        if with_cycle:
            shapes_lr, moms = one_cycle(hi, total, pct_start=0.3)
        traj = {k: [] for k in keys}
        lr_log = []
        for t in range(total):
            row = []
            for g, k in enumerate(keys):
                if with_cycle:
                    # fastai / PyTorch: each group runs the same one-cycle shape with its own maximum.
                    lr_g, _ = one_cycle(float(rates[g]), total, pct_start=0.3)
                    opts[k].learning_rate.assign(lr_g[t])
                    opts[k].beta_1 = float(moms[t])
                    row.append(lr_g[t])
                else:
                    row.append(rates[g])
                opts[k].apply_gradients([(tf.constant(grads[k][t]), variables[k])])
                traj[k].append(variables[k].numpy().copy())
            lr_log.append(row)
        tensors = {"lr": np.array(lr_log), "rates": rates}
        for k in keys:
            tensors["w0/" + k] = w0[k]
            tensors["gradients/" + k] = grads[k]
            tensors["trajectory/" + k] = np.stack(traj[k])
        suite.add(f"groups.{tag}", tensors, seed=seed, tolerance=TOL,
                  why="float32 element-wise updates in Keras' order",
                  params={"lowest": lo, "highest": hi, "groups": [["a"], ["b"]], "keys": keys,
                          "steps": total, "one_cycle": with_cycle, "pct_start": 0.3})


# --- two-phase mini runs ------------------------------------------------------------------------

class StepLog(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.loss, self.acc = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.loss.append(float(logs["loss"]))
        self.acc.append(float(logs["acc"]))


def mini_case(suite, name, seed, classes, loss, optimizers, features=10, hidden=16, n_train=24, n_val=16,
              batch=8, epochs1=3, epochs2=3, params=None):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)

    def data(n):
        y = np.arange(n) % classes
        x = rng.standard_normal((n, features)) + 0.8 * y[:, None] * np.linspace(-1, 1, features)[None, :]
        if classes == 2:
            labels = y.astype("float32").reshape(n, 1)
        else:
            labels = np.eye(classes, dtype="float32")[y]
        return x.astype("float32"), labels
    x, y = data(n_train)
    xv, yv = data(n_val)
    units = 1 if classes == 2 else classes
    model = keras.Sequential([keras.Input((features,)),
                              keras.layers.Dense(hidden, activation="relu", name="dense"),
                              keras.layers.Dense(units, activation="sigmoid" if classes == 2 else "softmax",
                                                 name="dense_1")])
    # Non-zero biases, so a bias that is not trained or decayed shows.
    for layer in model.layers:
        layer.bias.assign(rng.uniform(-0.1, 0.1, layer.bias.shape).astype("float32"))
    initial = {f"{l.name}.{n}": np.array(v.numpy()) for l in model.layers for v, n in zip(l.weights, ["kernel", "bias"])}

    model.layers[0].trainable = False
    model.compile(optimizer=optimizers[0](), loss=loss(), metrics=["acc"])
    log1 = StepLog()
    h1 = model.fit(x, y, batch_size=batch, epochs=epochs1, shuffle=False, validation_data=(xv, yv),
                   callbacks=[log1], verbose=0)
    model.layers[0].trainable = True
    model.compile(optimizer=optimizers[1](), loss=loss(), metrics=["acc"])
    log2 = StepLog()
    h2 = model.fit(x, y, batch_size=batch, epochs=epochs1 + epochs2, initial_epoch=epochs1, shuffle=False,
                   validation_data=(xv, yv), callbacks=[log2], verbose=0)
    final = {f"{l.name}.{n}": np.array(v.numpy()) for l in model.layers for v, n in zip(l.weights, ["kernel", "bias"])}

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
    p = {"features": features, "hidden": hidden, "classes": classes, "batch": batch, "epochs1": epochs1,
         "epochs2": epochs2, "frozen_in_phase1": "dense", "keys": sorted(initial),
         "history_columns": ["loss", "acc", "val_loss", "val_acc"]}
    p.update(params or {})
    suite.add(name, tensors, seed=seed, tolerance=TOL,
              why="a dense model over 18 float32 steps; Keras sums the batch in another order",
              params=p)


def mini_cases(suite):
    mini_case(suite, "mini.binary_adamw_smoothing", seed=21, classes=2,
              loss=lambda: keras.losses.BinaryCrossentropy(label_smoothing=0.1),
              optimizers=[lambda: keras.optimizers.AdamW(learning_rate=1e-2, weight_decay=0.05),
                          lambda: keras.optimizers.AdamW(learning_rate=3e-3, weight_decay=0.05)],
              params={"optimizer": "adamw", "lr1": 1e-2, "lr2": 3e-3, "weight_decay": 0.05,
                      "label_smoothing": 0.1})
    mini_case(suite, "mini.categorical_adamw_smoothing", seed=22, classes=3,
              loss=lambda: keras.losses.CategoricalCrossentropy(label_smoothing=0.2),
              optimizers=[lambda: keras.optimizers.AdamW(learning_rate=1e-2, weight_decay=0.004),
                          lambda: keras.optimizers.AdamW(learning_rate=2e-3, weight_decay=0.004)],
              params={"optimizer": "adamw", "lr1": 1e-2, "lr2": 2e-3, "weight_decay": 0.004,
                      "label_smoothing": 0.2})
    mini_case(suite, "mini.binary_adam_no_smoothing", seed=23, classes=2,
              loss=lambda: keras.losses.BinaryCrossentropy(),
              optimizers=[lambda: keras.optimizers.Adam(learning_rate=1e-2),
                          lambda: keras.optimizers.Adam(learning_rate=3e-3)],
              params={"optimizer": "adam", "lr1": 1e-2, "lr2": 3e-3, "weight_decay": 0.0,
                      "label_smoothing": 0.0})


if __name__ == "__main__":
    suite = Suite("methods", "Goldens/gen_methods.py",
                  {"numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__})
    schedule_cases(suite)
    optimizer_cases(suite)
    group_cases(suite)
    mini_cases(suite)
    suite.write()
