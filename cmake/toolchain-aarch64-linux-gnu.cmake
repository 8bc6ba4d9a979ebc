# Cross build for AArch64 Linux with Debian's cross compiler
# (apt-get install g++-aarch64-linux-gnu); the binaries run under qemu-user
# (qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu). scripts/arm.sh uses it:
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
# The library is headers only; what is cross-compiled is the test binary.
set(E2EE_CROSS_TRIPLE aarch64-linux-gnu CACHE STRING "GNU triple of the cross compiler")
set(CMAKE_C_COMPILER ${E2EE_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${E2EE_CROSS_TRIPLE}-g++)

include(${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-sysroot.cmake)
