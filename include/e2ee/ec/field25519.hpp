// e2ee/ec/field25519.hpp — arithmetic in GF(2^255 - 19), the field of Curve25519
// and edwards25519 (RFC 7748, RFC 8032). Portable, constexpr and constant time:
// no branch and no memory address depends on a field element's value.
//
// Representation: five unsigned 64-bit limbs of radix 2^51,
//   value = v[0] + v[1]·2^51 + v[2]·2^102 + v[3]·2^153 + v[4]·2^204  (mod p).
// The bound on the limbs is part of the type (STYLE.md 4):
//   tight: every limb < 1.125·2^51 (the output of a carry, mul, square, decode);
//   loose: every limb < 3.375·2^51 (a sum or difference of two tight elements).
// mul/square take loose operands and return tight results; add/sub take tight
// operands and return loose ones. So add(add(a, b), c) does not compile: an
// element can never silently outgrow the 128-bit accumulators of mul.
//
// Bound arithmetic (why the accumulators cannot overflow): loose limbs are
// < 2^52.76; a product term is < 2^105.52, and t0 = a0·b0 + 19·(four terms)
// < 77·2^105.52 < 2^112, far below 2^128. The carry chain leaves limbs
// < 2^51 + 2^15, well inside the tight bound.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/config.hpp"
#include "../core/ct.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail::f25519 {

// u128: GCC and Clang's 128-bit integer (__extension__ keeps -Wpedantic quiet).
// Usable in constant expressions on both compilers.
__extension__ using u128 = unsigned __int128;

inline constexpr std::uint64_t mask51 = (std::uint64_t{1} << 51) - 1;

enum class bound { tight, loose };

template <bound B>
struct fe {
  std::array<std::uint64_t, 5> v{};
};
using tight = fe<bound::tight>;
using loose = fe<bound::loose>;

inline constexpr tight zero{{0, 0, 0, 0, 0}};
inline constexpr tight one{{1, 0, 0, 0, 0}};

// relax: a tight element is also loose (free, explicit).
constexpr loose relax(const tight& a) noexcept { return loose{a.v}; }

// add: a + b without carrying. tight + tight < 2.25·2^51: loose.
constexpr loose add(const tight& a, const tight& b) noexcept {
  return loose{{a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2], a.v[3] + b.v[3], a.v[4] + b.v[4]}};
}

// sub: a - b computed as a + 2p - b, so no limb underflows (2p's limbs are
// 2^52 - 38 and 2^52 - 2, above any tight limb). Result < 3.125·2^51: loose.
constexpr loose sub(const tight& a, const tight& b) noexcept {
  constexpr std::uint64_t two_p0 = 0xfffffffffffdaULL;  // 2·(2^51 - 19)
  constexpr std::uint64_t two_pi = 0xffffffffffffeULL;  // 2·(2^51 - 1)
  return loose{{a.v[0] + two_p0 - b.v[0], a.v[1] + two_pi - b.v[1], a.v[2] + two_pi - b.v[2],
                a.v[3] + two_pi - b.v[3], a.v[4] + two_pi - b.v[4]}};
}

// neg: -a = 2p - a (loose).
constexpr loose neg(const tight& a) noexcept { return sub(zero, a); }

// carry_wide is always inlined: in a large translation unit (the bench, with
// Ed25519 in it) GCC 12 -O3 left it out of line, and each mul/square then
// passed five u128 through the stack: the X25519 ladder took ~210k cycles
// instead of ~130k (2026-11). Forcing mul/square inline as well made it
// slower (~205k: spills across the ladder step), so they stay calls.
// carry_wide reduces five 128-bit column sums (each < 2^115) to a tight
// element: one carry chain, the carry out of limb 4 folded back times 19
// (2^255 = 19 mod p), then one more carry from limb 0 into limb 1.
E2EE_ALWAYS_INLINE constexpr tight carry_wide(u128 t0, u128 t1, u128 t2, u128 t3, u128 t4) noexcept {
  t1 += static_cast<std::uint64_t>(t0 >> 51);
  std::uint64_t r0 = static_cast<std::uint64_t>(t0) & mask51;
  t2 += static_cast<std::uint64_t>(t1 >> 51);
  const std::uint64_t r1 = static_cast<std::uint64_t>(t1) & mask51;
  t3 += static_cast<std::uint64_t>(t2 >> 51);
  const std::uint64_t r2 = static_cast<std::uint64_t>(t2) & mask51;
  t4 += static_cast<std::uint64_t>(t3 >> 51);
  const std::uint64_t r3 = static_cast<std::uint64_t>(t3) & mask51;
  const std::uint64_t c4 = static_cast<std::uint64_t>(t4 >> 51);  // < 2^64 / 19
  const std::uint64_t r4 = static_cast<std::uint64_t>(t4) & mask51;
  const u128 s0 = u128{r0} + u128{c4} * 19u;
  r0 = static_cast<std::uint64_t>(s0) & mask51;
  return tight{{r0, r1 + static_cast<std::uint64_t>(s0 >> 51), r2, r3, r4}};
}

