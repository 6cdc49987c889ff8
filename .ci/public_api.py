#!/usr/bin/env python3
"""The public API of Finetune's library modules, one line per declaration, from Swift symbol graphs.

    python3 .ci/public_api.py SYMBOL_GRAPH_DIR > Documentation/PublicAPI.txt

Reads `<Module>.symbols.json` and `<Module>@<Other>.symbols.json` (extensions of another module's
types) for the modules a dependent package can import, keeps the public and open symbols declared there (not the protocol defaults the compiler adds), and
prints `Module  kind  Path.to.symbol  declaration`, sorted, so that a diff shows exactly which
declarations a change adds, removes or alters.
"""
import json
import pathlib
import sys

# The umbrella `Finetune` only re-exports these, so its own graph repeats theirs: left out.
LIBRARY = ["FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneIO", "FinetuneTraining",
           "FinetuneRuntime", "FinetuneDistributed"]


def lines(directory):
    out = set()
    for path in sorted(pathlib.Path(directory).glob("*.symbols.json")):
        module = path.name.split(".symbols.json")[0].split("@")[0]
        if module not in LIBRARY:
            continue
        graph = json.loads(path.read_text())
        for symbol in graph.get("symbols", []):
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            if "::SYNTHESIZED::" in symbol["identifier"]["precise"]:
                continue   # protocol default implementations (==, description, …): not declared here
            kind = symbol["kind"]["identifier"].removeprefix("swift.")
            name = ".".join(symbol["pathComponents"])
            declaration = "".join(f["spelling"] for f in symbol.get("declarationFragments", []))
            out.add(f"{module}  {kind}  {name}  {' '.join(declaration.split())}")
    return sorted(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: public_api.py SYMBOL_GRAPH_DIR")
    found = lines(sys.argv[1])
    if not found:
        sys.exit(f"public_api.py: no public symbols of {', '.join(LIBRARY)} in {sys.argv[1]}")
    print("\n".join(found))
