// e2ee/detail/x86/field25519_ifma.hpp — eight elements of GF(2^255 - 19) at
// once with AVX-512 IFMA (VPMADD52LUQ, VPMADD52HUQ), for the exponentiation
// of square roots in verification. Internal; field25519_mulx.hpp's
// pow22523_xn runs here when the CPU has AVX-512 F and IFMA (this header
// knows only 64-bit words, so that one includes it).
//
// Why: decoding a point takes a square root, a chain of 252 squarings in
// which each waits for the previous one. The MULX/ADX field interleaves a few
// such chains (verify: 2, XEdDSA verify: 3, verify_batch: 8), but eight
// 4x64 squarings at once are bound by the one MULX per cycle. Here lane j of
// each 512-bit register holds element j, so one squaring of all eight is
// 30 multiply-accumulates (15 products, low and high halves) and one carry
// step on eight lanes at once.
//
// Representation (fe51x8): five limbs in radix 2^51, limb i of element j in
// lane j of l[i]; value = sum l[i]·2^(51 i). VPMADD52 reads only the low 52
// bits of each lane, so every limb must be below 2^52 when multiplied; mul
// leaves limbs below 2^51 + 2^15, and the conversion from fe64 gives limbs
// below 2^51. A product a_i·b_j (below 2^104) is added as its low
// 52 bits at weight 2^(51(i+j)) and its high 52 bits at 2^(51(i+j)+52) =
// 2·2^(51(i+j+1)); columns 5..9 fold back with 2^255 = 19 (mod p).
//
// Written with the compilers' vector extensions (shifts, adds, masks on
// u64x8) and one inline-asm instruction per multiply-accumulate, so that no
// AVX-512 intrinsics header is included (<avx512fintrin.h> alone costs more
// compile time than all of e2ee's other kernels together; see intrin.hpp).
//
// Constant time: no branch or address depends on the data (the callers use
// it for public values only).
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include <array>
#include <cstddef>
#include <cstdint>