// carry: a loose (or any limbs < 2^63) element reduced to tight.
template <bound B>
constexpr tight carry(const fe<B>& a) noexcept {
  return carry_wide(a.v[0], a.v[1], a.v[2], a.v[3], a.v[4]);
}

// mul: a·b mod p, schoolbook with the high columns folded by 19. Written out
// (no loops) so that constant evaluation takes few steps.
constexpr tight mul(const loose& a, const loose& b) noexcept {
  const std::uint64_t a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const std::uint64_t b0 = b.v[0], b1 = b.v[1], b2 = b.v[2], b3 = b.v[3], b4 = b.v[4];
  const std::uint64_t b1_19 = b1 * 19, b2_19 = b2 * 19, b3_19 = b3 * 19, b4_19 = b4 * 19;  // < 2^57.1
  const u128 t0 = u128{a0} * b0 + u128{a1} * b4_19 + u128{a2} * b3_19 + u128{a3} * b2_19 + u128{a4} * b1_19;
  const u128 t1 = u128{a0} * b1 + u128{a1} * b0 + u128{a2} * b4_19 + u128{a3} * b3_19 + u128{a4} * b2_19;
  const u128 t2 = u128{a0} * b2 + u128{a1} * b1 + u128{a2} * b0 + u128{a3} * b4_19 + u128{a4} * b3_19;
  const u128 t3 = u128{a0} * b3 + u128{a1} * b2 + u128{a2} * b1 + u128{a3} * b0 + u128{a4} * b4_19;
  const u128 t4 = u128{a0} * b4 + u128{a1} * b3 + u128{a2} * b2 + u128{a3} * b1 + u128{a4} * b0;
  return carry_wide(t0, t1, t2, t3, t4);
}
constexpr tight mul(const tight& a, const tight& b) noexcept { return mul(relax(a), relax(b)); }
constexpr tight mul(const loose& a, const tight& b) noexcept { return mul(a, relax(b)); }
constexpr tight mul(const tight& a, const loose& b) noexcept { return mul(relax(a), b); }

// square: a^2 mod p with the symmetric products doubled (15 products, not 25).
constexpr tight square(const loose& a) noexcept {
  const std::uint64_t a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const std::uint64_t d0 = 2 * a0, d1 = 2 * a1, d2 = 2 * a2, d3 = 2 * a3;  // < 2^53.8
  const std::uint64_t a3_19 = 19 * a3, a4_19 = 19 * a4;                    // < 2^57.1
  const u128 t0 = u128{a0} * a0 + u128{d1} * a4_19 + u128{d2} * a3_19;
  const u128 t1 = u128{d0} * a1 + u128{d2} * a4_19 + u128{a3} * a3_19;
  const u128 t2 = u128{d0} * a2 + u128{a1} * a1 + u128{d3} * a4_19;
  const u128 t3 = u128{d0} * a3 + u128{d1} * a2 + u128{a4} * a4_19;
  const u128 t4 = u128{d0} * a4 + u128{d1} * a3 + u128{a2} * a2;
  return carry_wide(t0, t1, t2, t3, t4);
}
constexpr tight square(const tight& a) noexcept { return square(relax(a)); }

// square_n: a^(2^n), n >= 1 (n is public).
constexpr tight square_n(const tight& a, int n) noexcept {
  tight r = square(a);
  for (int i = 1; i < n; ++i) r = square(r);
  return r;
}

// mul_small: a·k mod p for a public constant k < 2^32 (121665 in the ladder).
template <bound B>
constexpr tight mul_small(const fe<B>& a, std::uint32_t k) noexcept {
  return carry_wide(u128{a.v[0]} * k, u128{a.v[1]} * k, u128{a.v[2]} * k, u128{a.v[3]} * k, u128{a.v[4]} * k);
}

