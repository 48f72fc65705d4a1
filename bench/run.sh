#!/usr/bin/env bash
# Runs every bench/sections/*.sh in name order and prints one Markdown report on stdout.
# Expects a release build (`swift build -c release`); BENCH_PY may name a python with torch for the
# PyTorch comparison rows (sections print "n/a" without it).
set -uo pipefail
cd "$(dirname "$0")/.."

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
echo "# translate benchmarks"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- CPU: ${cpu:-unknown}, $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
if [ -x .build/release/bench-kernels ]; then
    echo "- $(.build/release/bench-kernels --info)"
fi
echo "- BENCH_PY: ${BENCH_PY:-unset}"
echo

status=0
for section in bench/sections/*.sh; do
    [ -e "$section" ] || continue
    bash "$section" || { echo "(section $section failed with status $?)"; status=1; }
    echo
done
exit $status
