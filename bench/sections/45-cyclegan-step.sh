#!/usr/bin/env bash
# One CycleGAN training step (resnet_9blocks + basic PatchGAN, instance norm, LSGAN, pool 50, batch 1),
# ours vs PyTorch in the same run, at 128² and 256², 1 and 2 threads. Each (implementation, size,
# threads) runs in its own process so its peak RSS (getrusage ru_maxrss) is its own.
# BENCH_CYCLEGAN_SIZES (default "128 256"), BENCH_THREADS (default "1 2"), BENCH_CYCLEGAN_STEPS
# (timed steps after one warm-up; default 3 at 128², 2 at 256²).
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/bench-cyclegan
PY=${BENCH_PY:-python3}
echo "### CycleGAN training step (resnet_9blocks + basic PatchGAN, batch 1)"
echo
if [ ! -x "$BIN" ]; then
    echo "bench-cyclegan is not built (swift build -c release --product bench-cyclegan)."
    exit 1
fi
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null). CPU s/step is the process's user+system time per"
echo "timed step (on a busy machine it moves less than wall time). Peak RSS is the process's ru_maxrss; \"RSS − base\""
echo "subtracts the process before any network is built (PyTorch: the interpreter with torch imported)."
echo
echo "| size | threads | ours best s | ours median s | ours cpu/wall | ours CPU s/step | ours peak RSS MiB | PyTorch best s | PyTorch median s | PyTorch cpu/wall | PyTorch CPU s/step | PyTorch peak RSS MiB | ratio time (best) | ratio CPU s/step | ratio peak RSS | ratio RSS − base |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
status=0
for size in ${BENCH_CYCLEGAN_SIZES:-128 256}; do
    if [ "$size" -ge 256 ]; then default_steps=2; else default_steps=3; fi
    steps=${BENCH_CYCLEGAN_STEPS:-$default_steps}
    for t in ${BENCH_THREADS:-1 2}; do
        ours=$(OPENBLAS_NUM_THREADS=$t $BIN --threads "$t" --size "$size" --steps "$steps") || { status=1; ours='{}'; }
        theirs=$($PY bench/torch_cyclegan_step.py --threads "$t" --size "$size" --steps "$steps" 2>/dev/null || echo '{}')
        python3 - "$ours" "$theirs" "$size" "$t" <<'PYEOF'
import json, sys
o = json.loads(sys.argv[1] or "{}"); p = json.loads(sys.argv[2] or "{}"); size, t = sys.argv[3], sys.argv[4]
def cells(r):
    if not r.get("best_s"):
        return ["n/a"] * 5
    return [f"{r['best_s']:.3f}", f"{r['median_s']:.3f}", f"{r['cpu_wall']:.2f}", f"{r['cpu_s_per_step']:.2f}",
            f"{r['peak_rss_mib']:.0f}"]
if o.get("best_s") and p.get("best_s"):
    ratios = [f"{o['best_s'] / p['best_s']:.2f}", f"{o['cpu_s_per_step'] / p['cpu_s_per_step']:.2f}",
              f"{o['peak_rss_mib'] / p['peak_rss_mib']:.2f}",
              f"{(o['peak_rss_mib'] - o['base_rss_mib']) / (p['peak_rss_mib'] - p['base_rss_mib']):.2f}"]
else:
    ratios = ["n/a"] * 4
print("| " + " | ".join([f"{size}²", t] + cells(o) + cells(p) + ratios) + " |")
PYEOF
    done
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
exit $status
