// e2ee/ec/edwards25519.hpp — the group edwards25519 (RFC 8032 5.1): the twisted
// Edwards curve -x^2 + y^2 = 1 + d·x^2·y^2 over GF(2^255 - 19), in extended
// coordinates (Hisil, Wong, Carter, Dawson, "Twisted Edwards Curves
// Revisited", 2008). constexpr throughout. Operations on secret scalars are
// constant time; functions ending in _vartime are for public inputs only.
//
// This is the portable group (5x51 field, constexpr). At run time, on CPUs
// with BMI2/ADX, the same formulas run on the 4x64 MULX/ADX field in
// detail/x86/edwards25519_mulx.hpp: same point type names and function
// names, so the verification code in ed25519.hpp is written once (a template
// on `group`, operations found by argument-dependent lookup); the dispatch
// (curve25519_kernels.hpp, ed25519.hpp, xeddsa.hpp) uses the portable group
// in constant evaluation and when E2EE_CPU_DISABLE removes bmi2 or adx.
//
// Precomputed tables, all computed by the compiler from the base point (no
// pasted literals), each in a separate constant evaluation small enough for
// clang's default -fconstexpr-steps (1,048,576) and GCC's defaults:
//   comb_table     32 x 8 affine points (j+1)·256^i·B, fixed-base comb for
//                  secret scalars (key generation, signing, X25519 public key);
//   base_naf_table the 64 odd multiples 1·B .. 127·B, for width-8 wNAF in
//                  verification (public scalars).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

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
// niels: an affine point prepared as an addend (Z = 1): (y+x, y-x, 2d·x·y).
// Adding one costs a multiplication less than a cached point.
struct niels {
  f::tight y_plus_x, y_minus_x, xy2d;
};

inline constexpr p3 identity{f::zero, f::one, f::one, f::zero};
inline constexpr cached cached_identity{f::one, f::one, f::one, f::zero};
inline constexpr niels niels_identity{f::one, f::one, f::zero};

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
// to_niels: the addend form of the affine point (x, y).
constexpr niels to_niels(const f::tight& x, const f::tight& y) noexcept {
  return {f::carry(f::add(y, x)), f::carry(f::sub(y, x)), f::mul(f::mul(x, y), curve_2d)};
}
// neg: -P = (-X, Y, Z, -T).
constexpr p3 neg(const p3& p) noexcept { return {f::carry(f::neg(p.x)), p.y, p.z, f::carry(f::neg(p.t))}; }

