#!/usr/bin/env bash
# Data-parallel training on this machine: one process × 2 threads against `mpirun -np 2` × 1 thread,
# for pix2pix (unet_256 + basic D, 256², the labels2scenes sample) and CycleGAN (resnet_9blocks +
# basic D, 128², the horse2zebra sample), same global batch. Step time is read from the loss log
# (print_freq 1: elapsed seconds at every iteration; the first BENCH_DP_WARMUP steps are skipped);
# the allreduce time and gradient bytes per step from the run's own summary line. Then the expected
# scaling to 8 and 32 machines on 10 Gbit/s from these numbers (ring allreduce model).
# BENCH_DP_STEPS (default 8), BENCH_DP_WARMUP (default 2), BENCH_DP_MODELS (default "pix2pix cyclegan").
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/translate
STEPS=${BENCH_DP_STEPS:-8}
WARMUP=${BENCH_DP_WARMUP:-2}
echo "### Data-parallel training: 1 process × 2 threads vs 2 ranks × 1 thread (Open MPI, one machine)"
echo
if ! command -v mpirun >/dev/null; then
    echo "mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev; make deps does)."
    exit 1
fi
if [ ! -x "$BIN" ]; then echo "translate is not built (swift build -c release --product translate)."; exit 1; fi
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg). $(mpirun --version 2>/dev/null | head -1)."
echo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
MPI=(mpirun --allow-run-as-root --oversubscribe -np 2 --host 127.0.0.1:2 --mca btl self,vader
     --mca oob_tcp_if_include lo)

# run NAME RANKS THREADS BATCH ARGS... → prints "seconds_per_step allreduce_ms gradient_mb"
run() {
    local name=$1 ranks=$2 threads=$3 batch=$4; shift 4
    local args=(train "$@" --name "$name" --checkpoints-dir "$work" --batch-size "$batch" --threads "$threads"
                --max-steps "$STEPS" --print-freq 1 --n-epochs 100 --n-epochs-decay 0 --save-latest-freq 100000)
    local log="$work/$name.log"
    if [ "$ranks" = 1 ]; then
        OPENBLAS_NUM_THREADS=$threads "$BIN" "${args[@]}" >"$log" 2>&1
    else
        OPENBLAS_NUM_THREADS=$threads "${MPI[@]}" "$BIN" "${args[@]}" >"$log" 2>&1
    fi || { echo "n/a n/a n/a n/a"; echo "(run $name failed: $(tail -2 "$log" | tr '\n' ' '))" >&2; return; }
    python3 - "$work/$name/loss_log.jsonl" "$log" "$WARMUP" <<'PYEOF'
import json, re, sys
records = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
warm = int(sys.argv[3])
t = {r["iteration"]: r["seconds"] for r in records}
last = max(t)
per_step = (t[last] - t[warm]) / (last - warm)
text = open(sys.argv[2]).read()
m = re.search(r"allreduce ([0-9.]+) ms per step \(([0-9.]+) MB", text)
w = re.search(r"plus ([0-9.]+) ms per step waiting", text)
print(f"{per_step:.4f} {m.group(1) if m else 0} {m.group(2) if m else 0} {w.group(1) if w else 0}")
PYEOF
}

PIX2PIX=(--dataroot datasets/samples/labels2scenes --netG unet_256 --netD basic --norm batch --load-size 256 --crop-size 256)
CYCLEGAN=(--model cycle_gan --dataroot datasets/samples/horse2zebra --netG resnet_9blocks --load-size 128 --crop-size 128)
echo "| model | layout | global batch | s/step | images/s | vs 1 × 2 threads | allreduce ms/step | waiting for the slower rank ms/step | gradients MB/step |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
results="$work/results.txt"
for model in ${BENCH_DP_MODELS:-pix2pix cyclegan}; do
    if [ "$model" = pix2pix ]; then args=("${PIX2PIX[@]}"); label="pix2pix unet_256 256²"; else args=("${CYCLEGAN[@]}"); label="CycleGAN resnet_9blocks 128²"; fi
    read -r base _ _ _ < <(run "$model-1x2-b1" 1 2 1 "${args[@]}")
    read -r single _ _ _ < <(run "$model-1x2" 1 2 2 "${args[@]}")
    read -r dual reduce mb wait < <(run "$model-2x1" 2 1 1 "${args[@]}")
    python3 - "$label" "$base" "$single" "$dual" "$reduce" "$mb" "$model" "$wait" >>"$results" <<'PYEOF'
import sys
label, base, single, dual, reduce, mb, model, wait = sys.argv[1:]
def rate(s, batch):
    return batch / float(s) if s not in ("n/a", "") else None
rows = [("1 process × 2 threads", 1, base), ("1 process × 2 threads", 2, single), ("2 ranks × 1 thread (mpirun)", 2, dual)]
ref = rate(single, 2)
for layout, batch, s in rows:
    r = rate(s, batch)
    ratio = f"{r / ref:.2f}" if r and ref else "n/a"
    extra = (reduce, wait, mb) if layout.startswith("2 ranks") else ("—", "—", "—")
    cells = [label, layout, str(batch), s, f"{r:.2f}" if r else "n/a", ratio, *extra]
    print("ROW| " + " | ".join(cells) + " |")
print(f"DATA {model} {base} {reduce} {mb}")
PYEOF
    grep '^ROW' "$results" | tail -3 | sed 's/^ROW//'
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "#### Expected scaling on 10 Gbit/s (from the rows above)"
echo
python3 - "$results" <<'PYEOF'
import sys
bandwidth = 10e9 / 8 * 0.9  # bytes/s: 10 Gbit/s at ~90 % goodput
latency = 50e-6             # per message hop, TCP on a switched LAN
for line in open(sys.argv[1]):
    if not line.startswith("DATA"):
        continue
    _, model, base, reduce, mb = line.split()[:5]
    if base == "n/a" or float(mb) == 0:
        print(f"- {model}: not measured"); continue
    compute, size = float(base), float(mb) * 1e6
    parts = [f"- {model}: one machine (2 cores, one rank × 2 threads, batch 1) computes a step in {compute:.2f} s and "
             f"allreduces {float(mb):.0f} MB of gradients per step"]
    for n in (8, 32):
        comm = 2 * (n - 1) / n * size / bandwidth + 2 * (n - 1) * latency
        efficiency = compute / (compute + comm)
        parts.append(f"{n} machines: ring allreduce ≈ {comm:.2f} s/step, {n / (compute + comm):.1f} images/s, "
                     f"{efficiency * 100:.0f} % efficiency ({n * efficiency:.1f}× one machine) without overlapping "
                     f"communication and backward")
    print("; ".join(parts) + ".")
PYEOF
