#!/usr/bin/env bash
# bench-pipeline.sh — the pipeline schedule against the sequential one, in
# one run: layerwise-cli on full MNIST, one epoch, for the MLP 3x1024 and
# for vgg-mini, both predsim, batch 128, no augmentation.
#
#   bench/bench-pipeline.sh [--reps N] [--limit-train N] [--threads T] [--one-thread]
#
#   --reps N          runs of each schedule per network (default 3), ABBA
#                     order; the table shows medians
#   --limit-train N   train on the first N samples (default all 60000)
#   --threads T       threads for both: sequential runs its products on T
#                     BLAS threads, pipeline runs its stages on T threads
#                     (default 2)
#   --one-thread      also sequential on one thread: what T threads could
#                     reach at best is T times that
#
# Environment: LW_BUILD_DIR (default _build), LW_MNIST_DIR.
# Exit status: 0 if every run worked, 1 if any failed, 2 for bad usage.
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPS=3
LIMIT=0
THREADS=2
ONE_THREAD=0
BUILD_DIR=${LW_BUILD_DIR:-$ROOT/_build}
DATA_DIR=${LW_MNIST_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/layerwise/datasets/mnist}
CLI=$BUILD_DIR/src/cli/layerwise-cli

die() { printf 'bench-pipeline.sh: %s\n' "$1" >&2; exit "${2:-1}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) [ $# -ge 2 ] || die "--reps needs a value" 2; REPS=$2; shift 2 ;;
    --limit-train) [ $# -ge 2 ] || die "--limit-train needs a value" 2; LIMIT=$2; shift 2 ;;
    --threads) [ $# -ge 2 ] || die "--threads needs a value" 2; THREADS=$2; shift 2 ;;
    --one-thread) ONE_THREAD=1; shift ;;
    -h|--help) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" 2 ;;
  esac
done
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer" 2
[[ "$LIMIT" =~ ^[0-9]+$ ]] || die "--limit-train must be a number" 2
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer" 2
[ -x "$CLI" ] || die "$CLI not found: build first (ninja -C _build)"
compgen -G "$DATA_DIR/train-images-idx3-ubyte*" >/dev/null \
  || die "full MNIST not found in $DATA_DIR (./run.sh fetches it)"

LOG=$(mktemp -d "${TMPDIR:-/tmp}/bench-pipeline.XXXXXX") || die "cannot create a log directory"
FAILED=0
declare -A SPS

run() {   # net schedule rep -> appends samples/s
  local net=$1 sched=$2 rep=$3 log="$LOG/$1-$2-$3.log" args sps threads=$THREADS
  case "$net" in
    mlp) args=(--arch mlp --num-layers 3 --num-hidden 1024) ;;
    vgg-mini) args=(--arch vgg-mini) ;;
  esac
  # one-thread: the sequential schedule on a single thread.
  [ "$sched" = one-thread ] && threads=1
  OPENBLAS_NUM_THREADS=$threads "$CLI" --dataset mnist --data-dir "$DATA_DIR" "${args[@]}" \
    --loss predsim --epochs 1 --no-augment --seed 1 --limit-train "$LIMIT" --threads "$threads" \
    --schedule "${sched/one-thread/sequential}" >"$log" 2>&1
  local rc=$?
  sps=$(awk '$1 == "1" && NF >= 6 && $(NF-2) ~ /%$/ { print $(NF-1) }' "$log" | tail -n 1)
  if [ "$rc" -ne 0 ] || [ -z "$sps" ]; then
    FAILED=1
    printf 'bench-pipeline.sh: %s %s rep %s failed (exit %s), last lines:\n' "$net" "$sched" "$rep" "$rc" >&2
    tail -n 5 "$log" >&2
    return
  fi
  SPS[$net-$sched]+="$sps"$'\n'
  printf '  %-8s %-10s rep %s: %8.1f samples/s, test %s\n' "$net" "$sched" "$rep" "$sps" \
    "$(sed -n 's/^final test accuracy \([0-9.]*%\).*/\1/p' "$log")"
}

median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '==> bench-pipeline: %s threads, %s training samples, reps %s, start %s, load %s\n' \
  "$THREADS" "$([ "$LIMIT" -gt 0 ] && echo "$LIMIT" || echo 60000)" "$REPS" \
  "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)"
for net in mlp vgg-mini; do
  for ((r = 1; r <= REPS; r++)); do
    if [ $((r % 2)) -eq 1 ]; then run $net sequential $r; run $net pipeline $r
    else run $net pipeline $r; run $net sequential $r; fi
    [ "$ONE_THREAD" = 1 ] && run $net one-thread $r
  done
done

ratio() { awk -v a="$1" -v b="$2" -v k="${3:-1}" \
  'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / (k * b); else printf "-" }'; }
printf '\n| network | sequential samples/s | pipeline samples/s | pipeline / sequential |'
[ "$ONE_THREAD" = 1 ] && printf ' one thread | pipeline / (%s x one thread) |' "$THREADS"
printf '\n|---|---|---|---|%s\n' "$([ "$ONE_THREAD" = 1 ] && echo '---|---|')"
for net in mlp vgg-mini; do
  s=$(printf '%s' "${SPS[$net-sequential]:-}" | median)
  p=$(printf '%s' "${SPS[$net-pipeline]:-}" | median)
  printf '| %s | %s | %s | %s |' "$net" "$s" "$p" "$(ratio "$p" "$s")"
  if [ "$ONE_THREAD" = 1 ]; then
    o=$(printf '%s' "${SPS[$net-one-thread]:-}" | median)
    printf ' %s | %s |' "$o" "$(ratio "$p" "$o" "$THREADS")"
  fi
  printf '\n'
done
printf '\nMedians of %s run(s), end %s. Logs: %s\n' "$REPS" "$(date -u '+%H:%M:%S UTC')" "$LOG"
exit $FAILED
