#!/usr/bin/env bash
# The liver vote, cross-validated by patient (issue 21): per fold, a one-organ `liver-mri-basic-intensity` model and a
# four-organ `abdomen-mri` model, trained without the fold's three patients, average their liver probabilities on
# those patients (`unet evaluate --model one.zip --model four.zip --organ liver`). Each fold trains two models of about
# 40 and 50 minutes on 2 cores; a model already in the work folder is kept, so the script resumes fold by fold.
# Usage: bash bench/liver-vote-cv.sh [work folder] [folds, default 1 2 3 4 5] [--stress]
# Writes <work>/vote-K.json (and with --stress vote-stress-K.json, one-organ-stress-K.json) and prints a row per patient.
set -euo pipefail
trap 'echo "failed: line $LINENO" >&2' ERR
if [[ $# -gt 0 && ( "$1" == -* || "$1" =~ ^[0-9]+$ ) ]]; then
  echo "usage: bash bench/liver-vote-cv.sh [work folder] [folds, default 1 2 3 4 5] [--stress]; the work folder comes first" >&2
  exit 1
fi
work="${1:-$(mktemp -d)}"; [[ $# -gt 0 ]] && shift
mkdir -p "$work"; work="$(cd "$work" && pwd)"
stress=false; folds=()
for arg in "$@"; do
  case "$arg" in
    --stress) stress=true ;;
    [1-5]) folds+=("$arg") ;;
    *) echo "not a fold (1 to 5) or --stress: $arg" >&2; exit 1 ;;
  esac
done
[[ ${#folds[@]} -gt 0 ]] || folds=(1 2 3 4 5)
cd "$(dirname "$0")/.."
source bench/liver-common.sh
organs=liver=1,kidney-right=2,kidney-left=3,spleen=4
# The patients an evaluation.json scores, sorted, on one line (empty when the file is missing).
patients() { grep -o '"PatientId": *"[^"]*"' "$1" 2> /dev/null | sed 's/.*"\([^"]*\)"$/\1/' | sort -u | tr '\n' ' ' || true; }

for k in "${folds[@]}"; do
  # --minutes 90 only caps the time: the recipes' 50 epochs are what is compared, on a machine that may be shared.
  # --resume continues a fold stopped before its model was saved (and starts afresh where there is no checkpoint).
  [[ -f "$work/one-organ/fold-$k/model.zip" ]] || unet train --volumes "$data" --recipe liver-mri-basic-intensity \
    --folds 5 --fold "$k" --minutes 90 --resume -o "$work/one-organ" > "$work/one-organ-fold$k.log"
  [[ -f "$work/four-organ/fold-$k/model.zip" ]] || unet train --volumes "$data" --recipe abdomen-mri --labels "$organs" \
    --folds 5 --fold "$k" --minutes 90 --resume -o "$work/four-organ" > "$work/four-organ-fold$k.log"
  # The fold's held-out patients, as each model's evaluation names them (they must agree), linked into a folder of their
  # own (the data is never copied).
  ids="$(patients "$work/one-organ/fold-$k/evaluation.json")"
  if [[ -z "$ids" || "$ids" != "$(patients "$work/four-organ/fold-$k/evaluation.json")" ]]; then
    echo "fold $k: the two models' held-out patients differ or are unknown (one-organ: '$ids'); train both with the same --folds and seed" >&2
    exit 1
  fi
  held="$work/held-out-$k"; rm -rf "$held"; mkdir -p "$held"
  for id in $ids; do
    ln -s "$data/image_$id.nii.gz" "$held/image_$id.nii.gz"
    ln -s "$data/label_$id.nii.gz" "$held/label_$id.nii.gz"
  done
  models=(--model "$work/one-organ/fold-$k/model.zip" --model "$work/four-organ/fold-$k/model.zip" --organ liver)
  unet evaluate "${models[@]}" --volumes "$held" --json "$work/vote-$k.json" > "$work/vote-$k.log"
  if $stress; then
    unet evaluate "${models[@]}" --volumes "$held" --stress --json "$work/vote-stress-$k.json" > "$work/vote-stress-$k.log"
    unet evaluate --model "$work/one-organ/fold-$k/model.zip" --volumes "$held" --stress --json "$work/one-organ-stress-$k.json" > "$work/one-organ-stress-$k.log"
  fi
  echo "fold $k: vote, 3D liver Dice per patient (raw, post-processed):"
  { grep -E '^\| [0-9]+ \|' "$work/vote-$k.log" || true; } | awk -F'|' '{ gsub(/ /, ""); printf "  patient %s: %s, %s\n", $2, $3, $9 }'
done
