#!/usr/bin/env bash
# accuracy-seeds.sh — test accuracy of ours and of the PyTorch reference over
# several seeds, same settings as bench-mlp.sh (MLP 3x1024 predsim, batch 128,
# one epoch of full MNIST, no augmentation). One seed's difference is noise;
# the means over seeds say whether ours is worse.
#
#   bench/accuracy-seeds.sh [--seeds "1 2 3 4 5"] [--threads T]
set -euo pipefail
# The CLI speaks the user's language; the lines read below are English.
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seeds="1 2 3 4 5"
threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "accuracy-seeds.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

cli=${LW_BUILD_DIR:-_build}/src/cli/layerwise-cli
ref=${LW_TORCH_REF:-bench/torch_ref.py}
python=${LW_PYTHON:-/usr/bin/python3}
data=${LW_MNIST_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/layerwise/datasets/mnist}
[ -x "$cli" ] || { echo "accuracy-seeds.sh: $cli is not built; run ./run.sh first" >&2; exit 1; }
[ -f "$ref" ] || { echo "accuracy-seeds.sh: reference $ref not found (set LW_TORCH_REF)" >&2; exit 1; }

echo "| seed | ours test acc % | reference test acc % |"
echo "|---|---|---|"
sum_ours=0; sum_ref=0; n=0
for s in $seeds; do
  ours=$("$cli" --dataset mnist --data-dir "$data" --epochs 1 --threads "$threads" \
           --no-augment --seed "$s" 2>/dev/null | sed -n 's/^final test accuracy \([0-9.]*\)%.*/\1/p')
  theirs=$("$python" "$ref" --data "$data" --epochs 1 --threads "$threads" --seed "$s" 2>/dev/null \
           | sed -n 's/^final test acc \([0-9.]*\)%.*/\1/p')
  [ -n "$ours" ] && [ -n "$theirs" ] || { echo "accuracy-seeds.sh: a run failed (seed $s)" >&2; exit 1; }
  echo "| $s | $ours | $theirs |"
  sum_ours=$(awk -v a="$sum_ours" -v b="$ours" 'BEGIN { print a + b }')
  sum_ref=$(awk -v a="$sum_ref" -v b="$theirs" 'BEGIN { print a + b }')
  n=$((n + 1))
done
awk -v a="$sum_ours" -v b="$sum_ref" -v n="$n" \
  'BEGIN { printf "| mean | %.2f | %.2f |\n", a / n, b / n }'
