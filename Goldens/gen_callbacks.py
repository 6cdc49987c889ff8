#!/usr/bin/env python3
"""Goldens for FinetuneTraining's callbacks, produced by Keras 3's own callback classes.

Each case drives a real Keras callback (EarlyStopping, ModelCheckpoint, CSVLogger) by hand with a
fixed sequence of epoch logs, on a one-weight model whose weight is set to the (1-based) epoch
number before each on_epoch_end, so the weights Keras keeps or restores name their epoch.
Also: Python's repr() of doubles (what CSVLogger and json write), the book's smooth_curve
(Chollet, Deep Learning with Python, 5.3), and keras.optimizers.schedules.ExponentialDecay.

Only params are written (no tensor files): values are JSON doubles, which round-trip exactly.
Keras numbers epochs from 0; the params keep Keras' own numbers where Keras uses them
("start_from_epoch", CSV "epoch" column) and say so; expectations are 1-based epochs.
"""
import json, os, pathlib, sys, tempfile
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras

HERE = pathlib.Path(__file__).resolve().parent
SUITE = HERE / "callbacks"


def one_weight_model():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.stop_training = False
    return model


def set_epoch_weight(model, epoch1):
    model.set_weights([np.full((1, 1), float(epoch1), dtype="float32")])


def logs_for(values, monitor):
    """Epoch logs with `monitor` = values[i] (None = absent); other keys derived, all present."""
    out = []
    for v in values:
        logs = {"loss": 0.5, "acc": 0.5, "val_loss": 0.5, "val_acc": 0.5}
        if v is None:
            del logs[monitor]
        else:
            logs[monitor] = float(v)
        out.append(logs)
    return out


def early_stopping_case(name, values, monitor="val_loss", mode="auto", patience=0, min_delta=0.0,
                        baseline=None, restore=False, start_from_epoch=0):
    model = one_weight_model()
    set_epoch_weight(model, 0)
    cb = keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=patience, min_delta=min_delta,
                                       baseline=baseline, restore_best_weights=restore,
                                       start_from_epoch=start_from_epoch)
    cb.set_model(model)
    cb.on_train_begin()
    ran = 0
    for epoch, logs in enumerate(logs_for(values, monitor)):
        set_epoch_weight(model, epoch + 1)
        ran += 1
        cb.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cb.on_train_end()
    return {"name": name, "seed": None, "tolerance": 0.0,
            "why": "control flow only: the same epochs must run and the same weights remain",
            "params": {"kind": "early_stopping", "values": values, "monitor": monitor, "mode": mode,
                       "patience": patience, "min_delta": min_delta, "baseline": baseline,
                       "restore_best_weights": restore,
                       "start_from_epoch_keras": start_from_epoch,
                       "expected_epochs_run": ran,
                       "expected_stopped_epoch": (cb.stopped_epoch + 1) if cb.stopped_epoch > 0 else None,
                       "expected_final_weight_epoch": int(model.get_weights()[0][0, 0])},
            "tensors": {}}


def checkpoint_case(name, values, template, monitor="val_loss", mode="auto", save_best_only=False,
                    initial_value_threshold=None):
    model = one_weight_model()
    with tempfile.TemporaryDirectory() as tmp:
        cb = keras.callbacks.ModelCheckpoint(filepath=os.path.join(tmp, template), monitor=monitor, mode=mode,
                                             save_best_only=save_best_only, save_weights_only=True,
                                             initial_value_threshold=initial_value_threshold)
        cb.set_model(model)
        cb.on_train_begin()
        saved = []
        rng = np.random.default_rng(len(values))
        for epoch, v in enumerate(values):
            logs = {"loss": float(rng.uniform(0.05, 0.9)), "acc": float(rng.uniform(0.4, 1.0)),
                    "val_loss": float(rng.uniform(0.05, 0.9)), "val_acc": float(rng.uniform(0.4, 1.0))}
            logs[monitor] = float(v)
            set_epoch_weight(model, epoch + 1)
            before = set(os.listdir(tmp))
            cb.on_epoch_end(epoch, logs)
            after = set(os.listdir(tmp))
            new = sorted(after - before)
            # A save over an existing name creates no new file: detect it by modification.
            saved.append({"epoch": epoch + 1, "logs": logs, "new_files": new})
    return {"name": name, "seed": None, "tolerance": 0.0,
            "why": "file names and save decisions are exact",
            "params": {"kind": "model_checkpoint", "template": template, "monitor": monitor, "mode": mode,
                       "save_best_only": save_best_only, "initial_value_threshold": initial_value_threshold,
                       "epochs": saved},
            "tensors": {}}


