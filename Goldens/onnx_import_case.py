#!/usr/bin/env python3
"""An independent case for `finetune import` (run by .ci/onnx in .venv-onnx: numpy, onnx):
MobileNetV2 "trained elsewhere", as PyTorch lays it out, against the Keras-named weights it must
become.

    python Goldens/onnx_import_case.py write DIR   writes DIR/mobilenetv2.onnx,
                                                     DIR/mobilenetv2-torch.safetensors, DIR/expected.npz
    python Goldens/onnx_import_case.py check DIR   compares DIR/from-onnx.safetensors and
                                                     DIR/from-safetensors.safetensors (written by
                                                     `finetune import`) with DIR/expected.npz

The layer list — names, kinds and shapes — is Keras' MobileNetV2 (alpha 1.0, include_top=False,
keras/src/applications/mobilenet_v2.py): `Conv1`, `bn_Conv1`, `expanded_conv_depthwise`, …,
`block_16_project_BN`, `Conv_1`, `Conv_1_bn`; convolutions without bias, batch normalization
epsilon 1e-3. Weights are seeded normal float32; moving variances in [0.5, 2].

The ONNX model (opset 13, built with onnx.helper, passes onnx.checker's full check) is a chain of
Conv (OIHW kernels, depthwise as group = channels) and BatchNormalization nodes with PyTorch's
epsilon 1e-5, ReLU6 as Clip, then GlobalAveragePool, Flatten and a Gemm classifier with
transB = 1 (PyTorch's Linear). As PyTorch's exporter does, the first BatchNormalization is folded
into `Conv1` (a Conv with a bias). Expected, by Keras name: every kernel transposed to HWIO
((kh, kw, C, 1) for depthwise), gamma, beta and mean as stored, variance + 1e-5 - 1e-3 (float64,
rounded once to float32; finetune moves the epsilon into the variance); `Conv1/kernel` the folded
kernel and `bn_Conv1` the identity (gamma 1, beta the folded bias, mean 0, variance 1 - 1e-3 in
float32). The classifier is left out.

The safetensors file holds the same weights unfolded under PyTorch names (`features.N.weight`,
`.running_mean`, …, no `num_batches_tracked`), PyTorch layouts, in model order; a safetensors file
records no epsilon, so its variances are expected unchanged and `bn_Conv1` as stored.
"""
import json
import pathlib
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

EPS_KERAS, EPS_TORCH = 1e-3, 1e-5


