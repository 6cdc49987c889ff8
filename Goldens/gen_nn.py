#!/usr/bin/env python3
"""Goldens of FinetuneNN, produced by Keras 3 (TF backend) and, where Keras 3 has no such code,
by NumPy written from the published formula.

Cases (names are prefixes the Swift tests select by):
  layer.conv2d.*, layer.maxpool.*, layer.dense.*, layer.activation.*, layer.flatten.*
      A Keras layer with explicit weights; x ~ N(0, 1); upstream gradient r ~ N(0, 1); recorded
      y = layer(x), and the gradients of L = Σ y·r with respect to x and every weight (TF tape).
  loss.*      binary / categorical cross-entropy on a sigmoid / softmax output (Keras 3 picks the
              logits up from the activation), value and gradient w.r.t. the logits; the clipped
              probability path (Keras 2 / JAX backend) from the NumPy float64 formula.
  metric.*    binary accuracy (p > 0.5) and categorical accuracy, keras.metrics.
  model.*     the reduced-width VGG16 base (layer names block1_conv1 … block5_pool, widths WIDTHS)
              nested as one layer "vgg16", then Flatten "flatten" → Dense(256, relu) "dense" →
              Dense(1, sigmoid) "dense_1". Initial weights by Keras key ("w/<key>"), one batch,
              the prediction, the BCE loss and the gradients of every trainable weight ("g/<key>")
              with the phase-1 (base frozen) and phase-2 (trainable from block5_conv1) settings.
  optimizer.* 120 steps of a Keras 3 optimizer on one (6, 4) variable with a fixed gradient
              sequence (scales 1e-4 … 1, so ε matters): the variable after every step.
              The Keras 2.0.8 RMSprop (ε = 1e-8 outside the square root) is not in Keras 3; it is
              computed in NumPy float32 from the Keras 2.0.8 source formula.
"""
import os
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")   # reproducible float order
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
import keras
from goldens_io import Suite

LAYER_TOL = 1e-5
LAYER_WHY = "single layer in float32; Keras and Finetune sum in different orders"


def tape_case(suite, name, layer, x, params, seed):
    """Forward + gradients of Σ y·r for one built Keras layer."""
    rng = np.random.default_rng(seed + 1000)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=False)
        r = tf.constant(rng.standard_normal(y.shape).astype("float32"))
        loss = tf.reduce_sum(y * r)
    weights = list(layer.weights)
    grads = tape.gradient(loss, [xt] + weights)
    tensors = {"x": x, "y": y.numpy(), "dy": r.numpy(), "dx": grads[0].numpy()}
    for w, g, n in zip(weights, grads[1:], ["kernel", "bias"]):
        tensors[n] = w.numpy()
        tensors["d" + n] = g.numpy()
    suite.add(name, tensors, seed=seed, tolerance=LAYER_TOL, why=LAYER_WHY, params=params)


