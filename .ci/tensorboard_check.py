"""Reads Finetune's TensorBoard logs back with TensorBoard's own EventAccumulator and compares
every scalar, image, histogram and text with what Finetune logged.

  python3 .ci/tensorboard_check.py [--expected DIR DIR/expected.json] [--history DIR OUT/history.json]
                                   [--cli DIR EVAL_OUT EVAL_STDOUT CAM_DIR]

  --expected: DIR from `FINETUNE_TENSORBOARD_EXPORT=DIR swift test --filter TensorBoardLogger`;
      expected.json lists the trainer's own numbers, the raw weights and gradients behind each
      histogram, the image's PNG bytes and the phase texts.
  --history: DIR from `demo-catsdogs --tensorboard DIR --out OUT`: per-epoch scalars and phase
      texts against the run's history.json, the augmented-samples image, and the test loss and
      accuracy in the evaluation run against the run's metrics.json.
  --cli: DIR from `finetune evaluate … --out EVAL_OUT --tensorboard DIR > EVAL_STDOUT` and
      `finetune explain … --out CAM_DIR --tensorboard DIR`: the evaluation run alone, its scalars
      against the printed report (loss to its 4 printed decimals; accuracy, precision, recall and
      F1 exactly, from the printed counts), the per-class text, and every image byte for byte
      against the PNG files written to EVAL_OUT and CAM_DIR.

Each also cuts the last record of an event file short (a process killed mid-write) and check that
TensorBoard still reads every earlier record. Prints `tensorboard: N passed, M failed`; exits 1 on
any failure.
"""
import argparse
import json
import os
import re
import shutil
import socket
import struct
import tempfile

import numpy as np
from tensorboard.backend.event_processing import event_accumulator, event_file_loader

passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}")


def load(run_dir):
    acc = event_accumulator.EventAccumulator(
        run_dir, size_guidance={k: 0 for k in event_accumulator.DEFAULT_SIZE_GUIDANCE})
    acc.Reload()
    return acc


def f32(x):
    return float(np.float32(x))


def event_files(run_dir):
    return sorted(f for f in os.listdir(run_dir) if "tfevents" in f)


def check_layout(logdir, runs=("train", "validation")):
    pattern = re.compile(r"^events\.out\.tfevents\.\d+\.%s(\.\d+)?$" % re.escape(socket.gethostname()))
    for run in runs:
        files = event_files(os.path.join(logdir, run))
        check(len(files) >= 1 and all(pattern.match(f) for f in files), f"{run}: event file names {files}")
        for f in files:
            events = list(event_file_loader.EventFileLoader(os.path.join(logdir, run, f)).Load())
            check(events and events[0].file_version == "brain.Event:2", f"{run}/{f}: first record is brain.Event:2")


def check_scalars(acc, run, tag, expected):
    """expected: [(step, value)], compared as float32 (TensorBoard stores simple_value as float)."""
    got = [(e.step, e.value) for e in acc.Scalars(tag)] if tag in acc.Tags()["scalars"] else []
    want = [(int(s), f32(v)) for s, v in expected]
    check(got == want, f"{run}/{tag}: {got} != {want}")


def right_closed_counts(values, limits):
    """Bucket i holds (limits[i-1], limits[i]], the first also the minimum."""
    idx = np.searchsorted(np.asarray(limits), values, side="left")
    return np.bincount(np.minimum(idx, len(limits) - 1), minlength=len(limits)).astype(float)


