// e2ee/detail/arm/arm_common.hpp — what the AArch64 kernels share: whether the
// compiler can build them, and the target attributes they use. Internal.
//
// Each kernel is a function with a target attribute, so the default
// -march=armv8-a build carries them and cpu::features() picks one at run time.
// GCC 12 groups the intrinsics as "+crypto" (AESE/AESD/AESMC/AESIMC, PMULL,
// SHA256H/H2/SU0/SU1) and "arch=armv8.2-a+sha3" (SHA512H/H2/SU0/SU1); Clang
// names the extensions "aes", "sha2" and "sha3" and from version 16 declares
// its intrinsics with target attributes too. Older Clang declares them only
// when the build's -march has the extensions (__ARM_FEATURE_AES, _SHA2 and
// _SHA512, e.g. -march=armv8.2-a+crypto+sha3): it then builds the kernels,
// else the portable paths. scripts/arm.sh tests GCC (default -march) and
// Clang 14 (with that -march) under qemu.
#pragma once

#include "../../core/config.hpp"

// Apple clang numbers its versions apart: Apple clang 15 is LLVM 16.
#if defined(__clang__) && defined(__apple_build_version__)
#define E2EE_ARM_CLANG_TARGET_INTRINSICS (__clang_major__ >= 15)
#elif defined(__clang__)
#define E2EE_ARM_CLANG_TARGET_INTRINSICS (__clang_major__ >= 16)
#else
#define E2EE_ARM_CLANG_TARGET_INTRINSICS 0
#endif

#if defined(__clang__) && defined(__ARM_FEATURE_AES) && defined(__ARM_FEATURE_SHA2) && \
    defined(__ARM_FEATURE_SHA512)
#define E2EE_ARM_CLANG_MARCH_INTRINSICS 1
#else
#define E2EE_ARM_CLANG_MARCH_INTRINSICS 0
#endif

#if E2EE_HAVE_ARM_KERNELS && \
    (!defined(__clang__) || E2EE_ARM_CLANG_TARGET_INTRINSICS || E2EE_ARM_CLANG_MARCH_INTRINSICS)
#define E2EE_HAVE_ARM_CRYPTO_KERNELS 1
#else
#define E2EE_HAVE_ARM_CRYPTO_KERNELS 0
#endif

#if E2EE_HAVE_ARM_CRYPTO_KERNELS
#include <arm_neon.h>

#if defined(__clang__)
#define E2EE_ARM_AES_TARGET gnu::target("aes")
#define E2EE_ARM_SHA2_TARGET gnu::target("sha2")
#define E2EE_ARM_SHA512_TARGET gnu::target("sha3")
#else
#define E2EE_ARM_AES_TARGET gnu::target("+crypto")
#define E2EE_ARM_SHA2_TARGET gnu::target("+crypto")
#define E2EE_ARM_SHA512_TARGET gnu::target("arch=armv8.2-a+sha3")
#endif
#endif
