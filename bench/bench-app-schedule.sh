#!/usr/bin/env bash
# bench-app-schedule.sh — the window's two training schedules side by side:
# layerwise --benchmark-seconds under Xvfb, all views drawn (Overview page),
# for the MLP 3x1024 and vgg-mini on the embedded MNIST subset, predsim.
#
#   bench/bench-app-schedule.sh [--reps N] [--seconds S] [--threads T]
#
#   --reps N      runs of each schedule per network (default 3), ABBA order;
#                 the table shows medians
#   --seconds S   training time of each run (default 12)
#   --threads T   training threads of the window (default 2: on fewer the
#                 pipeline has no second thread to use)
#
# Environment: LW_BUILD_DIR (default _build).
# Exit status: 0 if every run worked, 1 if any failed, 2 for bad usage.
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPS=3
SECONDS_EACH=12
THREADS=2
BUILD_DIR=${LW_BUILD_DIR:-$ROOT/_build}
APP=$BUILD_DIR/src/app/layerwise

die() { printf 'bench-app-schedule.sh: %s\n' "$1" >&2; exit "${2:-1}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) [ $# -ge 2 ] || die "--reps needs a value" 2; REPS=$2; shift 2 ;;
    --seconds) [ $# -ge 2 ] || die "--seconds needs a value" 2; SECONDS_EACH=$2; shift 2 ;;
    --threads) [ $# -ge 2 ] || die "--threads needs a value" 2; THREADS=$2; shift 2 ;;
    -h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" 2 ;;
  esac
done
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer" 2
[[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]] || die "--seconds must be a positive integer" 2
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer" 2
[ -x "$APP" ] || die "$APP not found: build first (ninja -C _build)"
command -v xvfb-run >/dev/null || die "xvfb-run not found (./run.sh installs xvfb)"

LOG=$(mktemp -d "${TMPDIR:-/tmp}/bench-app-schedule.XXXXXX") || die "cannot create a log directory"
FAILED=0
declare -A SPS

run() {   # preset schedule rep -> appends samples/s
  local preset=$1 sched=$2 rep=$3 log="$LOG/$1-$2-$3.log" sps
  GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$BUILD_DIR/data" \
    xvfb-run -a -s "-screen 0 1600x1000x24" "$APP" --preset "$preset" --page overview \
      --threads "$THREADS" --schedule "$sched" --benchmark-seconds "$SECONDS_EACH" >"$log" 2>&1
  local rc=$?
  sps=$(sed -n 's/.*benchmark: [0-9.]* s of training, \([0-9]*\) samples\/s.*/\1/p' "$log" | tail -n 1)
  if [ "$rc" -ne 0 ] || [ -z "$sps" ]; then
    FAILED=1
    printf 'run failed: %s %s (log: %s)\n' "$preset" "$sched" "$log" >&2
    return
  fi
  SPS[$preset-$sched]="${SPS[$preset-$sched]:-} $sps"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for preset in 3x1024 vgg-mini; do
  for ((r = 1; r <= REPS; r++)); do
    if ((r % 2)); then order=(sequential pipeline); else order=(pipeline sequential); fi
    for sched in "${order[@]}"; do run "$preset" "$sched" "$r"; done
  done
done

printf '%-10s %12s %12s %8s\n' network sequential pipeline ratio
for preset in 3x1024 vgg-mini; do
  s=$(echo "${SPS[$preset-sequential]:-}" | median)
  p=$(echo "${SPS[$preset-pipeline]:-}" | median)
  if [ -n "$s" ] && [ -n "$p" ]; then
    printf '%-10s %12s %12s %7.2fx   (runs: seq%s; pipe%s)\n' "$preset" "$s" "$p" \
      "$(awk -v a="$p" -v b="$s" 'BEGIN { print a / b }')" "${SPS[$preset-sequential]}" "${SPS[$preset-pipeline]}"
  fi
done
exit $FAILED
