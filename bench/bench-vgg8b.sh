#!/usr/bin/env bash
# bench-vgg8b.sh — our layerwise-cli against the PyTorch reference (torch_ref.py),
# VGG8b (the paper's width, 7.3M parameters) predsim on 28-px MNIST, batch 128,
# back to back. Full-width VGG8b trains at tens of samples/s, so a run is the
# first N training samples (default 1280 = 10 steps), which measures speed and
# memory, not accuracy.
#
#   bench/bench-vgg8b.sh [--threads "1 2"] [--reps N] [--train N] [--out FILE]
#
#   --threads LIST   thread counts to compare (default "1 2")
#   --reps N         runs of each program per thread count (default 3); the
#                    table shows medians; runs alternate ours/reference
#   --train N        training samples per run (default 1280)
#   --out FILE       also write the table as markdown to FILE
#   --build-dir DIR  build directory (default _build, or $LW_BUILD_DIR)
#   --data-dir DIR   MNIST raw IDX files (default $XDG_DATA_HOME/layerwise/datasets/mnist)
#   --keep-logs      keep every run's output (the log directory is printed)
#
# Environment: LW_TORCH_REF (default bench/torch_ref.py of this
# repository), LW_PYTHON (default /usr/bin/python3), LW_MNIST_DIR, LW_BUILD_DIR,
# LW_RUN_TIMEOUT (seconds per run, default 900; a run that takes longer fails).
# Exit status: 0 if every run worked, 1 if any run failed, 2 for bad usage.
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

THREADS="1 2"
REPS=3
TRAIN=1280
OUT=
KEEP_LOGS=0
BUILD_DIR=${LW_BUILD_DIR:-$ROOT/_build}
DATA_DIR=${LW_MNIST_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/layerwise/datasets/mnist}
TORCH_REF=${LW_TORCH_REF:-$ROOT/bench/torch_ref.py}
PYTHON=${LW_PYTHON:-/usr/bin/python3}
RUN_TIMEOUT=${LW_RUN_TIMEOUT:-900}   # seconds per run; a hung run counts as failed

say()  { printf '==> %s\n' "$*"; }
warn() { printf 'bench-vgg8b.sh: warning: %s\n' "$*" >&2; }
die()  { printf 'bench-vgg8b.sh: %s\n' "$1" >&2; exit "${2:-1}"; }
usage() { sed -n '2,25s/^# \{0,1\}//p' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --threads)   [ $# -ge 2 ] || die "--threads needs a value" 2; THREADS=$2; shift 2 ;;
    --threads=*) THREADS=${1#*=}; shift ;;
    --reps)      [ $# -ge 2 ] || die "--reps needs a value" 2; REPS=$2; shift 2 ;;
    --reps=*)    REPS=${1#*=}; shift ;;
    --train)     [ $# -ge 2 ] || die "--train needs a value" 2; TRAIN=$2; shift 2 ;;
    --train=*)   TRAIN=${1#*=}; shift ;;
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
[[ "$TRAIN" =~ ^[1-9][0-9]*$ ]] || die "--train must be a positive integer" 2
for t in $THREADS; do
  [[ "$t" =~ ^[1-9][0-9]*$ ]] || die "--threads must list positive integers, got '$t'" 2
done
[ -n "$THREADS" ] || die "--threads is empty" 2

CLI=$BUILD_DIR/src/cli/layerwise-cli
[ -x "$CLI" ] || die "$CLI not found: build first (./run.sh bench builds, or meson setup _build && ninja -C _build)"
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

# Same settings on both sides: the reference's defaults made explicit. The
# test pass is cut to 256 samples: after a few steps its accuracy means little.
OURS_ARGS=(--dataset mnist --data-dir "$DATA_DIR" --arch vgg8b --feat-mult 1 --num-layers 1
           --num-hidden 1024 --dim-in-decoder 1024 --loss predsim --beta 0.99 --batch-size 128
           --optim adam --lr 5e-4 --epochs 1 --dropout 0 --nonlin relu --no-augment --seed 1
           --limit-train "$TRAIN" --limit-test 256 --schedule sequential)
REF_ARGS=(--data "$DATA_DIR" --arch vgg8b --width 1 --dim-dec 1024 --loss predsim --beta 0.99
          --batch-size 128 --lr 5e-4 --epochs 1 --dropout 0 --nonlin relu --jitter 0 --seed 1
          --limit-train "$TRAIN" --limit-test 256)

NAME=bench-vgg8b
SPS_FORMAT=%6.1f
# shellcheck source=bench/bench-common.sh
. "$ROOT/bench/bench-common.sh"

say "bench-vgg8b: VGG8b (width 1) + FC 1024 predsim, dim-in-decoder 1024, batch 128, Adam lr 5e-4," \
    "seed 1, no augmentation, no dropout, ReLU"
say "train samples: $TRAIN, test: 256, threads: $THREADS, reps: $REPS"
say_setup

for t in $THREADS; do
  run_reps "$t"
done
END=$(date -u '+%Y-%m-%d %H:%M:%S UTC')

# ---- tables ----------------------------------------------------------------
H1='| T | ours samples/s | ref samples/s | ours/ref | ours test acc % | ref test acc % | ours peak RSS MiB | ref peak RSS MiB | RSS ours/ref |'
S1='|---|---|---|---|---|---|---|---|---|'
T1=$(printf '%s\n%s\n' "$H1" "$S1")
for t in $THREADS; do
  os=$(printf '%s' "${OURS_SPS[$t]}" | median); rs=$(printf '%s' "${REF_SPS[$t]}" | median)
  oa=$(printf '%s' "${OURS_ACC[$t]}" | median); ra=$(printf '%s' "${REF_ACC[$t]}" | median)
  om=$(printf '%s' "${OURS_RSS[$t]}" | median); rm_=$(printf '%s' "${REF_RSS[$t]}" | median)
  T1+=$'\n'"| $t | $(fmt1 "$os") | $(fmt1 "$rs") | $(ratio "$os" "$rs") | $(fmt2 "$oa") | $(fmt2 "$ra") | $(fmt0 "$om") | $(fmt0 "$rm_") | $(ratio "$om" "$rm_") |"
done

NOTES="Medians over $REPS run(s) per program and thread count, $START to $END, back to back (ABBA order).
samples/s counts the training loop only (test pass excluded) over the first $TRAIN training samples; test accuracy is on 256 test samples after $((TRAIN / 128)) steps: too few for the output layer to be past chance, so it says nothing of quality (the README's results table does).
Ours lowers the 3x3 convolutions with Winograd F(4x4,3x3) on OpenBLAS sgemm; the reference's run through oneDNN. Timings on this VM drift by up to 2x (see bench/README.md)."

printf '\n%s\n\n%s\n' "$T1" "$NOTES"
if [ -n "$OUT" ]; then
  {
    printf '# bench-vgg8b: layerwise-cli vs torch_ref.py, VGG8b predsim, batch 128, %s MNIST samples\n\n' "$TRAIN"
    printf '%s\n\n' "$T1"
    printf '%s\n' "$NOTES" | sed 's/^/- /'
  } >"$OUT" || { warn "cannot write $OUT"; FAILED=1; }
  say "table written to $OUT"
fi
if [ "$FAILED" -ne 0 ]; then
  printf 'bench-vgg8b.sh: some runs failed; logs in %s\n' "$LOG_DIR" >&2
  exit 1
fi
[ "$KEEP_LOGS" -eq 1 ] && say "logs in $LOG_DIR"
exit 0