def layer_cases(suite):
    # Convolutions: (input shape, filters, kernel, strides, padding, activation, use_bias)
    convs = [
        ("same_relu", (2, 7, 6, 3), 4, (3, 3), (1, 1), "same", "relu", True),
        ("valid_linear_nobias_s2", (2, 9, 8, 2), 5, (3, 3), (2, 2), "valid", "linear", False),
        ("same_s2_rect", (1, 8, 7, 3), 2, (2, 3), (2, 1), "same", "linear", True),
    ]
    for i, (tag, shape, f, k, s, pad, act, bias) in enumerate(convs):
        seed = 100 + i
        rng = np.random.default_rng(seed)
        layer = keras.layers.Conv2D(f, k, strides=s, padding=pad, activation=act, use_bias=bias)
        layer.build(shape)
        w = [rng.standard_normal(v.shape).astype("float32") * 0.5 for v in layer.weights]
        layer.set_weights(w)
        x = rng.standard_normal(shape).astype("float32")
        tape_case(suite, f"layer.conv2d.{tag}", layer, x,
                  {"filters": f, "kernel": list(k), "strides": list(s), "padding": pad,
                   "activation": act, "use_bias": bias}, seed)

    pools = [("2x2_odd", (2, 7, 7, 3), (2, 2), None, "valid"),
             ("3x3_s2_same", (1, 6, 5, 2), (3, 3), (2, 2), "same")]
    for i, (tag, shape, p, s, pad) in enumerate(pools):
        seed = 200 + i
        rng = np.random.default_rng(seed)
        layer = keras.layers.MaxPooling2D(p, strides=s, padding=pad)
        x = rng.standard_normal(shape).astype("float32")
        tape_case(suite, f"layer.maxpool.{tag}", layer, x,
                  {"pool": list(p), "strides": list(s or p), "padding": pad}, seed)

    for i, act in enumerate(["linear", "relu", "sigmoid", "softmax"]):
        seed = 300 + i
        rng = np.random.default_rng(seed)
        layer = keras.layers.Dense(5, activation=act)
        layer.build((4, 6))
        layer.set_weights([rng.standard_normal(v.shape).astype("float32") * 0.7 for v in layer.weights])
        x = rng.standard_normal((4, 6)).astype("float32")
        tape_case(suite, f"layer.dense.{act}", layer, x, {"units": 5, "activation": act}, seed)

    for i, act in enumerate(["relu", "sigmoid", "softmax"]):
        seed = 400 + i
        rng = np.random.default_rng(seed)
        x = (rng.standard_normal((3, 7)) * 2).astype("float32")
        tape_case(suite, f"layer.activation.{act}", keras.layers.Activation(act), x,
                  {"activation": act}, seed)

    seed = 500
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    tape_case(suite, "layer.flatten.nhwc", keras.layers.Flatten(), x, {}, seed)


def loss_cases(suite):
    rng = np.random.default_rng(600)
    # Binary: logits spread wide (some saturate the sigmoid in float32) and moderate.
    for tag, scale in [("moderate", 2.0), ("saturated", 25.0)]:
        z = (rng.standard_normal((8, 1)) * scale).astype("float32")
        y = (rng.uniform(size=(8, 1)) > 0.5).astype("float32")
        zt = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(zt)
            p = keras.activations.sigmoid(zt)           # carries _keras_logits, as in a model
            loss = keras.losses.BinaryCrossentropy()(tf.constant(y), p)
        g = tape.gradient(loss, zt)
        suite.add(f"loss.bce_logits.{tag}", {"logits": z, "labels": y, "probabilities": p.numpy(),
                                              "loss": [float(loss)], "dlogits": g.numpy()},
                  seed=600, tolerance=LAYER_TOL, why=LAYER_WHY,
                  params={"path": "logits", "reference": "keras3-tf"})
        # Clipped path (Keras 2.0.8, JAX/NumPy backends): float64 NumPy from the formula.
        p64 = np.asarray(p.numpy(), dtype="float64")
        eps = 1e-7
        q = np.clip(p64, eps, 1 - eps)
        l = -(y * np.log(q) + (1 - y) * np.log(1 - q))
        inside = (p64 >= eps) & (p64 <= 1 - eps)
        dp = np.where(inside, (-(y / q) + (1 - y) / (1 - q)) / y.size, 0.0)
        suite.add(f"loss.bce_clipped.{tag}", {"probabilities": p.numpy(), "labels": y,
                                               "loss": [l.mean()], "dprobabilities": dp},
                  seed=600, tolerance=LAYER_TOL, why="NumPy float64 reference vs float32",
                  params={"path": "clipped", "epsilon": eps, "reference": "numpy-formula"})

    z = (rng.standard_normal((5, 4)) * 2).astype("float32")
    labels = np.eye(4, dtype="float32")[rng.integers(0, 4, size=5)]
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        p = keras.activations.softmax(zt)
        loss = keras.losses.CategoricalCrossentropy()(tf.constant(labels), p)
    g = tape.gradient(loss, zt)
    suite.add("loss.cce_logits", {"logits": z, "labels": labels, "probabilities": p.numpy(),
                                  "loss": [float(loss)], "dlogits": g.numpy()},
              seed=600, tolerance=LAYER_TOL, why=LAYER_WHY, params={"path": "logits"})

    # Binary accuracy: includes values exactly at 0.5 (strict >) and near it.
    p = np.array([[0.5], [0.5000001], [0.49], [0.9], [0.1], [0.7], [0.2], [0.51]], dtype="float32")
    y = np.array([[0], [1], [1], [1], [0], [0], [1], [1]], dtype="float32")
    m = keras.metrics.BinaryAccuracy()
    m.update_state(y, p)
    suite.add("metric.binary_accuracy", {"probabilities": p, "labels": y, "accuracy": [float(m.result())]},
              seed=None, tolerance=0, why="exact count", params={"threshold": 0.5})
    m = keras.metrics.CategoricalAccuracy()
    m.update_state(labels, p := keras.activations.softmax(tf.constant(z)).numpy())
    suite.add("metric.categorical_accuracy", {"probabilities": p, "labels": labels,
                                              "accuracy": [float(m.result())]},
              seed=None, tolerance=0, why="exact count", params={})


