#!/usr/bin/env bash
# Pack sizes of the packages, and what a new application restores (a fresh NuGet cache each) and builds, for three
# kinds of application. Usage: bash bench/package-sizes.sh [work folder]; needs network access to NuGet.
set -euo pipefail
trap 'echo "failed: line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
feed="$work/feed"
dotnet pack MLNet.UNet.Packages.slnf -c Release -o "$feed" -p:PackageVersion=0.1.0-sizes > /dev/null
echo "## Packages (dotnet pack MLNet.UNet.Packages.slnf -c Release)"
ls -l "$feed" | awk 'NR > 1 { printf "%-45s %8.0f KB\n", $9, $5 / 1024 }'

app() { # name, then package=version pairs
  local name="$1"; shift
  local dir="$work/$name" cache="$work/$name-packages"   # the cache outside the project, or its sources would compile
  rm -rf "$dir" "$cache" && mkdir -p "$dir"
  (cd "$dir" && dotnet new console --framework net10.0 > /dev/null)
  printf '<configuration><packageSources><add key="local" value="%s" /></packageSources></configuration>\n' "$feed" > "$dir/nuget.config"
  for pair in "$@"; do
    (cd "$dir" && NUGET_PACKAGES="$cache" dotnet add package "${pair%%=*}" --version "${pair##*=}" > /dev/null)
  done
  (cd "$dir" && NUGET_PACKAGES="$cache" dotnet build -c Release -o "$dir/out" > /dev/null)
  printf '%-48s restored %6s   built output %6s\n' "$name" "$(du -sh "$cache" | cut -f1)" "$(du -sh "$dir/out" | cut -f1)"
}
echo "## Applications (restored into an empty NuGet cache; output of dotnet build -c Release)"
app scoring-ml.net-only Microsoft.ML=5.0.1 Microsoft.ML.ImageAnalytics=5.0.1 Microsoft.ML.OnnxTransformer=5.0.1 Microsoft.ML.OnnxRuntime=1.31.0
app scoring-with-mlnet.unet MLNet.UNet=0.1.0-sizes Microsoft.ML.OnnxRuntime=1.31.0
app training-cpu MLNet.UNet=0.1.0-sizes libtorch-cpu-linux-x64=2.10.0 Microsoft.ML.OnnxRuntime=1.31.0
app training-cpu-before-TorchSharp-cpu TorchSharp-cpu=0.107.0 Microsoft.ML=5.0.1 Microsoft.ML.ImageAnalytics=5.0.1 Microsoft.ML.OnnxTransformer=5.0.1 Microsoft.ML.OnnxRuntime.Gpu=1.31.0
