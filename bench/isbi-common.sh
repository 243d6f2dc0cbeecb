# Shared by the ISBI 2012 benchmarks (source it from bench/): the data folder, the split as symbolic links (images
# 0-19 train, 20-24 test; the data is never copied), and the tool built into the work folder as `unet`.
# Sets: data, work; defines: unet. Exits 0 with a message when the data is absent.
data="$(cd .. && pwd)/shared/data/isbi2012-membrane/train"
if [[ ! -d "$data" ]]; then
  echo "skipped: the ISBI 2012 data is not at $data" >&2
  exit 0
fi
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
for part in train test; do
  mkdir -p "$work/split/$part/image" "$work/split/$part/label"
done
for i in $(seq 0 24); do
  part=$([[ $i -lt 20 ]] && echo train || echo test)
  ln -sf "$data/image/$i.png" "$work/split/$part/image/$i.png"
  ln -sf "$data/label/$i.png" "$work/split/$part/label/$i.png"
done
dotnet build src/Cli -c Release -o "$work/tool" > /dev/null
unet() { dotnet "$work/tool/unet.dll" "$@"; }

# The test images' mean Dice, IoU and pixel error ("| a | b | c |") and ms per image of an evaluate log.
isbi_row() {
  local log="$1" mean time
  mean=$(grep 'mean ± sd' "$log" | awk -F'|' '{ print $3 "|" $4 "|" $5 }')
  time=$(grep 'ms per image' "$log" | awk '{ print $1 }')
  echo "$mean| $time |"
}