def check_histogram(acc, tag, step, values, buckets):
    events = [e for e in acc.Histograms(tag) if e.step == step] if tag in acc.Tags()["histograms"] else []
    check(len(events) == 1, f"train/{tag} at step {step}: {len(events)} histograms")
    if len(events) != 1:
        return
    h = events[0].histogram_value
    v = np.asarray(values, dtype=np.float64)
    check(h.min == v.min() and h.max == v.max() and h.num == v.size,
          f"{tag}@{step}: min/max/num {h.min, h.max, h.num} vs {v.min(), v.max(), v.size}")
    check(np.isclose(h.sum, v.sum(), rtol=1e-12, atol=1e-12) and np.isclose(h.sum_squares, (v * v).sum(), rtol=1e-12),
          f"{tag}@{step}: sum/sum_squares {h.sum, h.sum_squares} vs {v.sum(), (v * v).sum()}")
    k = buckets if v.max() > v.min() else 1
    limits = [v.min() + (i + 1) * (v.max() - v.min()) / k for i in range(k - 1)] + [v.max()]
    check(np.allclose(h.bucket_limit, limits, rtol=1e-12, atol=0), f"{tag}@{step}: bucket limits")
    check(list(h.bucket) == list(right_closed_counts(v, h.bucket_limit)), f"{tag}@{step}: bucket counts {list(h.bucket)}")


