// e2ee/ec/scalar25519.hpp — arithmetic modulo the order of the edwards25519
// prime-order subgroup, L = 2^252 + 27742317777372353535851937790883648493
// (RFC 8032 5.1). Portable, constexpr, constant time (scalars are secret in
// signing): no branch or index depends on a value.
//
// Representation: five 52-bit limbs (260 bits), value = sum v[i]·2^(52 i).
// Products are reduced by Montgomery reduction with R = 2^260: mont_mul(a, b)
// = a·b·R^-1 mod L; multiplying by R^2 mod L afterwards cancels the R^-1.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "field25519.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail::sc25519 {

using u128 = detail::f25519::u128;

inline constexpr std::uint64_t mask52 = (std::uint64_t{1} << 52) - 1;

struct scalar {
  std::array<std::uint64_t, 5> v{};
};

// L in radix 2^52 (RFC 8032 5.1: the order of the base point B).
inline constexpr scalar order{{0x2631a5cf5d3edULL, 0xdea2f79cd6581ULL, 0x000000014def9ULL, 0, 0x0100000000000ULL}};
// -L^-1 mod 2^52, for Montgomery reduction.
inline constexpr std::uint64_t order_factor = 0x51da312547e1bULL;
// 2^260 mod L and 2^520 mod L.
inline constexpr scalar r1{{0xf48bd6721e6edULL, 0x3bab5ac67e45aULL, 0xfffffeb35e51bULL, 0xfffffffffffffULL,
                            0x00fffffffffffULL}};
inline constexpr scalar r2{{0x9d265e952d13bULL, 0xd63c715bea69fULL, 0x5be65cb687604ULL, 0x3dceec73d217fULL,
                            0x009411b7c309aULL}};

// sub_order_if_ge: a - L if a >= L, else a; precondition a < 2L, limbs
// normalised (< 2^52). Subtracts, then adds L back under the borrow mask.
constexpr scalar sub_order_if_ge(const scalar& a) noexcept {
  scalar r;
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const std::uint64_t d = a.v[i] - order.v[i] - borrow;
    borrow = d >> 63;
    r.v[i] = d & mask52;
  }
  const auto back = ct::mask<std::uint64_t>::from_bit(borrow);
  std::uint64_t carry = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const std::uint64_t s = r.v[i] + back.select(order.v[i], 0) + carry;
    carry = s >> 52;
    r.v[i] = s & mask52;
  }
  return r;
}

// add: a + b mod L, for a, b < L.
constexpr scalar add(const scalar& a, const scalar& b) noexcept {
  scalar r;
  std::uint64_t carry = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const std::uint64_t s = a.v[i] + b.v[i] + carry;
    carry = s >> 52;
    r.v[i] = s & mask52;
  }
  return sub_order_if_ge(r);
}

// mont_mul: a·b·2^-260 mod L. Precondition: a·b < 2^260·L (true when one
// operand is < L and the other < 2^260). Schoolbook product into nine
// 128-bit columns, then five word-by-word Montgomery steps: each adds m·L
// with m chosen so that the low 52 bits of the current column vanish.
constexpr scalar mont_mul(const scalar& a, const scalar& b) noexcept {
  std::array<u128, 10> z{};
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 5; ++j) z[i + j] += u128{a.v[i]} * b.v[j];
  for (std::size_t i = 0; i < 5; ++i) {
    const std::uint64_t m = (static_cast<std::uint64_t>(z[i]) * order_factor) & mask52;
    for (std::size_t j = 0; j < 5; ++j) z[i + j] += u128{m} * order.v[j];
    z[i + 1] += z[i] >> 52;  // the low 52 bits of z[i] are now zero
  }
  scalar r;
  for (std::size_t j = 5; j < 9; ++j) {
    z[j + 1] += z[j] >> 52;
    r.v[j - 5] = static_cast<std::uint64_t>(z[j]) & mask52;
  }
  r.v[4] = static_cast<std::uint64_t>(z[9]);  // value < 2L < 2^254
  return sub_order_if_ge(r);
}

// mul: a·b mod L, for a < L and b < 2^256.
constexpr scalar mul(const scalar& a, const scalar& b) noexcept { return mont_mul(mont_mul(a, b), r2); }

// from_bytes: 32 little-endian bytes as five limbs, not reduced (< 2^256).
constexpr scalar from_bytes(std::span<const std::uint8_t, 32> s) noexcept {
  std::uint64_t w[4] = {};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 8; ++j) w[i] |= std::uint64_t{s[8 * i + j]} << (8 * j);
  return scalar{{w[0] & mask52, ((w[0] >> 52) | (w[1] << 12)) & mask52, ((w[1] >> 40) | (w[2] << 24)) & mask52,
                 ((w[2] >> 28) | (w[3] << 36)) & mask52, w[3] >> 16}};
}

