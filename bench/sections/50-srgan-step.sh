#!/usr/bin/env bash
# One SRGAN training step, ours (SRGANTrainer.step through bench-srgan) vs PyTorch
# (bench/torch_srgan_step.py) in the same run: SRResNet pretraining (MSE) and the GAN phase (D step,
# then G step with the VGG19 φ5,4 content loss ×1/12.75 and 1e-3 adversarial), batch 16 of 96² HR /
# 24² LR, ×4, 16 blocks, 64 channels (REFERENCE.md c5). Target: ours ≤ 0.8× PyTorch's time.
# Each (implementation, phase, threads) runs in its own process so its peak RSS is its own.
# BENCH_SRGAN_PHASES (default "pretrain gan"), BENCH_THREADS (default "1 2"), BENCH_SRGAN_BATCH
# (default 16), BENCH_SRGAN_SIZE (HR side, default 96), BENCH_SRGAN_STEPS (timed steps after one
# warm-up; default 3 for pretrain, 2 for gan), BENCH_SRGAN_CONVS (our convolution paths, e.g. "blas dnnl";
# default: the configured one).
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/bench-srgan
PY=${BENCH_PY:-python3}
batch=${BENCH_SRGAN_BATCH:-16}
size=${BENCH_SRGAN_SIZE:-96}
echo "### SRGAN training step (SRResNet ×4 B16 n64 + SRGAN D, batch $batch, ${size}² HR / $((size / 4))² LR)"
echo
if [ ! -x "$BIN" ]; then
    echo "bench-srgan is not built (swift build -c release --product bench-srgan)."
    exit 1
fi
echo "pretrain = G forward, MSE, backward, Adam on G. gan = D step (BCE on D(HR), D(G(LR)) detached, Adam on D) then G step"
echo "(VGG19 features[:36] relu5_4 ×1/12.75 MSE + 1e-3·BCE(D(G(LR)), 1), Adam on G). VGG19 has random weights on both sides"
echo "(same arithmetic as torchvision's pretrained ones). Load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
echo "CPU s/step is user+system time per timed step; peak RSS is ru_maxrss; \"RSS − base\" subtracts the process before any"
echo "network (PyTorch: the interpreter with torch and torchvision imported). Target: ratio time ≤ 0.80."
echo
echo "| phase | threads | ours conv | ours best s | ours median s | ours cpu/wall | ours CPU s/step | ours peak RSS MiB | PyTorch best s | PyTorch median s | PyTorch cpu/wall | PyTorch CPU s/step | PyTorch peak RSS MiB | ratio time (best) | ratio CPU s/step | ratio RSS − base | ≤ 0.8× |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
status=0
for phase in ${BENCH_SRGAN_PHASES:-pretrain gan}; do
    if [ "$phase" = gan ]; then default_steps=2; else default_steps=3; fi
    steps=${BENCH_SRGAN_STEPS:-$default_steps}
    for t in ${BENCH_THREADS:-1 2}; do
        theirs=$($PY bench/torch_srgan_step.py --phase "$phase" --threads "$t" --batch "$batch" --size "$size" --steps "$steps" \
            2>/dev/null || echo '{}')
        for conv in ${BENCH_SRGAN_CONVS:-configured}; do
        if [ "$conv" = configured ]; then conv_env=(); else conv_env=(TRANSLATE_CONV="$conv"); fi
        ours=$(env "${conv_env[@]}" OPENBLAS_NUM_THREADS=$t $BIN --phase "$phase" --threads "$t" --batch "$batch" --size "$size" \
            --steps "$steps") || { status=1; ours='{}'; }
        python3 - "$ours" "$theirs" "$phase" "$t" <<'PYEOF'
import json, sys
o = json.loads(sys.argv[1] or "{}"); p = json.loads(sys.argv[2] or "{}"); phase, t = sys.argv[3], sys.argv[4]
def cells(r):
    if not r.get("best_s"):
        return ["n/a"] * 5
    return [f"{r['best_s']:.3f}", f"{r['median_s']:.3f}", f"{r['cpu_wall']:.2f}", f"{r['cpu_s_per_step']:.2f}",
            f"{r['peak_rss_mib']:.0f}"]
if o.get("best_s") and p.get("best_s"):
    ratio = o["best_s"] / p["best_s"]
    ratios = [f"{ratio:.2f}", f"{o['cpu_s_per_step'] / p['cpu_s_per_step']:.2f}",
              f"{(o['peak_rss_mib'] - o['base_rss_mib']) / (p['peak_rss_mib'] - p['base_rss_mib']):.2f}",
              "yes" if ratio <= 0.8 else "no"]
else:
    ratios = ["n/a"] * 4
print("| " + " | ".join([phase, t, o.get("conv", "n/a")] + cells(o) + cells(p) + ratios) + " |")
PYEOF
        done
    done
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
exit $status
