"""Shared writer for golden suites: Goldens/<suite>/manifest.json + raw little-endian float32 files.

Format (read by Tests/FinetuneTestSupport/Golden.swift):
  manifest.json = {"generator": "Goldens/gen_<suite>.py", "versions": {...},
                   "environment": {"python", "platform", "command", "packages": {...}},
                   "cases": [{"name", "seed", "tolerance", "why", "params": {...},
                              "tensors": {"<key>": {"shape": [...], "file": "<case>.<key>.f32"}}}]}
  Each tensor file holds shape-product float32 values, little-endian, row-major (C order).
"""
import importlib.metadata, json, os, pathlib, platform, re, sys
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent


def pinned_packages():
    """Names pinned in Goldens/requirements.txt (lower case)."""
    names = []
    for line in (HERE / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.split(r"[=<>!~ \[]", line, 1)[0].lower())
    return names


def library_versions(versions=None):
    """`versions` plus Python and every pinned package that is installed (what a generator ran on)."""
    out = dict(versions or {})
    out["python"] = platform.python_version()
    for name in pinned_packages():
        key = name.removesuffix("-cpu")
        try:
            out.setdefault(key, importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def environment():
    """Where and how a suite was generated: Python, platform, the command line (relative to the
    repository) and the version of every installed distribution."""
    argv = list(sys.argv)
    if argv and argv[0]:
        script = pathlib.Path(argv[0]).resolve()
        try:
            argv[0] = str(script.relative_to(HERE.parent))
        except ValueError:
            pass
    packages = {d.metadata["Name"].lower(): d.version for d in importlib.metadata.distributions()
                if d.metadata["Name"]}
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(),
            "command": " ".join(["python3"] + argv),
            "packages": dict(sorted(packages.items()))}


class Suite:
    def __init__(self, name, generator, versions):
        self.dir = pathlib.Path(__file__).resolve().parent / name
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.f32"):
            old.unlink()
        self.manifest = {"generator": generator, "versions": library_versions(versions),
                         "environment": environment(), "cases": []}

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
