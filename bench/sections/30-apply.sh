#!/usr/bin/env bash
# Batch inference: `translate apply` against a PyTorch + PIL script doing the same work
# (bench/torch_apply.py) on one folder of JPEGs, resnet_9blocks with the same random-init weights,
# JPEG out at quality 95, in the same invocation. Sizes: BENCH_APPLY_SMALL 256² images (default 180)
# and BENCH_APPLY_LARGE 1152×864 ≈ 1 MP images (default 20); threads: BENCH_APPLY_THREADS (default 2).
set -uo pipefail
cd "$(dirname "$0")/../.."

small=${BENCH_APPLY_SMALL:-180}
large=${BENCH_APPLY_LARGE:-20}
threads=${BENCH_APPLY_THREADS:-2}
echo "## Batch inference: translate apply vs PyTorch + PIL (resnet_9blocks, $small × 256² + $large × 1152×864 JPEG → JPEG)"
echo
bin=.build/release/translate
maker=.build/release/bench-apply
if [ ! -x "$bin" ] || [ ! -x "$maker" ]; then
    echo "n/a: $bin or $maker is missing (run swift build -c release first)"
    exit 0
fi
py=${BENCH_PY:-}
if [ -z "$py" ] || ! "$py" -c "import PIL, numpy" 2>/dev/null; then
    echo "n/a: the images are made with PIL and numpy from BENCH_PY='${BENCH_PY:-}'"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$maker" --netG resnet_9blocks --ngf 64 --seed 1 "$work/G.safetensors" >/dev/null || exit 1
"$py" bench/make_apply_images.py "$work/in" "$small" "$large" || exit 1
count=$((small + large))

# /usr/bin/time -f: wall seconds, user + system CPU seconds, peak RSS in KiB.
measure() {
    local log=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$log" "$@" >"$log.out" 2>"$log.err"
}
row() {  # name, time log
    read -r wall user sys rss <"$2"
    awk -v name="$1" -v n="$count" -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$rss" \
        'BEGIN { printf "| %s | %d | %.1f | %.3f | %.2f | %.0f |\n", name, n, wall, n / wall, (user + sys) / wall, rss / 1024 }'
}

apply() {  # time log, output folder, extra env assignments...
    local log=$1 out=$2
    shift 2
    measure "$log" env "$@" "$bin" apply --checkpoint "$work/G.safetensors" "$work/in" "$out" \
        --format jpg --quality 95 --threads "$threads"
}
# OpenBLAS picks its kernels for the CPU unless OPENBLAS_CORETYPE says otherwise. When the environment
# sets it, translate runs twice: as set, and with OpenBLAS's own choice (PyTorch's MKL/oneDNN never
# read this variable).
preset=${OPENBLAS_CORETYPE:-}
echo "- load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
apply "$work/ours.time" "$work/ours" OPENBLAS_VERBOSE=2
ours_status=$?
core=$(grep -m1 -o 'Core: [A-Za-z0-9]*' "$work/ours.time.err" | cut -d' ' -f2)
if [ -n "$preset" ]; then
    echo "- load average between: $(cut -d' ' -f1-3 /proc/loadavg)"
    apply "$work/auto.time" "$work/auto" -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2
    auto_status=$?
    auto_core=$(grep -m1 -o 'Core: [A-Za-z0-9]*' "$work/auto.time.err" | cut -d' ' -f2)
fi
torch_status=1
if "$py" -c "import torch, safetensors" 2>/dev/null; then
    echo "- load average between: $(cut -d' ' -f1-3 /proc/loadavg)"
    measure "$work/torch.time" "$py" bench/torch_apply.py "$work/G.safetensors" "$work/in" "$work/torch" --threads "$threads"
    torch_status=$?
fi
echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- threads: $threads for both; translate ran $(grep -o '[0-9]* jobs\? × [0-9]* threads\?' "$work/ours.time.err" | head -1) (PyTorch: one image at a time on $threads intra-op threads)"
echo
echo "| run | images | wall s | images/s | cpu/wall | peak RSS MB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
if [ $ours_status -eq 0 ]; then
    row "translate apply (OpenBLAS ${core:-?} kernels${preset:+, OPENBLAS_CORETYPE=$preset as set})" "$work/ours.time"
else
    echo "| translate apply | failed (status $ours_status) | | | | |"
fi
if [ -n "$preset" ]; then
    if [ "${auto_status:-1}" -eq 0 ]; then
        row "translate apply (OpenBLAS ${auto_core:-?} kernels, its own choice)" "$work/auto.time"
    else
        echo "| translate apply (OPENBLAS_CORETYPE unset) | failed | | | | |"
    fi
fi
if [ $torch_status -eq 0 ]; then
    row "PyTorch $("$py" -c 'import torch; print(torch.__version__)') + PIL" "$work/torch.time"
else
    echo "| PyTorch + PIL | n/a (torch or safetensors missing in BENCH_PY, or the script failed) | | | | |"
fi
echo
if [ $ours_status -eq 0 ] && [ $torch_status -eq 0 ]; then
    read -r ours_wall _ <"$work/ours.time"
    read -r torch_wall _ <"$work/torch.time"
    awk -v a="$ours_wall" -v b="$torch_wall" -v core="${core:-?}" \
        'BEGIN { printf "Throughput ratio translate (%s kernels) / PyTorch: **%.2f×** (target ≥ 1.5×)\n", core, b / a }'
    if [ -n "$preset" ] && [ "${auto_status:-1}" -eq 0 ]; then
        read -r auto_wall _ <"$work/auto.time"
        awk -v a="$auto_wall" -v b="$torch_wall" -v core="${auto_core:-?}" \
            'BEGIN { printf "Throughput ratio translate (%s kernels) / PyTorch: **%.2f×**\n", core, b / a }'
    fi
    "$py" - "$work/torch.time.out" <<'PY' || true
import json, sys
result = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(f"PyTorch inside its loop (without interpreter start and model load): {result['images_per_second']:.3f} images/s, "
      f"peak RSS {result['max_rss_mb']:.0f} MB")
PY
    # Same work: the two output folders should differ only by float rounding and JPEG re-encoding.
    "$py" - "$work/ours" "$work/torch" <<'PY'
import os, sys
import numpy as np
from PIL import Image
a, b = sys.argv[1], sys.argv[2]
diffs = [np.abs(np.asarray(Image.open(os.path.join(a, n)), dtype=np.int16) - np.asarray(Image.open(os.path.join(b, n)), dtype=np.int16)).mean()
         for n in sorted(os.listdir(b))]
print(f"Outputs agree: mean |ours − PyTorch| = {np.mean(diffs):.3f} levels over {len(diffs)} images (max per image {np.max(diffs):.3f}).")
PY
fi
