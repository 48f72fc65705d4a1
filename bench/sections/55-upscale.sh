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
# cores, i.e. hours, so don't run it on a shared machine; the output streams in bands, so memory is
# no longer the limit), BENCH_UPSCALE_LARGE_MODELS (default "srresnet";
# RRDBNet is ≈ 5× slower), BENCH_UPSCALE_DIR (images and checkpoints, made once; default
# ${TMPDIR:-/tmp}/translate-bench-upscale), BENCH_UPSCALE_BIN (the translate binary measured, default
# .build/release/translate: another build's binary gives a before/after pair in the same minutes).
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${BENCH_UPSCALE_BIN:-.build/release/translate}
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
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null). s/MP is wall seconds per input megapixel, CPU s/MP user+system"
echo "seconds per input megapixel (steadier than wall time on a shared machine). Peak RSS: ru_maxrss."
echo "Ours: the whole \`translate upscale --checkpoint M.safetensors IMAGE OUT/\` process (default --max-memory: a quarter of"
echo "RAM, which sets the tile). PyTorch: one forward pass on a [1, 3, S, S] tile in inference mode (its RSS includes torch)."
echo "Target (issue 12): peak RSS ≤ 2048 MiB on 8000×8000."
echo
echo "| model | image | ours tiles | ours wall s | ours s/MP | ours cpu/wall | ours CPU s/MP | ours peak RSS MiB | PyTorch tile | PyTorch s | PyTorch s/MP | PyTorch cpu/wall | PyTorch CPU s/MP | PyTorch peak RSS MiB | ratio s/MP | ratio CPU s/MP | ours ≤ 2 GiB at this size |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"

