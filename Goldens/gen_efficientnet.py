#!/usr/bin/env python3
"""Goldens of EfficientNet-Lite0/1/2 with their published ImageNet weights (suite `efficientnet`),
computed by the reference PyTorch code itself: `efficientnet-lite-pytorch` 0.1.0 (its
`EfficientNet.from_name` + `load_state_dict(strict=True)`, in float64, eval mode) on torch
2.13.0+cpu (`bash .ci/install-torch-peer` makes .venv-torch; this script re-runs itself under it
when plain python3 has no torch; it needs `pip install efficientnet-lite-pytorch==0.1.0
pillow==13.0.0` there).

Weights: the .pth files `bash .ci/install-deps --weights` puts in ~/.cache/finetune (checked by their
SHA-256); a variant whose file is absent is left out (its Swift test then skips).
Photos: real photos of ../shared/data/cats_and_dogs_mini, read from there (never copied here; only
file names and small outputs are stored). Preprocessing as the weights were trained (TensorFlow's
`efficientnet_lite_builder.py`: MEAN_RGB 127, STDDEV_RGB 128): Pillow RGB, resized to the input size
with Pillow's bilinear filter, then (x − 127) / 128.

Cases:
  lite{v}.native     v = 0, 1, 2 at the native size (224, 240, 260): for PHOTOS, the pooled features
                     (mean of extract_features over the image, (n, 1280)) and the logits (n, 1000);
                     params: photos, each resized image's pixel sum (a check that decoding and
                     resizing agree with Pillow), size, top-1 classes.
  lite0.s150         Lite0 at 150×150, the reference built with image_size=150: its static padding
                     is then TensorFlow's SAME at 150 (e.g. (1, 1) at the 75-pixel stage), which is
                     what Finetune uses at any size.
  imagenet           params only: for each variant and every shared photo (all 800), the fraction
                     whose top-1 ImageNet class is a cat (281–285) for cats/ and a dog (151–268) for
                     dogs/, with (x − 127)/128 and, for comparison, torchvision's mean/std
                     normalisation that the package's README (inherited from EfficientNet-PyTorch,
                     the B0–B7 weights) shows.

    .venv-torch/bin/python Goldens/gen_efficientnet.py      (or python3 Goldens/generate.py efficientnet)
"""
import hashlib, os, pathlib, sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from torch_peer import CACHE, TORCH_VERSION, import_torch
torch = import_torch("gen_efficientnet.py")
import numpy as np
from PIL import Image
import efficientnet_lite_pytorch
from efficientnet_lite_pytorch import EfficientNet
from goldens_io import Suite

REFERENCE_VERSION = "0.1.0"
PHOTOS = HERE.parent.parent / "shared" / "data" / "cats_and_dogs_mini"
WEIGHTS = {  # variant: (file, SHA-256, native size)
    0: ("efficientnet-lite0-57934424.pth", "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db", 224),
    1: ("efficientnet-lite1-77cc7160.pth", "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850", 240),
    2: ("efficientnet-lite2-9656183e.pth", "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d", 260),
}
# Two cats and two dogs of the test split.
PHOTO_NAMES = ["test/cats/cat.2902.jpg", "test/cats/cat.2903.jpg", "test/dogs/dog.2904.jpg", "test/dogs/dog.2905.jpg"]
CATS, DOGS = range(281, 286), range(151, 269)


def pixels(relative, size):
    with Image.open(PHOTOS / relative) as im:
        return np.asarray(im.convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.uint8)


def model(variant, size):
    file, sha, _ = WEIGHTS[variant]
    path = CACHE / file
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        sys.exit(f"gen_efficientnet.py: {path} does not have SHA-256 {sha}: run `bash .ci/install-deps --weights` again")
    net = EfficientNet.from_name(f"efficientnet-lite{variant}", image_size=size)
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True), strict=True)
    return net.double().eval()


def run(net, batch):
    """Pooled features and logits of a uint8 NHWC batch, preprocessed (x − 127) / 128."""
    x = torch.from_numpy((batch.astype(np.float64) - 127.0) / 128.0).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        features = net.extract_features(x)
        pooled = features.mean(dim=(2, 3))
        logits = net._fc(pooled)
    return pooled.numpy(), logits.numpy()


def forward_case(suite, name, variant, size, why):
    net = model(variant, size)
    batch = np.stack([pixels(p, size) for p in PHOTO_NAMES])
    pooled, logits = run(net, batch)
    suite.add(name, {"pooled": pooled, "logits": logits}, tolerance=1e-4, why=why,
              params={"variant": variant, "size": size, "photos": PHOTO_NAMES,
                      "pixel_sums": [int(b.astype(np.int64).sum()) for b in batch],
                      "top1": [int(i) for i in logits.argmax(axis=1)]})


def imagenet_fractions(variant, size):
    net = model(variant, size).float()
    mean = np.array([0.485, 0.456, 0.406]) * 255
    std = np.array([0.229, 0.224, 0.225]) * 255
    out = {}
    for kind, classes in (("cats", CATS), ("dogs", DOGS)):
        files = sorted(str(p.relative_to(PHOTOS)) for p in PHOTOS.glob(f"*/{kind}/*.jpg"))
        hits = {"lite": 0, "torchvision": 0}
        for start in range(0, len(files), 32):
            batch = np.stack([pixels(f, size) for f in files[start:start + 32]]).astype(np.float32)
            for scheme, x in (("lite", (batch - 127.0) / 128.0), ("torchvision", (batch - mean) / std)):
                t = torch.from_numpy(x.astype(np.float32)).permute(0, 3, 1, 2).contiguous()
                with torch.no_grad():
                    top1 = net(t).argmax(dim=1).numpy()
                hits[scheme] += int(sum(int(c) in classes for c in top1))
        out[kind] = {"photos": len(files), **{s: round(h / len(files), 4) for s, h in hits.items()}}
    return out


def main():
    torch.set_num_threads(int(os.environ.get("FINETUNE_TORCH_THREADS", "2")))
    if not PHOTOS.is_dir():
        sys.exit(f"gen_efficientnet.py: the shared photos are absent at {PHOTOS}")
    suite = Suite("efficientnet", "Goldens/gen_efficientnet.py",
                  {"torch": torch.__version__, "numpy": np.__version__,
                   "efficientnet-lite-pytorch": REFERENCE_VERSION, "pillow": Image.__version__})
    present = [v for v, (file, _, _) in WEIGHTS.items() if (CACHE / file).exists()]
    for v in WEIGHTS:
        if v not in present:
            print(f"gen_efficientnet.py: {CACHE / WEIGHTS[v][0]} absent (bash .ci/install-deps --weights): "
                  f"case lite{v}.native not written", file=sys.stderr)
    for v in present:
        forward_case(suite, f"lite{v}.native", v, WEIGHTS[v][2],
                     "the reference package's forward pass at the native size, float64")
    if 0 in present:
        forward_case(suite, "lite0.s150", 0, 150, "TensorFlow SAME padding at 150 (reference built for 150), float64")
    fractions = {f"lite{v}": imagenet_fractions(v, WEIGHTS[v][2]) for v in present}
    suite.add("imagenet", {}, tolerance=0.0, why="report: ImageNet top-1 classes of the shared photos (not tested)",
              params={"fractions": fractions})
    suite.write()
    print("gen_efficientnet.py:", fractions)


if __name__ == "__main__":
    assert torch.__version__ == TORCH_VERSION, f"torch {torch.__version__}, expected {TORCH_VERSION}"
    assert efficientnet_lite_pytorch.__version__ == REFERENCE_VERSION
    main()
