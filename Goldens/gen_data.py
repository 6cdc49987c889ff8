#!/usr/bin/env python3
"""Goldens for FinetuneData: decoding, resizing, augmentation and batch order, from Pillow,
SciPy, NumPy and Keras 3 (never from Finetune's Swift code).

Writes, under Goldens/data/:
  fixtures/      small image files made here (JPEG/PNG/BMP/PPM/TIFF + broken ones), a few KB each
  tree/          a tiny flow_from_directory layout (class order, extensions, nested folders)
  manifest.json  cases; expected tensors are raw little-endian float32 files beside it
  photos.json    (only when ../shared/data/cats_and_dogs_mini exists) per-photo digests of
                 Pillow's decode and resize of the real photos, for the opt-in slow test

Deterministic: fixed seeds; Pillow's encoders are deterministic; re-running gives identical bytes.
"""
import hashlib
import io
import json
import os
import pathlib
import shutil
import struct
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import PIL
import scipy
import scipy.ndimage
from PIL import Image, ImageOps

import keras
from keras.src.legacy.preprocessing import image as kimage
from keras.src.applications import imagenet_utils
from keras.src.applications import vgg16

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "data"
FIX = OUT / "fixtures"
TREE = OUT / "tree"
PHOTOS = HERE.parent.parent / "shared" / "data" / "cats_and_dogs_mini"

cases = []


def save(case, key, array):
    array = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
    name = f"{case['name']}.{key}.f32"
    (OUT / name).write_bytes(array.tobytes())
    case.setdefault("tensors", {})[key] = {"shape": list(array.shape), "file": name}


def add(name, params, tensors, tolerance=0.0, why=None, seed=None):
    case = {"name": name, "tolerance": tolerance, "params": params}
    if why:
        case["why"] = why
    if seed is not None:
        case["seed"] = seed
    for k, v in tensors.items():
        save(case, k, v)
    cases.append(case)


def rgb_of(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


# ------------------------------------------------------------------------------------------------
# A minimal PNG writer (any colour type / bit depth, optional Adam7, tRNS, eXIf), so the fixtures
# cover what Pillow cannot write. Pillow decodes them for the expected values.

def _pack_row(samples, bit_depth):
    if bit_depth == 8:
        return bytes(int(v) for v in samples)
    if bit_depth == 16:
        return b"".join(struct.pack(">H", int(v)) for v in samples)
    per = 8 // bit_depth
    out = bytearray()
    for i in range(0, len(samples), per):
        byte = 0
        chunk = list(samples[i:i + per]) + [0] * (per - len(samples[i:i + per]))
        for v in chunk:
            byte = (byte << bit_depth) | int(v)
        out.append(byte)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_bytes(samples, color_type, bit_depth, palette=None, trns=None, interlace=False, exif=None):
    """samples: (h, w, channels) integer array of raw sample values."""
    h, w = samples.shape[:2]
    flat = samples.reshape(h, w, -1)
    raw = bytearray()
    if interlace:
        for xs, ys, dx, dy in ADAM7:
            sub = flat[ys::dy, xs::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            for row in sub:
                raw += b"\x00" + _pack_row(row.reshape(-1), bit_depth)
    else:
        for row in flat:
            raw += b"\x00" + _pack_row(row.reshape(-1), bit_depth)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    if exif is not None:
        out += chunk(b"eXIf", exif)
    out += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    out += chunk(b"IEND", b"")
    return out


def exif_orientation(value):
    """A little-endian TIFF header with one IFD entry: Orientation = value."""
    return b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, value) + struct.pack("<I", 0)


def bmp_bytes(indices_or_rgb, bits, palette=None, top_down=False):
    """Uncompressed BMP (BITMAPINFOHEADER): bits 1/4/8 with a BGRX palette, or 24."""
    a = np.asarray(indices_or_rgb)
    h, w = a.shape[:2]
    stride = ((w * bits + 31) >> 3) & ~3
    rows = []
    for y in range(h):
        if bits == 24:
            row = a[y][:, ::-1].astype(np.uint8).tobytes()
        else:
            row = _pack_row(a[y], bits)
        rows.append(row + b"\x00" * (stride - len(row)))
    if not top_down:
        rows = rows[::-1]
    pal = b""
    if palette is not None:
        pal = b"".join(bytes([b, g, r, 0]) for r, g, b in palette)
    offset = 14 + 40 + len(pal)
    data = b"".join(rows)
    header = b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bits, 0, len(data), 2835, 2835,
                       len(palette) if palette is not None else 0, 0)
    return header + info + pal + data


