#!/usr/bin/env bash
# ISBI 2012 membranes: scoring the full 512 x 512 images by resizing them to the network's input, against scoring them
# in a sliding window of tiles of that input. Trains with the quick recipe (seed 1) on images 0-19 and scores 20-24 on
# their own 512 x 512 grid with `unet evaluate` (Dice, IoU, pixel error, time per image). About 25 minutes on 2 cores.
# Usage: bash bench/isbi-sliding-window.sh [work folder]; the data is read from ../shared/data/isbi2012-membrane.
set -euo pipefail
trap 'echo "failed: line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."
source bench/isbi-common.sh

echo "| scoring | training input | epochs | Dice | IoU | pixel error | ms per image |"
echo "|---|---|---|---|---|---|---|"
model() { # name, description, epochs, then training flags
  local name="$1" description="$2" epochs="$3"; shift 3
  [[ -f "$work/$name/model.zip" ]] || unet train --images "$work/split/train/image" --masks "$work/split/train/label" \
    --recipe quick --seed 1 --epochs "$epochs" "$@" --resume -o "$work/$name" > "$work/$name.train.log"
  unet evaluate --model "$work/$name/model.zip" --images "$work/split/test/image" --masks "$work/split/test/label" \
    --json "$work/$name.json" > "$work/$name.evaluate.log"
  echo "| $description | $epochs |$(isbi_row "$work/$name.evaluate.log")"
}
model resize128 "resized to 128 x 128 | whole images at 128" 30 --size 128
model resize128-e120 "resized to 128 x 128 | whole images at 128" 120 --size 128
model resize256 "resized to 256 x 256 | whole images at 256" 30 --size 256
model tile128 "128 x 128 tiles, overlap 0.5 | 128 x 128 crops of 512" 30 --size 512 --tile 128
model tile128-e120 "128 x 128 tiles, overlap 0.5 | 128 x 128 crops of 512" 120 --size 512 --tile 128
model tile256 "256 x 256 tiles, overlap 0.5 | 256 x 256 crops of 512" 30 --size 512 --tile 256
