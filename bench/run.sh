#!/usr/bin/env bash
# bench/run.sh — builds e2ee_bench (Release), runs it pinned to one CPU with
# random interleaving and repetitions, keeps the JSON and prints the table.
#
#   bench/run.sh [extra e2ee_bench arguments, e.g. --benchmark_filter=sha256]
#
# Environment: E2EE_BENCH_BUILD_DIR (default build/bench), E2EE_BENCH_CPU (CPU
# to pin to, default 1; empty: no pinning), E2EE_BENCH_REPS (default 5),
# E2EE_BENCH_OUT (JSON file, default <build dir>/bench-<UTC time>.json),
# E2EE_BENCH_MARKDOWN=1 (Markdown table).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${E2EE_BENCH_BUILD_DIR:-build/bench}
cpu=${E2EE_BENCH_CPU-1}
reps=${E2EE_BENCH_REPS:-5}
out=${E2EE_BENCH_OUT:-$build/bench-$(date -u +%Y%m%dT%H%M%SZ).json}

if [ ! -f "$build/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DE2EE_BUILD_TESTS=OFF -DE2EE_BUILD_EXAMPLES=OFF -DE2EE_BUILD_BENCH=ON
fi
cmake --build "$build" --target e2ee_bench -j 2

pin=()
if [ -n "$cpu" ] && command -v taskset >/dev/null; then pin=(taskset -c "$cpu"); fi
"${pin[@]}" "$build/bench/e2ee_bench" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json "$@"

table_args=()
if [ "${E2EE_BENCH_MARKDOWN:-0}" = 1 ]; then table_args=(--markdown); fi
echo
echo "JSON: $out"
python3 bench/table.py "${table_args[@]}" "$out"
