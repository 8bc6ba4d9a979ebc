# Cross build for AArch64 Linux with Clang (default clang++-14), using the
# libraries and headers of Debian's GNU cross toolchain
# (apt-get install g++-aarch64-linux-gnu); the binaries run under qemu-user.
# scripts/arm.sh uses it for its Clang run:
#   cmake -S . -B build-arm-clang -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-clang.cmake
# Clang before 16 declares the ARMv8 crypto intrinsics only when -march has the
# extensions, so this build targets ARMv8.2-A with AES, PMULL, SHA2 and SHA512
# (E2EE_ARM_CLANG_MARCH, e.g. "armv8-a" to build the portable paths only).
set(E2EE_CROSS_TRIPLE aarch64-linux-gnu CACHE STRING "GNU triple of the target's libraries")
set(E2EE_CROSS_CLANG clang++-14 CACHE STRING "Clang C++ compiler")
set(E2EE_ARM_CLANG_MARCH "armv8.2-a+crypto+sha3" CACHE STRING "-march of the Clang build")
set(CMAKE_CXX_COMPILER ${E2EE_CROSS_CLANG})
set(CMAKE_CXX_COMPILER_TARGET ${E2EE_CROSS_TRIPLE})
set(CMAKE_CXX_FLAGS_INIT "-march=${E2EE_ARM_CLANG_MARCH}")

include(${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-sysroot.cmake)