// to_bytes: a fully reduced scalar (< L < 2^253) as 32 little-endian bytes.
constexpr std::array<std::uint8_t, 32> to_bytes(const scalar& a) noexcept {
  const std::uint64_t w[4] = {a.v[0] | (a.v[1] << 52), (a.v[1] >> 12) | (a.v[2] << 40),
                              (a.v[2] >> 24) | (a.v[3] << 28), (a.v[3] >> 36) | (a.v[4] << 16)};
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 8; ++j) out[8 * i + j] = static_cast<std::uint8_t>(w[i] >> (8 * j));
  return out;
}

// reduce: any 32-byte value mod L (x·R·R^-1: mont_mul by 2^260 mod L).
constexpr scalar reduce(std::span<const std::uint8_t, 32> s) noexcept { return mont_mul(from_bytes(s), r1); }

// reduce_wide: a 64-byte little-endian value (a SHA-512 digest) mod L
// (RFC 8032 5.1.6 steps 2 and 4). Split as lo + hi·2^260 with lo, hi < 2^260:
// lo·R·R^-1 + hi·R^2·R^-1 = lo + hi·2^260 (mod L).
constexpr scalar reduce_wide(std::span<const std::uint8_t, 64> s) noexcept {
  std::uint64_t w[8] = {};
  for (std::size_t i = 0; i < 8; ++i)
    for (std::size_t j = 0; j < 8; ++j) w[i] |= std::uint64_t{s[8 * i + j]} << (8 * j);
  // 52-bit limb k starts at bit 52k = word (52k)/64, offset (52k)%64.
  std::array<std::uint64_t, 10> limb{};
  for (std::size_t k = 0; k < 10; ++k) {
    const std::size_t bit = 52 * k, word = bit / 64, off = bit % 64;
    std::uint64_t x = w[word] >> off;
    if (off > 12 && word + 1 < 8) x |= w[word + 1] << (64 - off);  // public positions
    limb[k] = x & mask52;
  }
  const scalar lo{{limb[0], limb[1], limb[2], limb[3], limb[4]}};
  const scalar hi{{limb[5], limb[6], limb[7], limb[8], limb[9]}};
  return add(mont_mul(lo, r1), mont_mul(hi, r2));
}

// muladd: a·b + c mod L (RFC 8032 5.1.6 step 5, S = r + k·s), for a, c < L
// and any 32-byte b.
constexpr scalar muladd(const scalar& a, const scalar& b, const scalar& c) noexcept {
  return add(mul(a, b), c);
}

// is_canonical: the 32-byte value is < L (RFC 8032 5.1.7: S must be in
// [0, L)). Branch-free comparison from the top word down.
constexpr bool is_canonical(std::span<const std::uint8_t, 32> s) noexcept {
  // L as four 64-bit little-endian words.
  constexpr std::uint64_t lw[4] = {0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL};
  std::uint64_t less = 0, equal = 1;
  for (std::size_t k = 4; k-- > 0;) {
    std::uint64_t x = 0;
    for (std::size_t j = 0; j < 8; ++j) x |= std::uint64_t{s[8 * k + j]} << (8 * j);
    const std::uint64_t lt = ct::mask<std::uint64_t>::less(x, lw[k]).value() & 1u;
    const std::uint64_t eq = ct::mask<std::uint64_t>::equal(x, lw[k]).value() & 1u;
    less |= equal & lt;
    equal &= eq;
  }
  return less != 0;
}

// ---- verification only: public inputs, variable time ----

// half_size: for a public k < L, integers u and v with u ≡ v·k (mod L),
// 0 <= u < 2^126 and 0 < |v| < 2^127 (|v| <= L/2^126): a short vector of the
// lattice {(u, v) : u ≡ v·k mod L}. Verification uses it to replace the
// 253-bit k by two scalars of half the size (T. Pornin, "Optimized Lattice
// Basis Reduction In Dimension 2, and Fast Schnorr and EdDSA Signature
// Verification", 2020): [v]·(S·B - k·A - R) needs only ~127 doublings.
// u and |v| are little-endian with the upper 16 bytes zero.
struct half_size {
  std::array<std::uint8_t, 32> u{}, v{};
  bool v_negative = false;
};

