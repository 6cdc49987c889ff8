#!/usr/bin/env python3
"""Goldens of `finetune explain`: Grad-CAM heatmaps from Keras 3 (TF backend, GradientTape).

Cases:
  gradcam.<tag>  a reduced-width VGG16 (widths WIDTHS, Keras layer names block1_conv1 …) +
                 Flatten "flatten" → Dense(UNITS, relu) "dense" → Dense(k, softmax | sigmoid)
                 "dense_1", Keras-initialised from a seed. Stored: every weight by Finetune key
                 ("w/<key>"), two preprocessed input images ("x", 2 × S × S × 3), and per image i
                 and class c the heatmap "heatmap/<i>/<c>" of the explained layer (param "layer").

Grad-CAM as in Keras' example (fchollet, "Grad-CAM class activation visualization"): the final
layer's activation is removed so the class score is its logit (for a sigmoid head: z for class 1,
−z for class 0); with A the explained layer's output, α_k = mean_ij ∂score/∂A_ijk (tf.GradientTape),
heatmap = relu(Σ_k α_k A_k) / max. Cases whose heatmap is all zero are refused (nothing to compare).
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
UNITS = 8
TOLERANCE = 1e-4
WHY = ("13 float32 convolutions forward, then a backward pass to the explained layer; Keras/TF and "
       "Finetune sum in different orders (1e-4 relative, as for the other end-to-end cases)")


def build(image, classes, seed):
    """The model as one flat functional graph (the same layers and weights as Finetune's nested one)."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((image, image, 3))
    x = inputs
    for b, (n, w) in enumerate(zip(BLOCKS, WIDTHS), start=1):
        for c in range(1, n + 1):
            x = keras.layers.Conv2D(w, 3, padding="same", activation="relu", name=f"block{b}_conv{c}")(x)
        x = keras.layers.MaxPooling2D(2, 2, name=f"block{b}_pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(UNITS, activation="relu", name="dense")(x)
    out = keras.layers.Dense(1 if classes == 2 else classes, activation="sigmoid" if classes == 2 else "softmax",
                             name="dense_1")(x)
    return keras.Model(inputs, out)


def gradcam(model, layer_name, image, class_index, binary):
    """Keras' Grad-CAM example, per image, with the final activation removed."""
    grad_model = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])
    with tf.GradientTape() as tape:
        conv, preds = grad_model(image[None])
        score = (preds[:, 0] if class_index == 1 else -preds[:, 0]) if binary else preds[:, class_index]
    grads = tape.gradient(score, conv)
    pooled = tf.reduce_mean(grads, axis=(0, 1, 2))
    heatmap = tf.squeeze(conv[0] @ pooled[..., tf.newaxis])
    heatmap = tf.maximum(heatmap, 0)
    top = float(tf.reduce_max(heatmap))
    assert top > 0, f"{layer_name} class {class_index}: heatmap all zero"
    return (heatmap / top).numpy()


def main():
    suite = Suite("explain", "Goldens/gen_explain.py",
                  {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__})
    for tag, image, classes, layer, seed in [("three_class.block5_conv3", 40, 3, "block5_conv3", 31),
                                             ("binary.block5_conv3", 40, 2, "block5_conv3", 32),
                                             ("three_class.block4_conv2", 40, 3, "block4_conv2", 33)]:
        # Random narrow networks often have no positive evidence for some class at some layer
        # (an all-zero heatmap compares nothing): take the first seed from `seed` on where every
        # heatmap has some.
        while True:
            model = build(image, classes, seed)
            rng = np.random.default_rng(seed)
            # Caffe-like range (what VGG16 expects), so the signal survives 13 narrow ReLU convolutions.
            x = rng.uniform(-100, 100, size=(2, image, image, 3)).astype("float32")
            tensors = {"x": x}
            for keras_layer in model.layers:
                for v, n in zip(keras_layer.weights, ["kernel", "bias"]):
                    tensors[f"w/{keras_layer.name}.{n}"] = v.numpy()
            model.get_layer("dense_1").activation = None   # the class score is the logit
            try:
                for i in range(2):
                    for c in range(classes):
                        tensors[f"heatmap/{i}/{c}"] = gradcam(model, layer, x[i], c, classes == 2)
                break
            except AssertionError as e:
                print(f"{tag} seed {seed}: {e}; next seed")
                seed += 1
        suite.add(f"gradcam.{tag}", tensors, seed=seed, tolerance=TOLERANCE, why=WHY,
                  params={"widths": WIDTHS, "image": image, "classes": classes, "layer": layer, "dense_units": UNITS})
    suite.write()


if __name__ == "__main__":
    main()
