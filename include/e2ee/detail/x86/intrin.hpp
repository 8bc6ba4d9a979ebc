// e2ee/detail/x86/intrin.hpp — the x86 intrinsics headers the kernels need,
// instead of all of <immintrin.h>. Internal.
//
// <immintrin.h> declares every x86 extension (AVX-512 in all its forms, AMX,
// ...): thousands of always-inline functions, each family under its own
// target pragma. Measured at -O2 on an otherwise empty file, it costs about
// 0.7 s of CPU with g++ 12 and 0.4 s with clang 14, a third of what including
// <e2ee/e2ee.hpp> may cost in all (issue 8: under 2 s). The kernels use
// SSE2 to SSE4.1, AES-NI and PCLMULQDQ, whose headers are meant to be included
// on their own, and SHA, AVX, AVX2, VAES and VPCLMULQDQ, whose headers refuse
// unless <immintrin.h> is including them. With the compilers this has been
// checked with (GCC 12, Clang 14; see the condition below), this header
// includes exactly those, with <immintrin.h>'s include guard defined for the
// duration and removed afterwards, so a later #include <immintrin.h> by the
// user still declares everything (the sub-headers keep their own guards).
// Together they cost about 0.09 s with g++ and 0.12 s with clang. Any other
// compiler or version, and any translation unit that included <immintrin.h>
// first, gets <immintrin.h> itself.
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#if !defined(_MSC_VER) && !defined(__apple_build_version__) && !defined(__INTEL_COMPILER) && \
    ((defined(__clang__) && __clang_major__ == 14) || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ == 12))
#define E2EE_X86_INTRIN_SUBSET 1
#else
#define E2EE_X86_INTRIN_SUBSET 0
#endif

#if E2EE_X86_INTRIN_SUBSET && !defined(_IMMINTRIN_H_INCLUDED) && !defined(__IMMINTRIN_H)
#include <smmintrin.h>  // SSE2, SSE3, SSSE3, SSE4.1
#include <wmmintrin.h>  // AES-NI, PCLMULQDQ
#if defined(__clang__)
#define __IMMINTRIN_H
#else
#define _IMMINTRIN_H_INCLUDED
// GCC's <vaesintrin.h> and <vpclmulqdqintrin.h> also declare their 512-bit
// forms, with these types of <avx512fintrin.h> (declared the same way there,
// so a later <immintrin.h> redeclares them harmlessly).
// check_headers.py: global scope on purpose (these are GCC's own names).
typedef long long __v8di __attribute__((__vector_size__(64)));
typedef char __v64qi __attribute__((__vector_size__(64)));
typedef long long __m512i __attribute__((__vector_size__(64), __may_alias__));
#endif
#include <avxintrin.h>
#include <avx2intrin.h>
#include <shaintrin.h>
#include <vaesintrin.h>
#include <vpclmulqdqintrin.h>
#if defined(__clang__)
#undef __IMMINTRIN_H
#else
#undef _IMMINTRIN_H_INCLUDED
#endif
#else
#include <immintrin.h>
#endif

#undef E2EE_X86_INTRIN_SUBSET

#endif  // E2EE_HAVE_X86_KERNELS