E2EE_NAMESPACE_BEGIN
namespace detail::f25519_ifma {

__extension__ using u128 = unsigned __int128;
using words = std::array<std::uint64_t, 4>;  // little-endian 64-bit words

typedef std::uint64_t u64x8 __attribute__((vector_size(64)));

// fe51x8: eight elements, radix 2^51 (see above).
struct fe51x8 {
  u64x8 l[5];
};

#define E2EE_F25519_IFMA_TARGET gnu::target("avx512f,avx512ifma")

inline constexpr std::uint64_t mask51 = (std::uint64_t{1} << 51) - 1;

// madd_lo / madd_hi: acc += the low / high 52 bits of the 104-bit products
// of the low 52 bits of a and b, lane by lane.
[[E2EE_F25519_IFMA_TARGET, gnu::always_inline]] inline void madd_lo(u64x8& acc, u64x8 a, u64x8 b) noexcept {
  __asm__("vpmadd52luq %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
}
[[E2EE_F25519_IFMA_TARGET, gnu::always_inline]] inline void madd_hi(u64x8& acc, u64x8 a, u64x8 b) noexcept {
  __asm__("vpmadd52huq %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
}

// times19: 19·x = x + 2x + 16x (no 64-bit vector multiply needed).
[[E2EE_F25519_IFMA_TARGET, gnu::always_inline]] inline u64x8 times19(u64x8 x) noexcept {
  return x + (x << 1) + (x << 4);
}

// reduce_columns: r = c0 + c1·2^51 + ... + c9·2^459 mod p for columns below
// 15·2^52: columns 5..9 fold into 0..4 with 19 (below 2^61), then one carry
// step on all five limbs at once (not a chain: a multiplication needs limbs
// below 2^52, not 2^51), leaving every limb below 2^51 + 2^15.
[[E2EE_F25519_IFMA_TARGET, gnu::always_inline]] inline void reduce_columns(fe51x8& r, const u64x8 (&c)[10]) noexcept {
  const u64x8 m{mask51, mask51, mask51, mask51, mask51, mask51, mask51, mask51};
  const u64x8 t0 = c[0] + times19(c[5]), t1 = c[1] + times19(c[6]), t2 = c[2] + times19(c[7]);
  const u64x8 t3 = c[3] + times19(c[8]), t4 = c[4] + times19(c[9]);
  r.l[0] = (t0 & m) + times19(t4 >> 51);  // carries below 2^10
  r.l[1] = (t1 & m) + (t0 >> 51);
  r.l[2] = (t2 & m) + (t1 >> 51);
  r.l[3] = (t3 & m) + (t2 >> 51);
  r.l[4] = (t4 & m) + (t3 >> 51);
}

// mul: r = a·b for limbs below 2^52. The products of each column go to two
// accumulators (even and odd i), so a column's chain of dependent
// multiply-accumulates is at most three long. Bounds: a column's low halves
// and doubled high halves are below 15·2^52 < 2^56; with 19 times its fold
// partner, below 2^61; one carry step leaves every limb below 2^51 + 2^15.
// r may alias a or b.
[[E2EE_F25519_IFMA_TARGET, gnu::always_inline]] inline void mul(fe51x8& r, const fe51x8& a, const fe51x8& b) noexcept {
  // Written out (no loops over the limbs), so that every accumulator stays
  // in a register: with loops, GCC 12 at -O2 keeps them in memory.
  const u64x8 z{};
  u64x8 l0[9] = {z, z, z, z, z, z, z, z, z}, l1[9] = {z, z, z, z, z, z, z, z, z};
  u64x8 h0[9] = {z, z, z, z, z, z, z, z, z}, h1[9] = {z, z, z, z, z, z, z, z, z};
#define E2EE_F25519_IFMA_P(i, j)                    \
  madd_lo(((i) & 1 ? l1 : l0)[(i) + (j)], a.l[i], b.l[j]); \
  madd_hi(((i) & 1 ? h1 : h0)[(i) + (j)], a.l[i], b.l[j])
  E2EE_F25519_IFMA_P(0, 0);
  E2EE_F25519_IFMA_P(0, 1);
  E2EE_F25519_IFMA_P(0, 2);
  E2EE_F25519_IFMA_P(0, 3);
  E2EE_F25519_IFMA_P(0, 4);
  E2EE_F25519_IFMA_P(1, 0);
  E2EE_F25519_IFMA_P(1, 1);
  E2EE_F25519_IFMA_P(1, 2);
  E2EE_F25519_IFMA_P(1, 3);
  E2EE_F25519_IFMA_P(1, 4);
  E2EE_F25519_IFMA_P(2, 0);
  E2EE_F25519_IFMA_P(2, 1);
  E2EE_F25519_IFMA_P(2, 2);
  E2EE_F25519_IFMA_P(2, 3);
  E2EE_F25519_IFMA_P(2, 4);
  E2EE_F25519_IFMA_P(3, 0);
  E2EE_F25519_IFMA_P(3, 1);
  E2EE_F25519_IFMA_P(3, 2);
  E2EE_F25519_IFMA_P(3, 3);
  E2EE_F25519_IFMA_P(3, 4);
  E2EE_F25519_IFMA_P(4, 0);
  E2EE_F25519_IFMA_P(4, 1);
  E2EE_F25519_IFMA_P(4, 2);
  E2EE_F25519_IFMA_P(4, 3);
  E2EE_F25519_IFMA_P(4, 4);
#undef E2EE_F25519_IFMA_P
  // The doubled high halves move up one column. (Written out: see above.)
  const u64x8 c[10] = {l0[0] + l1[0],
                       l0[1] + l1[1] + ((h0[0] + h1[0]) << 1),
                       l0[2] + l1[2] + ((h0[1] + h1[1]) << 1),
                       l0[3] + l1[3] + ((h0[2] + h1[2]) << 1),
                       l0[4] + l1[4] + ((h0[3] + h1[3]) << 1),
                       l0[5] + l1[5] + ((h0[4] + h1[4]) << 1),
                       l0[6] + l1[6] + ((h0[5] + h1[5]) << 1),
                       l0[7] + l1[7] + ((h0[6] + h1[6]) << 1),
                       l0[8] + l1[8] + ((h0[7] + h1[7]) << 1),
                       (h0[8] + h1[8]) << 1};
  reduce_columns(r, c);
}

// sqr: r = a^2 for limbs below 2^52, with 15 products instead of 25: the
// cross products a_i·a_j (i < j) are accumulated apart and doubled after
// (doubling a limb could take it past the 52 bits the multiplier reads).
// Column k = squares' low halves + 2·cross low halves + 2·(squares' high
// halves + 2·cross high halves) of column k - 1: below 15·2^52 as in mul.
// On Zen 5 the multiply-accumulates (one zmm per cycle) bound a squaring of
// eight lanes, so this is the faster form. r may alias a.
[[E2EE_F25519_IFMA_TARGET, gnu::always_inline]] inline void sqr(fe51x8& r, const fe51x8& a) noexcept {
  const u64x8 z{};
  u64x8 sl[9] = {z, z, z, z, z, z, z, z, z}, sh[9] = {z, z, z, z, z, z, z, z, z};
  u64x8 xl[9] = {z, z, z, z, z, z, z, z, z}, xh[9] = {z, z, z, z, z, z, z, z, z};
#define E2EE_F25519_IFMA_S(i)                        \
  madd_lo(sl[2 * (i)], a.l[i], a.l[i]);             \
  madd_hi(sh[2 * (i)], a.l[i], a.l[i])
#define E2EE_F25519_IFMA_X(i, j)                     \
  madd_lo(xl[(i) + (j)], a.l[i], a.l[j]);           \
  madd_hi(xh[(i) + (j)], a.l[i], a.l[j])
  E2EE_F25519_IFMA_S(0);
  E2EE_F25519_IFMA_S(1);
  E2EE_F25519_IFMA_S(2);
  E2EE_F25519_IFMA_S(3);
  E2EE_F25519_IFMA_S(4);
  E2EE_F25519_IFMA_X(0, 1);
  E2EE_F25519_IFMA_X(0, 2);
  E2EE_F25519_IFMA_X(0, 3);
  E2EE_F25519_IFMA_X(0, 4);
  E2EE_F25519_IFMA_X(1, 2);
  E2EE_F25519_IFMA_X(1, 3);
  E2EE_F25519_IFMA_X(1, 4);
  E2EE_F25519_IFMA_X(2, 3);
  E2EE_F25519_IFMA_X(2, 4);
  E2EE_F25519_IFMA_X(3, 4);
#undef E2EE_F25519_IFMA_S
#undef E2EE_F25519_IFMA_X
  const u64x8 c[10] = {sl[0],
                       sl[1] + (xl[1] << 1) + ((sh[0] + (xh[0] << 1)) << 1),
                       sl[2] + (xl[2] << 1) + ((sh[1] + (xh[1] << 1)) << 1),
                       sl[3] + (xl[3] << 1) + ((sh[2] + (xh[2] << 1)) << 1),
                       sl[4] + (xl[4] << 1) + ((sh[3] + (xh[3] << 1)) << 1),
                       sl[5] + (xl[5] << 1) + ((sh[4] + (xh[4] << 1)) << 1),
                       sl[6] + (xl[6] << 1) + ((sh[5] + (xh[5] << 1)) << 1),
                       sl[7] + (xl[7] << 1) + ((sh[6] + (xh[6] << 1)) << 1),
                       sl[8] + (xl[8] << 1) + ((sh[7] + (xh[7] << 1)) << 1),
                       (sh[8] + (xh[8] << 1)) << 1};
  reduce_columns(r, c);
}

// sqr_n: r = a^(2^n), n >= 1 public.
[[E2EE_F25519_IFMA_TARGET]] inline void sqr_n(fe51x8& r, const fe51x8& a, int n) noexcept {
  sqr(r, a);
  for (int k = 1; k < n; ++k) sqr(r, r);
}

// pow22523: r = a^((p-5)/8) = a^(2^252 - 3) in each lane (the addition
// chain of field25519_mulx's pow_2_250_1 and pow22523).
[[E2EE_F25519_IFMA_TARGET]] inline void pow22523(fe51x8& r, const fe51x8& a) noexcept {
  fe51x8 a2, a9, a11, e5, e10, e20, e50, e100, t;
  sqr_n(a2, a, 1);      // 2
  sqr_n(t, a2, 2);      // 8
  mul(a9, t, a);        // 9
  mul(a11, a9, a2);     // 11
  sqr_n(t, a11, 1);     // 22
  mul(e5, t, a9);       // 2^5 - 1
  sqr_n(t, e5, 5);
  mul(e10, t, e5);      // 2^10 - 1
  sqr_n(t, e10, 10);
  mul(e20, t, e10);     // 2^20 - 1
  sqr_n(t, e20, 20);
  mul(t, t, e20);       // 2^40 - 1
  sqr_n(t, t, 10);
  mul(e50, t, e10);     // 2^50 - 1
  sqr_n(t, e50, 50);
  mul(e100, t, e50);    // 2^100 - 1
  sqr_n(t, e100, 100);
  mul(t, t, e100);      // 2^200 - 1
  sqr_n(t, t, 50);
  mul(t, t, e50);       // 2^250 - 1
  sqr_n(t, t, 2);
  mul(r, t, a);         // 2^252 - 3
}

// load: lanes 0..n-1 from a[0..n-1] (values below 2^255, n <= 8; the
// other lanes 0), split into 51-bit limbs.
inline fe51x8 load(const words* a, std::size_t n) noexcept {
  alignas(64) std::array<std::array<std::uint64_t, 8>, 5> w{};
  for (std::size_t j = 0; j < n; ++j) {
    const words& x = a[j];
    w[0][j] = x[0] & mask51;
    w[1][j] = ((x[0] >> 51) | (x[1] << 13)) & mask51;
    w[2][j] = ((x[1] >> 38) | (x[2] << 26)) & mask51;
    w[3][j] = ((x[2] >> 25) | (x[3] << 39)) & mask51;
    w[4][j] = x[3] >> 12;
  }
  fe51x8 r;
  for (std::size_t i = 0; i < 5; ++i) __builtin_memcpy(&r.l[i], w[i].data(), 64);
  return r;
}

// store: r[0..n-1] from lanes 0..n-1, below 2^256 (not necessarily
// reduced). With limbs below 2^52 the sum fits 256 bits plus a carry, which
// folds back as 38 (2^256 = 38 mod p).
inline void store(words* r, const fe51x8& a, std::size_t n) noexcept {
  alignas(64) std::array<std::array<std::uint64_t, 8>, 5> w;
  for (std::size_t i = 0; i < 5; ++i) __builtin_memcpy(w[i].data(), &a.l[i], 64);
  for (std::size_t j = 0; j < n; ++j) {
    u128 acc = u128{w[0][j]} + (u128{w[1][j]} << 51);
    const std::uint64_t v0 = static_cast<std::uint64_t>(acc);
    acc = (acc >> 64) + (u128{w[2][j]} << 38);
    const std::uint64_t v1 = static_cast<std::uint64_t>(acc);
    acc = (acc >> 64) + (u128{w[3][j]} << 25);
    const std::uint64_t v2 = static_cast<std::uint64_t>(acc);
    acc = (acc >> 64) + (u128{w[4][j]} << 12);
    const std::uint64_t v3 = static_cast<std::uint64_t>(acc);
    const std::uint64_t top = static_cast<std::uint64_t>(acc >> 64);  // 0 or 1
    u128 c = u128{v0} + 38 * u128{top};
    r[j][0] = static_cast<std::uint64_t>(c);
    c = (c >> 64) + v1;
    r[j][1] = static_cast<std::uint64_t>(c);
    c = (c >> 64) + v2;
    r[j][2] = static_cast<std::uint64_t>(c);
    c = (c >> 64) + v3;
    r[j][3] = static_cast<std::uint64_t>(c);
    r[j][0] += 38 * static_cast<std::uint64_t>(c >> 64);  // a carry out leaves r[j][0] small
  }
}

// pow22523_x8: r[j] = a[j]^((p-5)/8) for j < n <= 8, a[j] below 2^255.
// r may alias a.
[[E2EE_F25519_IFMA_TARGET]] inline void pow22523_x8(words* r, const words* a, std::size_t n) noexcept {
  fe51x8 x = load(a, n);
  pow22523(x, x);
  store(r, x, n);
}

#undef E2EE_F25519_IFMA_TARGET

}  // namespace detail::f25519_ifma
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
