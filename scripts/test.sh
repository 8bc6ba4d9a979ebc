#!/usr/bin/env bash
# Installs what the e2ee tests need (apt-get when root; otherwise prints the
# apt-get line and stops), then builds and runs the whole test suite with ctest:
# vectors, every kernel against the portable path, packaging, and the
# constant-time check under valgrind.
#
# Environment: E2EE_BUILD_DIR (default build/test), CXX (compiler),
# E2EE_WERROR=ON (warnings are errors; CI sets it), E2EE_EXTERNAL_VECTORS
# (third-party vectors; default ../shared/vectors when it exists),
# E2EE_CMAKE_ARGS (extra configure arguments), E2EE_CTEST_ARGS (extra ctest
# arguments).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need (bench and fuzz peers come with .ci/run);
# python3 runs the documentation extractor and the single-header check.
packages=(cmake g++ ninja-build pkg-config catch2 valgrind python3)
# shellcheck source=lib.sh
source scripts/lib.sh
e2ee_require_packages "${packages[@]}"

build=${E2EE_BUILD_DIR:-build/test}
jobs=$(nproc 2>/dev/null || echo 2)
args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DE2EE_BUILD_TESTS=ON -DE2EE_BUILD_BENCH=OFF
      -DE2EE_BUILD_EXAMPLES=ON -DE2EE_WERROR="${E2EE_WERROR:-OFF}")
if [ -n "${E2EE_EXTERNAL_VECTORS:-}" ]; then args+=(-DE2EE_EXTERNAL_VECTORS="$E2EE_EXTERNAL_VECTORS"); fi
# shellcheck disable=SC2206
extra=(${E2EE_CMAKE_ARGS:-})
cmake -S . -B "$build" "${args[@]}" "${extra[@]}"
cmake --build "$build" -j "$jobs"
# shellcheck disable=SC2206
ctest_extra=(${E2EE_CTEST_ARGS:-})
ctest --test-dir "$build" --output-on-failure -j "$jobs" "${ctest_extra[@]}"
