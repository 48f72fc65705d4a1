#!/usr/bin/env bash
# Convolution: forward, input gradient and weight gradient of the generator's conv shapes, ours
# (bench-kernels) beside PyTorch (bench/torch_conv.py, same shapes, same threads, same invocation).
# Options for both can be passed through BENCH_CONV_ARGS (e.g. "--rounds 3 --threads 1").
set -uo pipefail
cd "$(dirname "$0")/../.."

echo "## Convolution: oneDNN and im2col + OpenBLAS sgemm vs PyTorch"
echo
bin=.build/release/bench-kernels
if [ ! -x "$bin" ]; then
    echo "n/a: $bin is missing (run swift build -c release first)"
    exit 0
fi
args=${BENCH_CONV_ARGS:-}
torch=()
if [ -n "${BENCH_PY:-}" ] && "$BENCH_PY" -c "import torch" 2>/dev/null; then
    # bench-kernels runs bench/torch_conv.py per shape, right before its own rows of that shape.
    torch=(--torch-python "$BENCH_PY")
else
    echo "(torch not available from BENCH_PY='${BENCH_PY:-}': torch columns are n/a)"
    echo
fi
# shellcheck disable=SC2086
"$bin" $args "${torch[@]}"
