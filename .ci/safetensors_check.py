#!/usr/bin/env python3
"""Loads a safetensors file written by Finetune with Python's `safetensors` package (pinned in
Goldens/requirements.txt) and compares it with the .npy files Finetune wrote beside it: every
tensor float32, same shape, same bits (so -0.0 and subnormals count); the tensors in the file in
the model's order; the metadata Finetune wrote, the class names as a JSON array.

    python .ci/safetensors_check.py DIR    DIR from FINETUNE_SAFETENSORS_EXPORT=DIR swift test …
Ends with `safetensors: N passed, M failed`.
"""
import json, pathlib, sys
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

folder = pathlib.Path(sys.argv[1])
expected = json.loads((folder / "expected.json").read_text())
path = folder / "model.safetensors"
passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {what}")


tensors = load_file(str(path))
check(set(tensors) == set(expected["tensors"]),
      f"tensor names: file {sorted(tensors)} vs expected {sorted(expected['tensors'])}")
for name, npy in sorted(expected["tensors"].items()):
    want = np.load(folder / npy)
    got = tensors.get(name)
    if got is None:
        check(False, f"{name} missing")
        continue
    check(got.dtype == np.float32 and want.dtype == np.float32, f"{name}: dtype {got.dtype}, expected float32")
    check(got.shape == want.shape, f"{name}: shape {got.shape}, expected {want.shape}")
    check(got.shape == want.shape and np.array_equal(got.view(np.uint32), want.view(np.uint32)),
          f"{name}: values differ in their bits")

# The byte buffer holds the tensors in the model's order (the header maps names to offsets).
with open(path, "rb") as f:
    length = int.from_bytes(f.read(8), "little")
    header = json.loads(f.read(length))
offsets = sorted((v["data_offsets"][0], k) for k, v in header.items() if k != "__metadata__")
check([k for _, k in offsets] == expected["order"], "tensors are not stored in the model's order")
check((8 + length) % 8 == 0, f"the byte buffer starts at {8 + length}, not 8-aligned")

with safe_open(str(path), framework="numpy") as f:
    metadata = f.metadata() or {}
for key, value in expected["metadata"].items():
    check(metadata.get(key) == value, f"metadata {key}: {metadata.get(key)!r}, expected {value!r}")
check(json.loads(metadata.get("classes", "null")) == expected["classes"],
      f"metadata classes: {metadata.get('classes')!r}, expected {expected['classes']!r}")

print(f"safetensors: {len(tensors)} tensors of {path.name} compared bit for bit")
print(f"safetensors: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
