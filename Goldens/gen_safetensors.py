#!/usr/bin/env python3
"""Goldens for Finetune's safetensors reader: files written by the `safetensors` package itself
(`safetensors.numpy.save_file`, the reference writer, pinned in Goldens/requirements.txt), and the
values each must read as, in the usual golden format.

    python3 Goldens/gen_safetensors.py      regenerate Goldens/safetensors/ (run by generate.py)

Files:
  keras_seed.safetensors  the reduced-width seed model of the other suites (VGG16 widths 4, 8, 8,
                          16, 16 + Dense(8) + Dense(1)) under Keras 3 variable paths: the base's
                          `block1_conv1/kernel`…, the head's `sequential/dense/kernel` (Keras 3
                          names the variables of a Sequential's own layers so). Random normal
                          float32, plus -0.0, the smallest subnormal, the largest float and 1/3 in
                          the first kernel, so a bit-exact read is checked. Metadata: format, classes.
  dtypes.safetensors      F16 (values with a subnormal, ±0, 65504), F64 (values float32 rounds), a
                          scalar F32 (shape []) and an empty F32 (shape [0, 3]).
  int64.safetensors       one I64 tensor, which Finetune refuses (weights are floats).
The expected values are numpy's float32 conversions (`astype(np.float32)`: exact for F16,
round-to-nearest-even for F64), by tensor name.
"""
import json, pathlib
import numpy as np
from safetensors.numpy import save_file
import safetensors
from goldens_io import Suite

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "safetensors"
WIDTHS = [4, 8, 8, 16, 16]
BLOCKS = [2, 2, 3, 3, 3]
FLAT, HEAD = 16, 8


def seed_tensors(rng):
    tensors = {}
    cin = 3
    for b, (n, w) in enumerate(zip(BLOCKS, WIDTHS), start=1):
        for c in range(1, n + 1):
            name = f"block{b}_conv{c}"
            tensors[f"{name}/kernel"] = rng.standard_normal((3, 3, cin, w)).astype(np.float32)
            tensors[f"{name}/bias"] = rng.standard_normal((w,)).astype(np.float32)
            cin = w
    tensors["sequential/dense/kernel"] = rng.standard_normal((FLAT, HEAD)).astype(np.float32)
    tensors["sequential/dense/bias"] = rng.standard_normal((HEAD,)).astype(np.float32)
    tensors["sequential/dense_1/kernel"] = rng.standard_normal((HEAD, 1)).astype(np.float32)
    tensors["sequential/dense_1/bias"] = rng.standard_normal((1,)).astype(np.float32)
    special = np.array([-0.0, np.float32(1.4e-45), np.finfo(np.float32).max, np.float32(1) / np.float32(3)],
                       dtype=np.float32)
    tensors["block1_conv1/kernel"].reshape(-1)[:4] = special
    return tensors


def main():
    OUT.mkdir(exist_ok=True)
    suite = Suite("safetensors", "Goldens/gen_safetensors.py", {"safetensors": safetensors.__version__})
    rng = np.random.default_rng(2024)

    seed = seed_tensors(rng)
    save_file(seed, str(OUT / "keras_seed.safetensors"),
              metadata={"format": "keras", "classes": json.dumps(["cat", "dog"])})
    suite.add("keras_seed", seed, 0.0, "written by safetensors.numpy.save_file; read bit for bit",
              params={"file": "keras_seed.safetensors", "classes": ["cat", "dog"]})

    half = np.array([1.0, -2.0, 0.5, 65504.0, -0.0, 0.0, 2.0 ** -24, 1.0 / 3.0], dtype=np.float16).reshape(2, 4)
    double = np.array([0.1, -1e-30, 1e30, 1.0 + 2.0 ** -30, 3.141592653589793, -2.5], dtype=np.float64).reshape(3, 2)
    scalar = np.array(7.25, dtype=np.float32)
    empty = np.zeros((0, 3), dtype=np.float32)
    save_file({"half/kernel": half, "double/kernel": double, "scalar/value": scalar, "empty/value": empty},
              str(OUT / "dtypes.safetensors"))
    suite.add("dtypes", {"half/kernel": half.astype(np.float32), "double/kernel": double.astype(np.float32),
                         "scalar/value": scalar, "empty/value": empty}, 0.0,
              "F16 and F64 read as numpy's astype(float32); F32 scalar and empty tensors as written",
              params={"file": "dtypes.safetensors", "shapes": {"scalar/value": []}})

    save_file({"steps/count": np.arange(6, dtype=np.int64).reshape(2, 3)}, str(OUT / "int64.safetensors"))
    suite.add("int64", {}, 0.0, "an I64 tensor: refused with a message naming the tensor and its dtype",
              params={"file": "int64.safetensors", "tensor": "steps/count", "dtype": "I64"})
    suite.write()


if __name__ == "__main__":
    main()