def smooth_rgb(rng, h, w):
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / max(w - 1, 1), y * 255 / max(h - 1, 1), (x + y) * 127 / max(w + h - 2, 1)], -1)
    return np.clip(base + rng.normal(0, 30, (h, w, 3)), 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------------
def make_fixtures():
    rng = np.random.default_rng(20240501)
    FIX.mkdir(parents=True, exist_ok=True)
    files = {}

    def put(name, data):
        (FIX / name).write_bytes(data)
        files[name] = data

    def pil(name, image, **kw):
        buf = io.BytesIO()
        fmt = {"jpg": "JPEG", "png": "PNG", "bmp": "BMP", "ppm": "PPM", "tif": "TIFF"}[name.rsplit(".", 1)[1]]
        image.save(buf, fmt, **kw)
        put(name, buf.getvalue())

    rgb = smooth_rgb(rng, 23, 37)              # odd sizes: 37 wide, 23 tall
    gray = rgb.mean(-1).astype(np.uint8)
    pil("rgb420.jpg", Image.fromarray(rgb), quality=90, subsampling=2)
    pil("rgb444.jpg", Image.fromarray(rgb), quality=95, subsampling=0)
    pil("rgb422.jpg", Image.fromarray(rgb), quality=85, subsampling=1)
    pil("progressive.jpg", Image.fromarray(rgb), quality=80, progressive=True)
    pil("gray.jpg", Image.fromarray(gray), quality=90)
    cmyk = np.concatenate([255 - rgb, (rgb.min(-1, keepdims=True) // 3)], -1).astype(np.uint8)
    pil("cmyk.jpg", Image.frombytes("CMYK", (37, 23), cmyk.tobytes()), quality=90)
    tiny = smooth_rgb(rng, 1, 1)
    pil("tiny1x1.jpg", Image.fromarray(tiny), quality=90)
    tall = smooth_rgb(rng, 17, 3)
    pil("tall3x17.jpg", Image.fromarray(tall), quality=90)
    for o in (3, 6, 8):
        exif = Image.Exif()
        exif[0x0112] = o
        pil(f"orient{o}.jpg", Image.fromarray(rgb), quality=90, exif=exif.tobytes())

    # PNG: every colour type and bit depth Pillow reads, plus Adam7, tRNS, eXIf.
    g = rgb.mean(-1)
    put("rgb8.png", png_bytes(rgb, 2, 8))
    put("rgba8.png", png_bytes(np.concatenate([rgb, rng.integers(0, 256, (23, 37, 1))], -1), 6, 8))
    put("gray8.png", png_bytes(g.astype(np.uint8)[..., None], 0, 8))
    put("gray1.png", png_bytes((g > 128).astype(np.uint8)[..., None], 0, 1))
    put("gray2.png", png_bytes((g // 64).astype(np.uint8)[..., None], 0, 2))
    put("gray4.png", png_bytes((g // 16).astype(np.uint8)[..., None], 0, 4))
    g16 = (g * 257).astype(np.uint16)
    g16[::3, ::5] = rng.integers(0, 300, g16[::3, ::5].shape)   # values around the 255 clip
    put("gray16.png", png_bytes(g16[..., None], 0, 16))
    put("la8.png", png_bytes(np.stack([g, 255 - g], -1).astype(np.uint8), 4, 8))
    put("la16.png", png_bytes(np.stack([g16, rng.integers(0, 65536, g16.shape)], -1), 4, 16))
    rgb16 = np.minimum(rgb.astype(np.int64) * 257 + rng.integers(0, 257, rgb.shape), 65535)
    put("rgb16.png", png_bytes(rgb16, 2, 16))
    put("rgba16.png", png_bytes(np.concatenate([rgb16, rng.integers(0, 65536, (23, 37, 1))], -1), 6, 16))
    palette = rng.integers(0, 256, (256, 3))
    idx8 = rng.integers(0, 200, (23, 37, 1))
    put("pal8.png", png_bytes(idx8, 3, 8, palette=palette[:200]))
    put("pal4.png", png_bytes(idx8 % 16, 3, 4, palette=palette[:16]))
    put("pal2.png", png_bytes(idx8 % 4, 3, 2, palette=palette[:4]))
    put("pal1.png", png_bytes(idx8 % 2, 3, 1, palette=palette[:2]))
    put("pal8_trns.png", png_bytes(idx8, 3, 8, palette=palette[:200], trns=bytes(range(0, 200, 2))))
    put("rgb8_trns.png", png_bytes(rgb, 2, 8, trns=struct.pack(">HHH", 10, 20, 30)))
    put("rgb8_adam7.png", png_bytes(rgb, 2, 8, interlace=True))
    put("pal2_adam7.png", png_bytes(idx8 % 4, 3, 2, palette=palette[:4], interlace=True))
    put("gray16_adam7.png", png_bytes(g16[..., None], 0, 16, interlace=True))
    put("orient6.png", png_bytes(rgb, 2, 8, exif=exif_orientation(6)))
    put("odd1x1.png", png_bytes(tiny, 2, 8))

    # BMP: Pillow's writer (24-bit, 8-bit palette, 1-bit) and hand-made 4-bit / top-down ones.
    pil("rgb24.bmp", Image.fromarray(rgb))
    pim = Image.fromarray(idx8[..., 0].astype(np.uint8), "P")
    pim.putpalette(palette[:200].astype(np.uint8).reshape(-1).tolist())
    pil("pal8.bmp", pim)
    pil("gray8.bmp", Image.fromarray(gray))
    pil("bw1.bmp", Image.fromarray(gray).convert("1"))
    put("pal4.bmp", bmp_bytes(idx8[..., 0] % 16, 4, palette=palette[:16]))
    put("topdown24.bmp", bmp_bytes(rgb, 24, top_down=True))
    put("pal1_colour.bmp", bmp_bytes(idx8[..., 0] % 2, 1, palette=[(200, 10, 30), (5, 250, 90)]))
    pil("rgba32.bmp", Image.fromarray(np.concatenate([rgb, rng.integers(0, 256, (23, 37, 1)).astype(np.uint8)], -1)))

    # PNM: Pillow's writer (P6, P5, P4) and hand-made maxval / plain variants.
    pil("rgb.ppm", Image.fromarray(rgb))
    pil("gray.ppm", Image.fromarray(gray))
    pil("bw.ppm", Image.fromarray(gray).convert("1"))
    body = " ".join(str(int(v)) for v in (rgb.reshape(-1)[: 37 * 23 * 3] * 100 // 255))
    put("plain_max100.ppm", f"P3\n# a comment\n37 23\n100\n{body}\n".encode())
    put("plain_gray.ppm", ("P2\n37 23 255\n" + " ".join(str(int(v)) for v in gray.reshape(-1)) + "\n").encode())
    put("plain_bw.ppm", ("P1\n37 23\n" + "".join("1" if v > 128 else "0" for v in gray.reshape(-1)) + "\n").encode())
    put("max1000.ppm", b"P6\n37 23\n1000\n" + (rgb.astype(">u2") * 1000 // 255).astype(">u2").tobytes())
    put("max100.ppm", b"P6 37 23 100\n" + (rgb.astype(np.uint16) * 100 // 255).astype(np.uint8).tobytes())
    put("gray65535.ppm", b"P5\n37 23\n65535\n" + g16.astype(">u2").tobytes())

    # Formats and files Finetune refuses, each with a typed error.
    pil("rgb.tif", Image.fromarray(rgb))
    jpeg = files["rgb420.jpg"]
    put("truncated.jpg", jpeg[: len(jpeg) // 2])
    png = files["rgb8.png"]
    put("truncated.png", png[: len(png) // 2])
    put("not_an_image.jpg", b"This is a text file with a .jpg name.\n" * 3)
    put("empty.png", b"")
    put("corrupt.png", png[:60] + bytes(range(200)) + png[260:])
    return files


DECODABLE = [
    "rgb420.jpg", "rgb444.jpg", "rgb422.jpg", "progressive.jpg", "gray.jpg", "cmyk.jpg", "tiny1x1.jpg",
    "tall3x17.jpg", "orient3.jpg", "orient6.jpg", "orient8.jpg",
    "rgb8.png", "rgba8.png", "gray8.png", "gray1.png", "gray2.png", "gray4.png", "gray16.png", "la8.png",
    "la16.png", "rgb16.png", "rgba16.png", "pal8.png", "pal4.png", "pal2.png", "pal1.png", "pal8_trns.png",
    "rgb8_trns.png", "rgb8_adam7.png", "pal2_adam7.png", "gray16_adam7.png", "orient6.png", "odd1x1.png",
    "rgb24.bmp", "pal8.bmp", "gray8.bmp", "bw1.bmp", "pal4.bmp", "topdown24.bmp", "pal1_colour.bmp", "rgba32.bmp",
    "rgb.ppm", "gray.ppm", "bw.ppm", "plain_max100.ppm", "plain_gray.ppm", "plain_bw.ppm", "max1000.ppm",
    "max100.ppm", "gray65535.ppm",
]


def decode_cases():
    for name in DECODABLE:
        path = FIX / name
        with Image.open(path) as im:
            mode, fmt = im.mode, im.format
            rgb = np.asarray(im.convert("RGB"))
            im.load()
            transposed = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
        add(f"decode.{name}", {"file": name, "pillow_mode": mode, "format": fmt}, {"rgb": rgb},
            why="exact: Pillow's convert('RGB') output, bytes as float32")
        if name.startswith("orient"):
            add(f"decode_exif.{name}", {"file": name}, {"rgb": transposed},
                why="exact: PIL.ImageOps.exif_transpose then convert('RGB')")
    # Resizes of decoded fixtures, both filters, down and up, odd sizes.
    for name in ["rgb420.jpg", "rgb8.png", "pal8.png", "gray16.png", "cmyk.jpg", "tall3x17.jpg", "tiny1x1.jpg"]:
        for (w, h) in [(16, 9), (50, 41), (37, 5), (1, 1), (45, 30)]:
            for flt, code in [("nearest", Image.Resampling.NEAREST), ("bilinear", Image.Resampling.BILINEAR)]:
                with Image.open(FIX / name) as im:
                    im = im.convert("RGB")
                    out = np.asarray(im.resize((w, h), code)) if im.size != (w, h) else np.asarray(im)
                add(f"resize.{name}.{flt}.{w}x{h}", {"file": name, "filter": flt, "width": w, "height": h},
                    {"rgb": out}, why="exact: Pillow Image.resize on the RGB image")
    # Nearest index tables for many (in, out) pairs: a 1-row 'I' image holding its column index.
    pairs = []
    for i in list(range(1, 24)) + [37, 150, 239, 256, 320, 374, 450, 499, 500, 1000, 1023]:
        for o in list(range(1, 24)) + [37, 150, 224, 256, 299]:
            pairs.append((i, o))
    indices = []
    for i, o in pairs:
        im = Image.fromarray(np.arange(i, dtype=np.int32)[None, :], "I")
        indices.extend(np.asarray(im.resize((o, 1), Image.Resampling.NEAREST))[0].tolist())
    add("nearest_index_table", {"pairs": pairs}, {"indices": np.array(indices)},
        why="exact: Pillow NEAREST source column for each output column (ImagingScaleAffine's accumulated coordinate)")
    # Bilinear on noise, many sizes, to cover the support-scaled coefficients and rounding.
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (19, 31, 3)).astype(np.uint8)
    add("bilinear_noise.input", {}, {"rgb": noise}, why="input")
    # Pillow 13 picks the pass order (vertical first when h - H > 2(w - W)): cover both sides.
    for (w, h) in [(7, 5), (30, 19), (31, 18), (62, 38), (100, 3), (2, 60), (13, 13), (25, 8), (26, 8),
                   (12, 2), (40, 10), (9, 1)]:
        out = np.asarray(Image.fromarray(noise).resize((w, h), Image.Resampling.BILINEAR))
        add(f"bilinear_noise.{w}x{h}", {"width": w, "height": h}, {"rgb": out},
            why="exact: Pillow BILINEAR fixed-point resample")


# ------------------------------------------------------------------------------------------------
# Augmentation: Keras 3's own apply_transform for fixed parameters; the Keras 2.0.8 ("book")
# preset transcribed from keras/preprocessing/image.py 2.0.8 and run through SciPy.

def book_transform(x, theta_deg, tx, ty, shear_rad, zx, zy, flip_h, flip_v, fill_mode, cval):
    theta = np.pi / 180 * theta_deg
    transform_matrix = None
    if theta != 0:
        transform_matrix = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        m = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        transform_matrix = m if transform_matrix is None else np.dot(transform_matrix, m)
    if shear_rad != 0:
        m = np.array([[1, -np.sin(shear_rad), 0], [0, np.cos(shear_rad), 0], [0, 0, 1]])
        transform_matrix = m if transform_matrix is None else np.dot(transform_matrix, m)
    if zx != 1 or zy != 1:
        m = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        transform_matrix = m if transform_matrix is None else np.dot(transform_matrix, m)
    if transform_matrix is not None:
        h, w = x.shape[0], x.shape[1]
        o_x, o_y = float(h) / 2 + 0.5, float(w) / 2 + 0.5
        off = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
        reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
        transform_matrix = np.dot(np.dot(off, transform_matrix), reset)
        chans = np.rollaxis(x, 2, 0)
        chans = [scipy.ndimage.affine_transform(c, transform_matrix[:2, :2], transform_matrix[:2, 2], order=0,
                                                mode=fill_mode, cval=cval) for c in chans]
        x = np.rollaxis(np.stack(chans, 0), 0, 3)
    if flip_h:
        x = x[:, ::-1]
    if flip_v:
        x = x[::-1]
    return x


def augmentation_cases():
    rng = np.random.default_rng(11)
    x = smooth_rgb(rng, 23, 31).astype(np.float32)   # non-square: exposes the x<->y swap and centre
    x[5:9, 20:26] = [250.0, 10.0, 128.5]
    add("augment.input", {}, {"x": x}, why="input (0-255 floats)")
    sq = smooth_rgb(rng, 20, 20).astype(np.float32)
    add("augment.input_square", {}, {"x": sq}, why="input (0-255 floats)")
    P = lambda **kw: {**dict(theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0,
                             flip_horizontal=False, flip_vertical=False), **kw}
    specs = [
        ("identity", P()),
        ("rotation", P(theta=27.5)),
        ("rotation_negative", P(theta=-40.0)),
        ("shift", P(tx=3.7, ty=-5.2)),
        ("shift_integer", P(tx=2.0, ty=-3.0)),
        ("shear", P(shear=17.0)),
        ("zoom", P(zx=0.83, zy=1.17)),
        ("zoom_in", P(zx=0.5, zy=0.5)),
        ("flip_h", P(flip_horizontal=True)),
        ("flip_v", P(flip_vertical=True)),
        ("combined", P(theta=-33.3, tx=-2.5, ty=4.1, shear=-12.0, zx=1.13, zy=0.91, flip_horizontal=True)),
        ("combined2", P(theta=12.0, tx=6.0, ty=1.5, shear=9.0, zx=0.8, zy=1.2, flip_vertical=True, flip_horizontal=True)),
    ]
    fills = [("nearest", 0.0), ("constant", 0.0), ("constant", 17.5), ("reflect", 0.0), ("wrap", 0.0)]
    for input_name, img in [("augment.input", x), ("augment.input_square", sq)]:
        for sname, params in specs:
            for fill, cval in fills:
                if sname in ("identity", "flip_h", "flip_v") and fill != "nearest":
                    continue
                if input_name.endswith("square") and fill not in ("nearest", "wrap"):
                    continue
                gen = kimage.ImageDataGenerator(fill_mode=fill, cval=cval)
                out = gen.apply_transform(img.copy(), dict(params))
                tag = f"{fill}{'' if cval == 0 else '_' + str(cval)}"
                add(f"augment.keras3.{input_name.split('.')[-1]}.{sname}.{tag}",
                    {"input": input_name, "fill_mode": fill, "cval": cval, "preset": "keras3", **params},
                    {"y": out}, tolerance=1e-3,
                    why="max |Δ| ≤ 1e-3 on 0–255 values: Keras 3 apply_transform (scipy affine_transform order 1); "
                        "float64 matrix products may differ in the last bits")
                out = book_transform(img.copy(), params["theta"], params["tx"], params["ty"],
                                     np.deg2rad(params["shear"]), params["zx"], params["zy"],
                                     params["flip_horizontal"], params["flip_vertical"], fill, cval)
                add(f"augment.book.{input_name.split('.')[-1]}.{sname}.{tag}",
                    {"input": input_name, "fill_mode": fill, "cval": cval, "preset": "book",
                     **{**params, "shear": float(np.deg2rad(params["shear"]))}},
                    {"y": out}, tolerance=1e-3,
                    why="max |Δ| ≤ 1e-3: Keras 2.0.8 transform (order 0, centre size/2+0.5, no axis swap, shear in "
                        "radians) run through scipy")


def keras_stream_cases():
    """Keras' parameter draws from NumPy's global RandomState, for Finetune's `.kerasStream` mode."""
    configs = [
        ("seed_recipe", dict(rotation_range=40, width_shift_range=0.2, height_shift_range=0.2, shear_range=0.2,
                             zoom_range=0.2, horizontal_flip=True)),
        ("flips_only", dict(horizontal_flip=True, vertical_flip=True)),
        ("nothing", dict()),
        ("zoom_range", dict(zoom_range=[0.7, 1.1], rotation_range=10, width_shift_range=3.0)),
    ]
    for name, cfg in configs:
        gen = kimage.ImageDataGenerator(**cfg)
        np.random.seed(1234)
        rows = []
        for _ in range(6):
            p = gen.get_random_transform((15, 11, 3))
            rows.append([p["theta"], p["tx"], p["ty"], p["shear"], p["zx"], p["zy"],
                         float(p["flip_horizontal"]), float(p["flip_vertical"])])
        after = np.random.random()
        add(f"keras_stream.{name}", {"config": cfg, "image_shape": [15, 11, 3], "seed": 1234, "next_draw": after},
            {"params": np.array(rows, dtype=np.float64)}, tolerance=1e-6,
            why="float32 storage of float64 draws; params are MT19937 draws, reproduced exactly in Double")
    # RandomState permutations, as Keras' Iterator draws them.
    perms = []
    for seed, n in [(0, 10), (1, 1), (42, 2000), (7, 12), (4294967295, 33), (123, 400)]:
        p = np.random.RandomState(seed).permutation(n)
        add(f"permutation.{seed}.{n}", {"seed": seed, "n": n}, {"p": p}, why="exact: NumPy legacy permutation")


# ------------------------------------------------------------------------------------------------
def make_tree():
    """A tiny flow_from_directory layout; tree/train has odd class names, nested folders and mixed
    extensions (Keras walks class folders recursively and matches extensions case-insensitively)."""
    rng = np.random.default_rng(99)
    if TREE.exists():
        shutil.rmtree(TREE)
    layout = {
        "train/B_upper/b1.JPG": "jpg", "train/B_upper/b0.png": "png", "train/B_upper/notes.txt": None,
        "train/a_lower/z.jpeg": "jpg", "train/a_lower/a.bmp": "bmp", "train/a_lower/sub/inner.png": "png",
        "train/a_lower/sub-2/dash.ppm": "ppm", "train/a_lower/A.Png": "png",
        "train/caf\u00e9 space/only.jpg": "jpg", "train/caf\u00e9 space/two.jpg": "jpg",
        "train/\u00fcber/x.png": "png", "train/\u00fcber/y.jpg": "jpg",
        "train/loose_file.jpg": "jpg",
    }
    for i, (rel, kind) in enumerate(sorted(layout.items())):
        path = TREE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind is None:
            path.write_text("not an image\n")
            continue
        h, w = 9 + i % 4, 7 + (i * 3) % 5
        im = Image.fromarray(smooth_rgb(rng, h, w))
        im.save(path, {"jpg": "JPEG", "png": "PNG", "bmp": "BMP", "ppm": "PPM"}[kind])


def flow_cases():
    root = TREE / "train"

    def generator(cfg):
        cfg = dict(cfg)
        mode = cfg.pop("preprocessing", None)
        if mode == "caffe":
            cfg["preprocessing_function"] = vgg16.preprocess_input
        elif mode in ("tf", "torch"):
            cfg["preprocessing_function"] = lambda x, m=mode: imagenet_utils.preprocess_input(x, mode=m)
        elif mode == "lite":   # EfficientNet-Lite's (x - 127) / 128, as float32 NumPy computes it
            cfg["preprocessing_function"] = lambda x: (x - np.float32(127)) / np.float32(128)
        return kimage.ImageDataGenerator(**cfg)

    def run(name, cfg, passes_index=3, batches=4, **kw):
        gen = generator(cfg)
        it = gen.flow_from_directory(str(root), **kw)
        order_it = gen.flow_from_directory(str(root), **kw)
        order = []
        for _ in range(passes_index * len(order_it)):
            order.append(np.asarray(next(order_it.index_generator)).tolist())
        tensors = {}
        for b in range(batches):
            out = next(it)
            if isinstance(out, tuple):
                bx, by = out
                tensors[f"labels{b}"] = by
            else:
                bx = out
            tensors[f"images{b}"] = bx
        params = {"directory": "tree/train", "filenames": [f.replace(os.sep, "/") for f in it.filenames],
                  "classes": it.classes.tolist(), "class_indices": it.class_indices, "order": order,
                  "batches": batches, "generator": cfg,
                  "kwargs": {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}}
        add(f"flow.{name}", params, tensors, tolerance=1e-3,
            why="images within 1e-3 absolute (augmented ones go through float64 matrices); order exact")

    plain = dict(rescale=1.0 / 255)
    run("noshuffle_binary", plain, target_size=(6, 5), batch_size=5, class_mode="binary", shuffle=False)
    run("shuffle_categorical", plain, target_size=(6, 5), batch_size=5, class_mode="categorical", shuffle=True, seed=7)
    run("sparse_bilinear", plain, target_size=(11, 4), batch_size=4, class_mode="sparse", shuffle=True, seed=3,
        interpolation="bilinear")
    run("none_mode", plain, target_size=(6, 5), batch_size=12, class_mode=None, shuffle=False, batches=2)
    run("caffe", dict(preprocessing="caffe"), target_size=(6, 5), batch_size=5, class_mode="binary", shuffle=False,
        batches=3)
    for mode in ("tf", "torch", "lite"):
        run(mode, dict(preprocessing=mode), target_size=(6, 5), batch_size=5, class_mode="binary", shuffle=False,
            batches=2)
    aug = dict(rescale=1.0 / 255, rotation_range=40, width_shift_range=0.2, height_shift_range=0.2,
               shear_range=0.2, zoom_range=0.2, horizontal_flip=True, fill_mode="nearest")
    run("augmented_seed_recipe", aug, target_size=(8, 8), batch_size=5, class_mode="binary", shuffle=True, seed=5,
        batches=5)
    aug2 = dict(rotation_range=25, zoom_range=[0.8, 1.3], vertical_flip=True, fill_mode="reflect")
    run("augmented_reflect_noshuffle", aug2, target_size=(9, 6), batch_size=7, class_mode="categorical",
        shuffle=False, seed=17, batches=3)

    # ImageDataGenerator.flow over in-memory arrays (NumpyArrayIterator), for ArraySource.
    rng = np.random.default_rng(5)
    xs = rng.uniform(0, 255, (7, 6, 5, 3)).astype(np.float32)
    ys = np.arange(7, dtype=np.float32) % 2
    add("array.input", {}, {"x": xs, "y": ys}, why="input")
    for name, cfg, kw in [
        ("plain_shuffle", dict(rescale=0.5), dict(batch_size=3, shuffle=True, seed=9)),
        ("augmented", dict(rotation_range=30, width_shift_range=0.1, horizontal_flip=True, fill_mode="constant",
                           cval=3.0), dict(batch_size=3, shuffle=True, seed=2)),
    ]:
        it = generator(cfg).flow(xs, ys, **kw)
        tensors = {}
        for b in range(5):
            bx, by = next(it)
            tensors[f"images{b}"] = bx
            tensors[f"labels{b}"] = by
        add(f"array.{name}", {"generator": cfg, "kwargs": kw}, tensors, tolerance=1e-3,
            why="within 1e-3 absolute: Keras NumpyArrayIterator batches")


# ------------------------------------------------------------------------------------------------
def photo_digests():
    if not PHOTOS.exists():
        print(f"   {PHOTOS} absent: photos.json not written")
        return
    entries = {}
    for path in sorted(PHOTOS.rglob("*.jpg")):
        rel = path.relative_to(PHOTOS).as_posix()
        with Image.open(path) as im:
            rgb = im.convert("RGB")
            entry = {"width": rgb.size[0], "height": rgb.size[1],
                     "rgb": hashlib.sha256(rgb.tobytes()).hexdigest()[:16]}
            for flt, code in [("nearest", Image.Resampling.NEAREST), ("bilinear", Image.Resampling.BILINEAR)]:
                entry[f"{flt}150"] = hashlib.sha256(rgb.resize((150, 150), code).tobytes()).hexdigest()[:16]
        entries[rel] = entry
    doc = {"generator": "Goldens/gen_data.py", "what": "first 16 hex digits of SHA-256 over Pillow's RGB bytes "
           "(row-major, 3 bytes a pixel): full decode, and 150x150 NEAREST / BILINEAR resizes", "photos": entries}
    (OUT / "photos.json").write_text(json.dumps(doc, indent=0, sort_keys=True) + "\n")


def main():
    if OUT.exists():
        for p in OUT.glob("*.f32"):
            p.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    make_fixtures()
    decode_cases()
    augmentation_cases()
    keras_stream_cases()
    make_tree()
    flow_cases()
    photo_digests()
    sys.path.insert(0, str(HERE))
    import goldens_io
    manifest = {"generator": "Goldens/gen_data.py",
                "versions": goldens_io.library_versions(
                    {"numpy": np.__version__, "pillow": PIL.__version__, "scipy": scipy.__version__,
                     "keras": keras.__version__, "python": sys.version.split()[0]}),
                "environment": goldens_io.environment(),
                "cases": cases}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"   {len(cases)} cases, {size / 1e6:.2f} MB under {OUT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
