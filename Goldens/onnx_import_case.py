#!/usr/bin/env python3
"""Independent cases for `finetune import` (run by .ci/onnx in .venv-onnx: numpy, onnx): VGG16,
ResNet50 and MobileNetV2 "trained elsewhere", as PyTorch lays them out, against the Keras-named
weights they must become.

    python Goldens/onnx_import_case.py write BACKBONE DIR   writes DIR/model.onnx, DIR/torch.safetensors,
                                                              DIR/expected.npz, DIR/stored.npz
    python Goldens/onnx_import_case.py check DIR             compares DIR/from-onnx.safetensors and
                                                              DIR/from-safetensors.safetensors (written
                                                              by `finetune import`) with them

The layer lists — names, kinds, shapes and order — are Keras' (`model.layers` of
keras.applications.VGG16 / ResNet50 / MobileNetV2(alpha=1.0), include_top=False, from
keras/src/applications/*.py): VGG16's 13 biased convolutions; ResNet50's biased convolutions and
batch normalizations (epsilon 1.001e-5) in Keras' order, which puts a block's shortcut
`_0_conv` after `_2_relu` and `_0_bn` after `_3_conv`; MobileNetV2's unbiased convolutions,
depthwise convolutions and batch normalizations (epsilon 1e-3). Weights are seeded normal
float32, batch normalization values uniform (variances in [0.5, 2]).

The ONNX model (opset 13, built with onnx.helper, wired as the network — residual Adds included —
and passing onnx.checker's full check) has Conv nodes (OIHW kernels, depthwise as group =
channels), BatchNormalization nodes with PyTorch's epsilon 1e-5, ReLU / Clip(0, 6), pooling, and a
Gemm classifier with transB = 1 (PyTorch's Linear) at the end. As PyTorch's exporter does, the
first batch normalization is folded into the first convolution (a Conv with a bias). Expected, by
Keras name: kernels transposed to HWIO ((kh, kw, C, 1) for depthwise); biases, gamma, beta and
mean as stored; variance + 1e-5 − the Keras epsilon (float64, rounded once to float32: finetune
moves the epsilon into the variance); the first convolution's kernel and bias folded and its
batch normalization the identity (gamma 1, beta the folded bias when the convolution has none,
else 0; mean 0; variance 1 − epsilon in float32). The classifier is left out.

The safetensors file holds the same weights unfolded under PyTorch names (`features.N.weight`,
`.bias`, `.running_mean`, `.running_var` and the int64 `.num_batches_tracked` that PyTorch's
`state_dict` holds, which finetune leaves out) in PyTorch layouts, in Keras' order; a
safetensors file records no epsilon, so the stored values are expected unchanged (stored.npz).
"""
import json
import pathlib
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

EPS_TORCH = 1e-5
EPS_KERAS = {"vgg16": None, "resnet50": 1.001e-5, "mobilenetv2": 1e-3}
SIZE = 32


