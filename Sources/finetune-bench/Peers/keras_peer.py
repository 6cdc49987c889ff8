#!/usr/bin/env python3
"""Keras 3 (TF-CPU) peer for `finetune-bench compare` and `train`: one measurement per process, so its peak RSS
is its own. Prints one JSON line: {"rate": img/s or null, "seconds": s, "peak_rss_kib": KiB, ...}.

Modes (Chollet's VGG16 + Flatten → Dense(256, relu) → Dense(1, sigmoid), random weights — speed
does not depend on them):
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
a = p.parse_args()
if a.threads:
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)

base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(a.image, a.image, 3))
model = keras.Sequential([keras.Input((a.image, a.image, 3)), base, keras.layers.Flatten(),
                          keras.layers.Dense(256, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
phase2 = a.mode in ("phase2", "epoch2")
if phase2:
    on = False
    for layer in base.layers:
        on = on or layer.name == "block5_conv1"
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
