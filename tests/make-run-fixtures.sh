#!/usr/bin/env bash
# make-run-fixtures.sh BUILD_DIR OUT_DIR VERSION: the run files of one
# format version for tests/fixtures/, written by that version's build:
#   cli-mlp-vN.lwrun    layerwise-cli, MLP 2x32, Adam, classes-per-batch 3 for
#                       epoch 1, an lr milestone (both kinds of CLI
#                       intervention), data seed 3 (from format 5), saved
#                       after epoch 2
#   cli-conv-vN.lwrun   layerwise-cli, vgg-mini (small decoders), SGD with momentum, cutout,
#                       saved after epoch 1
#   window-mlp-vN.lwrun the window's run with every mark kind
#                       (make-run-fixtures.c)
# Commit them; test-run-fixtures opens every version's files.
set -euo pipefail
build=$1 out=$2 version=$3
cli="$build/src/cli/layerwise-cli"
mkdir -p "$out"
export LC_ALL=C

"$cli" --limit-train 600 --limit-test 100 --num-layers 2 --num-hidden 32 --threads 1 \
  --log-every 2 --classes-per-batch 3 --classes-per-batch-until-epoch 1 \
  --lr-decay-milestones 1 --data-seed 3 --epochs 2 --force --save "$out/cli-mlp-v$version.lwrun" > /dev/null
"$cli" --arch vgg-mini --num-hidden 32 --dim-in-decoder 64 --limit-train 128 --limit-test 64 --batch-size 32 \
  --threads 1 --optim sgd --lr 0.01 --momentum 0.9 --cutout 14 --log-every 1 --epochs 1 \
  --force --save "$out/cli-conv-v$version.lwrun" > /dev/null
"$build/tests/make-run-fixtures" "$out/window-mlp-v$version.lwrun"
ls -l "$out"/*-v"$version".lwrun
