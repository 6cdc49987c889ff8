#!/usr/bin/env python3
"""Writes Fuzz/corpus/KerasWeightsReader/tiny-keras2.h5: the Keras 2 `save_weights` layout
(root attributes `layer_names`, `backend`, `keras_version`; one group per layer with
`weight_names` and its datasets) for a tiny conv + dense model, as h5py writes it. Needs h5py."""
import pathlib
import h5py
import numpy as np

out = pathlib.Path(__file__).resolve().parent / "corpus" / "KerasWeightsReader" / "tiny-keras2.h5"
out.parent.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(3)
layers = {"block1_conv1": [("kernel:0", (3, 3, 1, 2)), ("bias:0", (2,))],
          "flatten": [],
          "dense": [("kernel:0", (8, 1)), ("bias:0", (1,))]}
with h5py.File(out, "w", libver="earliest") as f:
    f.attrs["layer_names"] = np.array([n.encode() for n in layers], dtype="S")
    f.attrs["backend"] = b"tensorflow"
    f.attrs["keras_version"] = b"2.15.0"
    for name, weights in layers.items():
        g = f.create_group(name)
        g.attrs["weight_names"] = np.array([f"{name}/{w}".encode() for w, _ in weights], dtype="S")
        for w, shape in weights:
            g.create_dataset(f"{name}/{w}", data=rng.standard_normal(shape).astype("<f4"))
print(f"wrote {out} ({out.stat().st_size} bytes)")
