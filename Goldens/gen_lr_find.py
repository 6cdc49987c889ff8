#!/usr/bin/env python3
"""Goldens of the learning-rate range test (`finetune lr-find`, `Trainer.findLearningRate`).

Reference: fastai 2.x's `lr_find` transcribed in NumPy float64 (fastai is not in the pinned
stack): the exponential schedule of `LRFinder` (`SchedExp`, rate_i = start·(end/start)^(i/num_it),
at least 6 steps), the smoothing of `Recorder`'s `AvgSmoothLoss` (β = 0.98, moving average from 0
with bias correction), `LRFinder.after_batch`'s stop (smoothed > 4 × the best so far: that step is
recorded, the test ends), and the suggestions `valley` and `steep` computed on
`recorder.losses[num_it // 10 : -5]` after dropping everything from the first NaN.

Each case stores the rates (as the float32 an optimizer is given) and raw mini-batch losses of
a synthetic range test — a loss that falls with the rate, bottoms out and explodes, plus noise —
and what fastai makes of them: the recorded count, the smoothed losses and both suggestions
(index into the recorded points and rate).

Cases:
  lr_find.typical      100 steps 1e-7 → 10, diverges before the end.
  lr_find.no_stop      100 steps 1e-6 → 1e-2: the loss only falls, every step recorded.
  lr_find.nan          a NaN loss part-way: the record ends before it.
  lr_find.short        20 steps (suggestions start at index 2), diverges.
  lr_find.tiny         8 steps: the suggestion window is 3 points.
"""
import numpy as np
from goldens_io import Suite

BETA = 0.98


def schedule(start, end, num_it):
    num_it = max(num_it, 6)
    return num_it, np.array([start * (end / start) ** (i / num_it) for i in range(num_it)],
                            dtype=np.float32).astype(np.float64)


def synthetic_losses(rates, seed, floor_at, blow_up, noise=0.03, start_loss=0.7):
    """A typical range-test curve in log-rate: flat, falling towards a floor near `floor_at`,
    rising steeply past `blow_up`; multiplicative noise."""
    rng = np.random.default_rng(seed)
    x = np.log10(rates)
    fall = 1 / (1 + np.exp(-(x - (floor_at - 1.5)) * 2.5))
    rise = np.exp(np.clip((x - blow_up) * 4.0, -50, 50))
    clean = start_loss * (1 - 0.8 * fall) + 0.05 * rise
    return (clean * (1 + noise * rng.standard_normal(len(x)))).astype(np.float32).astype(np.float64)


def record(rates, losses):
    """fastai's Recorder and LRFinder stop, literally: (rates, raw, smoothed) of every batch run.
    A NaN loss makes every later smoothed value NaN, which never compares greater, so the test runs
    on to num_it."""
    val, best, out_r, out_l, out_s = 0.0, float("inf"), [], [], []
    for count, (r, l) in enumerate(zip(rates, losses), start=1):
        val = BETA * val + (1 - BETA) * l          # torch.lerp(loss, val, beta)
        s = val / (1 - BETA ** count)
        out_r.append(r), out_l.append(l), out_s.append(s)
        if s < best:
            best = s
        if s > 4 * best:
            break
    return np.array(out_r), np.array(out_l), np.array(out_s)


def suggestion_window(r, s, num_it):
    """lr_find's `lrs[num_it//10:-5]`, `losses[num_it//10:-5]`, cut at the first NaN."""
    lo = num_it // 10
    wr, ws = r[lo:-5], s[lo:-5]
    nans = np.nonzero(np.isnan(ws))[0]
    if len(nans):
        wr, ws = wr[:nans[0]], ws[:nans[0]]
    return lo, wr, ws


def valley(losses):
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return idx if idx >= 0 else idx + n


def steep(lrs, losses):
    grads = (losses[1:] - losses[:-1]) / (np.log(lrs[1:]) - np.log(lrs[:-1]))
    return int(np.argmin(grads))


def add_case(suite, name, start, end, num_it, seed, floor_at, blow_up, nan_at=None, why=""):
    num_it, rates = schedule(start, end, num_it)
    losses = synthetic_losses(rates, seed, floor_at, blow_up)
    if nan_at is not None:
        losses[nan_at] = np.nan
    r, l, s = record(rates, losses)
    lo, window_r, window_s = suggestion_window(r, s, num_it)
    v = lo + valley(window_s) if len(window_s) else -1
    st = lo + steep(window_r, window_s) if len(window_s) >= 2 else -1
    finite = int(np.argmax(~np.isfinite(l))) if not np.all(np.isfinite(l)) else len(l)
    stop = "non-finite loss" if finite < len(l) else ("diverged" if len(r) < num_it else None)
    r, s = r[:finite], s[:finite]   # the Swift record ends before a non-finite loss
    suite.add(name, {"rates": rates, "losses": losses, "smoothed": s},
              tolerance=1e-6, seed=seed, why=why,
              params={"start": start, "end": end, "steps": num_it, "recorded": int(len(r)), "stop": stop,
                      "valley_index": v, "steep_index": st,
                      "valley_rate": float(r[v]) if v >= 0 else None,
                      "steep_rate": float(r[st]) if st >= 0 else None})


def main():
    suite = Suite("lr_find", "Goldens/gen_lr_find.py", {"reference": "fastai 2.x lr_find, transcribed in NumPy"})
    add_case(suite, "lr_find.typical", 1e-7, 10.0, 100, 11, floor_at=-2.0, blow_up=-1.0,
             why="a full range test that diverges before step 100")
    add_case(suite, "lr_find.no_stop", 1e-6, 1e-2, 100, 12, floor_at=-2.0, blow_up=3.0,
             why="the loss only falls: all 100 steps recorded, suggestions over [10, 95)")
    add_case(suite, "lr_find.nan", 1e-7, 10.0, 100, 13, floor_at=-3.0, blow_up=0.5, nan_at=57,
             why="a NaN loss at step 57 ends the record before it")
    add_case(suite, "lr_find.short", 1e-5, 10.0, 20, 14, floor_at=-2.5, blow_up=-1.0,
             why="20 steps: suggestions start at index 2")
    add_case(suite, "lr_find.tiny", 1e-4, 1.0, 8, 15, floor_at=-2.0, blow_up=2.0,
             why="8 steps: a window of 3 points")
    suite.write()


if __name__ == "__main__":
    main()
