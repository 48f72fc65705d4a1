#!/usr/bin/env bash
# One pix2pix training step (unet_256 + basic D, 256², batch 1), ours on both convolution paths
# (TRANSLATE_CONV=dnnl and blas) vs PyTorch in the same run, with each process's peak RSS.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/bench-train
PY=${BENCH_PY:-python3}
echo "### Pix2Pix training step (unet_256 + basic PatchGAN, 256×256, batch 1)"
echo
echo "Times in s (cpu/wall of the timed steps); peak RSS in MiB; ratios ours / PyTorch on the best step."
echo
echo "| threads | dnnl best / median s | dnnl RSS | blas best / median s | blas RSS | PyTorch best / median s | PyTorch RSS | dnnl/PyTorch | blas/PyTorch |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for t in ${BENCH_THREADS:-1 2}; do
    dnnl=$(TRANSLATE_CONV=dnnl OPENBLAS_NUM_THREADS=$t $BIN --threads "$t" --steps 3)
    blas=$(TRANSLATE_CONV=blas OPENBLAS_NUM_THREADS=$t $BIN --threads "$t" --steps 3)
    theirs=$($PY bench/torch_pix2pix_step.py --threads "$t" --steps 3 2>/dev/null || echo '{}')
    python3 - "$dnnl" "$blas" "$theirs" "$t" <<'PYEOF'
import json, sys
d = json.loads(sys.argv[1]); b = json.loads(sys.argv[2]); p = json.loads(sys.argv[3] or "{}"); t = sys.argv[4]
def cell(r):
    return f"{r['best_s']:.3f} / {r['median_s']:.3f} ({r['cpu_wall']:.2f})"
def rss(r):
    return f"{r['peak_rss_mib']:.0f}" if "peak_rss_mib" in r else "n/a"
if p.get("best_s"):
    print(f"| {t} | {cell(d)} | {rss(d)} | {cell(b)} | {rss(b)} | {cell(p)} | {rss(p)} | "
          f"{d['best_s'] / p['best_s']:.2f} | {b['best_s'] / p['best_s']:.2f} |")
else:
    print(f"| {t} | {cell(d)} | {rss(d)} | {cell(b)} | {rss(b)} | n/a | n/a | n/a | n/a |")
PYEOF
done
echo
