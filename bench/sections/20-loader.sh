#!/usr/bin/env bash
# Input pipeline: decode + random crop + flip + normalize into [N, 3, H, W] batches of 32, ours
# (bench-loader: BatchLoader + SingleFolderDataset, --preprocess crop) against PIL + torchvision
# transforms + torch DataLoader on the same JPEGs, in the same run. The JPEGs are generated here
# (synthetic photo-like content, quality 90, 4:2:0) into a temporary folder.
#
# Needs the release build (bench-loader); BENCH_PY = a python with torch, torchvision and PIL
# (the PyTorch rows print n/a without it). MIN_SECONDS sets the timing per row (default 3).
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/bench-loader
MIN_SECONDS=${MIN_SECONDS:-3}
PY=${BENCH_PY:-python3}
if [ ! -x "$BIN" ]; then
    echo "## Input pipeline (loader)"; echo
    echo "n/a: $BIN is missing (run swift build -c release first)"
    exit 0
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$BIN" generate "$WORK/256" --count 512 --width 256 --height 256 >/dev/null
"$BIN" generate "$WORK/1mp" --count 48 --width 1152 --height 864 >/dev/null

: > "$WORK/results.tsv"
if "$PY" -c "import torch, torchvision, PIL" 2>/dev/null; then
    HAVE_TORCH=1
    TORCH_NOTE="torch $("$PY" -c 'import torch, torchvision, PIL; print(torch.__version__ + ", torchvision " + torchvision.__version__ + ", Pillow " + PIL.__version__)')"
else
    HAVE_TORCH=0
    TORCH_NOTE="PyTorch not available (BENCH_PY=$PY): its rows are n/a"
fi
# One size at a time, ours then PyTorch, so both see the same machine load.
for spec in "256:224:256²" "1mp:256:1152×864"; do
    IFS=: read -r folder crop label <<< "$spec"
    "$BIN" measure "$WORK/$folder" --crop "$crop" --label "$label" --min-seconds "$MIN_SECONDS" >> "$WORK/results.tsv"
    if [ "$HAVE_TORCH" = 1 ]; then
        "$PY" bench/torch_loader.py "$WORK/$folder" --crop "$crop" --label "$label" --min-seconds "$MIN_SECONDS" \
            >> "$WORK/results.tsv" || printf '%s\tpytorch\t-\tn/a\tn/a\t0\n' "$label" >> "$WORK/results.tsv"
    else
        printf '%s\tpytorch\t-\tn/a\tn/a\t0\n' "$label" >> "$WORK/results.tsv"
    fi
done

echo "## Input pipeline: decode + crop + flip + normalize (batches of 32) vs PIL + torchvision DataLoader"
echo
echo "256² JPEGs cropped to 224², ~1 MP (1152×864) JPEGs cropped to 256²; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) at the start."
echo "\`loader\` decodes only the crop of each JPEG; \`loader-full-decode\` decodes the whole image first, as PIL does."
echo "images/CPU-s = images/s ÷ (CPU-s per wall-s), the rate per busy core; CPU-s per wall-s well below the worker"
echo "count means other processes held the cores (PERF-NOTES P10). $TORCH_NOTE."
echo
echo "| images | pipeline | workers | images/s | CPU-s per wall-s | images/CPU-s | ÷ PyTorch (images/s) |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
awk -F'\t' '
    { key = $1 SUBSEP $3; if ($2 == "pytorch") torch[key] = $4; rows[NR] = $0 }
    END {
        for (i = 1; i <= NR; i++) {
            split(rows[i], f, "\t")
            key = f[1] SUBSEP f[3]
            per = (f[5] + 0 > 0) ? sprintf("%.0f", f[4] / f[5]) : "n/a"
            ratio = (f[2] != "pytorch" && (key in torch) && torch[key] + 0 > 0) ? sprintf("%.2f×", f[4] / torch[key]) : (f[2] == "pytorch" ? "1.00×" : "n/a")
            printf "| %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], per, ratio
        }
    }' "$WORK/results.tsv"
echo
