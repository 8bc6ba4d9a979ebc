#!/usr/bin/env bash
# Builds and runs the e2ee demo (examples/demo.cpp). Needs only cmake and a
# C++20 compiler (g++ >= 12 or clang >= 14). Usage: scripts/demo.sh [message]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${E2EE_DEMO_BUILD_DIR:-build/demo}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DE2EE_BUILD_TESTS=OFF -DE2EE_BUILD_BENCH=OFF -DE2EE_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" --target e2ee_demo -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
exec "$build/examples/e2ee_demo" "$@"