// dbl: 2·P (HWCD dbl-2008-hwcd with a = -1), as p1p1:
// X = (X+Y)^2 - (Y^2+X^2), Y = Y^2+X^2, Z = Y^2-X^2, T = 2Z^2 - (Y^2-X^2).
constexpr p1p1 dbl(const p2& p) noexcept {
  const f::tight xx = f::square(p.x);
  const f::tight yy = f::square(p.y);
  const f::tight zz = f::square(p.z);
  const f::tight zz2 = f::carry(f::add(zz, zz));
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

// madd / msub: P ± Q for an affine Q in niels form (Z2 = 1 saves the Z product).
template <bool Negate>
constexpr p1p1 madd_impl(const p3& p, const niels& q) noexcept {
  const f::tight& qp = Negate ? q.y_minus_x : q.y_plus_x;
  const f::tight& qm = Negate ? q.y_plus_x : q.y_minus_x;
  const f::tight a = f::mul(f::sub(p.y, p.x), qm);
  const f::tight b = f::mul(f::add(p.y, p.x), qp);
  const f::tight c = f::mul(p.t, q.xy2d);
  const f::tight d = f::carry(f::add(p.z, p.z));
  if constexpr (Negate) return {f::sub(b, a), f::add(b, a), f::sub(d, c), f::add(d, c)};
  else return {f::sub(b, a), f::add(b, a), f::add(d, c), f::sub(d, c)};
}
constexpr p1p1 madd(const p3& p, const niels& q) noexcept { return madd_impl<false>(p, q); }
constexpr p1p1 msub(const p3& p, const niels& q) noexcept { return madd_impl<true>(p, q); }

constexpr p3 add(const p3& p, const p3& q) noexcept { return to_p3(add(p, to_cached(q))); }
constexpr p3 dbl3(const p3& p) noexcept { return to_p3(dbl(to_p2(p))); }

// cmov / cneg by mask (no branch, no secret-dependent address).
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
constexpr void cmov(niels& a, const niels& b, ct::mask<std::uint64_t> m) noexcept {
  f::cmov(a.y_plus_x, b.y_plus_x, m);
  f::cmov(a.y_minus_x, b.y_minus_x, m);
  f::cmov(a.xy2d, b.xy2d, m);
}
constexpr void cneg(niels& a, ct::mask<std::uint64_t> m) noexcept {
  f::cswap(a.y_plus_x, a.y_minus_x, m);
  f::cneg(a.xy2d, m);
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

// decode2_vartime: decode_vartime of two encodings (the same interface as
// the MULX/ADX kernel's, which interleaves the two square roots).
constexpr void decode2_vartime(std::span<const std::uint8_t, 32> sa, std::span<const std::uint8_t, 32> sb, p3& a,
                               p3& b, bool& ok_a, bool& ok_b) noexcept {
  ok_a = decode_vartime(sa, a);
  ok_b = decode_vartime(sb, b);
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

// ---- compile-time tables ----

// to_affine_niels: the points p[0..N-1] in niels form, with one inversion for
// all of them (Montgomery's trick: invert the product of the Z, then peel
// the inverses off with the prefix products). Public points only (tables).
template <std::size_t N>
constexpr std::array<niels, N> to_affine_niels(const std::array<p3, N>& p) noexcept {
  std::array<f::tight, N> prefix{};  // prefix[i] = z0·...·zi
  prefix[0] = p[0].z;
  for (std::size_t i = 1; i < N; ++i) prefix[i] = f::mul(prefix[i - 1], p[i].z);
  f::tight inv = f::invert(prefix[N - 1]);  // (z0·...·z(N-1))^-1
  std::array<niels, N> out{};
  for (std::size_t i = N; i-- > 0;) {
    const f::tight zinv = i == 0 ? inv : f::mul(inv, prefix[i - 1]);
    if (i != 0) inv = f::mul(inv, p[i].z);
    out[i] = to_niels(f::mul(p[i].x, zinv), f::mul(p[i].y, zinv));
  }
  return out;
}

// The comb table in four chains of small constant evaluations (each far
// inside clang's default -fconstexpr-steps), with ONE field inversion for all
// 256 points instead of one per row (an inversion is ~265 multiplications,
// the rest of a row ~190): this is what every translation unit that includes
// the header pays.
//
// comb_proj<I>: row I projective, (j+1)·P for j = 0..7 of P = 256^I·B, and
// 256·P, where row I+1 starts. 2P, 4P, 8P by doubling, 3P = 2P+P, 5P = 4P+P,
// 6P = 2·3P, 7P = 6P+P, then 256P = 2^5·8P.
struct comb_proj_row {
  std::array<p3, 8> m;
  p3 next;
};

constexpr comb_proj_row make_comb_proj_row(const p3& p) noexcept {
  comb_proj_row r{};
  const cached pc = to_cached(p);
  r.m[0] = p;
  r.m[1] = to_p3(dbl(to_p2(p)));
  r.m[2] = to_p3(add(r.m[1], pc));
  r.m[3] = to_p3(dbl(to_p2(r.m[1])));
  r.m[4] = to_p3(add(r.m[3], pc));
  r.m[5] = to_p3(dbl(to_p2(r.m[2])));
  r.m[6] = to_p3(add(r.m[5], pc));
  r.m[7] = to_p3(dbl(to_p2(r.m[3])));
  p2 q = to_p2(r.m[7]);
  for (int k = 0; k < 4; ++k) q = to_p2(dbl(q));
  r.next = to_p3(dbl(q));
  return r;
}

template <std::size_t I>
inline constexpr comb_proj_row comb_proj = make_comb_proj_row(comb_proj<I - 1>.next);
template <>
inline constexpr comb_proj_row comb_proj<0> = make_comb_proj_row(base_point);

// comb_zprod<I>: the product of the Z of rows 0..I; comb_zprod<-1> is 1.
constexpr f::tight row_z_product(const comb_proj_row& r) noexcept {
  f::tight z = r.m[0].z;
  for (std::size_t j = 1; j < 8; ++j) z = f::mul(z, r.m[j].z);
  return z;
}
template <std::ptrdiff_t I>
inline constexpr f::tight comb_zprod = f::mul(comb_zprod<I - 1>, row_z_product(comb_proj<static_cast<std::size_t>(I)>));
template <>
inline constexpr f::tight comb_zprod<-1> = f::one;

// comb_zinv<I> = 1 / comb_zprod<I>: the one inversion at row 31, then each
// row's inverse from the next one's.
template <std::size_t I>
inline constexpr f::tight comb_zinv = f::mul(comb_zinv<I + 1>, row_z_product(comb_proj<I + 1>));
template <>
inline constexpr f::tight comb_zinv<31> = f::invert(comb_zprod<31>);

// affine_row: row I in niels form, given the inverse of the product of its
// eight Z (Montgomery's trick within the row).
constexpr std::array<niels, 8> affine_row(const comb_proj_row& r, f::tight inv) noexcept {
  std::array<f::tight, 8> prefix{};
  prefix[0] = r.m[0].z;
  for (std::size_t j = 1; j < 8; ++j) prefix[j] = f::mul(prefix[j - 1], r.m[j].z);
  std::array<niels, 8> out{};
  for (std::size_t j = 8; j-- > 0;) {
    const f::tight zinv = j == 0 ? inv : f::mul(inv, prefix[j - 1]);
    if (j != 0) inv = f::mul(inv, r.m[j].z);
    out[j] = to_niels(f::mul(r.m[j].x, zinv), f::mul(r.m[j].y, zinv));
  }
  return out;
}

template <std::size_t I>
inline constexpr std::array<niels, 8> comb_affine =
    affine_row(comb_proj<I>, f::mul(comb_zinv<I>, comb_zprod<static_cast<std::ptrdiff_t>(I) - 1>));

using comb_table_t = std::array<std::array<niels, 8>, 32>;

template <std::size_t... I>
constexpr comb_table_t gather_comb(std::index_sequence<I...>) noexcept {
  return {comb_affine<I>...};
}

// comb_table[i][j] = (j+1)·256^i·B, affine, niels form.
inline constexpr comb_table_t comb_table = gather_comb(std::make_index_sequence<32>{});

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

// digit_sign_magnitude: for a secret digit in [-8, 8], its sign bit and |digit|.
constexpr void digit_sign_magnitude(std::int8_t digit, std::uint64_t& negative, std::uint64_t& magnitude) noexcept {
  const auto ud = static_cast<std::uint64_t>(static_cast<std::int64_t>(digit));
  negative = ud >> 63;
  magnitude = (ud ^ (0 - negative)) + negative;
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
  std::uint64_t negative = 0, magnitude = 0;
  digit_sign_magnitude(digit, negative, magnitude);
  cached r = cached_identity;
  for (std::size_t j = 0; j < 8; ++j) cmov(r, t[j], ct::mask<std::uint64_t>::equal(magnitude, j + 1));
  cneg(r, ct::mask<std::uint64_t>::from_bit(negative));
  return r;
}

// select: the same for a comb row.
constexpr niels select(const std::array<niels, 8>& t, std::int8_t digit) noexcept {
  std::uint64_t negative = 0, magnitude = 0;
  digit_sign_magnitude(digit, negative, magnitude);
  niels r = niels_identity;
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

// scalarmult_base: a·B for a secret 32-byte scalar a < 2^255 (clamped or
// reduced), by the comb: with a = sum e[i]·16^i (signed digits in [-8, 8]),
//   a·B = 16·sum_{i odd} e[i]·256^((i-1)/2)·B + sum_{i even} e[i]·256^(i/2)·B,
// each term one masked selection from a comb row: 64 selections and mixed
// additions, 4 doublings. Constant time in a; digits and selections wiped.
constexpr p3 scalarmult_base(std::span<const std::uint8_t, 32> a) noexcept {
  auto e = signed_radix16(a);
  p3 acc = identity;
  niels c = niels_identity;
  for (std::size_t i = 1; i < 64; i += 2) {
    c = select(comb_table[i / 2], e[i]);
    acc = to_p3(madd(acc, c));
  }
  p2 q = to_p2(dbl(to_p2(acc)));
  q = to_p2(dbl(q));
  q = to_p2(dbl(q));
  acc = to_p3(dbl(q));
  for (std::size_t i = 0; i < 64; i += 2) {
    c = select(comb_table[i / 2], e[i]);
    acc = to_p3(madd(acc, c));
  }
  e2ee::wipe(c);
  e2ee::wipe(e);
  e2ee::wipe(q);
  return acc;
}

// ---- variable-time multi-scalar multiplication (verification only) ----

// naf_size: digit positions of a width-w NAF of a 256-bit scalar (the last
// digits can sit above bit 255; spare room up to 264).
inline constexpr std::size_t naf_size = 264;
using naf_digits = std::array<std::int8_t, naf_size>;

// wnaf_vartime: the width-W non-adjacent form of a public 256-bit scalar:
// a = sum naf[i]·2^i with every digit 0 or odd in (-2^(W-1), 2^(W-1)), and at
// most one non-zero digit in any W consecutive positions. Reads the scalar a
// window at a time; a negative digit leaves a carry into the next window.
template <unsigned W>
constexpr naf_digits wnaf_vartime(std::span<const std::uint8_t, 32> a) noexcept {
  static_assert(W >= 2 && W <= 8);
  std::array<std::uint64_t, 6> x{};
  for (std::size_t i = 0; i < 32; ++i) x[i / 8] |= std::uint64_t{a[i]} << (8 * (i % 8));
  naf_digits naf{};
  constexpr std::uint64_t width = std::uint64_t{1} << W;
  std::uint64_t carry = 0;
  std::size_t pos = 0;
  while (pos < naf_size) {  // a < 2^256: the last digit sits at position <= 256
    const std::size_t word = pos / 64, bit = pos % 64;
    std::uint64_t buf = x[word] >> bit;
    if (bit + W > 64) buf |= x[word + 1] << (64 - bit);
    const std::uint64_t window = carry + (buf & (width - 1));
    if ((window & 1) == 0) {  // a zero digit; the carry moves up with pos
      ++pos;
      continue;
    }
    if (window < width / 2) {
      carry = 0;
      naf[pos] = static_cast<std::int8_t>(window);
    } else {
      carry = 1;
      naf[pos] = static_cast<std::int8_t>(static_cast<int>(window) - static_cast<int>(width));
    }
    pos += W;
  }
  return naf;
}

// odd_multiples: 1·P, 3·P, ..., (2N-1)·P as cached points.
template <std::size_t N>
constexpr std::array<cached, N> odd_multiples(const p3& p) noexcept {
  std::array<cached, N> t{};
  t[0] = to_cached(p);
  if constexpr (N > 1) {
    const cached p2c = to_cached(dbl3(p));
    p3 acc = p;
    for (std::size_t j = 1; j < N; ++j) {
      acc = to_p3(add(acc, p2c));
      t[j] = to_cached(acc);
    }
  }
  return t;
}

// base_naf_table: 1·B, 3·B, ..., 127·B, affine (width-8 wNAF of the B scalar).
constexpr std::array<niels, 64> make_base_naf_table() noexcept {
  std::array<p3, 64> m{};
  m[0] = base_point;
  const cached b2 = to_cached(dbl3(base_point));
  for (std::size_t j = 1; j < 64; ++j) m[j] = to_p3(add(m[j - 1], b2));
  return to_affine_niels(m);
}
inline constexpr std::array<niels, 64> base_naf_table = make_base_naf_table();
inline constexpr unsigned base_naf_width = 8;

// add_digit_vartime: acc ± |d|·P from a table of odd multiples (d odd, public).
template <class Table>
constexpr p1p1 add_digit_vartime(const p3& acc, const Table& t, std::int8_t d) noexcept {
  if (d > 0) {
    if constexpr (std::is_same_v<typename Table::value_type, niels>) return madd(acc, t[static_cast<std::size_t>(d / 2)]);
    else return add(acc, t[static_cast<std::size_t>(d / 2)]);
  }
  if constexpr (std::is_same_v<typename Table::value_type, niels>) return msub(acc, t[static_cast<std::size_t>(-d / 2)]);
  else return sub(acc, t[static_cast<std::size_t>(-d / 2)]);
}

// double_scalarmult_vartime: a·A + b·B for public scalars a, b < 2^256 and a
// public point A: width-5 wNAF for A (8 odd multiples computed here), width-8
// for B (base_naf_table). About 253 doublings and 51 + 29 additions for
// reduced scalars. Time depends on the inputs: verification only.
constexpr p3 double_scalarmult_vartime(std::span<const std::uint8_t, 32> a, const p3& pa,
                                       std::span<const std::uint8_t, 32> b) noexcept {
  const naf_digits na = wnaf_vartime<5>(a);
  const naf_digits nb = wnaf_vartime<base_naf_width>(b);
  const auto ta = odd_multiples<8>(pa);
  std::size_t i = naf_size;
  while (i > 0 && na[i - 1] == 0 && nb[i - 1] == 0) --i;
  if (i == 0) return identity;
  p1p1 r{};
  p2 q = to_p2(identity);
  for (; i-- > 0;) {
    r = dbl(q);
    if (na[i] != 0) r = add_digit_vartime(to_p3(r), ta, na[i]);
    if (nb[i] != 0) r = add_digit_vartime(to_p3(r), base_naf_table, nb[i]);
    if (i != 0) q = to_p2(r);
  }
  return to_p3(r);
}

// cofactored_check_vartime: [8](S·B - k·A - R) = O for public k, S < L
// and points A, R: the verification equation of ec/ed25519.hpp, directly
// (one double-scalar multiplication). The MULX/ADX kernel's function of
// the same name checks the same equation with half-size scalars.
constexpr bool cofactored_check_vartime(std::span<const std::uint8_t, 32> k, const p3& a, const p3& r,
                                        std::span<const std::uint8_t, 32> s) noexcept {
  const p3 sb_ka = double_scalarmult_vartime(k, neg(a), s);
  return is_identity_vartime(mul_by_cofactor(to_p3(sub(sb_ka, to_cached(r)))));
}

// group: the traits the generic verification code (ec/ed25519.hpp) reads;
// detail::ed25519_mulx::group is the same for the MULX/ADX field. The group
// operations themselves are found by argument-dependent lookup.
struct group {
  using point = p3;
  using projective = p2;
  using completed = p1p1;
  using addend = cached;
  static constexpr const p3& identity_point() noexcept { return identity; }
  static constexpr const std::array<niels, 64>& base_table() noexcept { return base_naf_table; }
};

}  // namespace detail::ed25519
E2EE_NAMESPACE_END
