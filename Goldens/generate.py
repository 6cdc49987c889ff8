#!/usr/bin/env python3
"""Regenerates every golden suite: runs each Goldens/gen_*.py (or only the suites named).

Each generator writes Goldens/<suite>/manifest.json plus raw little-endian float32 tensor files
(format: Goldens/README.md). Pins: Goldens/requirements.txt.
"""
import pathlib, subprocess, sys

here = pathlib.Path(__file__).resolve().parent
wanted = set(sys.argv[1:])
scripts = sorted(here.glob("gen_*.py"))
for s in scripts:
    suite = s.stem[len("gen_"):]
    if wanted and suite not in wanted:
        continue
    print(f"== {s.name}", flush=True)
    subprocess.run([sys.executable, str(s)], check=True, cwd=here)
