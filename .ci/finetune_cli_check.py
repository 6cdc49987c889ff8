#!/usr/bin/env python3
"""Checks a `finetune export` file in Keras 3 and compares Keras' predictions with `finetune predict`.

  python3 .ci/finetune_cli_check.py make-data DIR           three classes of 32×32 PNGs (PIL)
  python3 .ci/finetune_cli_check.py check EXPORT PREDICTIONS.json --widths 4,8,8,16,16 --units 8

`check` builds Sequential([VGG16-shaped base (a Functional named vgg16), Flatten, Dense(units, relu),
Dense(k, softmax | 1, sigmoid)]) as keras.applications would, loads the exported weights with
model.load_weights (a .safetensors export: by tensor name), predicts every image listed in PREDICTIONS.json (×1/255, as `finetune train`'s
default preprocessing) and requires every class probability within 1e-5 relative of finetune's.
"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np

CLASSES = ["circles", "squares", "triangles"]


def make_data(root, counts=(("train", 6), ("validation", 2), ("test", 2)), size=32):
    from PIL import Image, ImageDraw
    rng = np.random.default_rng(0)
    for split, n in counts:
        for label, name in enumerate(CLASSES):
            folder = os.path.join(root, split, name)
            os.makedirs(folder, exist_ok=True)
            for i in range(n):
                img = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(40, 150, 3)))
                d = ImageDraw.Draw(img)
                r = int(rng.integers(6, 10)); cx, cy = (int(v) for v in rng.integers(r, size - r, 2))
                box = (cx - r, cy - r, cx + r, cy + r)
                if label == 0: d.ellipse(box, fill=(230, 230, 230))
                elif label == 1: d.rectangle(box, fill=(20, 20, 20))
                else: d.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=(230, 30, 30))
                img.save(os.path.join(folder, f"{name[:-1]}.{i}.png"))


def build(keras, widths, image, units, classes):
    L = keras.layers
    inp = keras.Input((image, image, 3)); x = inp
    for b, (n, w) in enumerate(zip([2, 2, 3, 3, 3], widths), start=1):
        for c in range(1, n + 1):
            x = L.Conv2D(w, 3, padding="same", activation="relu", name=f"block{b}_conv{c}")(x)
        x = L.MaxPooling2D(2, 2, name=f"block{b}_pool")(x)
    out = 1 if classes == 2 else classes
    return keras.Sequential([keras.Model(inp, x, name="vgg16"), L.Flatten(name="flatten"),
                             L.Dense(units, activation="relu", name="dense"),
                             L.Dense(out, activation="sigmoid" if classes == 2 else "softmax", name="dense_1")])


def check(export, predictions, widths, units):
    import keras
    from PIL import Image
    rows = json.load(open(predictions))
    classes = sorted({t["label"] for r in rows for t in r["top"]})
    image = np.asarray(Image.open(rows[0]["file"])).shape[0]
    model = build(keras, widths, image, units, len(classes))
    if export.endswith(".safetensors"):
        # As `finetune export` prints it: tensors are named by the variable path's last two parts
        # (Keras 3 names the Sequential's own layers' variables `sequential/dense/kernel`).
        from safetensors.numpy import load_file
        tensors = load_file(export)
        for v in model.weights:
            v.assign(tensors["/".join(v.path.split("/")[-2:])])
    else:
        model.load_weights(export)
    x = np.stack([np.asarray(Image.open(r["file"]).convert("RGB"), dtype="f4") * np.float32(1 / 255) for r in rows])
    y = model.predict(x, verbose=0)
    if len(classes) == 2:
        y = np.concatenate([1 - y, y], axis=1)
    passed = failed = 0
    worst = 0.0
    for r, p in zip(rows, y):
        ours = np.array([next(t["probability"] for t in r["top"] if t["label"] == c) for c in classes])
        rel = float(np.linalg.norm(ours - p) / np.linalg.norm(p))
        worst = max(worst, rel)
        if rel <= 1e-5: passed += 1
        else:
            failed += 1
            print(f"FAIL {r['file']}: finetune {ours} vs Keras {p} (relative {rel:.2e})")
    print(f"Keras {keras.__version__} loaded {export}; {len(rows)} images, worst relative difference {worst:.2e}")
    return passed, failed


if __name__ == "__main__":
    if sys.argv[1] == "make-data":
        make_data(sys.argv[2])
    else:
        import argparse
        p = argparse.ArgumentParser()
        p.add_argument("cmd"); p.add_argument("export"); p.add_argument("predictions")
        p.add_argument("--widths", default="4,8,8,16,16"); p.add_argument("--units", type=int, default=8)
        a = p.parse_args()
        ok, bad = check(a.export, a.predictions, [int(v) for v in a.widths.split(",")], a.units)
        print(f"keras-export: {ok} passed, {bad} failed")
        sys.exit(1 if bad else 0)