def csv_logger_case(name, seed, epochs):
    rng = np.random.default_rng(seed)
    specials = [1e-05, 2.5e-07, 0.1, 1.0, 100.0, 1e16, 9.5e15, 0.6931471824645996, 1234567.0, 3.0e-5]
    rows = []
    for i in range(epochs):
        logs = {}
        for key in ["loss", "acc", "val_loss", "val_acc"]:
            if rng.uniform() < 0.3:
                logs[key] = float(specials[int(rng.integers(len(specials)))])
            else:
                logs[key] = float(10 ** rng.uniform(-6, 3) * rng.uniform())
        rows.append(logs)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "log.csv")
        cb = keras.callbacks.CSVLogger(path)
        cb.set_model(one_weight_model())
        cb.on_train_begin()
        for epoch, logs in enumerate(rows):
            cb.on_epoch_end(epoch, logs)
        cb.on_train_end()
        text = open(path, newline="").read()
    return {"name": name, "seed": seed, "tolerance": 0.0,
            "why": "text must match byte for byte (Keras writes \\r\\n line ends and a 0-based epoch)",
            "params": {"kind": "csv_logger", "logs": rows, "text": text}, "tensors": {}}


def smooth_curve(points, factor=0.8):
    """Verbatim from Deep Learning with Python, listing 5.23."""
    smoothed_points = []
    for point in points:
        if smoothed_points:
            previous = smoothed_points[-1]
            smoothed_points.append(previous * factor + point * (1 - factor))
        else:
            smoothed_points.append(point)
    return smoothed_points


