// e2ee/ec/edwards25519.hpp — the group edwards25519 (RFC 8032 5.1): the twisted
// Edwards curve -x^2 + y^2 = 1 + d·x^2·y^2 over GF(2^255 - 19), in extended
// coordinates (Hisil, Wong, Carter, Dawson, "Twisted Edwards Curves
// Revisited", 2008). constexpr throughout. Operations on secret scalars are
// constant time; functions ending in _vartime are for public inputs only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/secret.hpp"
#include "field25519.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail::ed25519 {

namespace f = detail::f25519;

// d = -121665/121666 and 2d (RFC 8032 5.1), radix 2^51.
inline constexpr f::tight curve_d{{0x34dca135978a3ULL, 0x1a8283b156ebdULL, 0x5e7a26001c029ULL, 0x739c663a03cbbULL,
                                   0x52036cee2b6ffULL}};
inline constexpr f::tight curve_2d{{0x69b9426b2f159ULL, 0x35050762add7aULL, 0x3cf44c0038052ULL, 0x6738cc7407977ULL,
                                    0x2406d9dc56dffULL}};

// p3: extended coordinates, x = X/Z, y = Y/Z, x·y = T/Z.
struct p3 {
  f::tight x, y, z, t;
};
// p2: projective (X : Y : Z), the input of doubling (T not needed).
struct p2 {
  f::tight x, y, z;
};
// p1p1: the "completed" output of add/double, x = X/Z, y = Y/T; limbs loose.
struct p1p1 {
  f::loose x, y, z, t;
};
// cached: a point prepared as an addend: (Y+X, Y-X, Z, 2d·T).
struct cached {
  f::tight y_plus_x, y_minus_x, z, t2d;
};

inline constexpr p3 identity{f::zero, f::one, f::one, f::zero};
inline constexpr cached cached_identity{f::one, f::one, f::one, f::zero};

// The base point B (RFC 8032 5.1): y = 4/5, x positive (even).
inline constexpr p3 base_point{
    {{0x62d608f25d51aULL, 0x412a4b4f6592aULL, 0x75b7171a4b31dULL, 0x1ff60527118feULL, 0x216936d3cd6e5ULL}},
    {{0x6666666666658ULL, 0x4ccccccccccccULL, 0x1999999999999ULL, 0x3333333333333ULL, 0x6666666666666ULL}},
    f::one,
    {{0x68ab3a5b7dda3ULL, 0x00eea2a5eadbbULL, 0x2af8df483c27eULL, 0x332b375274732ULL, 0x67875f0fd78b7ULL}}};

constexpr p2 to_p2(const p3& p) noexcept { return {p.x, p.y, p.z}; }
constexpr p2 to_p2(const p1p1& p) noexcept { return {f::mul(p.x, p.t), f::mul(p.y, p.z), f::mul(p.z, p.t)}; }
constexpr p3 to_p3(const p1p1& p) noexcept {
  return {f::mul(p.x, p.t), f::mul(p.y, p.z), f::mul(p.z, p.t), f::mul(p.x, p.y)};
}
constexpr cached to_cached(const p3& p) noexcept {
  return {f::carry(f::add(p.y, p.x)), f::carry(f::sub(p.y, p.x)), p.z, f::mul(p.t, curve_2d)};
}

// dbl: 2·P (HWCD dbl-2008-hwcd with a = -1), as p1p1:
// X = (X+Y)^2 - (Y^2+X^2), Y = Y^2+X^2, Z = Y^2-X^2, T = 2Z^2 - (Y^2-X^2).
constexpr p1p1 dbl(const p2& p) noexcept {
  const f::tight xx = f::square(p.x);
  const f::tight yy = f::square(p.y);
  const f::tight zz2 = f::carry(f::add(f::square(p.z), f::square(p.z)));
  const f::tight sum = f::square(f::add(p.x, p.y));
  const f::tight ypx = f::carry(f::add(yy, xx));
  const f::tight ymx = f::carry(f::sub(yy, xx));
  return {f::sub(sum, ypx), f::relax(ypx), f::relax(ymx), f::sub(zz2, ymx)};
}

