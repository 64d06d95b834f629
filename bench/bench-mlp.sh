#!/usr/bin/env bash
# bench-mlp.sh — our layerwise-cli against the PyTorch reference (torch_ref.py),
# MLP 3x1024 predsim, batch 128, one epoch of full MNIST, back to back.
#
#   bench/bench-mlp.sh [--threads "1 2"] [--reps N] [--quick] [--schedule NAME] [--out FILE]
#
#   --threads LIST   thread counts to compare (default "1 2")
#   --schedule NAME  ours: sequential (default) or pipeline (its stages on
#                    the T threads; on one thread it is sequential work)
#   --reps N         runs of each program per thread count (default 3); the
#                    table shows medians; runs alternate ours/reference
#   --quick          train on the first 10000 samples only (smoke run)
#   --out FILE       also write the tables as markdown to FILE
#   --build-dir DIR  build directory (default _build, or $LW_BUILD_DIR)
#   --data-dir DIR   MNIST raw IDX files (default $XDG_DATA_HOME/layerwise/datasets/mnist)
#   --keep-logs      keep every run's output (the log directory is printed)
#
# Environment: LW_TORCH_REF (default bench/torch_ref.py of this
# repository), LW_PYTHON (default /usr/bin/python3), LW_MNIST_DIR, LW_BUILD_DIR,
# LW_RUN_TIMEOUT (seconds per run, default 600; a run that takes longer fails).
# Exit status: 0 if every run worked, 1 if any run failed, 2 for bad usage.
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

THREADS="1 2"
REPS=3
QUICK=0
SCHEDULE=sequential
OUT=
KEEP_LOGS=0
BUILD_DIR=${LW_BUILD_DIR:-$ROOT/_build}
DATA_DIR=${LW_MNIST_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/layerwise/datasets/mnist}
TORCH_REF=${LW_TORCH_REF:-$ROOT/bench/torch_ref.py}
PYTHON=${LW_PYTHON:-/usr/bin/python3}
RUN_TIMEOUT=${LW_RUN_TIMEOUT:-600}   # seconds per run; a hung run counts as failed

say()  { printf '==> %s\n' "$*"; }
warn() { printf 'bench-mlp.sh: warning: %s\n' "$*" >&2; }
die()  { printf 'bench-mlp.sh: %s\n' "$1" >&2; exit "${2:-1}"; }
usage() { sed -n '2,25s/^# \{0,1\}//p' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --threads)   [ $# -ge 2 ] || die "--threads needs a value" 2; THREADS=$2; shift 2 ;;
    --threads=*) THREADS=${1#*=}; shift ;;
    --reps)      [ $# -ge 2 ] || die "--reps needs a value" 2; REPS=$2; shift 2 ;;
    --reps=*)    REPS=${1#*=}; shift ;;
    --quick)     QUICK=1; shift ;;
    --schedule)  [ $# -ge 2 ] || die "--schedule needs a value" 2; SCHEDULE=$2; shift 2 ;;
    --schedule=*) SCHEDULE=${1#*=}; shift ;;
    --out)       [ $# -ge 2 ] || die "--out needs a value" 2; OUT=$2; shift 2 ;;
    --out=*)     OUT=${1#*=}; shift ;;
    --build-dir) [ $# -ge 2 ] || die "--build-dir needs a value" 2; BUILD_DIR=$2; shift 2 ;;
    --build-dir=*) BUILD_DIR=${1#*=}; shift ;;
    --data-dir)  [ $# -ge 2 ] || die "--data-dir needs a value" 2; DATA_DIR=$2; shift 2 ;;
    --data-dir=*) DATA_DIR=${1#*=}; shift ;;
    --keep-logs) KEEP_LOGS=1; shift ;;
    -h|--help)   usage; exit 0 ;;
    *)           usage >&2; die "unknown argument '$1'" 2 ;;
  esac
done

