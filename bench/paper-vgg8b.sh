#!/usr/bin/env bash
# paper-vgg8b.sh — the README's VGG8b row: VGG8b (7.33M parameters) with
# predsim on MNIST, the recipe of docs/method.md §7 (Adam lr 5e-4, batch 128,
# leaky ReLU, pred heads pooled to 1,024 inputs, dropout 0.2, 2-px jitter,
# 100 epochs with ×0.25 at epochs 50, 75, 89 and 94), seed 1, one thread.
#
#   bench/paper-vgg8b.sh [--keep DIR] [--out DIR] [--threads T]
#
# An epoch takes about an hour on one core, so the run is meant to take
# days: it is saved to DIR/mnist-vgg8b-predsim-100ep.lwrun every 100 steps
# (a few minutes) and on Ctrl-C, and started again it goes on from there,
# bit for bit the unbroken run (at the same --threads). The per-epoch
# metrics CSV and the log go to --out (default bench/out/paper); the
# README's curve is drawn from the CSV by bench/plot-test-error.py.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."

keep=bench/out/paper
out=bench/out/paper
threads=1
cli=${LW_CLI:-_build/src/cli/layerwise-cli}

while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "paper-vgg8b.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -x "$cli" ] || { echo "paper-vgg8b.sh: $cli is not built; run ./run.sh first" >&2; exit 1; }
mkdir -p "$out" "$keep"

name=mnist-vgg8b-predsim-100ep
file="$keep/$name.lwrun"
if [ -f "$file" ]; then
  # Its settings come from the file; what may change is given again.
  run=(--resume "$file")
else
  run=(--dataset mnist --arch vgg8b --dim-in-decoder 1024 --loss predsim
       --nonlin leakyrelu --dropout 0.2 --lr 5e-4 --batch-size 128 --epochs 100
       --lr-decay-milestones 50,75,89,94 --lr-decay-fact 0.25 --seed 1 --save "$file")
fi
# The log is appended to: each start of a long run adds its part.
# Sequential, as the run began (before auto was the default): resumed, it
# is bit for bit the unbroken run only on the same schedule.
"$cli" "${run[@]}" --checkpoint-every 100 --threads "$threads" --schedule sequential \
  --metrics "$out/$name.csv" 2>/dev/null | tee -a "$out/$name.log"