def layers():
    """Keras' MobileNetV2 layers with weights, in model.layers order: (name, kind, shape)."""
    out = []
    conv = lambda n, cin, cout, k: out.append((n, "conv", (k, k, cin, cout)))
    dw = lambda n, c: out.append((n, "depthwise", (3, 3, c, 1)))
    bn = lambda n, c: out.append((n, "bn", (c,)))
    conv("Conv1", 3, 32, 3); bn("bn_Conv1", 32)
    dw("expanded_conv_depthwise", 32); bn("expanded_conv_depthwise_BN", 32)
    conv("expanded_conv_project", 32, 16, 1); bn("expanded_conv_project_BN", 16)
    cin, block = 16, 1
    for t, c, n, _ in [(6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for _ in range(n):
            p = f"block_{block}_"
            conv(p + "expand", cin, cin * t, 1); bn(p + "expand_BN", cin * t)
            dw(p + "depthwise", cin * t); bn(p + "depthwise_BN", cin * t)
            conv(p + "project", cin * t, c, 1); bn(p + "project_BN", c)
            cin, block = c, block + 1
    conv("Conv_1", 320, 1280, 1); bn("Conv_1_bn", 1280)
    return out


def weights(rng):
    """Keras-layout weights by layer: conv/depthwise kernel (HWIO), bn (gamma, beta, mean, variance)."""
    w = {}
    for name, kind, shape in layers():
        if kind == "bn":
            c = shape[0]
            w[name] = [rng.uniform(0.5, 1.5, c), rng.uniform(-0.2, 0.2, c), rng.uniform(-0.3, 0.3, c), rng.uniform(0.5, 2, c)]
            w[name] = [a.astype(np.float32) for a in w[name]]
        else:
            fan_in = shape[0] * shape[1] * (shape[2] if kind == "conv" else 1)
            w[name] = [(rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)]
    return w


def oihw(kernel, kind):
    return kernel.transpose(3, 2, 0, 1) if kind == "conv" else kernel.transpose(2, 3, 0, 1)  # depthwise → (C, 1, kh, kw)


def write(folder):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(24)
    w = weights(rng)
    names = layers()
    expected = {}
    # ONNX: the torch-style variances (σ² as PyTorch would store it for the same σ² + ε the test expects back).
    nodes, inits, x, channels = [], [], "input", 3
    const = lambda name, array: inits.append(numpy_helper.from_array(np.asarray(array), name)) or name
    relu_min, relu_max = const("relu6_min", np.float32(0)), const("relu6_max", np.float32(6))
    i = 0
    while i < len(names):
        name, kind, shape = names[i]
        if kind != "bn":
            k = shape[0]
            attrs = dict(kernel_shape=[k, k], pads=[k // 2] * 4, strides=[1, 1])
            kernel = w[name][0]
            inputs = [x]
            if name == "Conv1":   # PyTorch folds bn_Conv1 into the convolution
                gamma, beta, mean, var = w["bn_Conv1"]
                scale = (gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + EPS_TORCH))
                folded = (kernel * scale).astype(np.float32)
                bias = ((0 - mean.astype(np.float64)) * scale + beta).astype(np.float32)
                inputs += [const("Conv1.weight", oihw(folded, kind)), const("Conv1.bias", bias)]
                expected["Conv1/kernel"] = folded
                expected["bn_Conv1/gamma"] = np.ones_like(gamma)
                expected["bn_Conv1/beta"] = bias
                expected["bn_Conv1/moving_mean"] = np.zeros_like(mean)
                expected["bn_Conv1/moving_variance"] = np.full_like(var, np.float32(1 - EPS_KERAS))
            else:
                inputs.append(const(name + ".weight", oihw(kernel, kind)))
                expected[name + "/kernel"] = kernel
            if kind == "depthwise":
                attrs["group"] = shape[2]
            nodes.append(helper.make_node("Conv", inputs, [name + "_out"], name=name, **attrs))
            x = name + "_out"
            channels = shape[3] if kind == "conv" else shape[2]
            if name == "Conv1":
                i += 1   # bn_Conv1 is folded
        else:
            gamma, beta, mean, var = w[name]
            torch_var = var   # stored with PyTorch's epsilon
            ins = [x] + [const(f"{name}.{p}", a) for p, a in zip(["weight", "bias", "running_mean", "running_var"],
                                                                  [gamma, beta, mean, torch_var])]
            nodes.append(helper.make_node("BatchNormalization", ins, [name + "_out"], name=name, epsilon=EPS_TORCH))
            x = name + "_out"
            expected[name + "/gamma"], expected[name + "/beta"], expected[name + "/moving_mean"] = gamma, beta, mean
            expected[name + "/moving_variance"] = (var.astype(np.float64)
                                                   + (np.float64(np.float32(EPS_TORCH)) - EPS_KERAS)).astype(np.float32)
            if not name.endswith("project_BN"):
                nodes.append(helper.make_node("Clip", [x, relu_min, relu_max], [name + "_relu6"], name=name + "_relu6"))
                x = name + "_relu6"
        i += 1
    classifier = rng.standard_normal((1000, channels)).astype(np.float32) * 0.01   # PyTorch Linear: (out, in)
    nodes += [helper.make_node("GlobalAveragePool", [x], ["pooled"], name="pool"),
              helper.make_node("Flatten", ["pooled"], ["features"], name="flatten", axis=1),
              helper.make_node("Gemm", ["features", const("classifier.1.weight", classifier),
                                        const("classifier.1.bias", np.zeros(1000, np.float32))],
                               ["logits"], name="classifier", transB=1)]
    graph = helper.make_graph(nodes, "mobilenet_v2", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 32, 32])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1000])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx_import_case.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(folder / "mobilenetv2.onnx"))
    np.savez(folder / "expected.npz", **expected)

    # The same network unfolded as a PyTorch state dict in safetensors, model order.
    tensors = []
    for index, (name, kind, shape) in enumerate(names):
        prefix = f"features.{index}"
        if kind == "bn":
            tensors += [(f"{prefix}.{p}", a) for p, a in zip(["weight", "bias", "running_mean", "running_var"], w[name])]
        else:
            tensors.append((prefix + ".weight", oihw(w[name][0], kind)))
    tensors += [("classifier.1.weight", classifier), ("classifier.1.bias", np.zeros(1000, np.float32))]
    header, offset, blobs = {}, 0, []
    for name, a in tensors:
        data = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    (folder / "mobilenetv2-torch.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    print(f"onnx_import_case: wrote {folder}/mobilenetv2.onnx ({len(nodes)} nodes), mobilenetv2-torch.safetensors, expected.npz")


def read_safetensors(path):
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    return {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], "<f4").reshape(v["shape"])
            for k, v in header.items()}


def check(folder):
    expected = dict(np.load(folder / "expected.npz"))
    failed = 0
    for file, exceptions in [("from-onnx.safetensors", {}), ("from-safetensors.safetensors", "unfolded")]:
        got = read_safetensors(folder / file)
        want = dict(expected)
        if exceptions == "unfolded":   # no folding and no epsilon in the safetensors file: the stored values
            w = weights(np.random.default_rng(24))
            for name, kind, _ in layers():
                if kind == "bn":
                    for p, a in zip(["gamma", "beta", "moving_mean", "moving_variance"], w[name]):
                        want[f"{name}/{p}"] = a
                else:
                    want[name + "/kernel"] = w[name][0]
        problems = sorted(set(want) ^ set(got))
        for key in sorted(set(want) & set(got)):
            if got[key].shape != want[key].shape or not np.array_equal(got[key].view(np.uint32), want[key].view(np.uint32)):
                problems.append(f"{key}: max |difference| {np.max(np.abs(got[key] - want[key])) if got[key].shape == want[key].shape else 'shape ' + str(got[key].shape)}")
        print(("ok    " if not problems else "FAIL  ") + f"{file}: {len(got)} tensors, bit for bit as Keras names them"
              + ("" if not problems else f"; {len(problems)} differ, first: {problems[:3]}"))
        failed += bool(problems)
    return failed


if __name__ == "__main__":
    mode, folder = sys.argv[1], pathlib.Path(sys.argv[2])
    if mode == "write":
        write(folder)
    else:
        sys.exit(1 if check(folder) else 0)