THREADS=$(printf '%s' "$THREADS" | tr ',' ' ')
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer" 2
for t in $THREADS; do
  [[ "$t" =~ ^[1-9][0-9]*$ ]] || die "--threads must list positive integers, got '$t'" 2
done
[ -n "$THREADS" ] || die "--threads is empty" 2
case "$SCHEDULE" in
  sequential|pipeline) ;;
  *) die "--schedule must be sequential or pipeline, not '$SCHEDULE'" 2 ;;
esac

CLI=$BUILD_DIR/src/cli/layerwise-cli
REPLAY=$BUILD_DIR/bench/gemm-replay
[ -x "$CLI" ] || die "$CLI not found: build first (./run.sh bench builds, or meson setup _build && ninja -C _build)"
[ -x "$REPLAY" ] || die "$REPLAY not found: build first (ninja -C $BUILD_DIR)"
compgen -G "$DATA_DIR/train-images-idx3-ubyte*" >/dev/null \
  || die "full MNIST not found in $DATA_DIR (./run.sh fetches it; or pass --data-dir DIR)"

HAVE_REF=1
if [ ! -f "$TORCH_REF" ]; then
  warn "reference script $TORCH_REF not found (set LW_TORCH_REF); running ours only"
  HAVE_REF=0
elif ! "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
  warn "PyTorch is not importable by $PYTHON: apt-get install python3-torch; running ours only"
  HAVE_REF=0
fi

LIMIT_ARGS=()
[ "$QUICK" -eq 1 ] && LIMIT_ARGS=(--limit-train 10000)

# Same settings on both sides: the reference's defaults made explicit.
OURS_ARGS=(--dataset mnist --data-dir "$DATA_DIR" --arch mlp --num-layers 3 --num-hidden 1024
           --loss predsim --beta 0.99 --batch-size 128 --optim adam --lr 5e-4 --epochs 1
           --dropout 0 --nonlin relu --no-augment --seed 1 --schedule "$SCHEDULE" "${LIMIT_ARGS[@]}")
REF_ARGS=(--data "$DATA_DIR" --arch mlp --layers 3 --hidden 1024 --loss predsim --beta 0.99
          --batch-size 128 --lr 5e-4 --epochs 1 --dropout 0 --nonlin relu --jitter 0 --seed 1
          "${LIMIT_ARGS[@]}")

NAME=bench-mlp
# shellcheck source=bench/bench-common.sh
. "$ROOT/bench/bench-common.sh"

declare -A REPLAY_LINE
run_replay() {   # T
  local t=$1 log="$LOG_DIR/replay-T$1.log" line
  local steps=(--steps 20 --warmup 5 --reps 5)
  [ "$QUICK" -eq 1 ] && steps=(--steps 10 --warmup 3 --reps 3)
  OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t timeout "$RUN_TIMEOUT" \
    "$REPLAY" --loss predsim --num-layers 3 --num-hidden 1024 --batch-size 128 \
    --threads "$t" "${steps[@]}" >"$log" 2>&1
  local rc=$?
  line=$(grep '^calls=.*ceiling_samples_per_s=' "$log" | tail -n 1)
  if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
    fail_run "gemm-replay (T=$t, exit $rc)" "$log"
    return
  fi
  REPLAY_LINE[$t]=$line
  sed -n '/^sgemm\|^GFLOP\|^full\|^%/s/^/    /p' "$log"
}

