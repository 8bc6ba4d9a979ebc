#!/usr/bin/env bash
# Cross-compiles the e2ee test suite for AArch64 (Debian's g++-aarch64-linux-gnu)
# and runs it under qemu-user with a CPU model that has the crypto extensions
# (AES, PMULL, SHA2, SHA512): once as is (the ARMv8 kernels, each checked
# against the portable path by the every-kernel tests) and once with
# E2EE_CPU_DISABLE=all (portable paths only). Installs its packages with
# apt-get when root; otherwise prints the apt-get line and stops.
#
# The two emulated runs go side by side (qemu-user runs a test process on one
# core). Every test runs by default, every vector suite and every
# kernel-vs-portable test included; E2EE_ARM_EXCLUDE can leave tests to the
# native run (docs/arm.md has the slowest ones and the timings).
#
# Environment: E2EE_BUILD_DIR (default build/arm), E2EE_WERROR (default ON),
# E2EE_EXTERNAL_VECTORS (third-party vectors; default ../shared/vectors when it
# exists), E2EE_ARM_EXCLUDE (Catch2 test spec of what not to run under qemu),
# E2EE_QEMU_CPU (default max), E2EE_CMAKE_ARGS (extra configure arguments),
# E2EE_ARM_CLANG=1 (then also a Clang build, with -march=armv8.2-a+crypto+sha3,
# run once under qemu with the kernels; E2EE_BUILD_DIR_CLANG, default
# <build dir>-clang).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build catch2 g++-aarch64-linux-gnu qemu-user)
# shellcheck source=lib.sh
source scripts/lib.sh
e2ee_require_packages "${packages[@]}"

build=${E2EE_BUILD_DIR:-build/arm}
jobs=$(nproc 2>/dev/null || echo 2)
args=(-G Ninja -DCMAKE_BUILD_TYPE=Release
      -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-aarch64-linux-gnu.cmake"
      -DE2EE_BUILD_TESTS=ON -DE2EE_BUILD_BENCH=OFF -DE2EE_BUILD_EXAMPLES=OFF
      -DE2EE_BUILD_FUZZ=OFF -DE2EE_DOC_TESTS=OFF -DE2EE_INSTALL=OFF
      -DE2EE_WERROR="${E2EE_WERROR:-ON}")
if [ -n "${E2EE_EXTERNAL_VECTORS:-}" ]; then
  args+=(-DE2EE_EXTERNAL_VECTORS="$E2EE_EXTERNAL_VECTORS")
fi
# shellcheck disable=SC2206
extra=(${E2EE_CMAKE_ARGS:-})
t0=$(date +%s)
cmake -S . -B "$build" "${args[@]}" "${extra[@]}"
cmake --build "$build" -j "$jobs" --target e2ee_tests
t1=$(date +%s)
echo "arm.sh: configure + build $((t1 - t0)) s"

qemu=(qemu-aarch64 -cpu "${E2EE_QEMU_CPU:-max}" -L /usr/aarch64-linux-gnu)
# A Catch2 test spec of tests not to run under emulation (they run natively in
# scripts/test.sh). Default: none, every test runs; see docs/arm.md.
spec=()
if [ -n "${E2EE_ARM_EXCLUDE:-}" ]; then spec+=("$E2EE_ARM_EXCLUDE"); fi
# With the default CPU model (max: AES, PMULL, SHA2, SHA512) the cpu tests
# require the crypto extensions, so that the ARMv8 kernels surely ran.
if [ "${E2EE_QEMU_CPU:-max}" = max ]; then export E2EE_ARM_EXPECT_CRYPTO=1; fi

# The two runs at once (qemu-user is one thread per test process): the ARMv8
# kernels, each checked against the portable path by the every-kernel tests,
# and the portable paths alone.
log_kernels="$build/arm-kernels.log" log_portable="$build/arm-portable.log"
"${qemu[@]}" "$build/tests/e2ee_tests" "${spec[@]}" >"$log_kernels" 2>&1 &
pid_kernels=$!
E2EE_CPU_DISABLE=all "${qemu[@]}" "$build/tests/e2ee_tests" "${spec[@]}" >"$log_portable" 2>&1 &
pid_portable=$!
status=0
wait "$pid_kernels" || status=1
t2=$(date +%s)
wait "$pid_portable" || status=1
t3=$(date +%s)
echo "== qemu run with the ARMv8 kernels ($((t2 - t1)) s)"
cat "$log_kernels"
echo "== qemu run with E2EE_CPU_DISABLE=all ($((t3 - t1)) s)"
cat "$log_portable"
echo "arm.sh: configure + build $((t1 - t0)) s, both qemu runs $((t3 - t1)) s"
if [ "$status" != 0 ] || [ "${E2EE_ARM_CLANG:-0}" != 1 ]; then exit "$status"; fi

# Clang (clang++-14 by default): before version 16 it declares the crypto
# intrinsics only when -march has the extensions, so this build targets
# ARMv8.2-A with AES, PMULL, SHA2 and SHA512 (cmake/toolchain-aarch64-linux-clang.cmake)
# and runs once, with the kernels; the cpu tests check that they were built.
build_clang=${E2EE_BUILD_DIR_CLANG:-$build-clang}
cmake -S . -B "$build_clang" "${args[@]/toolchain-aarch64-linux-gnu/toolchain-aarch64-linux-clang}" "${extra[@]}"
cmake --build "$build_clang" -j "$jobs" --target e2ee_tests
t4=$(date +%s)
echo "== qemu run of the Clang build with the ARMv8 kernels"
"${qemu[@]}" "$build_clang/tests/e2ee_tests" "${spec[@]}" >"$build_clang/arm-clang.log" 2>&1 || status=1
t5=$(date +%s)
cat "$build_clang/arm-clang.log"
echo "arm.sh: Clang configure + build $((t4 - t3)) s, qemu run $((t5 - t4)) s"
exit "$status"