namespace lattice {

using words = std::array<std::uint64_t, 4>;

constexpr unsigned bit_length(const words& x) noexcept {
  for (std::size_t i = 4; i-- > 0;)
    if (x[i] != 0) return static_cast<unsigned>(64 * i + 64) - static_cast<unsigned>(std::countl_zero(x[i]));
  return 0;
}
constexpr words shift_left(const words& x, unsigned s) noexcept {
  words r{};
  const std::size_t w = s / 64, b = s % 64;
  for (std::size_t i = 4; i-- > w;) {
    r[i] = x[i - w] << b;
    if (b != 0 && i > w) r[i] |= x[i - w - 1] >> (64 - b);
  }
  return r;
}
constexpr bool less(const words& a, const words& b) noexcept {
  for (std::size_t i = 4; i-- > 0;)
    if (a[i] != b[i]) return a[i] < b[i];
  return false;
}
// extract: the 64 bits of x from bit `shift` up.
constexpr std::uint64_t extract(const words& x, unsigned shift) noexcept {
  const std::size_t w = shift / 64, bits = shift % 64;
  std::uint64_t r = x[w] >> bits;
  if (bits != 0 && w + 1 < 4) r |= x[w + 1] << (64 - bits);
  return r;
}
// subtract_multiple: a -= q·b, q·b <= a.
constexpr void subtract_multiple(words& a, const words& b, std::uint64_t q) noexcept {
  std::uint64_t carry = 0, borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const u128 p = u128{b[i]} * q + carry;
    carry = static_cast<std::uint64_t>(p >> 64);
    const u128 d = u128{a[i]} - static_cast<std::uint64_t>(p) - borrow;
    a[i] = static_cast<std::uint64_t>(d);
    borrow = static_cast<std::uint64_t>(d >> 64) & 1u;
  }
}
constexpr void subtract(words& a, const words& b) noexcept {  // a -= b, a >= b
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const u128 d = u128{a[i]} - b[i] - borrow;
    a[i] = static_cast<std::uint64_t>(d);
    borrow = static_cast<std::uint64_t>(d >> 64) & 1u;
  }
}

}  // namespace lattice

