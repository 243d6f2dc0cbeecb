# Shared by the CHAOS liver benchmarks (source it from the repository's root once $work is set): the data folder and
# the tool built into the work folder as `unet`. Sets: data; defines: unet, validation_links, post_mean. Exits 0 with
# a message when the data is absent.
data="$(cd .. && pwd)/shared/data/chaos-mr-t2"
if [[ ! -d "$data" ]]; then
  echo "skipped: the CHAOS data is not at $data" >&2
  exit 0
fi
dotnet build src/Cli -c Release -o "$work/tool" > "$work/build.log" || { echo "the build failed: $work/build.log" >&2; exit 1; }
unet() { dotnet "$work/tool/unet.dll" "$@"; }

# Links the default split's validation patients (13, 19, 31), images and labels, into a folder (the data is never copied).
validation_links() {
  mkdir -p "$1"
  for id in 13 19 31; do
    ln -sf "$data/image_$id.nii.gz" "$1/image_$id.nii.gz"
    ln -sf "$data/label_$id.nii.gz" "$1/label_$id.nii.gz"
  done
}

# The post-processed mean 3D Dice with its sd ("0.9271±0.0142") of an evaluate log.
post_mean() { grep -E '^\| \*\*post-processed\*\*' "$1" | awk -F'|' '{ gsub(/ /, "", $3); print $3 }'; }
