#!/usr/bin/env bash
# One pix2pix training step (unet_256 + basic D, 256², batch 1), ours vs PyTorch in the same run.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/bench-train
PY=${BENCH_PY:-python3}
echo "### Pix2Pix training step (unet_256 + basic PatchGAN, 256×256, batch 1)"
echo
echo "| threads | ours best s | ours median s | ours cpu/wall | PyTorch best s | PyTorch median s | PyTorch cpu/wall | ratio ours/PyTorch (best) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for t in ${BENCH_THREADS:-1 2}; do
    ours=$(OPENBLAS_NUM_THREADS=$t $BIN --threads "$t" --steps 3)
    theirs=$($PY bench/torch_pix2pix_step.py --threads "$t" --steps 3 2>/dev/null || echo '{}')
    python3 - "$ours" "$theirs" "$t" <<'PYEOF'
import json, sys
o = json.loads(sys.argv[1]); p = json.loads(sys.argv[2] or "{}"); t = sys.argv[3]
if p.get("best_s"):
    print(f"| {t} | {o['best_s']:.3f} | {o['median_s']:.3f} | {o['cpu_wall']:.2f} | {p['best_s']:.3f} | {p['median_s']:.3f} | {p['cpu_wall']:.2f} | {o['best_s'] / p['best_s']:.2f} |")
else:
    print(f"| {t} | {o['best_s']:.3f} | {o['median_s']:.3f} | {o['cpu_wall']:.2f} | n/a | n/a | n/a | n/a |")
PYEOF
done
echo
