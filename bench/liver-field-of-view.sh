#!/usr/bin/env bash
# A liver model on the default split's validation patients (13, 19, 31) with slices spanning other fields of view than
# the training's 320 mm, the pixels kept at 1.25 mm: 400 and 480 mm (the volume padded with its lowest value, as a
# scanner with a wider field of view would record the same patient), 280, 240, 200 and 160 mm (cropped: a tighter one).
# A zip whose plausibility record has a geometry scores slices more than 15 % wider than the training's in a window of
# the training's width around the body (FieldOfViewWindow), and scores narrower ones whole (flagging those more than a
# third narrower); a zip without one shrinks every slice whole. Needs python3 (standard library) for the copies.
# Usage: bash bench/liver-field-of-view.sh MODEL_ZIP [work folder]
# Prints, per field of view, the post-processed mean 3D liver Dice of the zip without a geometry and with one.
set -euo pipefail
trap 'echo "failed: line $LINENO" >&2' ERR
[[ $# -ge 1 && -f "$1" ]] || { echo "usage: bash bench/liver-field-of-view.sh MODEL_ZIP [work folder]" >&2; exit 1; }
model="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="${2:-$(mktemp -d)}"; mkdir -p "$work"; work="$(cd "$work" && pwd)"
cd "$(dirname "$0")/.."
source bench/liver-common.sh
rm -rf "$work/320" "$work/400" "$work/480" "$work/280" "$work/240" "$work/200" "$work/160" "$work/empty" "$work/with-geometry.zip" "$work/without-geometry.zip"
mkdir -p "$work/empty"
validation_links "$work/320"
python3 bench/geometry/field_of_view.py "$work/320" "$work/400" 32 > /dev/null
python3 bench/geometry/field_of_view.py "$work/320" "$work/480" 64 > /dev/null
python3 bench/geometry/field_of_view.py "$work/320" "$work/280" -16 > /dev/null
python3 bench/geometry/field_of_view.py "$work/320" "$work/240" -32 > /dev/null
python3 bench/geometry/field_of_view.py "$work/320" "$work/200" -48 > /dev/null
python3 bench/geometry/field_of_view.py "$work/320" "$work/160" -64 > /dev/null
# The zip with the shared patients' geometry (LAS, 320 mm) and without any, whichever the given zip is.
python3 bench/geometry/turn_volumes.py "$work/empty" "$work/empty" "$model" "$work/with-geometry.zip" > /dev/null
[[ -f "$work/with-geometry.zip" ]] || cp "$model" "$work/with-geometry.zip"
python3 - "$work/with-geometry.zip" "$work/without-geometry.zip" <<'PY'
import json, sys, zipfile
zin = zipfile.ZipFile(sys.argv[1])
with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == 'MLNet.UNet/plausibility.json':
            record = json.loads(data)
            record['Geometry'] = None
            data = json.dumps(record, indent=2).encode()
        zout.writestr(item, data)
PY
echo "| field of view | the zip without a geometry: shrunk whole | with the geometry (LAS, 320 mm) |"
echo "|---|---|---|"
for fov in 320 400 480 280 240 200 160; do
  unet evaluate --model "$work/without-geometry.zip" --volumes "$work/$fov" --json "$work/$fov-whole.json" > "$work/$fov-whole.log" || true
  unet evaluate --model "$work/with-geometry.zip" --volumes "$work/$fov" --json "$work/$fov-window.json" > "$work/$fov-window.log" || true
  echo "| $fov mm | $(post_mean "$work/$fov-whole.log") | $(post_mean "$work/$fov-window.log") ($(grep -c '"FieldOfViewMatched": "a slice' "$work/$fov-window.json" || true) of 3 in a window, $(grep -c '"Implausible": true' "$work/$fov-window.json" || true) flagged) |"
done
