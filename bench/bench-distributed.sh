#!/usr/bin/env bash
# bench-distributed.sh — layerwise-cli --distributed on this machine: one
# epoch of full MNIST (the embedded subset when MNIST is missing), MLP
# 3x1024, predsim, batch 128, no augmentation, under mpirun -np K, against
# the single-process sequential run at one and at two BLAS threads. Prints
# samples/s, the stages, and the bytes each link carries per batch and per
# second.
#
#   bench/bench-distributed.sh [--ranks "1 2 3"] [--reps N] [--limit-train N]
#
#   --ranks LIST      rank counts to run (default "1 2 3")
#   --reps N          runs of each (default 1); the table shows medians
#                     and the best run (which dodges other work on a
#                     shared machine)
#   --limit-train N   train on the first N samples (default 0 = all)
#
# Environment: LW_BUILD_DIR (default _build), LW_MNIST_DIR.
# Exit status: 0 if every run worked, 1 if any failed, 2 for bad usage.
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RANKS="1 2 3"
REPS=1
LIMIT=0
BUILD_DIR=${LW_BUILD_DIR:-$ROOT/_build}
DATA_DIR=${LW_MNIST_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/layerwise/datasets/mnist}
CLI=$BUILD_DIR/src/cli/layerwise-cli
CORES=$(nproc)

die() { printf 'bench-distributed.sh: %s\n' "$1" >&2; exit "${2:-1}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) [ $# -ge 2 ] || die "--ranks needs a value" 2; RANKS=$2; shift 2 ;;
    --reps) [ $# -ge 2 ] || die "--reps needs a value" 2; REPS=$2; shift 2 ;;
    --limit-train) [ $# -ge 2 ] || die "--limit-train needs a value" 2; LIMIT=$2; shift 2 ;;
    -h|--help) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" 2 ;;
  esac
done
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer" 2
[[ "$LIMIT" =~ ^[0-9]+$ ]] || die "--limit-train must be a number" 2
for k in $RANKS; do [[ "$k" =~ ^[1-3]$ ]] || die "--ranks: '$k' is not 1, 2 or 3 (the MLP has 3 blocks)" 2; done
[ -x "$CLI" ] || die "$CLI not found: build first (ninja -C _build)"
command -v mpirun >/dev/null 2>&1 || die "mpirun not found (Debian: openmpi-bin)"
"$CLI" --distributed --help >/dev/null 2>&1 || die "$CLI does not know --distributed"

DATA=(--dataset mnist --data-dir "$DATA_DIR")
if ! compgen -G "$DATA_DIR/train-images-idx3-ubyte*" >/dev/null; then
  printf 'bench-distributed.sh: full MNIST not in %s; using the embedded subset\n' "$DATA_DIR" >&2
  DATA=(--dataset mnist-subset)
fi
ARGS=("${DATA[@]}" --arch mlp --num-layers 3 --num-hidden 1024 --loss predsim --epochs 1
      --no-augment --seed 1 --limit-train "$LIMIT")

# mpirun refuses root unless told.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

LOG=$(mktemp -d "${TMPDIR:-/tmp}/bench-distributed.XXXXXX") || die "cannot create a log directory"
FAILED=0
declare -A SPS STAGES LINKS

run() {   # name rep command... -> appends samples/s
  local name=$1 rep=$2 log="$LOG/$1-$2.log" sps
  shift 2
  "$@" >"$log" 2>&1
  local rc=$?
  sps=$(awk '$1 == "1" && NF >= 6 && $(NF-2) ~ /%$/ { print $(NF-1) }' "$log" | tail -n 1)
  if [ "$rc" -ne 0 ] || [ -z "$sps" ]; then
    FAILED=1
    printf 'bench-distributed.sh: %s rep %s failed (exit %s), last lines:\n' "$name" "$rep" "$rc" >&2
    tail -n 8 "$log" >&2
    return
  fi
  SPS[$name]+="$sps"$'\n'
  STAGES[$name]=$(sed -n 's/^distributed stages: //p' "$log")
  LINKS[$name]=$(sed -n 's/^bytes per batch of [0-9]*: //p' "$log")
  printf '  %-14s rep %s: %8.1f samples/s, test %s\n' "$name" "$rep" "$sps" \
    "$(sed -n 's/^final test accuracy \([0-9.]*%\).*/\1/p' "$log")"
}

run_ranks() {   # K rep
  local k=$1 mca=()
  # More ranks than cores: allowed, and no rank pinned to a core.
  [ "$k" -gt "$CORES" ] && mca=(--oversubscribe)
  run "mpirun -np $k" "$2" mpirun -np "$k" --bind-to none "${mca[@]}" \
    "$CLI" --distributed "${ARGS[@]}"
}

best() { sort -g | tail -n 1 | grep . || echo -; }

median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '==> bench-distributed: ranks %s, %s training samples, reps %s, %s cores, start %s, load %s\n' \
  "$RANKS" "$([ "$LIMIT" -gt 0 ] && echo "$LIMIT" || echo all)" "$REPS" "$CORES" \
  "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= REPS; r++)); do
  run "1 process, T=1" "$r" "$CLI" "${ARGS[@]}" --threads 1 --schedule sequential
  run "1 process, T=2" "$r" "$CLI" "${ARGS[@]}" --threads 2 --schedule sequential
  for k in $RANKS; do run_ranks "$k" "$r"; done
done

base=$(printf '%s' "${SPS[1 process, T=1]:-}" | median)
base_best=$(printf '%s' "${SPS[1 process, T=1]:-}" | best)
printf '\n| run | samples/s, median | vs 1 process, T=1 | samples/s, best | vs 1 process, T=1 | stages (share of the measured step) | bytes per batch of 128 per link | link MB/s at the best speed |\n|---|---|---|---|---|---|---|---|\n'
for name in "1 process, T=1" "1 process, T=2" $(for k in $RANKS; do printf 'mpirun-np-%s ' "$k"; done); do
  name=${name//mpirun-np-/mpirun -np }
  s=$(printf '%s' "${SPS[$name]:-}" | median)
  b=$(printf '%s' "${SPS[$name]:-}" | best)
  ratio=$(awk -v a="$s" -v b="$base" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else printf "-" }')
  ratio_best=$(awk -v a="$b" -v b="$base_best" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else printf "-" }')
  links=${LINKS[$name]:-}
  # bytes per batch x batches per second
  rate=$(printf '%s' "$links" | tr ';' '\n' | awk -v s="$b" '
    { n = $NF } n > 0 && s != "-" { printf "%s%.1f", (k++ ? ", " : ""), n * s / 128 / 1e6 }')
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$s" "$ratio" "$b" "$ratio_best" "${STAGES[$name]:--}" \
    "${links:--}" "${rate:--}"
done
printf '\nOf %s run(s) each, end %s. Logs: %s\n' "$REPS" "$(date -u '+%H:%M:%S UTC')" "$LOG"
exit $FAILED
