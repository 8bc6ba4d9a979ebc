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
// pasted literals), in one constant evaluation (see "compile-time tables"):
//   comb_table     32 x 8 affine points (j+1)·256^i·B, fixed-base comb for
//                  secret scalars (key generation, signing, X25519 public key);
//   base_naf_table the 64 odd multiples 1·B .. 127·B, for width-8 wNAF in
//                  verification (public scalars).
#pragma once

#include <array>
#include <bit>
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

// decode_xn_vartime: decode_vartime of N encodings (the MULX/ADX kernel's
// interleaves the N square roots); ok[i] is the verdict of s[i].
template <std::size_t N>
constexpr void decode_xn_vartime(const std::array<std::span<const std::uint8_t, 32>, N>& s, std::array<p3, N>& out,
                                 std::array<bool, N>& ok) noexcept {
  for (std::size_t i = 0; i < N; ++i) ok[i] = decode_vartime(s[i], out[i]);
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

// ---- compile-time tables ----
//
// Every translation unit that includes this header evaluates them (the
// non-template functions below refer to them, which makes the compiler
// compute them), so their cost is what including the Curve25519 headers
// costs: they are built by one constant evaluation written for the
// compilers' constant evaluators, not with the field code above.
// GCC 12 and Clang 14 interpret constexpr code about 1,000 times slower
// than it runs; a call through std::array operator[] or a struct copy costs
// as much as the arithmetic, so table_fe keeps its limbs in plain members,
// every operation is written out, and every point of both tables comes out
// of one batch inversion. About 5,600 field multiplications in all.

namespace tablegen {

__extension__ using u128 = unsigned __int128;

// table_fe: radix 2^51 like f::tight, every limb < 2^51 + 2^15 after each
// operation (products and sums carried at once).
struct table_fe {
  std::uint64_t l0, l1, l2, l3, l4;
};

constexpr table_fe from_field(const f::tight& a) noexcept { return {a.v[0], a.v[1], a.v[2], a.v[3], a.v[4]}; }

// carry5: five sums (each < 2^63) to limbs < 2^51 + 2^15 (top carry folded
// times 19).
constexpr table_fe carry5(std::uint64_t a0, std::uint64_t a1, std::uint64_t a2, std::uint64_t a3,
                          std::uint64_t a4) noexcept {
  a1 += a0 >> 51;
  a2 += a1 >> 51;
  a3 += a2 >> 51;
  a4 += a3 >> 51;
  a0 = (a0 & f::mask51) + 19 * (a4 >> 51);
  return {a0 & f::mask51, (a1 & f::mask51) + (a0 >> 51), a2 & f::mask51, a3 & f::mask51, a4 & f::mask51};
}

constexpr table_fe add(const table_fe& a, const table_fe& b) noexcept {
  return carry5(a.l0 + b.l0, a.l1 + b.l1, a.l2 + b.l2, a.l3 + b.l3, a.l4 + b.l4);
}
// sub: a + 2p - b (2p's limbs exceed any limb of b).
constexpr table_fe sub(const table_fe& a, const table_fe& b) noexcept {
  return carry5(a.l0 + 0xfffffffffffdaULL - b.l0, a.l1 + 0xffffffffffffeULL - b.l1, a.l2 + 0xffffffffffffeULL - b.l2,
                a.l3 + 0xffffffffffffeULL - b.l3, a.l4 + 0xffffffffffffeULL - b.l4);
}

constexpr table_fe carry_wide(u128 t0, u128 t1, u128 t2, u128 t3, u128 t4) noexcept {
  t1 += static_cast<std::uint64_t>(t0 >> 51);
  t2 += static_cast<std::uint64_t>(t1 >> 51);
  t3 += static_cast<std::uint64_t>(t2 >> 51);
  t4 += static_cast<std::uint64_t>(t3 >> 51);
  const std::uint64_t r0 = (static_cast<std::uint64_t>(t0) & f::mask51) + 19 * static_cast<std::uint64_t>(t4 >> 51);
  return {r0 & f::mask51, (static_cast<std::uint64_t>(t1) & f::mask51) + (r0 >> 51),
          static_cast<std::uint64_t>(t2) & f::mask51, static_cast<std::uint64_t>(t3) & f::mask51,
          static_cast<std::uint64_t>(t4) & f::mask51};
}

constexpr table_fe mul(const table_fe& a, const table_fe& b) noexcept {
  const std::uint64_t b1 = 19 * b.l1, b2 = 19 * b.l2, b3 = 19 * b.l3, b4 = 19 * b.l4;
  return carry_wide(
      u128{a.l0} * b.l0 + u128{a.l1} * b4 + u128{a.l2} * b3 + u128{a.l3} * b2 + u128{a.l4} * b1,
      u128{a.l0} * b.l1 + u128{a.l1} * b.l0 + u128{a.l2} * b4 + u128{a.l3} * b3 + u128{a.l4} * b2,
      u128{a.l0} * b.l2 + u128{a.l1} * b.l1 + u128{a.l2} * b.l0 + u128{a.l3} * b4 + u128{a.l4} * b3,
      u128{a.l0} * b.l3 + u128{a.l1} * b.l2 + u128{a.l2} * b.l1 + u128{a.l3} * b.l0 + u128{a.l4} * b4,
      u128{a.l0} * b.l4 + u128{a.l1} * b.l3 + u128{a.l2} * b.l2 + u128{a.l3} * b.l1 + u128{a.l4} * b.l0);
}

constexpr table_fe square(const table_fe& a) noexcept {
  const std::uint64_t d0 = 2 * a.l0, d1 = 2 * a.l1, d2 = 2 * a.l2, d3 = 2 * a.l3;
  const std::uint64_t a3 = 19 * a.l3, a4 = 19 * a.l4;
  return carry_wide(u128{a.l0} * a.l0 + u128{d1} * a4 + u128{d2} * a3,
                    u128{d0} * a.l1 + u128{d2} * a4 + u128{a.l3} * a3,
                    u128{d0} * a.l2 + u128{a.l1} * a.l1 + u128{d3} * a4,
                    u128{d0} * a.l3 + u128{d1} * a.l2 + u128{a.l4} * a4,
                    u128{d0} * a.l4 + u128{d1} * a.l3 + u128{a.l2} * a.l2);
}

constexpr table_fe square_n(table_fe a, int n) noexcept {
  for (int i = 0; i < n; ++i) a = square(a);
  return a;
}

// invert: a^(p-2), the addition chain of f::invert.
constexpr table_fe invert(const table_fe& a) noexcept {
  const table_fe a2 = square(a);
  const table_fe a9 = mul(square_n(a2, 2), a);
  const table_fe a11 = mul(a9, a2);
  const table_fe e5 = mul(square(a11), a9);
  const table_fe e10 = mul(square_n(e5, 5), e5);
  const table_fe e20 = mul(square_n(e10, 10), e10);
  const table_fe e40 = mul(square_n(e20, 20), e20);
  const table_fe e50 = mul(square_n(e40, 10), e10);
  const table_fe e100 = mul(square_n(e50, 50), e50);
  const table_fe e200 = mul(square_n(e100, 100), e100);
  const table_fe e250 = mul(square_n(e200, 50), e50);
  return mul(square_n(e250, 5), a11);
}

// canonical: the f::tight with the value in [0, p) (as f::reduce_full).
constexpr f::tight canonical(const table_fe& a) noexcept {
  table_fe h = carry5(a.l0, a.l1, a.l2, a.l3, a.l4);  // limbs < 2^51 + 2^15, value < 2^255 + 2^220
  h = carry5(h.l0, h.l1, h.l2, h.l3, h.l4);
  std::uint64_t q = (h.l0 + 19) >> 51;
  q = (h.l1 + q) >> 51;
  q = (h.l2 + q) >> 51;
  q = (h.l3 + q) >> 51;
  q = (h.l4 + q) >> 51;  // 1 iff value >= p
  std::uint64_t r0 = h.l0 + 19 * q, r1 = h.l1, r2 = h.l2, r3 = h.l3, r4 = h.l4;
  r1 += r0 >> 51;
  r2 += r1 >> 51;
  r3 += r2 >> 51;
  r4 += r3 >> 51;
  return f::tight{{r0 & f::mask51, r1 & f::mask51, r2 & f::mask51, r3 & f::mask51, r4 & f::mask51}};
}

// ext: extended coordinates (X : Y : Z : T), as p3.
struct ext {
  table_fe x, y, z, t;
};
// addend: a point prepared for add, (Y+X, Y-X, Z, 2d·T), as cached.
struct addend {
  table_fe ypx, ymx, z, t2d;
};

// from_completed: (e, h, g, f) of the HWCD formulas to extended coordinates
// (X = e·f, Y = h·g, Z = g·f, T = e·h); T is skipped when only a doubling
// follows.
constexpr ext from_completed(const table_fe& e, const table_fe& h, const table_fe& g, const table_fe& fc,
                             bool with_t) noexcept {
  return {mul(e, fc), mul(h, g), mul(g, fc), with_t ? mul(e, h) : table_fe{}};
}

// dbl: 2·P, the formulas of ed25519::dbl (T of P unused).
constexpr ext dbl(const ext& p, bool with_t = true) noexcept {
  const table_fe xx = square(p.x), yy = square(p.y), zz = square(p.z);
  const table_fe h = add(yy, xx), g = sub(yy, xx);
  return from_completed(sub(square(add(p.x, p.y)), h), h, g, sub(add(zz, zz), g), with_t);
}

constexpr addend to_addend(const ext& p, const table_fe& d2) noexcept {
  return {add(p.y, p.x), sub(p.y, p.x), p.z, mul(p.t, d2)};
}

// add: P + Q, the formulas of ed25519::add.
constexpr ext add(const ext& p, const addend& q) noexcept {
  const table_fe a = mul(sub(p.y, p.x), q.ymx);
  const table_fe b = mul(add(p.y, p.x), q.ypx);
  const table_fe c = mul(p.t, q.t2d);
  const table_fe zz = mul(p.z, q.z);
  const table_fe d = add(zz, zz);
  return from_completed(sub(b, a), add(b, a), add(d, c), sub(d, c), true);
}

// base_tables_t: the comb table (rows first) and the wNAF table.
struct base_tables_t {
  std::array<std::array<niels, 8>, 32> comb;
  std::array<niels, 64> naf;
};

// build: all 320 points projective (comb row i: P = 256^i·B, then 2P, 3P =
// 2P + P, 4P = 2·2P, 5P = 4P + P, 6P = 2·3P, 7P = 6P + P, 8P = 2·4P, and
// 256P = 2^5·8P starts row i + 1; wNAF: B, then + 2B 63 times), then affine
// with one inversion (Montgomery's trick), then niels form, canonical.
constexpr base_tables_t build() noexcept {
  constexpr std::size_t n = 32 * 8 + 64;
  const table_fe d2 = from_field(curve_2d);
  const ext b{from_field(base_point.x), from_field(base_point.y), from_field(base_point.z),
              from_field(base_point.t)};
  ext pts[n]{};
  ext p = b;
  for (std::size_t i = 0; i < 32; ++i) {
    ext* m = pts + 8 * i;
    const addend pa = to_addend(p, d2);
    m[0] = p;
    m[1] = dbl(p);
    m[2] = add(m[1], pa);
    m[3] = dbl(m[1]);
    m[4] = add(m[3], pa);
    m[5] = dbl(m[2]);
    m[6] = add(m[5], pa);
    m[7] = dbl(m[3], i != 31);
    if (i != 31) {
      p = dbl(m[7], false);
      for (int k = 0; k < 3; ++k) p = dbl(p, false);
      p = dbl(p);
    }
  }
  pts[256] = b;
  const addend b2 = to_addend(dbl(b), d2);
  for (std::size_t j = 257; j < n; ++j) pts[j] = add(pts[j - 1], b2);

  table_fe prefix[n]{};  // prefix[i] = z0·...·zi
  prefix[0] = pts[0].z;
  for (std::size_t i = 1; i < n; ++i) prefix[i] = mul(prefix[i - 1], pts[i].z);
  table_fe inv = invert(prefix[n - 1]);
  base_tables_t out{};
  for (std::size_t i = n; i-- > 0;) {
    const table_fe zinv = i == 0 ? inv : mul(inv, prefix[i - 1]);
    if (i != 0) inv = mul(inv, pts[i].z);
    const table_fe x = mul(pts[i].x, zinv), y = mul(pts[i].y, zinv);
    const niels v{canonical(add(y, x)), canonical(sub(y, x)), canonical(mul(mul(x, y), d2))};
    if (i < 256) out.comb[i / 8][i % 8] = v;
    else out.naf[i - 256] = v;
  }
  return out;
}

}  // namespace tablegen

inline constexpr tablegen::base_tables_t base_tables = tablegen::build();

using comb_table_t = std::array<std::array<niels, 8>, 32>;

// comb_table[i][j] = (j+1)·256^i·B, affine, niels form, canonical limbs.
inline constexpr const comb_table_t& comb_table = base_tables.comb;

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

// wnaf_each_vartime: the non-zero digits of wnaf_vartime (below), without
// the array: calls f(i, d_i) for each, lowest position first (i <= 256).
// The remaining value is x >> pos; a negative digit adds 2^(pos + W) to x
// (its carry, propagated at once). Zero digits are skipped a word at a time
// (count of trailing zeros), not bit by bit: verify_batch takes about 70
// digits per signature this way, straight into its lists.
template <unsigned W, class F>
constexpr void wnaf_each_vartime(std::span<const std::uint8_t, 32> a, F&& f) noexcept {
  static_assert(W >= 2 && W <= 8);
  std::array<std::uint64_t, 6> x{};
  for (std::size_t i = 0; i < 32; ++i) x[i / 8] |= std::uint64_t{a[i]} << (8 * (i % 8));
  constexpr std::uint64_t width = std::uint64_t{1} << W;
  std::size_t pos = 0;
  while (true) {
    std::size_t word = pos / 64;
    const std::uint64_t rest = word < 5 ? x[word] >> (pos % 64) : 0;
    if (rest == 0) {
      do ++word;
      while (word < 5 && x[word] == 0);
      if (word == 5) return;
      pos = 64 * word + static_cast<std::size_t>(std::countr_zero(x[word]));
    } else {
      pos += static_cast<std::size_t>(std::countr_zero(rest));
    }
    word = pos / 64;
    const std::size_t bit = pos % 64;
    std::uint64_t window = x[word] >> bit;
    if (bit + W > 64) window |= x[word + 1] << (64 - bit);
    window &= width - 1;  // odd: bit pos of x is set
    if (window < width / 2) {
      f(pos, static_cast<std::int8_t>(window));
    } else {
      f(pos, static_cast<std::int8_t>(static_cast<int>(window) - static_cast<int>(width)));
      std::uint64_t inc = std::uint64_t{1} << ((pos + W) % 64);
      for (std::size_t k = (pos + W) / 64; k < 5; ++k) {
        x[k] += inc;
        if (x[k] >= inc) break;  // no carry out of this word
        inc = 1;
      }
    }
    pos += W;
  }
}

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
  std::size_t bits = 0;  // the bit length of a: past it only a carry makes a digit
  for (std::size_t w = 4; w-- > 0;)
    if (x[w] != 0) {
      bits = 64 * w;
      for (std::uint64_t top = x[w]; top != 0; top >>= 1) ++bits;
      break;
    }
  while (pos < naf_size && (pos < bits || carry != 0)) {  // a < 2^256: the last digit sits at position <= 256
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

// odd_multiples_into: odd_multiples written to t (the MULX/ADX kernel's
// builds the table in place).
template <std::size_t N>
constexpr void odd_multiples_into(const p3& p, std::span<cached, N> t) noexcept {
  const std::array<cached, N> m = odd_multiples<N>(p);
  for (std::size_t i = 0; i < N; ++i) t[i] = m[i];
}

// base_naf_table: 1·B, 3·B, ..., 127·B, affine, niels form, canonical limbs
// (width-8 wNAF of the B scalar).
inline constexpr const std::array<niels, 64>& base_naf_table = base_tables.naf;
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

// straus_dbl_vartime / straus_add_vartime: one step of a multi-scalar
// multiplication on a p1p1 accumulator (each conversion made only when its
// operation needs it): r = 2·r, and r = r - q if neg, else r + q. The
// MULX/ADX kernel's work in place. Public inputs only.
constexpr void straus_dbl_vartime(p1p1& r) noexcept { r = dbl(to_p2(r)); }
constexpr void straus_add_vartime(p1p1& r, const cached& q, bool neg) noexcept {
  r = neg ? sub(to_p3(r), q) : add(to_p3(r), q);
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