class Network:
    """The ONNX graph and the Keras-order list of layers with weights, built together."""

    def __init__(self, backbone, rng):
        self.backbone, self.rng, self.eps = backbone, rng, EPS_KERAS[backbone]
        self.nodes, self.arrays = [], {}   # ONNX nodes; initializer name -> array
        self.layers = []                   # (Keras name, kind, [Keras-layout arrays]) in Keras order
        self.folded = None                 # (conv name, bn name): the batch normalization PyTorch folds
        self.count = 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, name, array):
        self.arrays[name] = np.asarray(array)
        return name

    def node(self, op, inputs, name, **attrs):
        out = self.name(name)
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def conv(self, name, x, cin, cout, k, stride=1, bias=True, depthwise=False):
        fan_in = k * k * (1 if depthwise else cin)
        kernel = (self.rng.standard_normal((k, k, cin, 1 if depthwise else cout)) * np.sqrt(2 / fan_in)).astype(np.float32)
        arrays = [kernel] + ([self.rng.uniform(-0.1, 0.1, cout).astype(np.float32)] if bias else [])
        self.layers.append((name, "depthwise" if depthwise else "conv", arrays))
        w = kernel.transpose(2, 3, 0, 1) if depthwise else kernel.transpose(3, 2, 0, 1)   # (C, 1, kh, kw) / OIHW
        inputs = [x, self.const(name + ".weight", w)] + ([self.const(name + ".bias", arrays[1])] if bias else [])
        attrs = dict(kernel_shape=[k, k], pads=[k // 2] * 4, strides=[stride, stride])
        if depthwise:
            attrs["group"] = cin
        return self.node("Conv", inputs, name, **attrs)

    def bn(self, name, x, c):
        arrays = [self.rng.uniform(0.5, 1.5, c), self.rng.uniform(-0.2, 0.2, c), self.rng.uniform(-0.3, 0.3, c),
                  self.rng.uniform(0.5, 2, c)]
        arrays = [a.astype(np.float32) for a in arrays]
        self.layers.append((name, "bn", arrays))
        if self.folded is None:   # PyTorch's exporter folds it into the convolution before it
            conv_name, _, conv_arrays = self.layers[-2]
            self.folded = (conv_name, name)
            gamma, beta, mean, var = (a.astype(np.float64) for a in arrays)
            scale = gamma / np.sqrt(var + EPS_TORCH)
            kernel = (conv_arrays[0] * scale).astype(np.float32)
            bias0 = conv_arrays[1].astype(np.float64) if len(conv_arrays) > 1 else 0
            bias = ((bias0 - mean) * scale + beta).astype(np.float32)
            self.folding = (kernel, bias)
            conv_node = next(n for n in self.nodes if n.name == conv_name)
            self.const(conv_name + ".weight", kernel.transpose(3, 2, 0, 1))
            if len(conv_node.input) == 2:
                conv_node.input.append(self.const(conv_name + ".bias", bias))
            else:
                self.const(conv_name + ".bias", bias)
            return x
        ins = [x] + [self.const(f"{name}.{p}", a) for p, a in zip(["weight", "bias", "running_mean", "running_var"], arrays)]
        return self.node("BatchNormalization", ins, name, epsilon=EPS_TORCH)

    def relu(self, x, cap=None):
        if cap is None:
            return self.node("Relu", [x], self.name("relu"))
        lo, hi = self.const(self.name("clip_min"), np.float32(0)), self.const(self.name("clip_max"), np.float32(cap))
        return self.node("Clip", [x, lo, hi], self.name("relu6"))

    def expected(self):
        """Keras name -> what `finetune import` must write for the ONNX model, and for the safetensors file."""
        onnx_values, stored = {}, {}
        for name, kind, arrays in self.layers:
            keys = ["gamma", "beta", "moving_mean", "moving_variance"] if kind == "bn" else ["kernel", "bias"]
            for key, a in zip(keys, arrays):
                stored[f"{name}/{key}"] = a
                onnx_values[f"{name}/{key}"] = a
            if kind == "bn":
                onnx_values[name + "/moving_variance"] = (arrays[3].astype(np.float64)
                                                          + (np.float64(np.float32(EPS_TORCH)) - self.eps)).astype(np.float32)
        conv, bn = self.folded
        kernel, bias = self.folding
        c = kernel.shape[-1]
        onnx_values[conv + "/kernel"] = kernel
        has_bias = conv + "/bias" in stored
        if has_bias:
            onnx_values[conv + "/bias"] = bias
        onnx_values.update({bn + "/gamma": np.ones(c, np.float32), bn + "/beta": np.zeros(c, np.float32) if has_bias else bias,
                            bn + "/moving_mean": np.zeros(c, np.float32),
                            bn + "/moving_variance": np.full(c, np.float32(1 - self.eps), np.float32)})
        return onnx_values, stored


def vgg16(net, x):
    cin = 3
    for b, (filters, convs) in enumerate(zip([64, 128, 256, 512, 512], [2, 2, 3, 3, 3])):
        for i in range(convs):
            x = net.relu(net.conv(f"block{b + 1}_conv{i + 1}", x, cin, filters, 3))
            cin = filters
        x = net.node("MaxPool", [x], f"block{b + 1}_pool", kernel_shape=[2, 2], strides=[2, 2])
    return x, cin


def resnet50(net, x):
    x = net.relu(net.bn("conv1_bn", net.conv("conv1_conv", x, 3, 64, 7, stride=2), 64))
    x = net.node("MaxPool", [x], "pool1_pool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for s, (filters, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]):
        for b in range(1, blocks + 1):
            p, st = f"conv{s + 2}_block{b}_", stride if b == 1 else 1
            y = net.relu(net.bn(p + "1_bn", net.conv(p + "1_conv", x, cin, filters, 1, stride=st), filters))
            y = net.relu(net.bn(p + "2_bn", net.conv(p + "2_conv", y, filters, filters, 3), filters))
            if b == 1:   # Keras' order: _0_conv, _3_conv, _0_bn, _3_bn
                shortcut = net.conv(p + "0_conv", x, cin, 4 * filters, 1, stride=st)
                y = net.conv(p + "3_conv", y, filters, 4 * filters, 1)
                shortcut = net.bn(p + "0_bn", shortcut, 4 * filters)
            else:
                shortcut = x
                y = net.conv(p + "3_conv", y, filters, 4 * filters, 1)
            y = net.bn(p + "3_bn", y, 4 * filters)
            x = net.relu(net.node("Add", [shortcut, y], p + "add"))
            cin = 4 * filters
    return x, cin


def mobilenetv2(net, x):
    x = net.relu(net.bn("bn_Conv1", net.conv("Conv1", x, 3, 32, 3, stride=2, bias=False), 32), 6)
    x = net.relu(net.bn("expanded_conv_depthwise_BN", net.conv("expanded_conv_depthwise", x, 32, 32, 3, bias=False, depthwise=True), 32), 6)
    x = net.bn("expanded_conv_project_BN", net.conv("expanded_conv_project", x, 32, 16, 1, bias=False), 16)
    cin, block = 16, 1
    for t, c, n, s in [(6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            p, e = f"block_{block}_", cin * t
            y = net.relu(net.bn(p + "expand_BN", net.conv(p + "expand", x, cin, e, 1, bias=False), e), 6)
            y = net.relu(net.bn(p + "depthwise_BN", net.conv(p + "depthwise", y, e, e, 3, stride=s if i == 0 else 1,
                                                               bias=False, depthwise=True), e), 6)
            y = net.bn(p + "project_BN", net.conv(p + "project", y, e, c, 1, bias=False), c)
            x = net.node("Add", [x, y], p + "add") if i > 0 else y
            cin, block = c, block + 1
    return net.relu(net.bn("Conv_1_bn", net.conv("Conv_1", x, 320, 1280, 1, bias=False), 1280), 6), 1280


def write(backbone, folder):
    folder.mkdir(parents=True, exist_ok=True)
    net = Network(backbone, np.random.default_rng(24))
    x, channels = {"vgg16": vgg16, "resnet50": resnet50, "mobilenetv2": mobilenetv2}[backbone](net, "input")
    if backbone == "vgg16":   # no batch normalization to fold: the expectations are the stored values
        net.folded = None
    classifier = (net.rng.standard_normal((1000, channels)) * 0.01).astype(np.float32)   # PyTorch Linear: (out, in)
    x = net.node("GlobalAveragePool", [x], "pool")
    x = net.node("Flatten", [x], "flatten", axis=1)
    net.nodes.append(helper.make_node("Gemm", [x, net.const("classifier.1.weight", classifier),
                                               net.const("classifier.1.bias", np.zeros(1000, np.float32))],
                                      ["logits"], name="classifier", transB=1))
    inits = [numpy_helper.from_array(a, n) for n, a in net.arrays.items()]
    graph = helper.make_graph(net.nodes, backbone, [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, SIZE, SIZE])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1000])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx_import_case.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(folder / "model.onnx"))
    if net.folded is None:
        onnx_values = stored = {f"{n}/{k}": a for n, _, arrays in net.layers for k, a in zip(["kernel", "bias"], arrays)}
    else:
        onnx_values, stored = net.expected()
    np.savez(folder / "expected.npz", **onnx_values)
    np.savez(folder / "stored.npz", **stored)

    # The same network unfolded as a PyTorch state dict in safetensors, in Keras' order.
    tensors = []
    for index, (name, kind, arrays) in enumerate(net.layers):
        prefix = f"features.{index}"
        if kind == "bn":
            tensors += [(f"{prefix}.{p}", a) for p, a in zip(["weight", "bias", "running_mean", "running_var"], arrays)]
            tensors.append((f"{prefix}.num_batches_tracked", np.array(1000 + index, dtype=np.int64)))
        else:
            w = arrays[0].transpose(2, 3, 0, 1) if kind == "depthwise" else arrays[0].transpose(3, 2, 0, 1)
            tensors += [(prefix + ".weight", w)] + ([(prefix + ".bias", arrays[1])] if len(arrays) > 1 else [])
    tensors += [("classifier.1.weight", classifier), ("classifier.1.bias", np.zeros(1000, np.float32))]
    header, offset, blobs = {}, 0, []
    for name, a in tensors:
        integer = a.dtype == np.int64
        data = np.ascontiguousarray(a, dtype="<i8" if integer else "<f4").tobytes()
        header[name] = {"dtype": "I64" if integer else "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    (folder / "torch.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    print(f"onnx_import_case: {backbone}: wrote {folder}/model.onnx ({len(net.nodes)} nodes, {len(net.layers)} layers with weights), "
          "torch.safetensors, expected.npz, stored.npz")


def read_safetensors(path):
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    return {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], "<f4").reshape(v["shape"])
            for k, v in header.items()}


def check(folder):
    failed = 0
    for file, reference in [("from-onnx.safetensors", "expected.npz"), ("from-safetensors.safetensors", "stored.npz")]:
        got, want = read_safetensors(folder / file), dict(np.load(folder / reference))
        problems = [f"{k}: missing or extra" for k in sorted(set(want) ^ set(got))]
        for key in sorted(set(want) & set(got)):
            if got[key].shape != want[key].shape:
                problems.append(f"{key}: shape {got[key].shape}, expected {want[key].shape}")
            elif not np.array_equal(got[key].view(np.uint32), want[key].view(np.uint32)):
                problems.append(f"{key}: max |difference| {np.max(np.abs(got[key] - want[key])):.3g}")
        print(("ok    " if not problems else "FAIL  ") + f"{folder.name}/{file}: {len(got)} tensors, bit for bit as Keras names them"
              + ("" if not problems else f"; {len(problems)} differ, first: {problems[:3]}"))
        failed += bool(problems)
    return failed


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], pathlib.Path(sys.argv[3]))
    else:
        sys.exit(1 if check(pathlib.Path(sys.argv[2])) else 0)