// reduce_basis_vartime: half_size of k (k < L, public) by the extended
// Euclidean algorithm on (L, k), stopped at the first remainder below
// 2^126: every remainder r_i satisfies r_i ≡ t_i·k (mod L), and
// |t_i|·r_(i-1) <= L with r_(i-1) >= 2^126 gives |t_i| < 2^127. Each
// quotient is taken by shifted subtractions of the divisor (the largest
// shift that fits). The t_i are kept modulo 2^128 (two's complement; they
// never exceed 2^127 in magnitude). k = 0 gives u = 0, v = 1.
constexpr half_size reduce_basis_vartime(std::span<const std::uint8_t, 32> k) noexcept {
  lattice::words a{0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL};  // L
  lattice::words b{};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 8; ++j) b[i] |= std::uint64_t{k[8 * i + j]} << (8 * j);
  u128 ta = 0, tb = 1;
  while (lattice::bit_length(b) > 126) {
    while (!lattice::less(a, b)) {  // a = a mod b, ta -= quotient·tb
      // q = floor(a' / (b' + 1)) on the top 63 bits a' of a and the bits
      // b' of b at the same position: q·b <= a and q is the quotient but
      // for a relative error of about 2^-31 while b' >= 2^31. Otherwise
      // (a quotient of 2^31 or more, rare) one shifted subtraction.
      const unsigned na = lattice::bit_length(a);
      const unsigned shift = na > 63 ? na - 63 : 0;
      const std::uint64_t top_a = lattice::extract(a, shift), top_b = lattice::extract(b, shift);
      if (top_b >= (std::uint64_t{1} << 31)) {
        std::uint64_t q = top_a / (top_b + 1);
        if (q == 0) q = 1;  // a >= b: one subtraction is within the quotient
        lattice::subtract_multiple(a, b, q);
        ta -= tb * q;
      } else {
        unsigned s = na - lattice::bit_length(b);
        lattice::words d = lattice::shift_left(b, s);
        if (lattice::less(a, d)) d = lattice::shift_left(b, --s);
        lattice::subtract(a, d);
        ta -= tb << s;
      }
    }
    std::swap(a, b);
    std::swap(ta, tb);
  }
  half_size out;
  out.v_negative = (tb >> 127) != 0;
  const u128 v = out.v_negative ? u128{0} - tb : tb;
  for (std::size_t j = 0; j < 16; ++j) {
    out.u[j] = static_cast<std::uint8_t>(b[j / 8] >> (8 * (j % 8)));
    out.v[j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
  return out;
}


// half_size_exact: for a public k < L, integers u >= 0 and v with
// u ≡ v·k (mod 8L) and v odd, u < 2^130 and |v| < 2^128: the short
// vector that lets a verifier check the cofactorless equation
// S·B - k·A - R = O (XEdDSA, where torsion must count) with half-size
// scalars. For any point X, [v]X = O iff X = O when gcd(v, 8L) = 1 (the
// group of edwards25519 has order 8L), and [v](S·B - k·A - R) equals
// (v·S mod L)·B - u·A - v·R because 8L·A = O. `ok` is false (rarely) when
// the reduction could not give such a pair; the caller then checks the
// equation directly. u and |v| little-endian (u in the low 17 bytes, |v| in
// the low 16).
struct half_size_exact {
  std::array<std::uint8_t, 32> u{}, v{};
  bool v_negative = false;
  bool ok = false;
};

// reduce_basis_8l_vartime: half_size_exact of k by the extended Euclidean
// algorithm on (8L, k), as reduce_basis_vartime on (L, k), stopped at the
// first remainder below 2^stop_bits (its |t| < 8L/2^stop_bits); if that t
// is even, the previous remainder and t (odd: consecutive t are coprime) if
// that remainder is below 2^(stop_bits + 2), else one more step
// (t_(i-1) - q·t_i, odd), with stop_bits = 128 (u and v of about 128 bits
// each). The t are
// kept as magnitudes with a sign (consecutive t alternate in sign, so each
// update adds magnitudes).
constexpr half_size_exact reduce_basis_8l_vartime(std::span<const std::uint8_t, 32> k) noexcept {
  constexpr unsigned stop_bits = 128;
  using lattice::words;
  words a{0xc09318d2e7ae9f68ULL, 0xa6f7cef517bce6b2ULL, 0, 0x8000000000000000ULL};  // 8L
  words b{};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 8; ++j) b[i] |= std::uint64_t{k[8 * i + j]} << (8 * j);
  u128 ta = 0, tb = 1;  // magnitudes; t_a has the sign opposite to t_b
  bool neg_b = false;
  bool overflow = false;
  // divide: a = a mod b, |t_a| += quotient·|t_b| (with an overflow check).
  const auto divide = [&](words& x, const words& y, u128& tx, const u128 ty) constexpr {
    constexpr u128 max = ~u128{0};
    while (!lattice::less(x, y)) {
      const unsigned nx = lattice::bit_length(x);
      const unsigned shift = nx > 63 ? nx - 63 : 0;
      const std::uint64_t top_x = lattice::extract(x, shift), top_y = lattice::extract(y, shift);
      u128 add = 0;
      if (top_y >= (std::uint64_t{1} << 31)) {
        std::uint64_t q = top_x / (top_y + 1);
        if (q == 0) q = 1;
        lattice::subtract_multiple(x, y, q);
        if (ty != 0 && ty > max / q) overflow = true;
        add = ty * q;
      } else {
        unsigned s = nx - lattice::bit_length(y);
        words d = lattice::shift_left(y, s);
        if (lattice::less(x, d)) d = lattice::shift_left(y, --s);
        lattice::subtract(x, d);
        if (s >= 128 || (ty != 0 && (ty >> (127 - s)) > 1)) overflow = true;
        add = s >= 128 ? 0 : ty << s;
      }
      if (tx > max - add) overflow = true;
      tx += add;
    }
  };
  while (lattice::bit_length(b) > stop_bits) {
    divide(a, b, ta, tb);
    std::swap(a, b);
    std::swap(ta, tb);
    neg_b = !neg_b;
  }
  if ((tb & 1) == 0) {  // then t_a is odd (b = 0 only for k = 0, where t_b = 1)
    if (lattice::bit_length(a) <= stop_bits + 2) {  // the previous vector is short enough
      std::swap(a, b);
      std::swap(ta, tb);
      neg_b = !neg_b;
    } else {  // one more step: t_a - q·t_b is odd
      divide(a, b, ta, tb);
      std::swap(a, b);
      std::swap(ta, tb);
      neg_b = !neg_b;
    }
  }
  half_size_exact out;
  out.ok = !overflow && (tb & 1) == 1 && lattice::bit_length(b) <= stop_bits + 2;  // u < 2^130, |v| = tb < 2^128
  out.v_negative = neg_b;
  for (std::size_t j = 0; j < 32; ++j) {
    out.u[j] = static_cast<std::uint8_t>(b[j / 8] >> (8 * (j % 8)));
    out.v[j] = static_cast<std::uint8_t>(j < 16 ? tb >> (8 * j) : 0);
  }
  return out;
}

}  // namespace detail::sc25519
E2EE_NAMESPACE_END
