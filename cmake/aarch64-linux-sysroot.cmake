# Shared by toolchain-aarch64-linux-gnu.cmake and toolchain-aarch64-linux-clang.cmake
# (each sets E2EE_CROSS_TRIPLE first): where a cross build for AArch64 Linux
# finds things, and how it runs the target's programs.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

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
