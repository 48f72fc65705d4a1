#!/usr/bin/env bash
# make demo: the real main job on the bundled data. `translate train horse2zebra` trains CycleGAN:
# on the full horse2zebra when datasets/horse2zebra holds it (`translate datasets fetch horse2zebra`),
# otherwise on the bundled synthetic sample with the CPU preset (pipelines/horse2zebra-cpu.yaml,
# a few minutes on 2 cores). Then it translates testA with G_A and testB with G_B into two folders,
# measures the stripe share of both directions and writes the report.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/translate
# A fresh demo each time; the previous run is kept beside it.
for previous in runs/horse2zebra runs/horse2zebra-cpu; do
    if [ -d "$previous" ]; then rm -rf "$previous.previous" && mv "$previous" "$previous.previous"; fi
done
"$BIN" train horse2zebra
# The full set trains as runs/horse2zebra, the sample preset as runs/horse2zebra-cpu.
RUN=runs/horse2zebra-cpu
[ -d runs/horse2zebra ] && RUN=runs/horse2zebra
echo
echo "demo finished:"
echo "  checkpoints: $RUN/latest_net_G_A.safetensors (A → B), $RUN/latest_net_G_B.safetensors (B → A)"
echo "  translated:  $RUN/translated_A/ (testA through G_A), $RUN/translated_B/ (testB through G_B)"
echo "  report:      $RUN/report.html   (make check-report renders it in headless Chromium)"
echo "  more:        $BIN apply --checkpoint $RUN/latest_net_G_A.safetensors IN OUT"
