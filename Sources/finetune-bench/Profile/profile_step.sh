#!/usr/bin/env bash
# Where a training step's time goes, by operation: `perf record` (cpu-clock sampling, so it works
# in VMs without hardware counters) of `finetune-bench measure MODE`, then each sampled symbol put
# into a category by profile_categories.py, and how often only one thread ran (lone_thread.py).
# Samples of the untimed set-up (random weight initialisation) are left out of the shares.
#   usage: Sources/finetune-bench/Profile/profile_step.sh [phase1|phase2|inference] [steps]
# Needs `perf` (Debian: linux-perf) and a release build of finetune-bench.
set -euo pipefail
cd "$(dirname "$0")/../../.."
MODE=${1:-phase1}
STEPS=${2:-8}
BENCH=.build/release/finetune-bench
[ -x "$BENCH" ] || swift build -c release --product finetune-bench
DATA=$(mktemp)
trap 'rm -f "$DATA" "$DATA.txt"' EXIT
RESULT=$(perf record -q -e cpu-clock -F 1999 -o "$DATA" "$BENCH" measure "$MODE" --steps "$STEPS" | tail -n 1)
echo "$RESULT"
perf report -i "$DATA" --no-children --sort dso,symbol -g none 2>/dev/null \
  | awk '/^#/ || !/%/ { next } { p = $1; sub(/%/, "", p); $1 = ""; print p "\t" $0 }' > "$DATA.txt"
python3 "$(dirname "$0")/profile_categories.py" "$MODE" "$DATA.txt"
# The timed steps are the recording's last `seconds` (measure's JSON line): how often a core waited.
SECONDS_TIMED=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["seconds"])' "$RESULT")
perf script -i "$DATA" -F tid,time,ip,sym 2>/dev/null > "$DATA.txt"
python3 "$(dirname "$0")/lone_thread.py" "$DATA.txt" "$SECONDS_TIMED"
