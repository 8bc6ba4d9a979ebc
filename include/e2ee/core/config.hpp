// e2ee/core/config.hpp — namespace and build-mode macros shared by every header.
#pragma once

// The library's version: the one place it is written. CMakeLists.txt reads
// these three lines for project(VERSION), so the CMake package, e2ee.pc and
// the single header carry the same number.
#define E2EE_VERSION_MAJOR 0
#define E2EE_VERSION_MINOR 1
#define E2EE_VERSION_PATCH 0
#define E2EE_VERSION_STRINGIFY_(x) #x
#define E2EE_VERSION_STRINGIFY(x) E2EE_VERSION_STRINGIFY_(x)
// "0.1.0"
#define E2EE_VERSION_STRING                        \
  E2EE_VERSION_STRINGIFY(E2EE_VERSION_MAJOR)       \
  "." E2EE_VERSION_STRINGIFY(E2EE_VERSION_MINOR) \
  "." E2EE_VERSION_STRINGIFY(E2EE_VERSION_PATCH)
// One number for #if comparisons: 10000 * major + 100 * minor + patch.
#define E2EE_VERSION (E2EE_VERSION_MAJOR * 10000 + E2EE_VERSION_MINOR * 100 + E2EE_VERSION_PATCH)

// Code lives in e2ee::v0 (inline). A macro that changes code or layout also
// renames the inline namespace, so translation units built with and without it
// fail to link together instead of misbehaving at run time.
#if defined(E2EE_CT_VALGRIND)
#define E2EE_ABI_NAMESPACE v0_ctgrind
#else
#define E2EE_ABI_NAMESPACE v0
#endif

#define E2EE_NAMESPACE_BEGIN \
  namespace e2ee {           \
  inline namespace E2EE_ABI_NAMESPACE {
#define E2EE_NAMESPACE_END \
  }                        \
  }

#if defined(__x86_64__) || defined(_M_X64)
#define E2EE_ARCH_X86_64 1
#else
#define E2EE_ARCH_X86_64 0
#endif

#if defined(__aarch64__) || defined(_M_ARM64)
#define E2EE_ARCH_AARCH64 1
#else
#define E2EE_ARCH_AARCH64 0
#endif

// SIMD kernels use GCC/Clang target attributes; other compilers get the
// portable path only.
#if (defined(__GNUC__) || defined(__clang__)) && E2EE_ARCH_X86_64 && !defined(E2EE_NO_ASM)
#define E2EE_HAVE_X86_KERNELS 1
#else
#define E2EE_HAVE_X86_KERNELS 0
#endif

#if (defined(__GNUC__) || defined(__clang__)) && E2EE_ARCH_AARCH64 && !defined(E2EE_NO_ASM)
#define E2EE_HAVE_ARM_KERNELS 1
#else
#define E2EE_HAVE_ARM_KERNELS 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define E2EE_ALWAYS_INLINE inline __attribute__((always_inline))
#define E2EE_NOINLINE __attribute__((noinline))
#else
#define E2EE_ALWAYS_INLINE inline
#define E2EE_NOINLINE
#endif
