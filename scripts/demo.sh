#!/usr/bin/env bash
# make demo: the real main job on the bundled data. Trains pix2pix on the synthetic
# labels2scenes sample (recipe pipelines/labels2scenes.yaml), evaluates on its test split,
# translates the folder of test label maps with the trained generator (translate apply), and
# writes runs/labels2scenes/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/translate
RUN=runs/labels2scenes
if [ -d "$RUN" ]; then
    # A fresh demo each time; the previous run is kept beside it.
    rm -rf "$RUN.previous" && mv "$RUN" "$RUN.previous"
fi
"$BIN" train labels2scenes
echo
echo "demo finished:"
echo "  checkpoint: $RUN/latest_net_G.safetensors"
echo "  translated: $RUN/translated/   (from datasets/samples/labels2scenes/labels/)"
echo "  report:     $RUN/report.html   (make check-report renders it in headless Chromium)"