// pow_2_250_1: a^(2^250 - 1) and a^11, the common prefix of invert and
// pow22523 (the usual addition chain: 11 multiplications, 254 squarings).
// The exponents are public constants, so the sequence of operations is fixed.
constexpr tight pow_2_250_1(const tight& a, tight& a11) noexcept {
  const tight a2 = square(a);                       // 2
  const tight a9 = mul(square_n(a2, 2), a);         // 9
  a11 = mul(a9, a2);                                // 11
  const tight e5 = mul(square(a11), a9);            // 2^5 - 1
  const tight e10 = mul(square_n(e5, 5), e5);       // 2^10 - 1
  const tight e20 = mul(square_n(e10, 10), e10);    // 2^20 - 1
  const tight e40 = mul(square_n(e20, 20), e20);    // 2^40 - 1
  const tight e50 = mul(square_n(e40, 10), e10);    // 2^50 - 1
  const tight e100 = mul(square_n(e50, 50), e50);   // 2^100 - 1
  const tight e200 = mul(square_n(e100, 100), e100);  // 2^200 - 1
  return mul(square_n(e200, 50), e50);              // 2^250 - 1
}

// invert: a^(p-2) = a^-1 (Fermat); invert(0) = 0. Constant time.
constexpr tight invert(const tight& a) noexcept {
  tight a11;
  const tight e250 = pow_2_250_1(a, a11);
  return mul(square_n(e250, 5), a11);  // 2^255 - 32 + 11 = p - 2
}

// pow22523: a^((p-5)/8) = a^(2^252 - 3), used for square roots (RFC 8032 5.1.3).
constexpr tight pow22523(const tight& a) noexcept {
  tight a11;
  const tight e250 = pow_2_250_1(a, a11);
  return mul(square_n(e250, 2), a);  // 2^252 - 4 + 1
}

// reduce_full returns the canonical limbs of a (value in [0, p), every limb
// < 2^51). Two wrap-around carry rounds bring the value below 2^255 with all
// limbs < 2^51; then q = 1 iff value >= p (value + 19 reaches 2^255), and
// value + 19q - q·2^255 is the result. No branch.
constexpr tight reduce_full(const tight& a) noexcept {
  std::array<std::uint64_t, 5> h = a.v;
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < 4; ++i) {
      h[i + 1] += h[i] >> 51;
      h[i] &= mask51;
    }
    const std::uint64_t c = h[4] >> 51;
    h[4] &= mask51;
    h[0] += 19 * c;
  }
  std::uint64_t q = (h[0] + 19) >> 51;
  for (std::size_t i = 1; i < 5; ++i) q = (h[i] + q) >> 51;
  h[0] += 19 * q;
  for (std::size_t i = 0; i < 4; ++i) {
    h[i + 1] += h[i] >> 51;
    h[i] &= mask51;
  }
  h[4] &= mask51;  // drops q·2^255
  return tight{h};
}

// to_bytes: the canonical 32-byte little-endian encoding (value in [0, p),
// bit 255 clear).
constexpr std::array<std::uint8_t, 32> to_bytes(const tight& a) noexcept {
  const tight r = reduce_full(a);
  const std::uint64_t w0 = r.v[0] | (r.v[1] << 51);
  const std::uint64_t w1 = (r.v[1] >> 13) | (r.v[2] << 38);
  const std::uint64_t w2 = (r.v[2] >> 26) | (r.v[3] << 25);
  const std::uint64_t w3 = (r.v[3] >> 39) | (r.v[4] << 12);
  std::array<std::uint8_t, 32> out{};
  const std::uint64_t w[4] = {w0, w1, w2, w3};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 8; ++j) out[8 * i + j] = static_cast<std::uint8_t>(w[i] >> (8 * j));
  return out;
}

// from_bytes: decodes 32 little-endian bytes, ignoring bit 255 (RFC 7748 5:
// "implementations MUST mask the most significant bit"). Non-canonical
// values p..2^255-1 are accepted as they are and behave as value - p in every
// operation (RFC 7748 requires accepting them for X25519). Callers that need
// a canonical encoding (Ed25519 point decoding) check it with is_canonical.
constexpr tight from_bytes(std::span<const std::uint8_t, 32> s) noexcept {
  std::uint64_t w[4] = {};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 8; ++j) w[i] |= std::uint64_t{s[8 * i + j]} << (8 * j);
  return tight{{w[0] & mask51, ((w[0] >> 51) | (w[1] << 13)) & mask51, ((w[1] >> 38) | (w[2] << 26)) & mask51,
                ((w[2] >> 25) | (w[3] << 39)) & mask51, (w[3] >> 12) & mask51}};
}

