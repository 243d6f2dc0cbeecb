#!/usr/bin/env bash
# A liver model on the default split's validation patients (13, 19, 31) as stored (LAS) and stored the other way up
# (LPS: rows reversed, the sform saying so). A zip whose plausibility record has a geometry turns the LPS copies back
# before scoring (AxisReorientation); one without scores them as stored. Needs python3 (standard library) for the copies.
# Usage: bash bench/liver-orientation.sh MODEL_ZIP [work folder]
# Prints the post-processed mean 3D liver Dice of: the zip on LAS, the zip on LPS, and (when the zip has no geometry)
# a copy given the shared patients' geometry (LAS, 320 mm), on LPS.
set -euo pipefail
trap 'echo "failed: line $LINENO" >&2' ERR
[[ $# -ge 1 && -f "$1" ]] || { echo "usage: bash bench/liver-orientation.sh MODEL_ZIP [work folder]" >&2; exit 1; }
model="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="${2:-$(mktemp -d)}"; mkdir -p "$work"; work="$(cd "$work" && pwd)"
cd "$(dirname "$0")/.."
source bench/liver-common.sh
rm -rf "$work/las" "$work/lps" "$work/model-geometry.zip"; mkdir -p "$work/lps"
validation_links "$work/las"
python3 bench/geometry/turn_volumes.py "$work/las" "$work/lps" "$model" "$work/model-geometry.zip" > /dev/null
unet evaluate --model "$model" --volumes "$work/las" --json "$work/las.json" > "$work/las.log"
unet evaluate --model "$model" --volumes "$work/lps" --json "$work/lps.json" > "$work/lps.log"
echo "stored LAS: $(post_mean "$work/las.log")"
echo "stored LPS: $(post_mean "$work/lps.log") ($(grep -c '"ReorientedFrom": "LPS"' "$work/lps.json" || true) of 3 turned back)"
if [[ -f "$work/model-geometry.zip" ]]; then
  unet evaluate --model "$work/model-geometry.zip" --volumes "$work/lps" --json "$work/lps-geometry.json" > "$work/lps-geometry.log"
  echo "stored LPS, the zip given the shared patients' geometry: $(post_mean "$work/lps-geometry.log") ($(grep -c '"ReorientedFrom": "LPS"' "$work/lps-geometry.json" || true) of 3 turned back)"
fi