// add: P + Q (HWCD add-2008-hwcd-3, unified: also correct for P = Q and for
// the identity), as p1p1. sub: P - Q, the same with -Q = (Y-X, Y+X, Z, -2dT).
template <bool Negate>
constexpr p1p1 add_impl(const p3& p, const cached& q) noexcept {
  const f::tight& qp = Negate ? q.y_minus_x : q.y_plus_x;
  const f::tight& qm = Negate ? q.y_plus_x : q.y_minus_x;
  const f::tight a = f::mul(f::sub(p.y, p.x), qm);
  const f::tight b = f::mul(f::add(p.y, p.x), qp);
  const f::tight c = f::mul(p.t, q.t2d);
  const f::tight zz = f::mul(p.z, q.z);
  const f::tight d = f::carry(f::add(zz, zz));
  if constexpr (Negate) return {f::sub(b, a), f::add(b, a), f::sub(d, c), f::add(d, c)};
  else return {f::sub(b, a), f::add(b, a), f::add(d, c), f::sub(d, c)};
}
constexpr p1p1 add(const p3& p, const cached& q) noexcept { return add_impl<false>(p, q); }
constexpr p1p1 sub(const p3& p, const cached& q) noexcept { return add_impl<true>(p, q); }

constexpr p3 add(const p3& p, const p3& q) noexcept { return to_p3(add(p, to_cached(q))); }
constexpr p3 dbl3(const p3& p) noexcept { return to_p3(dbl(to_p2(p))); }

// cmov / cneg on cached points, by mask.
constexpr void cmov(cached& a, const cached& b, ct::mask<std::uint64_t> m) noexcept {
  f::cmov(a.y_plus_x, b.y_plus_x, m);
  f::cmov(a.y_minus_x, b.y_minus_x, m);
  f::cmov(a.z, b.z, m);
  f::cmov(a.t2d, b.t2d, m);
}
constexpr void cneg(cached& a, ct::mask<std::uint64_t> m) noexcept {
  f::cswap(a.y_plus_x, a.y_minus_x, m);
  f::cneg(a.t2d, m);
}

// encode: RFC 8032 5.1.2, y with the sign (low bit) of x in bit 255.
constexpr std::array<std::uint8_t, 32> encode(const p3& p) noexcept {
  const f::tight zinv = f::invert(p.z);
  const f::tight x = f::mul(p.x, zinv);
  const f::tight y = f::mul(p.y, zinv);
  auto out = f::to_bytes(y);
  out[31] = static_cast<std::uint8_t>(out[31] | (f::is_negative(x) << 7));
  return out;
}

// decode_vartime: RFC 8032 5.1.3 with its strict rules. Returns false (and
// leaves `out` unspecified) when
//   - y is not canonical (the 255-bit value is >= p),
//   - there is no x with x^2 = (y^2 - 1)/(d·y^2 + 1) (not a curve point), or
//   - x = 0 but the sign bit is 1 (an alternative encoding of (0, ±1)).
// Points of small order and mixed order are decoded (the caller decides).
// For public encodings only (keys, signature R): the verdicts are branches.
constexpr bool decode_vartime(std::span<const std::uint8_t, 32> s, p3& out) noexcept {
  if (!f::is_canonical(s)) return false;
  const f::tight y = f::from_bytes(s);
  const f::tight yy = f::square(y);
  const f::tight u = f::carry(f::sub(yy, f::one));
  const f::tight v = f::carry(f::add(f::mul(yy, curve_d), f::one));
  f::tight x;
  if (!f::sqrt_ratio(u, v, x).declassify()) return false;  // v != 0: d is not a square
  const std::uint64_t sign = s[31] >> 7;
  if (f::is_zero_mask(x).declassify() && sign == 1) return false;
  f::cneg(x, ct::mask<std::uint64_t>::from_bit(sign ^ f::is_negative(x)));
  out = {x, y, f::one, f::mul(x, y)};
  return true;
}

