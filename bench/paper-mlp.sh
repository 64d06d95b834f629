#!/usr/bin/env bash
# paper-mlp.sh — the README's results table: MLP 3x1024 on MNIST and
# Fashion-MNIST with bp, pred, sim and predsim, trained with the recipe of
# docs/method.md §7 (dropout, leaky ReLU for sim/predsim, 2-px jitter, step decay).
# The bpf losses (pred-bpf, sim-bpf, predsim-bpf; not by default) take the
# same recipe, with predsim-bpf's beta 0.01 (docs/method.md §5).
#
#   bench/paper-mlp.sh [--epochs-mnist N] [--epochs-fashion N] [--threads T]
#                      [--losses "bp pred sim predsim"] [--datasets "mnist fashion-mnist"]
#                      [--out DIR] [--keep DIR]
#
# The paper trains 100 (MNIST) and 200 (Fashion-MNIST) epochs. With fewer
# epochs the milestones are scaled by the same factor, and the table says how
# many epochs each run had. Each run writes its metrics CSV and log to DIR
# (default bench/out/paper); summary.md there gathers the final test errors.
#
# --keep DIR: runs that take days. Each run is saved to DIR/NAME.lwrun every
# 2,000 steps and at the end or on Ctrl-C; a run whose file is there goes on
# from it (--resume: bit for bit the unbroken run, at the same --threads),
# and a finished one is skipped. Start it again after any stop.
set -euo pipefail
# The CLI speaks the user's language; the lines read below are English.
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."

epochs_mnist=100
epochs_fashion=200
threads=$(nproc)
losses="bp pred sim predsim"
datasets="mnist fashion-mnist"
out=bench/out/paper
keep=
cli=${LW_CLI:-_build/src/cli/layerwise-cli}

while [ $# -gt 0 ]; do
  case "$1" in
    --epochs-mnist) epochs_mnist=$2; shift 2 ;;
    --epochs-fashion) epochs_fashion=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --losses) losses=$2; shift 2 ;;
    --datasets) datasets=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "paper-mlp.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -x "$cli" ] || { echo "paper-mlp.sh: $cli is not built; run ./run.sh first" >&2; exit 1; }
mkdir -p "$out"
[ -z "$keep" ] || mkdir -p "$keep"

# Milestones of a full schedule, scaled to the epochs actually run.
scale_milestones() {
  local full=$1 epochs=$2; shift 2
  local list="" m s
  for m in "$@"; do
    s=$(( (m * epochs + full / 2) / full ))
    [ "$s" -ge 1 ] || s=1
    list="${list:+$list,}$s"
  done
  echo "$list"
}

for ds in $datasets; do
  case "$ds" in
    mnist) full=100; epochs=$epochs_mnist; dropout=0.1
           milestones=$(scale_milestones 100 "$epochs" 50 75 89 94) ;;
    fashion-mnist) full=200; epochs=$epochs_fashion; dropout=0.025
           milestones=$(scale_milestones 200 "$epochs" 100 150 175 188) ;;
    *) echo "paper-mlp.sh: no recipe for dataset '$ds'" >&2; exit 2 ;;
  esac
  for loss in $losses; do
    case "$loss" in
      sim|predsim|sim-bpf|predsim-bpf) nonlin=leakyrelu ;;
      *) nonlin=relu ;;
    esac
    beta=()
    [ "$loss" != predsim-bpf ] || beta=(--beta 0.01)
    name="$ds-$loss-${epochs}ep"
    echo "== $name (of $full epochs; milestones $milestones; dropout $dropout; $nonlin)"
    run=(--dataset "$ds" --arch mlp --num-layers 3 --num-hidden 1024 --loss "$loss"
         --nonlin "$nonlin" --dropout "$dropout" --lr 5e-4 --epochs "$epochs"
         --lr-decay-milestones "$milestones" --lr-decay-fact 0.25 --batch-size 128 --seed 1 "${beta[@]}")
    if [ -n "$keep" ] && [ -f "$keep/$name.lwrun" ]; then
      # Its settings come from the file; what may change is given again.
      run=(--resume "$keep/$name.lwrun" --epochs "$epochs" --checkpoint-every 2000)
    elif [ -n "$keep" ]; then
      run+=(--save "$keep/$name.lwrun" --checkpoint-every 2000)
    fi
    # Sequential, as these runs began (before auto was the default): a
    # resumed run is bit for bit the unbroken one only on the same schedule.
    "$cli" "${run[@]}" --threads "$threads" --schedule sequential --metrics "$out/$name.csv" 2>/dev/null \
      | tee "$out/$name.log"
    acc=$(sed -n 's/^final test accuracy \([0-9.]*\)%.*/\1/p' "$out/$name.log")
    printf '| %s | %s | %s | %s | %s |\n' "$ds" "$loss" "$epochs of $full" \
      "$(awk -v a="$acc" 'BEGIN { printf "%.2f", 100 - a }')" "$acc" >> "$out/summary.md"
  done
done
echo "summary: $out/summary.md"