field() {   # key line -> value of key=value
  printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

say "bench-mlp: MLP 784-1024x3-10 predsim, batch 128, Adam lr 5e-4 constant, seed 1, 1 epoch," \
    "no augmentation, no dropout, ReLU"
say "train samples: $([ "$QUICK" -eq 1 ] && echo '10000 (--quick)' || echo 'all 60000'), test: all 10000," \
    "threads: $THREADS, reps: $REPS"
say_setup

for t in $THREADS; do
  run_reps "$t"
  say "T=$t gemm-replay (sgemm ceiling of our own training step)"
  run_replay "$t"
done
END=$(date -u '+%Y-%m-%d %H:%M:%S UTC')

# ---- tables ----------------------------------------------------------------
H1='| T | ours samples/s | ref samples/s | ours/ref | ours test acc % | ref test acc % | ours peak RSS MiB | ref peak RSS MiB | RSS ours/ref |'
S1='|---|---|---|---|---|---|---|---|---|'
H2='| T | sgemm calls/step | GFLOP/step | sgemm ms/step | sgemm GFLOP/s | ceiling samples/s | gemm-replay full step samples/s | full step % of ceiling | ours epoch samples/s % of ceiling |'
S2='|---|---|---|---|---|---|---|---|---|'
T1=$(printf '%s\n%s\n' "$H1" "$S1")
T2=$(printf '%s\n%s\n' "$H2" "$S2")
for t in $THREADS; do
  os=$(printf '%s' "${OURS_SPS[$t]}" | median); rs=$(printf '%s' "${REF_SPS[$t]}" | median)
  oa=$(printf '%s' "${OURS_ACC[$t]}" | median); ra=$(printf '%s' "${REF_ACC[$t]}" | median)
  om=$(printf '%s' "${OURS_RSS[$t]}" | median); rm_=$(printf '%s' "${REF_RSS[$t]}" | median)
  T1+=$'\n'"| $t | $(fmt0 "$os") | $(fmt0 "$rs") | $(ratio "$os" "$rs") | $(fmt2 "$oa") | $(fmt2 "$ra") | $(fmt0 "$om") | $(fmt0 "$rm_") | $(ratio "$om" "$rm_") |"
  line=${REPLAY_LINE[$t]:-}
  if [ -n "$line" ]; then
    ceil=$(field ceiling_samples_per_s "$line"); full=$(field full_samples_per_s "$line")
    pct_full=$(awk -v a="$full" -v b="$ceil" 'BEGIN { printf "%.1f", 100 * a / b }')
    pct_ours=-
    [ "$os" != "-" ] && pct_ours=$(awk -v a="$os" -v b="$ceil" 'BEGIN { printf "%.1f", 100 * a / b }')
    T2+=$'\n'"| $t | $(field calls "$line") | $(printf '%.3f' "$(field gflop_per_step "$line")") | $(fmt2 "$(field replay_ms "$line")") | $(fmt1 "$(field gflops "$line")") | $(fmt0 "$ceil") | $(fmt0 "$full") | $pct_full | $pct_ours |"
  else
    T2+=$'\n'"| $t | - | - | - | - | - | - | - | - |"
  fi
done

NOTES="Medians over $REPS run(s) per program and thread count, $START to $END, back to back (ABBA order).
samples/s counts the training loop only (test pass excluded) on $([ "$QUICK" -eq 1 ] && echo 'the first 10000' || echo 'all 60000') training samples; test accuracy is on all 10000 test samples.
Both normalise the inputs with MNIST's mean and std (0.1307/0.3081).
The ceiling is the time of the exact cblas_sgemm sequence of one of our training steps, replayed alone (bench/gemm-replay); timings on this VM drift by up to 2x (see bench/README.md)."

printf '\n%s\n\n%s\n\n%s\n' "$T1" "$T2" "$NOTES"
if [ -n "$OUT" ]; then
  {
    printf '# bench-mlp: layerwise-cli vs torch_ref.py, MLP 3x1024 predsim, batch 128, 1 epoch MNIST\n\n'
    printf '%s\n\n%s\n\n' "$T1" "$T2"
    printf '%s\n' "$NOTES" | sed 's/^/- /'
  } >"$OUT" || { warn "cannot write $OUT"; FAILED=1; }
  say "tables written to $OUT"
fi

if [ "$FAILED" -ne 0 ]; then
  printf 'bench-mlp.sh: some runs failed; logs in %s\n' "$LOG_DIR" >&2
  exit 1
fi
[ "$KEEP_LOGS" -eq 1 ] && say "logs in $LOG_DIR"
exit 0