// is_identity_vartime: P = (0, 1), i.e. X = 0 and Y = Z.
constexpr bool is_identity_vartime(const p3& p) noexcept {
  return f::is_zero_mask(p.x).declassify() && f::equal_mask(p.y, p.z).declassify();
}

// mul_by_cofactor: 8·P.
constexpr p3 mul_by_cofactor(const p3& p) noexcept {
  p2 q = to_p2(dbl(to_p2(p)));
  q = to_p2(dbl(q));
  return to_p3(dbl(q));
}

// ---- constant-time scalar multiplication (secret scalars) ----

// signed_radix16: a 32-byte scalar a < 2^255 as 64 digits e[i] in [-8, 8],
// a = sum e[i]·16^i. Arithmetic only (C++20 >> on negatives is arithmetic).
constexpr std::array<std::int8_t, 64> signed_radix16(std::span<const std::uint8_t, 32> a) noexcept {
  std::array<std::int8_t, 64> e{};
  for (std::size_t i = 0; i < 32; ++i) {
    e[2 * i] = static_cast<std::int8_t>(a[i] & 15);
    e[2 * i + 1] = static_cast<std::int8_t>(a[i] >> 4);
  }
  int carry = 0;
  for (std::size_t i = 0; i < 63; ++i) {
    const int x = e[i] + carry;
    carry = (x + 8) >> 4;
    e[i] = static_cast<std::int8_t>(x - carry * 16);
  }
  e[63] = static_cast<std::int8_t>(e[63] + carry);
  return e;
}

// window_table: 1·P .. 8·P as cached points (index j-1 holds j·P).
using window_table = std::array<cached, 8>;

constexpr window_table make_window_table(const p3& p) noexcept {
  window_table t{};
  p3 acc = p;
  t[0] = to_cached(p);
  for (std::size_t j = 1; j < 8; ++j) {
    acc = to_p3(add(acc, t[0]));
    t[j] = to_cached(acc);
  }
  return t;
}

// select: digit·P from the table for a secret digit in [-8, 8]: every entry
// is read and kept or dropped by mask, so the address pattern is fixed.
constexpr cached select(const window_table& t, std::int8_t digit) noexcept {
  const auto ud = static_cast<std::uint64_t>(static_cast<std::int64_t>(digit));
  const std::uint64_t negative = ud >> 63;
  const std::uint64_t magnitude = (ud ^ (0 - negative)) + negative;  // |digit|
  cached r = cached_identity;
  for (std::size_t j = 0; j < 8; ++j) cmov(r, t[j], ct::mask<std::uint64_t>::equal(magnitude, j + 1));
  cneg(r, ct::mask<std::uint64_t>::from_bit(negative));
  return r;
}

// scalarmult: a·P for a secret 32-byte scalar a < 2^255 (clamped or reduced),
// with signed 4-bit windows: 64 table selections and additions, 252
// doublings. Constant time in a. Temporaries holding digits are wiped.
constexpr p3 scalarmult(const window_table& t, std::span<const std::uint8_t, 32> a) noexcept {
  auto e = signed_radix16(a);
  p3 acc = identity;
  for (std::size_t i = 64; i-- > 0;) {
    if (i != 63) {
      p2 q = to_p2(dbl(to_p2(acc)));
      q = to_p2(dbl(q));
      q = to_p2(dbl(q));
      acc = to_p3(dbl(q));
    }
    cached c = select(t, e[i]);
    acc = to_p3(add(acc, c));
    e2ee::wipe(c);
  }
  e2ee::wipe(e);
  return acc;
}

// base_table: 1·B .. 8·B, computed by the compiler. A larger comb table for
// faster fixed-base multiplication comes later.
inline constexpr window_table base_table = make_window_table(base_point);

// scalarmult_base: a·B, constant time in a.
constexpr p3 scalarmult_base(std::span<const std::uint8_t, 32> a) noexcept { return scalarmult(base_table, a); }

