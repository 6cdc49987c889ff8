#!/usr/bin/env python3
"""`finetune features` against Keras' own feature extraction (Chollet §5.3.1), on real photos.

Builds `keras.applications.<Backbone>(include_top=False, weights=None, pooling=…)` with seeded
random weights, saves them with `save_weights` (Keras 3 layout), runs
`finetune features DIR --backbone B --weights that-file …`, and compares features.npy with
`model.predict` on `ImageDataGenerator(preprocessing_function=preprocess_input)
.flow_from_directory(DIR, shuffle=False)` — and labels.npy / files.txt with the iterator's
classes and filenames. Exits 1 when any feature differs by more than 1e-4 relative to the
largest magnitude, or any label or file differs.

  .venv-keras/bin/python Goldens/check_features.py --finetune .build/debug/finetune \
      --data ../shared/data/cats_and_dogs_mini/test --backbone vgg16 --image-size 64
"""
import argparse, os, pathlib, subprocess, sys, tempfile

import numpy as np
import keras
from keras.src.legacy.preprocessing import image as kimage

NETWORKS = {  # --backbone: (constructor, preprocess_input mode of its pretrained weights)
    "vgg16": (lambda **kw: keras.applications.VGG16(**kw), "caffe"),
    "resnet50": (lambda **kw: keras.applications.ResNet50(**kw), "caffe"),
    "mobilenetv2": (lambda **kw: keras.applications.MobileNetV2(**kw), "tf"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--finetune", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--backbone", default="vgg16", choices=sorted(NETWORKS))
    ap.add_argument("--image-size", type=int, default=64)
    ap.add_argument("--pooling", default="avg", choices=["avg", "max", "none"])
    args = ap.parse_args()
    keras.utils.set_random_seed(7)
    make, mode = NETWORKS[args.backbone]
    n = args.image_size
    model = make(include_top=False, weights=None, input_shape=(n, n, 3),
                 pooling=None if args.pooling == "none" else args.pooling)
    from keras.src.applications import imagenet_utils
    gen = kimage.ImageDataGenerator(preprocessing_function=lambda x: imagenet_utils.preprocess_input(x, mode=mode))
    it = gen.flow_from_directory(args.data, target_size=(n, n), batch_size=16, shuffle=False, class_mode="sparse")
    expected = model.predict(it, verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "base.weights.h5")
        model.save_weights(weights)
        out = os.path.join(tmp, "out")
        subprocess.run([args.finetune, "features", args.data, "--backbone", args.backbone, "--weights", weights,
                        "--image-size", str(n), "--preprocessing", mode, "--pooling", args.pooling, "--out", out],
                       check=True)
        features = np.load(os.path.join(out, "features.npy"))
        labels = np.load(os.path.join(out, "labels.npy"))
        files = pathlib.Path(out, "files.txt").read_text().splitlines()
    failures = []
    if features.shape != expected.shape:
        failures.append(f"features shape {features.shape}, Keras {expected.shape}")
    else:
        scale = float(np.max(np.abs(expected))) or 1.0
        err = float(np.max(np.abs(features - expected))) / scale
        print(f"features {features.shape}: max |Finetune − Keras| / max |Keras| = {err:.2e}")
        if not err <= 1e-4:
            failures.append(f"features differ by {err:.2e} relative (tolerance 1e-4)")
    if labels.dtype != np.int32 or labels.tolist() != it.classes.tolist():
        failures.append("labels.npy differs from flow_from_directory's classes")
    if files != [f.replace(os.sep, "/") for f in it.filenames]:
        failures.append("files.txt differs from flow_from_directory's filenames")
    for f in failures:
        print("check_features: FAIL:", f)
    print(f"check_features: {args.backbone} {args.pooling}: {'0 failed' if not failures else f'{len(failures)} failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
