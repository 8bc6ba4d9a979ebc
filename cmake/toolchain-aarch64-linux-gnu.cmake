# Cross build for AArch64 Linux with Debian's cross compiler
# (apt-get install g++-aarch64-linux-gnu); the binaries run under qemu-user
# (qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu). scripts/arm.sh uses it:
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
# The library is headers only; what is cross-compiled is the test binary.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(E2EE_CROSS_TRIPLE aarch64-linux-gnu CACHE STRING "GNU triple of the cross compiler")
set(CMAKE_C_COMPILER ${E2EE_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${E2EE_CROSS_TRIPLE}-g++)

# Libraries and headers come from the target's tree only (the optional peers
# such as libsignal-protocol-c or valgrind are host builds: not used), while
# programs and CMake packages may come from the host: Catch2 v2 is header-only
# and architecture-independent, so the host's package serves the cross build.
set(CMAKE_FIND_ROOT_PATH /usr/${E2EE_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# How to run the target's programs (ctest, catch_discover_tests).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -cpu max -L /usr/${E2EE_CROSS_TRIPLE}
    CACHE STRING "Runs aarch64 programs on the build machine")

# pkg-config: the target's .pc files only (not the host's libraries).
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${E2EE_CROSS_TRIPLE}/pkgconfig:/usr/${E2EE_CROSS_TRIPLE}/lib/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
