"""The PyTorch peer of the generators that need it (gen_torch.py, gen_efficientnet.py).

`import_torch(script)` returns the `torch` module: this interpreter's, or else the script is run
again under .venv-torch/bin/python (made by `bash .ci/install-torch-peer`), or it exits saying how
to make that environment. Never a dependency of the package itself.
"""
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
TORCH_VERSION = "2.13.0+cpu"
CACHE = pathlib.Path(os.environ.get("FINETUNE_CACHE", pathlib.Path.home() / ".cache" / "finetune"))


def import_torch(script):
    # Without torch installed, Goldens/torch/ (gen_torch.py's suite folder) would import as an empty
    # namespace package "torch" instead of failing, so Goldens/ is off the path for this import.
    saved = list(sys.path)
    sys.path[:] = [entry for entry in sys.path if pathlib.Path(entry or ".").resolve() != HERE]
    try:
        import torch
    except ImportError:
        venv = HERE.parent / ".venv-torch" / "bin" / "python"
        if venv.exists() and not os.environ.get("FINETUNE_TORCH_REEXEC"):
            os.environ["FINETUNE_TORCH_REEXEC"] = "1"
            os.execv(str(venv), [str(venv), *sys.argv])
        sys.exit(f"{script} needs torch {TORCH_VERSION}: run `bash .ci/install-torch-peer` (makes .venv-torch)")
    finally:
        sys.path[:] = saved
    return torch