WIDTHS = [4, 8, 8, 16, 16]
BLOCKS = [2, 2, 3, 3, 3]


def build_seed_model(image, widths, seed):
    keras.utils.set_random_seed(seed)
    base = keras.Sequential(name="vgg16")
    base.add(keras.Input((image, image, 3)))
    for b, (n, w) in enumerate(zip(BLOCKS, widths), start=1):
        for c in range(1, n + 1):
            base.add(keras.layers.Conv2D(w, 3, padding="same", activation="relu", name=f"block{b}_conv{c}"))
        base.add(keras.layers.MaxPooling2D(2, 2, name=f"block{b}_pool"))
    model = keras.Sequential([keras.Input((image, image, 3)), base,
                              keras.layers.Flatten(name="flatten"),
                              keras.layers.Dense(256, activation="relu", name="dense"),
                              keras.layers.Dense(1, activation="sigmoid", name="dense_1")],
                             name="sequential")
    return model, base


def keyed_weights(model):
    out = []
    for layer in model.layers:
        for l in (layer.layers if hasattr(layer, "layers") else [layer]):
            for v, n in zip(l.weights, ["kernel", "bias"]):
                out.append((f"{l.name}.{n}", v))
    return out


def model_cases(suite):
    for tag, image, seed in [("reduced32", 32, 21), ("reduced50", 50, 22)]:
        model, base = build_seed_model(image, WIDTHS, seed)
        rng = np.random.default_rng(seed)
        # Caffe-like range (what VGG16 expects), so the signal survives 13 narrow ReLU convolutions.
        x = rng.uniform(-100, 100, size=(4, image, image, 3)).astype("float32")
        y = np.array([[0], [1], [1], [0]], dtype="float32")
        tensors = {"x": x, "labels": y}
        for key, v in keyed_weights(model):
            tensors["w/" + key] = v.numpy()
        bce = keras.losses.BinaryCrossentropy()
        for phase in (1, 2):
            if phase == 1:
                base.trainable = False
            else:
                base.trainable = True
                on = False
                for layer in base.layers:
                    on = on or layer.name == "block5_conv1"
                    layer.trainable = on
            names = {id(v): k for k, v in keyed_weights(model)}
            with tf.GradientTape() as tape:
                p = model(x, training=True)
                loss = bce(y, p)
            grads = tape.gradient(loss, model.trainable_weights)
            keys = [names[id(v)] for v in model.trainable_weights]
            for k, g in zip(keys, grads):
                tensors[f"phase{phase}/g/{k}"] = g.numpy()
            tensors[f"phase{phase}/loss"] = [float(loss)]
            tensors[f"phase{phase}/prediction"] = p.numpy()
            tensors[f"phase{phase}/trainable_count"] = [sum(int(np.prod(v.shape)) for v in model.trainable_weights)]
        suite.add(f"model.seed.{tag}", tensors, seed=seed, tolerance=1e-4,
                  why="end to end through 13 convolutions in float32; Keras/TF and Finetune sum in "
                      "different orders (1e-4, the tolerance for end-to-end cases)",
                  params={"widths": WIDTHS, "image": image, "unfreeze_from": "block5_conv1"})


STEPS = 120


def gradient_sequence(seed):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((STEPS, 6, 4))
    scale = 10.0 ** rng.uniform(-4, 0, size=(STEPS, 1, 1))   # |g| from 1e-4 to 1
    return (g * scale).astype("float32")


