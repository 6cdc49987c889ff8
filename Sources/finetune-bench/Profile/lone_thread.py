"""How often only one thread computes during the timed steps: a CPU profile's shares leave out a
core that waits, so this reads `perf script -F tid,time,ip,sym` lines ("TID TIME: IP SYMBOL"),
cuts the last SECONDS of the recording (the timed steps) into 2-ms windows, and reports the share
of windows in which exactly one thread was sampled, with what that thread was running. Sampling
at ~2 kHz puts about four samples of each busy thread in a window. Used by profile_step.sh.
   usage: lone_thread.py PERF_SCRIPT_OUTPUT SECONDS"""
import collections
import sys

WINDOW = 0.002


def main(path, seconds):
    samples = []
    for line in open(path):
        fields = line.split()
        if len(fields) < 2:
            continue
        samples.append((float(fields[1].rstrip(":")), int(fields[0]), fields[3] if len(fields) > 3 else "?"))
    if not samples:
        sys.exit("lone_thread.py: no samples in " + path)
    start = max(s[0] for s in samples) - seconds
    windows = collections.defaultdict(list)
    for time, tid, symbol in samples:
        if time >= start:
            windows[int((time - start) / WINDOW)].append((tid, symbol))
    count = int(seconds / WINDOW)
    lone = [windows[w] for w in range(count) if len({tid for tid, _ in windows.get(w, [])}) == 1]
    idle = sum(1 for w in range(count) if not windows.get(w))
    print(f"of {count} 2-ms windows of the timed steps: no thread sampled in {idle} "
          f"({100 * idle / max(count, 1):.1f} %), one thread alone in {len(lone)} "
          f"({100 * len(lone) / max(count, 1):.1f} %); what that thread ran:")
    symbols = collections.Counter(symbol for window in lone for _, symbol in window)
    total = sum(symbols.values())
    for symbol, n in symbols.most_common(8):
        print(f"  {100 * n / total:5.1f} %  {symbol[:100]}")


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
