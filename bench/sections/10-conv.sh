#!/usr/bin/env bash
# Convolution: forward, input gradient and weight gradient of the generator's conv shapes, ours
# (bench-kernels) beside PyTorch (bench/torch_conv.py, same shapes, same threads, same invocation).
# Options for both can be passed through BENCH_CONV_ARGS (e.g. "--rounds 3 --threads 1").
set -uo pipefail
cd "$(dirname "$0")/../.."

echo "## Convolution (im2col + OpenBLAS sgemm) vs PyTorch"
echo
bin=.build/release/bench-kernels
if [ ! -x "$bin" ]; then
    echo "n/a: $bin is missing (run swift build -c release first)"
    exit 0
fi
args=${BENCH_CONV_ARGS:-}
torch_json=$(mktemp)
trap 'rm -f "$torch_json"' EXIT
if [ -n "${BENCH_PY:-}" ] && "$BENCH_PY" -c "import torch" 2>/dev/null; then
    # shellcheck disable=SC2086
    "$BENCH_PY" bench/torch_conv.py $args > "$torch_json" || { echo "(torch_conv.py failed; torch columns n/a)"; : > "$torch_json"; }
else
    echo "(torch not available from BENCH_PY='${BENCH_PY:-}': torch columns are n/a)"
    echo
fi
# shellcheck disable=SC2086
"$bin" $args --torch-json "$torch_json"