// ---- variable-time double-scalar multiplication (verification only) ----

// naf5_vartime: width-5 non-adjacent form of a 256-bit public scalar: 257
// digits, each 0 or odd in [-15, 15], at most one non-zero in 5 in a row.
constexpr std::array<std::int8_t, 257> naf5_vartime(std::span<const std::uint8_t, 32> a) noexcept {
  std::array<std::int8_t, 257> naf{};
  std::array<std::uint32_t, 9> w{};  // a as 32-bit words, one spare
  for (std::size_t i = 0; i < 32; ++i) w[i / 4] |= std::uint32_t{a[i]} << (8 * (i % 4));
  std::size_t pos = 0;
  auto bit = [&](std::size_t k) -> std::uint32_t { return (w[k / 32] >> (k % 32)) & 1u; };
  while (pos < 257) {
    if (bit(pos) == 0) {
      ++pos;
      continue;
    }
    std::uint32_t window = 0;
    for (std::size_t j = 0; j < 5 && pos + j < 288; ++j) window |= bit(pos + j) << j;
    int digit = static_cast<int>(window);
    if (digit >= 16) digit -= 32;  // odd digit in [-15, 15]
    naf[pos] = static_cast<std::int8_t>(digit);
    // subtract digit·2^pos from the remaining value: clear the window bits,
    // and for a negative digit add 2^(pos+5) (carry into the next bits).
    for (std::size_t j = 0; j < 5 && pos + j < 288; ++j) w[(pos + j) / 32] &= ~(1u << ((pos + j) % 32));
    if (digit < 0) {
      std::size_t k = pos + 5;
      while (k < 288 && bit(k)) {  // propagate the carry
        w[k / 32] &= ~(1u << (k % 32));
        ++k;
      }
      if (k < 288) w[k / 32] |= 1u << (k % 32);
    }
    pos += 5;
  }
  return naf;
}

// odd_multiples: 1·P, 3·P, ..., 15·P as cached points.
constexpr std::array<cached, 8> odd_multiples(const p3& p) noexcept {
  std::array<cached, 8> t{};
  const cached p2c = to_cached(dbl3(p));
  p3 acc = p;
  t[0] = to_cached(p);
  for (std::size_t j = 1; j < 8; ++j) {
    acc = to_p3(add(acc, p2c));
    t[j] = to_cached(acc);
  }
  return t;
}

inline constexpr std::array<cached, 8> base_odd_multiples = odd_multiples(base_point);

// double_scalarmult_vartime: a·A + b·B for public scalars a, b < 2^256 and a
// public point A. Time depends on the inputs: verification only.
constexpr p3 double_scalarmult_vartime(std::span<const std::uint8_t, 32> a, const p3& pa,
                                       std::span<const std::uint8_t, 32> b) noexcept {
  const auto na = naf5_vartime(a);
  const auto nb = naf5_vartime(b);
  const auto ta = odd_multiples(pa);
  std::size_t i = 257;
  while (i > 0 && na[i - 1] == 0 && nb[i - 1] == 0) --i;
  p3 acc = identity;
  p2 q = to_p2(acc);
  for (; i-- > 0;) {
    p1p1 r = dbl(q);
    acc = to_p3(r);
    if (na[i] > 0) acc = to_p3(add(acc, ta[static_cast<std::size_t>(na[i] / 2)]));
    if (na[i] < 0) acc = to_p3(sub(acc, ta[static_cast<std::size_t>(-na[i] / 2)]));
    if (nb[i] > 0) acc = to_p3(add(acc, base_odd_multiples[static_cast<std::size_t>(nb[i] / 2)]));
    if (nb[i] < 0) acc = to_p3(sub(acc, base_odd_multiples[static_cast<std::size_t>(-nb[i] / 2)]));
    q = to_p2(acc);
  }
  return acc;
}

}  // namespace detail::ed25519
E2EE_NAMESPACE_END
