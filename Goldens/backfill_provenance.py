#!/usr/bin/env python3
"""Adds the provenance fields that Goldens/goldens_io.py now writes (`environment`: python, platform,
generator command, packages; `versions`: every pinned library) to manifests generated before it
did, in place, without touching their cases or tensor files.

Values a manifest did not record are filled from what is known for certain and marked as such:
pinned library versions come from Goldens/requirements.txt (the generators refuse nothing, so this
is the stack the README says they ran on), the command from Goldens/generate.py's way of running
each generator, and the platform is "not recorded". Regenerating a suite replaces all of it with
what the generator measured.

    python3 Goldens/backfill_provenance.py          # every suite
    python3 Goldens/backfill_provenance.py --check  # exit 1 if a manifest lacks the fields
"""
import json, pathlib, re, sys

HERE = pathlib.Path(__file__).resolve().parent
REQUIRED_ENVIRONMENT = ("python", "platform", "command")


def pins():
    out = {}
    for line in (HERE / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[name.strip().lower().removesuffix("-cpu")] = version.strip()
    return out


def imported_libraries(generator):
    """Pinned libraries the generator imports (directly or through goldens_io: numpy)."""
    text = (HERE.parent / generator).read_text()
    names = {"numpy"}
    for module, name in [("tensorflow", "tensorflow"), ("keras", "keras"), ("h5py", "h5py"),
                         ("PIL", "pillow"), ("scipy", "scipy")]:
        if re.search(rf"^\s*(import|from)\s+[^\n]*\b{module}\b", text, re.M):
            names.add(name)
    return names


def complete(path):
    text = path.read_text()
    manifest = json.loads(text)
    style = dict(indent=1, sort_keys=True)
    if json.dumps(manifest, **style) + "\n" != text:
        style = dict(indent=1, ensure_ascii=False)
    assert json.dumps(manifest, **style) + "\n" == text, f"{path}: cannot reproduce its JSON layout"
    generator = manifest["generator"]
    versions = dict(manifest.get("versions") or {})
    backfilled = []
    for name in sorted(imported_libraries(generator)):
        if name not in versions:
            versions[name] = pins()[name]
            backfilled.append(name)
    environment = dict(manifest.get("environment") or {})
    environment.setdefault("python", versions.get("python", "not recorded"))
    versions.setdefault("python", environment["python"])
    environment.setdefault("platform", "not recorded")
    environment.setdefault("command", f"python3 {generator} (run by python3 Goldens/generate.py from Goldens/)")
    environment.setdefault("packages", {k: v for k, v in sorted(versions.items()) if k != "python"})
    if backfilled or "recorded_by" not in environment:
        environment["recorded_by"] = ("Goldens/backfill_provenance.py (manifest written before provenance was recorded; "
                                      + (("versions from Goldens/requirements.txt: " + ", ".join(backfilled))
                                         if backfilled else "versions as recorded") + "; platform not recorded)")
    out = {}
    for key, value in manifest.items():          # keep the key order of unsorted manifests
        if key == "cases":
            out["environment"] = environment
        out[key] = versions if key == "versions" else value
    out["environment"] = environment
    new = json.dumps(out, **style) + "\n"
    before_cases = json.dumps(manifest["cases"], **style)
    assert json.dumps(out["cases"], **style) == before_cases
    return text, new, out


def main():
    check = "--check" in sys.argv
    bad = 0
    for path in sorted(HERE.glob("*/manifest.json")):
        manifest = json.loads(path.read_text())
        env = manifest.get("environment") or {}
        missing = [k for k in REQUIRED_ENVIRONMENT if not env.get(k)]
        if check:
            if missing:
                print(f"{path.relative_to(HERE.parent)}: missing environment fields {missing}")
                bad += 1
            continue
        text, new, _ = complete(path)
        if new != text:
            path.write_text(new)
            print(f"updated {path.relative_to(HERE.parent)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
