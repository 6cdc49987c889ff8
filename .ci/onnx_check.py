"""ONNX Runtime against Finetune, for .ci/onnx: onnx.checker, then outputs within 1e-5.

usage: onnx_check.py REF_DIR CLI.onnx CLI-PRE.onnx PREDICT.json [CLI.onnx CLI-PRE.onnx PREDICT.json PREPROCESSING]...

The first trained model takes rescale (×1/255) inputs; each further group names its own
preprocessing word (rescale or lite).
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort

TOLERANCE = 1e-5
passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok    " if ok else "FAIL  ") + what)
    passed, failed = passed + ok, failed + (not ok)


def run(path, x):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return model, session.run(["probabilities"], {"input": x})[0]


def compare(path, x, expected):
    try:
        _, got = run(path, x)
    except Exception as error:  # the checker's or the runtime's refusal is a failure to report
        check(False, f"{path}: {error}")
        return
    diff = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else float("inf")
    check(diff <= TOLERANCE, f"{path}: {got.shape} in [{got.min():.4f}, {got.max():.4f}], max |ORT - Finetune| = {diff:.2e}")


ref = sys.argv[1]
trained = [tuple(sys.argv[2:5]) + ("rescale",)]
extra = sys.argv[5:]
if len(extra) % 4:
    sys.exit("onnx_check.py: each further trained model takes CLI.onnx CLI-PRE.onnx PREDICT.json PREPROCESSING")
trained += [tuple(extra[i:i + 4]) for i in range(0, len(extra), 4)]
manifest = json.load(open(f"{ref}/manifest.json"))
n, size = len(manifest["files"]), manifest["size"]
raw = np.fromfile(f"{ref}/raw.f32", "<f4").reshape(n, size, size, 3)
for name in manifest["models"]:
    x = np.fromfile(f"{ref}/{name}.input.f32", "<f4").reshape(n, size, size, 3)
    expected = np.fromfile(f"{ref}/{name}.expected.f32", "<f4").reshape(n, manifest["outputs"][name])
    compare(f"{ref}/{name}.onnx", x, expected)
    compare(f"{ref}/{name}-pre.onnx", raw, expected)
    compare(f"{ref}/{name}-unfolded.onnx", x, expected)


def preprocessed(word):
    """The photos as Finetune feeds the model for a --preprocessing word."""
    if word == "rescale":
        return raw * np.float32(1.0 / 255.0)
    if word == "lite":
        return (raw - np.float32(127)) / np.float32(128)
    sys.exit(f"onnx_check.py: no preprocessing '{word}' here")


# The trained models: `finetune predict` prints P(class) for both classes; the sigmoid output is P(dogs).
for cli, cli_pre, predict_json, word in trained:
    rows = {row["file"]: {t["label"]: t["probability"] for t in row["top"]} for row in json.load(open(predict_json))}
    expected = np.array([[rows[f]["dogs"]] for f in manifest["files"]], dtype=np.float32)
    model = onnx.load(cli_pre)
    meta = {p.key: p.value for p in model.metadata_props}
    check(json.loads(meta["class_names"]) == ["cats", "dogs"], f"{cli_pre}: class_names {meta.get('class_names')}")
    compare(cli, preprocessed(word), expected)
    compare(cli_pre, raw, expected)
print(f"onnx: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
