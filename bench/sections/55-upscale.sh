#!/usr/bin/env bash
# `translate upscale` with SRResNet ×4 (16 blocks, 64 ch) and RRDBNet ×4 (23 RRDBs, 64 ch, growth 32:
# the RealESRGAN_x4plus architecture), random-init checkpoints from bench-apply, default tile size and
# memory budget, on generated JPEGs (bench-loader generate: deterministic), beside PyTorch's forward
# pass on one tile of the same side (bench/torch_upscale.py). Issue target: an 8000×8000 image with
# peak RSS ≤ 2 GiB. Each run is its own process; its wall time, CPU time and peak RSS (ru_maxrss of
# the child) come from a python wrapper. Ours includes start-up, checkpoint load, decode, encode and
# write; PyTorch is the forward pass alone (torch import and network setup excluded from its time).
#
# BENCH_UPSCALE_THREADS (default: all cores), BENCH_UPSCALE_TILE (side of the one-tile comparison
# image, default 512), BENCH_UPSCALE_MODELS (default "srresnet rrdbnet"), BENCH_UPSCALE_LARGE (side of
# the large, tiled image, default 1024; 8000 is the issue's size: SRResNet takes ≈ 100 s/MP on 2
# cores, i.e. hours, and Tiling.run's full-resolution accumulator needs 16 B per output pixel, ≈ 16 GB
# at 8000² ×4, so don't run it on a shared machine), BENCH_UPSCALE_LARGE_MODELS (default "srresnet";
# RRDBNet is ≈ 5× slower), BENCH_UPSCALE_DIR (images and checkpoints, made once; default
# ${TMPDIR:-/tmp}/translate-bench-upscale).
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/translate
PY=${BENCH_PY:-python3}
threads=${BENCH_UPSCALE_THREADS:-$(nproc)}
tile=${BENCH_UPSCALE_TILE:-512}
large=${BENCH_UPSCALE_LARGE:-1024}
dir=${BENCH_UPSCALE_DIR:-${TMPDIR:-/tmp}/translate-bench-upscale}
echo "### translate upscale ×4 (SRResNet, RRDBNet; $threads threads)"
echo
for tool in translate bench-apply bench-loader; do
    if [ ! -x .build/release/$tool ]; then
        echo "$tool is not built (swift build -c release --product $tool)."
        exit 1
    fi
done
mkdir -p "$dir"
for model in srresnet rrdbnet; do
    [ -s "$dir/$model.safetensors" ] || .build/release/bench-apply --netG $model "$dir/$model.safetensors" >/dev/null || exit 1
done
for side in $tile $large; do
    [ -s "$dir/img$side/img00000.jpg" ] \
        || .build/release/bench-loader generate "$dir/img$side" --count 1 --width "$side" --height "$side" --seed 7 >/dev/null || exit 1
done
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null). s/MP is seconds per input megapixel. Peak RSS: ru_maxrss."
echo "Ours: the whole \`translate upscale --checkpoint M.safetensors IMAGE OUT/\` process (default --max-memory: a quarter of"
echo "RAM, which sets the tile). PyTorch: one forward pass on a [1, 3, S, S] tile in inference mode (its RSS includes torch)."
echo "Target (issue 12): peak RSS ≤ 2048 MiB on 8000×8000."
echo
echo "| model | image | ours tiles | ours wall s | ours s/MP | ours cpu/wall | ours peak RSS MiB | PyTorch tile | PyTorch s | PyTorch s/MP | PyTorch cpu/wall | PyTorch peak RSS MiB | ratio s/MP | ours ≤ 2 GiB at this size |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"

# One child process: JSON with its wall seconds, CPU seconds, peak RSS and its standard error's last lines.
measure() {
    python3 - "$@" <<'PYEOF'
import json, resource, subprocess, sys, time
start = time.perf_counter()
run = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"status": run.returncode, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mib": usage.ru_maxrss / 1024, "stderr": run.stderr[-2000:]}))
PYEOF
}

status=0
declare -A torch_rows
for model in ${BENCH_UPSCALE_MODELS:-srresnet rrdbnet}; do
    torch_rows[$model]=$($PY bench/torch_upscale.py --model $model --size "$tile" --threads "$threads" 2>/dev/null || echo '{}')
    sides=$tile
    case " ${BENCH_UPSCALE_LARGE_MODELS:-srresnet} " in *" $model "*) [ "$large" != "$tile" ] && sides="$tile $large" ;; esac
    for side in $sides; do
        out="$dir/out-$model-$side"
        rm -rf "$out"
        ours=$(TRANSLATE_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
            measure $BIN upscale --checkpoint "$dir/$model.safetensors" --threads "$threads" "$dir/img$side/img00000.jpg" "$out/")
        rm -rf "$out"
        python3 - "$ours" "${torch_rows[$model]}" "$model" "$side" "$tile" <<'PYEOF' || status=1
import json, re, sys
o = json.loads(sys.argv[1]); p = json.loads(sys.argv[2] or "{}"); model, side, tile = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
mp = side * side / 1e6
if o["status"] != 0:
    print(f"| {model} | {side}² | failed (status {o['status']}): {o['stderr'].strip().splitlines()[-1:] } |")
    sys.exit(1)
tiles = re.search(r"tiles above (\d+)", o["stderr"])
tiled = f"{tiles.group(1)}²" + ("" if side > int(tiles.group(1)) else " (1 tile)") if tiles else "no tiling"
ours = [f"{o['wall_s']:.1f}", f"{o['wall_s'] / mp:.1f}", f"{o['cpu_s'] / o['wall_s']:.2f}", f"{o['peak_rss_mib']:.0f}"]
if p.get("seconds"):
    theirs = [f"{tile}²", f"{p['seconds']:.1f}", f"{p['s_per_mp']:.1f}", f"{p['cpu_wall']:.2f}", f"{p['peak_rss_mib']:.0f}"]
    ratio = f"{(o['wall_s'] / mp) / p['s_per_mp']:.2f}"
else:
    theirs, ratio = ["n/a"] * 5, "n/a"
fits = "yes" if o["peak_rss_mib"] <= 2048 else "no"
print("| " + " | ".join([model, f"{side}² ({mp:.2f} MP)", tiled] + ours + theirs + [ratio, fits]) + " |")
PYEOF
    done
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
exit $status
