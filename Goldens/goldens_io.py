"""Shared writer for golden suites: Goldens/<suite>/manifest.json + raw little-endian float32 files.

Format (read by Tests/FinetuneTestSupport/Golden.swift):
  manifest.json = {"generator": "Goldens/gen_<suite>.py", "versions": {...},
                   "cases": [{"name", "seed", "tolerance", "why", "params": {...},
                              "tensors": {"<key>": {"shape": [...], "file": "<case>.<key>.f32"}}}]}
  Each tensor file holds shape-product float32 values, little-endian, row-major (C order).
"""
import json, pathlib, re
import numpy as np


class Suite:
    def __init__(self, name, generator, versions):
        self.dir = pathlib.Path(__file__).resolve().parent / name
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.f32"):
            old.unlink()
        self.manifest = {"generator": generator, "versions": versions, "cases": []}

    def add(self, name, tensors, tolerance, why, seed=None, params=None):
        entry = {"name": name, "seed": seed, "tolerance": tolerance, "why": why,
                 "params": params or {}, "tensors": {}}
        for key, value in tensors.items():
            arr = np.ascontiguousarray(np.asarray(value, dtype="<f4"))
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{name}.{key}")
            (self.dir / f"{safe}.f32").write_bytes(arr.tobytes())
            entry["tensors"][key] = {"shape": list(arr.shape), "file": f"{safe}.f32"}
        self.manifest["cases"].append(entry)

    def write(self):
        (self.dir / "manifest.json").write_text(json.dumps(self.manifest, indent=1, sort_keys=True) + "\n")