def check_truncation(run_dir):
    """A copy of the newest event file, cut inside its last record, still reads up to it."""
    name = event_files(run_dir)[-1]
    path = os.path.join(run_dir, name)
    records = list(event_file_loader.RawEventFileLoader(path).Load())
    size = os.path.getsize(path)
    last = 16 + len(records[-1])
    for cut in sorted({1, 4, 5, last // 2, last - 12, last - 1}):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(path, os.path.join(tmp, name))
            os.truncate(os.path.join(tmp, name), size - cut)
            got = list(event_file_loader.RawEventFileLoader(os.path.join(tmp, name)).Load())
            acc = load(tmp)  # must not raise
            check(got == records[:-1] and acc.FirstEventTimestamp() > 0,
                  f"{name} cut by {cut} bytes: {len(got)} of {len(records) - 1} records read back")


def check_expected(logdir, expected):
    runs = {run: load(os.path.join(logdir, run)) for run in ("train", "validation")}
    for run, tags in expected["scalars"].items():
        for tag, points in sorted(tags.items()):
            check_scalars(runs[run], run, tag, points)
    train = runs["train"]
    check([e.step for e in train.Scalars("batch_loss")] == expected["batch_scalar_steps"], "train/batch_loss steps")
    check([e.step for e in train.Scalars("batch_acc")] == expected["batch_scalar_steps"], "train/batch_acc steps")
    for h in expected["histograms"]:
        check_histogram(train, h["tag"], h["step"], h["values"], expected["histogram_buckets"])
    logged = {(t, e.step) for t in train.Tags()["histograms"] for e in train.Histograms(t)}
    check(logged == {(h["tag"], h["step"]) for h in expected["histograms"]}, f"histogram tags/steps {sorted(logged)}")
    for image in expected["images"]:
        events = train.Images(image["tag"])
        png = bytes.fromhex(image["png_hex"])
        width, height = struct.unpack(">II", png[16:24])
        check(len(events) == 1 and events[0].step == image["step"] and events[0].encoded_image_string == png
              and (events[0].width, events[0].height) == (width, height), f"image {image['tag']}")
    check_texts(train, expected["texts"])


def check_texts(train, texts):
    events = train.Tensors("phase") if "phase" in train.Tags()["tensors"] else []
    got = [(e.step, e.tensor_proto.string_val[0].decode()) for e in events]
    check(len(got) == len(texts) and all(s == t["step"] and text.startswith(t["prefix"])
                                         for (s, text), t in zip(got, texts)), f"phase texts {got}")
    meta = train.SummaryMetadata("phase") if events else None
    check(meta is not None and meta.plugin_data.plugin_name == "text", "phase texts are tagged for the text plugin")


def check_history(logdir, history_path):
    with open(history_path) as f:
        epochs = json.load(f)["epochs"]
    train, validation = load(os.path.join(logdir, "train")), load(os.path.join(logdir, "validation"))
    check(len(epochs) > 0, f"{history_path} has epochs")
    steps = [e["epoch"] - 1 for e in epochs]
    check_scalars(train, "train", "epoch_loss", zip(steps, [e["loss"] for e in epochs]))
    check_scalars(train, "train", "epoch_acc", zip(steps, [e["acc"] for e in epochs]))
    check_scalars(train, "train", "epoch_learning_rate", zip(steps, [e["lr"] for e in epochs]))
    check_scalars(validation, "validation", "epoch_loss", zip(steps, [e["val_loss"] for e in epochs]))
    check_scalars(validation, "validation", "epoch_acc", zip(steps, [e["val_acc"] for e in epochs]))
    first = {}
    for e in epochs:
        first.setdefault(e["phase"], e["epoch"])
    check_texts(train, [{"step": epoch - 1, "prefix": f"Phase {phase}: epochs {epoch}–"}
                        for phase, epoch in sorted(first.items())])
    images = train.Images("augmented_samples") if "augmented_samples" in train.Tags()["images"] else []
    check(len(images) == 1 and images[0].encoded_image_string.startswith(b"\x89PNG"), "augmented_samples image")
    with open(os.path.join(os.path.dirname(history_path), "metrics.json")) as f:
        metrics = json.load(f)
    evaluation = load(os.path.join(logdir, "evaluation"))
    step = evaluation_step(evaluation)
    check(step is not None and step > 0, f"evaluation: one positive step for the test scores, got {step}")
    check_scalars(evaluation, "evaluation", "evaluation_loss_vs_iterations", [(step, metrics["test_loss"])])
    check_scalars(evaluation, "evaluation", "evaluation_acc_vs_iterations", [(step, metrics["test_acc"])])
    return step


def evaluation_step(acc):
    """The one step every scalar, image and text of an evaluation run was logged at, or None."""
    tags = acc.Tags()
    steps = {e.step for t in tags["scalars"] for e in acc.Scalars(t)}
    steps |= {e.step for t in tags["images"] for e in acc.Images(t)}
    steps |= {e.step for t in tags["tensors"] for e in acc.Tensors(t)}
    return steps.pop() if len(steps) == 1 else None


def parse_report(path):
    """`finetune evaluate`'s printed report: loss, hits, count, class names, confusion matrix, the
    per-class table's printed cells, and the step it says it logged at."""
    with open(path) as f:
        lines = f.read().splitlines()
    loss = float(re.match(r"loss: (\S+)", lines[0]).group(1))
    hits, count = map(int, re.match(r"accuracy: \S+ \((\d+) of (\d+)\)", lines[1]).group(1, 2))
    header = lines.index(next(l for l in lines if l.strip().startswith("class  precision")))
    table = {}
    for line in lines[header + 1:]:
        if not line.strip():
            break
        name, *cells = line.split()
        table[name] = cells
    start = lines.index("confusion matrix (rows: true class, columns: predicted):") + 2
    matrix = [list(map(int, l.split()[1:])) for l in lines[start:start + len(table)]]
    step = int(re.search(r"evaluation at step (\d+);", "\n".join(lines)).group(1))
    return loss, hits, count, list(table), matrix, table, step


def check_png(acc, tag, path, step):
    with open(path, "rb") as f:
        png = f.read()
    width, height = struct.unpack(">II", png[16:24])
    events = acc.Images(tag) if tag in acc.Tags()["images"] else []
    check(len(events) == 1 and events[0].step == step and events[0].encoded_image_string == png
          and (events[0].width, events[0].height) == (width, height), f"evaluation/{tag} is {path} byte for byte at step {step}")


def check_cli(logdir, eval_out, report_path, cam_dir):
    check(sorted(os.listdir(logdir)) == ["evaluation"], f"{logdir}: only an evaluation run, got {sorted(os.listdir(logdir))}")
    check_layout(logdir, runs=("evaluation",))
    acc = load(os.path.join(logdir, "evaluation"))
    loss, hits, count, classes, matrix, table, step = parse_report(report_path)
    check(evaluation_step(acc) == step, f"evaluation: everything at the printed step {step}, got {evaluation_step(acc)}")
    got = [(e.step, e.value) for e in acc.Scalars("evaluation_loss_vs_iterations")]
    check(len(got) == 1 and got[0][0] == step and abs(got[0][1] - loss) <= 5e-5 + 1e-7,
          f"evaluation_loss_vs_iterations {got} vs printed {loss}")
    check_scalars(acc, "evaluation", "evaluation_acc_vs_iterations", [(step, hits / count)])
    for c, name in enumerate(classes):
        tp, predicted, actual = matrix[c][c], sum(row[c] for row in matrix), sum(matrix[c])
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        for tag, value in (("precision", precision), ("recall", recall), ("f1", f1)):
            check_scalars(acc, "evaluation", f"{tag}/{name}", [(step, value)])
    texts = acc.Tensors("per_class") if "per_class" in acc.Tags()["tensors"] else []
    text = texts[0].tensor_proto.string_val[0].decode() if len(texts) == 1 else ""
    check(text.startswith("| class | precision | recall | F1 | support |")
          and all(f"| {name} | " + " | ".join(cells) + " |" in text for name, cells in table.items()),
          f"per_class text matches the printed table: {text!r}")
    check(texts and acc.SummaryMetadata("per_class").plugin_data.plugin_name == "text", "per_class is tagged for the text plugin")
    check_png(acc, "confusion_matrix", os.path.join(eval_out, "confusion_matrix.png"), step)
    check_png(acc, "mistakes", os.path.join(eval_out, "mistakes.png"), step)
    overlays = sorted(f for f in os.listdir(cam_dir) if f.endswith(".gradcam.png"))
    check(len(overlays) > 0, f"{cam_dir} holds Grad-CAM PNGs")
    want = {"gradcam/" + f[:-len(".gradcam.png")] for f in overlays}
    check({t for t in acc.Tags()["images"] if t.startswith("gradcam/")} == want, f"gradcam image tags {sorted(want)}")
    for f in overlays:
        check_png(acc, "gradcam/" + f[:-len(".gradcam.png")], os.path.join(cam_dir, f), step)
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--expected", nargs=2, action="append", default=[], metavar=("LOGDIR", "EXPECTED_JSON"))
    parser.add_argument("--history", nargs=2, action="append", default=[], metavar=("LOGDIR", "HISTORY_JSON"))
    parser.add_argument("--cli", nargs=4, action="append", default=[], metavar=("LOGDIR", "EVAL_OUT", "EVAL_STDOUT", "CAM_DIR"))
    args = parser.parse_args()
    if not args.expected and not args.history and not args.cli:
        parser.error("give --expected, --history and/or --cli")
    for logdir, path in args.expected:
        check_layout(logdir)
        with open(path) as f:
            check_expected(logdir, json.load(f))
    test_steps = []
    for logdir, path in args.history:
        check_layout(logdir, runs=("train", "validation", "evaluation"))
        test_steps.append(check_history(logdir, path))
    cli_steps = [check_cli(*paths) for paths in args.cli]
    if test_steps and cli_steps:
        # `finetune evaluate` on the run's last checkpoint logs where the run logged its test scores.
        check(cli_steps == test_steps[:len(cli_steps)], f"evaluate's step {cli_steps} is the run's test step {test_steps}")
    for logdir, _ in args.expected:
        for run in ("train", "validation"):
            check_truncation(os.path.join(logdir, run))
    for logdir, _ in args.history:
        for run in ("train", "validation", "evaluation"):
            check_truncation(os.path.join(logdir, run))
    for logdir, *_ in args.cli:
        check_truncation(os.path.join(logdir, "evaluation"))
    print(f"tensorboard: {passed} passed, {failed} failed")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