# One child process: JSON with its wall seconds, CPU seconds, peak RSS and its standard error's last lines.
measure() {
    python3 - "$@" <<'PYEOF'
import json, resource, subprocess, sys, time
start = time.perf_counter()
run = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"status": run.returncode, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mib": usage.ru_maxrss / 1024, "stderr": run.stderr[:1500] + "\n" + run.stderr[-1500:]}))
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
ours = [f"{o['wall_s']:.1f}", f"{o['wall_s'] / mp:.1f}", f"{o['cpu_s'] / o['wall_s']:.2f}", f"{o['cpu_s'] / mp:.1f}",
        f"{o['peak_rss_mib']:.0f}"]
if p.get("seconds"):
    torch_cpu = p["cpu_wall"] * p["s_per_mp"]  # one pass: cpu/wall × wall
    theirs = [f"{tile}²", f"{p['seconds']:.1f}", f"{p['s_per_mp']:.1f}", f"{p['cpu_wall']:.2f}", f"{torch_cpu:.1f}",
              f"{p['peak_rss_mib']:.0f}"]
    ratio = f"{(o['wall_s'] / mp) / p['s_per_mp']:.2f} | {(o['cpu_s'] / mp) / torch_cpu:.2f}"
else:
    theirs, ratio = ["n/a"] * 6, "n/a | n/a"
fits = "yes" if o["peak_rss_mib"] <= 2048 else "no"
print("| " + " | ".join([model, f"{side}² ({mp:.2f} MP)", tiled] + ours + theirs + [ratio, fits]) + " |")
PYEOF
    done
done

# Memory against image size with the network's share made small: SRResNet ×4 at ngf 8 (≈ 1/40 of the
# arithmetic) and --max-memory 512M (small tiles), so what grows is what `translate upscale` holds per
# image. Tiled images stream (issue 12): one band of tile rows (C+1 float planes, tile·4 rows × output
# width) plus the decoded input, so memory grows with the side, not the area. The projection for a
# side S: ≈ 700 MiB (process, one tile's activations, block cache) + 3·S² (decoded input) + 4 planes × 4 B
# × (504·4 rows) × 4S (the band at 512M's 504² tiles). A side runs here only when that fits in half of
# MemAvailable, or with BENCH_UPSCALE_FORCE=1; BENCH_UPSCALE_AS_LIMIT
# (bytes) runs each under `prlimit --as` so that an oversized run fails instead of pushing the machine
# into the OOM killer. BENCH_UPSCALE_MEMORY_SIDES (default "1000 2000 4000 8000"; "" skips the table).
memory_sides=${BENCH_UPSCALE_MEMORY_SIDES-1000 2000 4000 8000}
if [ -n "$memory_sides" ]; then
    [ -s "$dir/srresnet-ngf8.safetensors" ] \
        || .build/release/bench-apply --netG srresnet --ngf 8 "$dir/srresnet-ngf8.safetensors" >/dev/null || exit 1
    echo
    echo "Peak RSS against image size, SRResNet ×4 at ngf 8 (the pipeline's share; same code path), --max-memory 512M,"
    echo "$threads threads. \"B/out px\" = peak RSS ÷ output pixels. Output streamed a band of tile rows at a time; projection"
    echo "for a side S: 700 MiB + 3·S² (decoded input) + 129024·S (the band: 4 float planes × 2016 rows × 4S)."
    echo
    echo "| image | output | ours tiles | wall s | s/MP | peak RSS MiB | B/out px | ≤ 2 GiB |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    available=$(awk '/MemAvailable/ {printf "%.0f", $2 * 1024}' /proc/meminfo)
    for side in $memory_sides; do
        projected=$((734003200 + 3 * side * side + 129024 * side))
        if [ "${BENCH_UPSCALE_FORCE:-0}" != 1 ] && [ "$projected" -gt $((available / 2)) ]; then
            echo "| ${side}² | $((4 * side))² | — | not run: projected ≈ $((projected >> 30)) GiB > half of MemAvailable ($((available >> 31)) GiB); BENCH_UPSCALE_FORCE=1 runs it | | | | no |"
            continue
        fi
        [ -s "$dir/img$side/img00000.jpg" ] \
            || .build/release/bench-loader generate "$dir/img$side" --count 1 --width "$side" --height "$side" --seed 7 >/dev/null || exit 1
        out="$dir/out-mem-$side"
        rm -rf "$out"
        limit=()
        [ -n "${BENCH_UPSCALE_AS_LIMIT:-}" ] && limit=(prlimit --as="$BENCH_UPSCALE_AS_LIMIT")
        ours=$(TRANSLATE_THREADS=$threads OPENBLAS_NUM_THREADS=$threads measure "${limit[@]}" $BIN upscale \
            --checkpoint "$dir/srresnet-ngf8.safetensors" --max-memory 512M --threads "$threads" "$dir/img$side/img00000.jpg" "$out/")
        rm -rf "$out"
        python3 - "$ours" "$side" "${BENCH_UPSCALE_AS_LIMIT:-}" <<'PYEOF'
import json, re, sys
o = json.loads(sys.argv[1]); side = int(sys.argv[2]); cap = sys.argv[3]
mp, out_px = side * side / 1e6, 16 * side * side
tiles = re.search(r"tiles above (\d+)", o["stderr"])
tiled = f"{tiles.group(1)}²" if tiles else "?"
rss = o["peak_rss_mib"]
if o["status"] != 0:
    lines = o["stderr"].strip().splitlines() or ["no message"]
    last = next((l for l in lines if re.match(r"(Fatal error|error|upscale:.*fail)", l, re.I)), lines[-1])[:120].replace("|", "/")
    note = f"failed (status {o['status']}" + (f", prlimit --as {int(cap) >> 30} GiB" if cap else "") + f") after {o['wall_s']:.0f} s: {last}"
    print(f"| {side}² | {4 * side}² | {tiled} | {note} | | {rss:.0f} (at failure) | | no |")
else:
    print(f"| {side}² | {4 * side}² | {tiled} | {o['wall_s']:.1f} | {o['wall_s'] / mp:.1f} | {rss:.0f} | {rss * 2**20 / out_px:.1f} | "
          + ("yes" if rss <= 2048 else "no") + " |")
PYEOF
    done
fi
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
exit $status