def main():
    import tensorflow as tf
    versions = {"keras": keras.__version__, "numpy": np.__version__, "tensorflow": tf.__version__,
                "python": sys.version.split()[0]}
    cases = []
    plateau = [0.9, 0.7, 0.72, 0.71, 0.69, 0.74, 0.75, 0.6, 0.61, 0.62, 0.63, 0.64]
    for p in [0, 1, 2, 3, 5]:
        cases.append(early_stopping_case(f"es_patience{p}", plateau, patience=p))
    cases.append(early_stopping_case("es_min_delta", [0.9, 0.89, 0.885, 0.7, 0.699, 0.698, 0.697, 0.5],
                                     patience=2, min_delta=0.01))
    cases.append(early_stopping_case("es_ties", [0.5, 0.5, 0.5, 0.5], patience=1))
    cases.append(early_stopping_case("es_max_val_acc", [0.5, 0.6, 0.58, 0.62, 0.61, 0.6, 0.59],
                                     monitor="val_acc", mode="max", patience=2, restore=True))
    cases.append(early_stopping_case("es_baseline", [0.9, 0.8, 0.85, 0.7, 0.72, 0.73],
                                     patience=2, baseline=0.5))
    cases.append(early_stopping_case("es_baseline_met", [0.9, 0.8, 0.85, 0.7, 0.72, 0.73, 0.74],
                                     patience=2, baseline=0.82))
    cases.append(early_stopping_case("es_restore_no_stop", [0.5, 0.3, 0.4, 0.35], patience=10, restore=True))
    cases.append(early_stopping_case("es_restore_stop", [0.5, 0.3, 0.4, 0.35, 0.45, 0.2], patience=2, restore=True))
    cases.append(early_stopping_case("es_start_from", [0.1, 0.9, 0.5, 0.6, 0.7, 0.4], patience=1,
                                     start_from_epoch=2))
    cases.append(early_stopping_case("es_missing_values", [0.5, None, 0.6, None, 0.7, 0.8], patience=1))
    cases.append(early_stopping_case("es_loss_max_mode", [0.5, 0.4, 0.6, 0.3, 0.2], monitor="loss",
                                     mode="max", patience=1, restore=True))
    rng = np.random.default_rng(20261129)
    for i in range(12):
        n = int(rng.integers(4, 14))
        values = [round(float(v), 3) for v in rng.uniform(0.2, 0.8, n)]
        monitor = ["val_loss", "loss", "val_acc", "acc"][int(rng.integers(4))]
        mode = "max" if "acc" in monitor else ["auto", "min"][int(rng.integers(2))]
        baseline = None if rng.uniform() < 0.6 else round(float(rng.uniform(0.3, 0.7)), 3)
        cases.append(early_stopping_case(
            f"es_random{i}", values, monitor=monitor, mode=mode, patience=int(rng.integers(0, 4)),
            min_delta=[0.0, 0.01, 0.05][int(rng.integers(3))], baseline=baseline,
            restore=bool(rng.uniform() < 0.5), start_from_epoch=int(rng.integers(0, 3))))

    cases.append(checkpoint_case("ckpt_every_epoch", [0.5, 0.4, 0.45], "w.{epoch:02d}-{val_loss:.2f}.weights.h5"))
    cases.append(checkpoint_case("ckpt_best_val_loss", [0.5, 0.6, 0.4, 0.4, 0.3, 0.35],
                                 "best.{epoch:03d}.weights.h5", save_best_only=True))
    cases.append(checkpoint_case("ckpt_best_val_acc_threshold", [0.5, 0.6, 0.58, 0.7, 0.69],
                                 "e{epoch}-{val_acc:.3f}-{loss:.4f}.weights.h5", monitor="val_acc", mode="max",
                                 save_best_only=True, initial_value_threshold=0.55))
    cases.append(checkpoint_case("ckpt_plain_fields", [0.5, 0.25], "{epoch}_{val_loss}_{acc}.weights.h5"))

    cases.append(csv_logger_case("csv_logger_random", 7, 12))

    series_rng = np.random.default_rng(5)
    for factor in [0.8, 0.5, 0.9, 0.0]:
        xs = [float(v) for v in series_rng.uniform(0, 1, 25)]
        cases.append({"name": f"smooth_curve_{factor}", "seed": 5, "tolerance": 0.0,
                      "why": "same double operations in the same order as the book's smooth_curve",
                      "params": {"kind": "smooth_curve", "factor": factor, "input": xs,
                                 "expected": smooth_curve(xs, factor)}, "tensors": {}})

    schedule = keras.optimizers.schedules.ExponentialDecay(1e-4, decay_steps=3, decay_rate=0.9)
    steps = list(range(0, 40, 3)) + [1, 2, 7, 100]
    cases.append({"name": "exponential_decay", "seed": None, "tolerance": 1e-6,
                  "why": "Keras evaluates the schedule in float32",
                  "params": {"kind": "exponential_decay", "initial": 1e-4, "rate": 0.9, "every": 3,
                             "steps": steps, "expected": [float(schedule(s)) for s in steps]}, "tensors": {}})

    repr_rng = np.random.default_rng(11)
    doubles = [float(10 ** repr_rng.uniform(-20, 20) * repr_rng.choice([-1, 1])) for _ in range(60)]
    doubles += [0.1, 1.0, 100.0, -0.0, 0.0, 1e-05, 1e-4, 0.0001234, 1e15, 9.5e15, 9007199254740993.0, 1e16,
                123456789012345678.0, 2 ** -1074, 1.7976931348623157e308, 0.3, 2.5, 1e22, 1e21, 5e-5]
    cases.append({"name": "python_repr", "seed": 11, "tolerance": 0.0, "why": "strings must be identical",
                  "params": {"kind": "python_repr", "values": doubles, "repr": [repr(d) for d in doubles]},
                  "tensors": {}})

    SUITE.mkdir(exist_ok=True)
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    import goldens_io
    manifest = {"generator": "Goldens/gen_callbacks.py", "versions": goldens_io.library_versions(versions),
                "environment": goldens_io.environment(), "cases": cases}
    (SUITE / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(cases)} cases to {SUITE / 'manifest.json'}")


if __name__ == "__main__":
    main()