def optimizer_cases(suite):
    configs = [
        ("rmsprop.plain", lambda: keras.optimizers.RMSprop(learning_rate=1e-2), {}),
        ("rmsprop.momentum", lambda: keras.optimizers.RMSprop(learning_rate=1e-2, momentum=0.9), {}),
        ("rmsprop.centered", lambda: keras.optimizers.RMSprop(learning_rate=1e-2, centered=True), {}),
        ("rmsprop.centered_momentum",
         lambda: keras.optimizers.RMSprop(learning_rate=5e-3, momentum=0.5, centered=True, rho=0.8), {}),
        ("rmsprop.lr_change", lambda: keras.optimizers.RMSprop(learning_rate=1e-2), {"lr_at_60": 1e-3}),
        ("sgd.plain", lambda: keras.optimizers.SGD(learning_rate=0.1), {}),
        ("sgd.momentum", lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), {}),
        ("sgd.nesterov", lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True), {}),
        ("adam.plain", lambda: keras.optimizers.Adam(learning_rate=1e-2), {}),
        ("adam.amsgrad", lambda: keras.optimizers.Adam(learning_rate=1e-2, amsgrad=True), {}),
        ("adam.betas", lambda: keras.optimizers.Adam(learning_rate=3e-3, beta_1=0.8, beta_2=0.95,
                                                     epsilon=1e-5), {}),
    ]
    for i, (tag, make, extra) in enumerate(configs):
        seed = 700 + i
        grads = gradient_sequence(seed)
        w0 = np.random.default_rng(seed + 1).standard_normal((6, 4)).astype("float32")
        var = tf.Variable(w0)
        opt = make()
        cfg = {k: v for k, v in opt.get_config().items()
               if k in ("learning_rate", "rho", "momentum", "epsilon", "centered", "nesterov",
                        "beta_1", "beta_2", "amsgrad")}
        traj = []
        for t in range(STEPS):
            if t == 60 and "lr_at_60" in extra:
                opt.learning_rate.assign(extra["lr_at_60"])
            opt.apply_gradients([(tf.constant(grads[t]), var)])
            traj.append(var.numpy().copy())
        cfg.update(extra)
        cfg["optimizer"] = tag.split(".")[0]
        suite.add(f"optimizer.{tag}", {"w0": w0, "gradients": grads, "trajectory": np.stack(traj)},
                  seed=seed, tolerance=LAYER_TOL,
                  why="float32 elementwise updates; TF and Swift may fuse or round pow/sqrt differently",
                  params=cfg)

    # Keras 2.0.8 RMSprop (the book): a ← ρa + (1−ρ)g²; w ← w − lr·g / (√a + ε), ε = 1e-8.
    seed = 790
    grads = gradient_sequence(seed)
    w = np.random.default_rng(seed + 1).standard_normal((6, 4)).astype("float32")
    w0 = w.copy()
    a = np.zeros_like(w)
    lr, rho, eps = np.float32(1e-2), np.float32(0.9), np.float32(1e-8)
    traj = []
    for t in range(STEPS):
        g = grads[t]
        a = rho * a + (np.float32(1) - rho) * np.square(g)
        w = w - lr * g / (np.sqrt(a) + eps)
        traj.append(w.copy())
    suite.add("optimizer.rmsprop.keras2", {"w0": w0, "gradients": grads, "trajectory": np.stack(traj)},
              seed=seed, tolerance=LAYER_TOL,
              why="NumPy float32 from the Keras 2.0.8 formula (Keras 3 no longer has it)",
              params={"optimizer": "rmsprop", "learning_rate": 1e-2, "rho": 0.9, "epsilon": 1e-8,
                      "epsilon_outside_sqrt": True, "reference": "numpy-keras-2.0.8-formula"})


if __name__ == "__main__":
    suite = Suite("nn", "Goldens/gen_nn.py",
                  {"numpy": np.__version__, "tensorflow": tf.__version__, "keras": keras.__version__})
    layer_cases(suite)
    loss_cases(suite)
    model_cases(suite)
    optimizer_cases(suite)
    suite.write()
