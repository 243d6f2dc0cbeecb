#!/usr/bin/env bash
# ISBI 2012 membranes: what an ensemble and test-time flips give. Three models of the quick recipe (30 epochs, 128 x 128,
# left-right flips in training) that differ only in their seed, trained on images 0-19 and scored on 20-24 on their own
# 512 x 512 grid with `unet evaluate`: each alone, each with test-time flips, the three as one ensemble, and the
# ensemble with flips. About 5 minutes on 2 cores (AMD EPYC family 25 model 17).
# Usage: bash bench/isbi-ensemble.sh [work folder]; the data is read from ../shared/data/isbi2012-membrane.
set -euo pipefail
trap 'echo "failed: line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."
source bench/isbi-common.sh

echo "| model | test-time flips | Dice | IoU | pixel error | ms per image |"
echo "|---|---|---|---|---|---|"
score() { # name, description, then evaluate flags
  local name="$1" description="$2"; shift 2
  unet evaluate "$@" --images "$work/split/test/image" --masks "$work/split/test/label" --json "$work/$name.json" > "$work/$name.evaluate.log"
  echo "| $description |$(isbi_row "$work/$name.evaluate.log")"
}
zips=()
for seed in 1 2 3; do
  [[ -f "$work/seed$seed/model.zip" ]] || unet train --images "$work/split/train/image" --masks "$work/split/train/label" \
    --recipe quick --seed "$seed" --epochs 30 --size 128 --resume -o "$work/seed$seed" > "$work/seed$seed.train.log"
  zips+=(--model "$work/seed$seed/model.zip")
  score "seed$seed" "seed $seed | no" --model "$work/seed$seed/model.zip"
  score "seed$seed-tta" "seed $seed | yes" --model "$work/seed$seed/model.zip" --tta
done
score ensemble "ensemble of seeds 1-3 | no" "${zips[@]}"
score ensemble-tta "ensemble of seeds 1-3 | yes" "${zips[@]}" --tta