// is_canonical: the 255-bit value of s (bit 255 ignored) is < p. Not secret
// dependent in use (point encodings are public), but branch-free anyway.
constexpr bool is_canonical(std::span<const std::uint8_t, 32> s) noexcept {
  const std::array<std::uint8_t, 32> e = to_bytes(from_bytes(s));
  std::uint32_t diff = static_cast<std::uint32_t>(e[31] ^ (s[31] & 0x7f));
  for (std::size_t i = 0; i < 31; ++i) diff |= static_cast<std::uint32_t>(e[i] ^ s[i]);
  return diff == 0;
}

// is_zero_mask: all ones iff a = 0 (mod p).
constexpr ct::mask<std::uint64_t> is_zero_mask(const tight& a) noexcept {
  const auto b = to_bytes(a);
  std::uint64_t acc = 0;
  for (const auto x : b) acc |= x;
  return ct::mask<std::uint64_t>::is_zero(acc);
}

// equal_mask: all ones iff a = b (mod p).
constexpr ct::mask<std::uint64_t> equal_mask(const tight& a, const tight& b) noexcept {
  return is_zero_mask(carry(sub(a, b)));
}

// is_negative: the low bit of the canonical encoding (RFC 8032 5.1.2 "x_0").
constexpr std::uint64_t is_negative(const tight& a) noexcept { return to_bytes(a)[0] & 1u; }

// cmov: a = b if m is set, else a unchanged. No branch, no secret address.
template <bound B>
constexpr void cmov(fe<B>& a, const fe<B>& b, ct::mask<std::uint64_t> m) noexcept {
  for (std::size_t i = 0; i < 5; ++i) a.v[i] = m.select(b.v[i], a.v[i]);
}

// cswap: swaps a and b if m is set.
template <bound B>
constexpr void cswap(fe<B>& a, fe<B>& b, ct::mask<std::uint64_t> m) noexcept {
  for (std::size_t i = 0; i < 5; ++i) {
    const std::uint64_t t = m.select(a.v[i] ^ b.v[i], 0);
    a.v[i] ^= t;
    b.v[i] ^= t;
  }
}

// cneg: a = -a if m is set (result carried back to tight).
constexpr void cneg(tight& a, ct::mask<std::uint64_t> m) noexcept {
  const tight n = carry(neg(a));
  cmov(a, n, m);
}

// abs: |a|, the one of a and -a whose encoding has low bit 0.
constexpr tight abs(const tight& a) noexcept {
  tight r = a;
  cneg(r, ct::mask<std::uint64_t>::from_bit(is_negative(a)));
  return r;
}

// sqrt_m1: a square root of -1, 2^((p-1)/4) (RFC 8032 5.1.1; RFC 7748 4.1 "sqrt(-1)").
inline constexpr tight sqrt_m1{{0x61b274a0ea0b0ULL, 0xd5a5fc8f189dULL, 0x7ef5e9cbd0c60ULL, 0x78595a6804c9eULL,
                                0x2b8324804fc1dULL}};

// sqrt_ratio sets r to the non-negative (low bit 0) square root of u/v and
// returns a set mask when u/v is a square (u = 0 included, r = 0); otherwise
// the mask is clear and r holds an unspecified value. Precondition: v != 0.
// RFC 8032 5.1.3: x = u·v^3·(u·v^7)^((p-5)/8); if v·x^2 = -u, x·sqrt(-1)
// is the root. Constant time.
constexpr ct::mask<std::uint64_t> sqrt_ratio(const tight& u, const tight& v, tight& r) noexcept {
  const tight v3 = mul(square(v), v);
  const tight v7 = mul(square(v3), v);
  tight x = mul(mul(u, v3), pow22523(mul(u, v7)));
  const tight vx2 = mul(v, square(x));
  const auto ok_plain = equal_mask(vx2, u);
  const auto ok_flip = equal_mask(vx2, carry(neg(u)));
  const tight x_flip = mul(x, sqrt_m1);
  cmov(x, x_flip, ok_flip);
  r = abs(x);
  return ok_plain | ok_flip;
}

}  // namespace detail::f25519
E2EE_NAMESPACE_END
