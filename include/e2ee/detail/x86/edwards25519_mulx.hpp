// e2ee/detail/x86/edwards25519_mulx.hpp — the edwards25519 group operations of
// ec/edwards25519.hpp on the 4x64 MULX/ADX field (field25519_mulx.hpp).
// Internal; ec/edwards25519_kernels.hpp, ec/ed25519.hpp and ec/xeddsa.hpp
// dispatch here at run time when the CPU has BMI2 and ADX.
//
// Same formulas, same names and same point types (p3, p2, p1p1, cached,
// niels) as the portable detail::ed25519, with fe64 coordinates: code that
// calls the group operations unqualified (argument-dependent lookup) is
// written once for both (the verification templates in ec/ed25519.hpp take
// the namespace's `group` traits). The portable code stays as it is because
// it must be constexpr (RFC 8032 TEST 1 is a static_assert); this one cannot
// be (inline asm).
//
// Tables: the compile-time comb table and the wNAF table of B are the
// portable ones (computed once, with canonical limbs) packed into 4x64 limbs
// by the compiler, so nothing is computed at run time and there is no
// initialisation guard; the packing is a few thousand shifts.
//
// Constant time: scalarmult_base selects comb entries by mask over a whole
// row and negates by mask; every function ending in _vartime, and decode,
// is for public inputs only.
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../../core/cpu.hpp"
#include "../../core/ct.hpp"
#include "../../core/secret.hpp"
#include "../../ec/edwards25519.hpp"
#include "../../ec/field25519.hpp"
#include "../../ec/scalar25519.hpp"
#include "field25519_mulx.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail::ed25519_mulx {

namespace fm = detail::f25519_mulx;
namespace pg = detail::ed25519;
using fm::fe64;

inline constexpr fe64 curve_d = fm::from_portable(pg::curve_d);
inline constexpr fe64 curve_2d = fm::from_portable(pg::curve_2d);

struct p3 {
  fe64 x, y, z, t;
};
struct p2 {
  fe64 x, y, z;
};
struct p1p1 {
  fe64 x, y, z, t;
};
struct cached {
  fe64 y_plus_x, y_minus_x, z, t2d;
};
struct niels {
  fe64 y_plus_x, y_minus_x, xy2d;
};

inline constexpr p3 identity{fm::zero, fm::one, fm::one, fm::zero};
inline constexpr niels niels_identity{fm::one, fm::one, fm::zero};

// from_portable / to_portable: the same point in the other representation.
constexpr p3 from_portable(const pg::p3& p) noexcept {
  return {fm::from_portable(p.x), fm::from_portable(p.y), fm::from_portable(p.z), fm::from_portable(p.t)};
}
inline pg::p3 to_portable(const p3& p) noexcept {
  return {fm::to_f25519(p.x), fm::to_f25519(p.y), fm::to_f25519(p.z), fm::to_f25519(p.t)};
}
constexpr niels from_portable(const pg::niels& n) noexcept {
  return {fm::from_portable(n.y_plus_x), fm::from_portable(n.y_minus_x), fm::from_portable(n.xy2d)};
}

inline constexpr p3 base_point = from_portable(pg::base_point);

#define E2EE_ED_MULX [[gnu::target("bmi2,adx"), gnu::flatten]]

E2EE_ED_MULX inline p2 to_p2(const p3& p) noexcept { return {p.x, p.y, p.z}; }
E2EE_ED_MULX inline p2 to_p2(const p1p1& p) noexcept {
  p2 r;
  fm::mul(r.x, p.x, p.t);
  fm::mul(r.y, p.y, p.z);
  fm::mul(r.z, p.z, p.t);
  return r;
}
E2EE_ED_MULX inline p3 to_p3(const p1p1& p) noexcept {
  p3 r;
  fm::mul(r.x, p.x, p.t);
  fm::mul(r.y, p.y, p.z);
  fm::mul(r.z, p.z, p.t);
  fm::mul(r.t, p.x, p.y);
  return r;
}
E2EE_ED_MULX inline cached to_cached(const p3& p) noexcept {
  cached r;
  fm::add(r.y_plus_x, p.y, p.x);
  fm::sub(r.y_minus_x, p.y, p.x);
  r.z = p.z;
  fm::mul(r.t2d, p.t, curve_2d);
  return r;
}
// neg: -P = (-X, Y, Z, -T).
E2EE_ED_MULX inline p3 neg(const p3& p) noexcept {
  p3 r = p;
  fm::neg(r.x, p.x);
  fm::neg(r.t, p.t);
  return r;
}

// dbl: 2·P as p1p1 (dbl-2008-hwcd, a = -1), as the portable dbl.
E2EE_ED_MULX inline p1p1 dbl(const p2& p) noexcept {
  fe64 xx, yy, zz2, sum;
  fm::sqr(xx, p.x);
  fm::sqr(yy, p.y);
  fm::sqr(zz2, p.z);
  fm::add(sum, p.x, p.y);
  fm::sqr(sum, sum);
  fm::add(zz2, zz2, zz2);
  p1p1 r;
  fm::add(r.y, yy, xx);
  fm::sub(r.z, yy, xx);
  fm::sub(r.x, sum, r.y);
  fm::sub(r.t, zz2, r.z);
  return r;
}

// add / sub: P ± Q for a cached Q (add-2008-hwcd-3, unified), as p1p1.
template <bool Negate>
E2EE_ED_MULX inline p1p1 add_impl(const p3& p, const cached& q) noexcept {
  const fe64& qp = Negate ? q.y_minus_x : q.y_plus_x;
  const fe64& qm = Negate ? q.y_plus_x : q.y_minus_x;
  fe64 a, b, c, d;
  fm::sub(a, p.y, p.x);
  fm::add(b, p.y, p.x);
  fm::mul(a, a, qm);
  fm::mul(b, b, qp);
  fm::mul(c, p.t, q.t2d);
  fm::mul(d, p.z, q.z);
  fm::add(d, d, d);
  p1p1 r;
  fm::sub(r.x, b, a);
  fm::add(r.y, b, a);
  if constexpr (Negate) {
    fm::sub(r.z, d, c);
    fm::add(r.t, d, c);
  } else {
    fm::add(r.z, d, c);
    fm::sub(r.t, d, c);
  }
  return r;
}
E2EE_ED_MULX inline p1p1 add(const p3& p, const cached& q) noexcept { return add_impl<false>(p, q); }
E2EE_ED_MULX inline p1p1 sub(const p3& p, const cached& q) noexcept { return add_impl<true>(p, q); }

// madd / msub: P ± Q for an affine Q in niels form.
template <bool Negate>
E2EE_ED_MULX inline p1p1 madd_impl(const p3& p, const niels& q) noexcept {
  const fe64& qp = Negate ? q.y_minus_x : q.y_plus_x;
  const fe64& qm = Negate ? q.y_plus_x : q.y_minus_x;
  fe64 a, b, c, d;
  fm::sub(a, p.y, p.x);
  fm::add(b, p.y, p.x);
  fm::mul(a, a, qm);
  fm::mul(b, b, qp);
  fm::mul(c, p.t, q.xy2d);
  fm::add(d, p.z, p.z);
  p1p1 r;
  fm::sub(r.x, b, a);
  fm::add(r.y, b, a);
  if constexpr (Negate) {
    fm::sub(r.z, d, c);
    fm::add(r.t, d, c);
  } else {
    fm::add(r.z, d, c);
    fm::sub(r.t, d, c);
  }
  return r;
}
E2EE_ED_MULX inline p1p1 madd(const p3& p, const niels& q) noexcept { return madd_impl<false>(p, q); }
E2EE_ED_MULX inline p1p1 msub(const p3& p, const niels& q) noexcept { return madd_impl<true>(p, q); }

E2EE_ED_MULX inline p3 dbl3(const p3& p) noexcept { return to_p3(dbl(to_p2(p))); }

// cmov / cneg of a niels point by mask.
inline void cmov(niels& a, const niels& b, ct::mask<std::uint64_t> m) noexcept {
  fm::cmov(a.y_plus_x, b.y_plus_x, m);
  fm::cmov(a.y_minus_x, b.y_minus_x, m);
  fm::cmov(a.xy2d, b.xy2d, m);
}
E2EE_ED_MULX inline void cneg(niels& a, ct::mask<std::uint64_t> m) noexcept {
  fm::cswap(a.y_plus_x, a.y_minus_x, m);
  fm::cneg(a.xy2d, m);
}

// encode: RFC 8032 5.1.2 (y with the sign of x in bit 255). Constant time.
E2EE_ED_MULX inline std::array<std::uint8_t, 32> encode(const p3& p) noexcept {
  fe64 zinv, x, y;
  fm::invert(zinv, p.z);
  fm::mul(x, p.x, zinv);
  fm::mul(y, p.y, zinv);
  auto out = fm::to_bytes(y);
  out[31] = static_cast<std::uint8_t>(out[31] | (fm::is_negative(x) << 7));
  e2ee::secure_wipe(&zinv, sizeof zinv);
  e2ee::secure_wipe(&x, sizeof x);
  e2ee::secure_wipe(&y, sizeof y);
  return out;
}

// montgomery_u: the X25519 u = (Z + Y)/(Z - Y) of P (RFC 7748 4.1), 0 when
// Z = Y (the identity). Constant time.
E2EE_ED_MULX inline std::array<std::uint8_t, 32> montgomery_u(const p3& p) noexcept {
  fe64 num, den;
  fm::add(num, p.z, p.y);
  fm::sub(den, p.z, p.y);
  fm::invert(den, den);
  fm::mul(num, num, den);
  const auto out = fm::to_bytes(num);
  e2ee::secure_wipe(&num, sizeof num);
  e2ee::secure_wipe(&den, sizeof den);
  return out;
}

// decode_point_vartime: (x, y) with x of sign `sign` for a field element y
// (ref10's ge_frombytes): false if (y^2 - 1)/(d·y^2 + 1) is not a square.
// With `strict`, x = 0 with sign 1 is rejected (RFC 8032 5.1.3); without,
// it gives x = 0. The caller checks y's canonical encoding if it needs to.
E2EE_ED_MULX inline bool decode_point_vartime(const fe64& y, std::uint64_t sign, bool strict, p3& out) noexcept {
  fe64 yy, u, v, x;
  fm::sqr(yy, y);
  fm::sub(u, yy, fm::one);
  fm::mul(v, yy, curve_d);
  fm::add(v, v, fm::one);  // never 0: d is not a square
  if (!fm::sqrt_ratio(u, v, x).declassify()) return false;
  if (strict && sign == 1 && fm::is_zero_mask(x).declassify()) return false;
  fm::cneg(x, ct::mask<std::uint64_t>::from_bit(sign));  // the root is non-negative
  out.x = x;
  out.y = y;
  out.z = fm::one;
  fm::mul(out.t, x, y);
  return true;
}

// decode_vartime: RFC 8032 5.1.3, strict, as pg::decode_vartime.
E2EE_ED_MULX inline bool decode_vartime(std::span<const std::uint8_t, 32> s, p3& out) noexcept {
  if (!f25519::is_canonical(s)) return false;
  return decode_point_vartime(fm::from_bytes(s), std::uint64_t{s[31]} >> 7, true, out);
}

// decode_xn_vartime: decode_vartime of N encodings at once (the A and R of
// N/2 signatures in verify_batch, N = 8), the N square roots interleaved
// (sqrt_ratio_xn): more of the squarings overlap than with two (about 6%
// off a batch). ok[i] is the verdict of s[i].
template <std::size_t N>
E2EE_ED_MULX inline void decode_xn_vartime(const std::array<std::span<const std::uint8_t, 32>, N>& s,
                                           std::array<p3, N>& out, std::array<bool, N>& ok) noexcept {
  fm::fe64xn<N> y, u, v, x;
  for (std::size_t i = 0; i < N; ++i) {
    y[i] = fm::from_bytes(s[i]);
    fm::sqr(u[i], y[i]);
    fm::mul(v[i], u[i], curve_d);
    fm::add(v[i], v[i], fm::one);  // d·y^2 + 1, never 0
    fm::sub(u[i], u[i], fm::one);  // y^2 - 1
  }
  fm::sqrt_ratio_xn(u, v, x, ok);
  for (std::size_t i = 0; i < N; ++i) {
    const std::uint64_t sign = std::uint64_t{s[i][31]} >> 7;
    ok[i] = ok[i] && f25519::is_canonical(s[i]) && !(sign == 1 && fm::is_zero_mask(x[i]).declassify());
    if (!ok[i]) continue;
    fm::cneg(x[i], ct::mask<std::uint64_t>::from_bit(sign));
    out[i].x = x[i];
    out[i].y = y[i];
    out[i].z = fm::one;
    fm::mul(out[i].t, x[i], y[i]);
  }
}

// decode2_vartime: decode_xn_vartime of the two encodings of verification
// (A and R): the two square roots run interleaved, about the time of one
// and a half. ok_a / ok_b are the two verdicts; a and b are written only
// when theirs is true.
E2EE_ED_MULX inline void decode2_vartime(std::span<const std::uint8_t, 32> sa, std::span<const std::uint8_t, 32> sb,
                                         p3& a, p3& b, bool& ok_a, bool& ok_b) noexcept {
  std::array<p3, 2> out;
  std::array<bool, 2> ok{};
  decode_xn_vartime<2>({sa, sb}, out, ok);
  ok_a = ok[0];
  ok_b = ok[1];
  if (ok_a) a = out[0];
  if (ok_b) b = out[1];
}


// sqrt_ratio_setup / sqrt_ratio_finish_vartime: fm::sqrt_ratio split around
// its exponentiation, so that callers can run several exponentiations at
// once (fm::pow22523_xn) and finish each: setup gives v^3 and the base
// u·v^7; finish takes w = base^((p-5)/8) and returns the verdict and the
// non-negative root x of u/v (as fm::sqrt_ratio). Public inputs only.
E2EE_ED_MULX inline void sqrt_ratio_setup(const fe64& u, const fe64& v, fe64& v3, fe64& base) noexcept {
  fe64 v7;
  fm::sqr(v3, v);
  fm::mul(v3, v3, v);  // v^3
  fm::sqr(v7, v3);
  fm::mul(v7, v7, v);  // v^7
  fm::mul(base, u, v7);
}
E2EE_ED_MULX inline bool sqrt_ratio_finish_vartime(const fe64& u, const fe64& v, const fe64& v3, const fe64& w,
                                                   fe64& x) noexcept {
  fe64 vx2, nu, t;
  fm::mul(x, u, v3);
  fm::mul(x, x, w);
  fm::sqr(vx2, x);
  fm::mul(vx2, vx2, v);
  const bool ok_plain = fm::equal_mask(vx2, u).declassify();
  fm::neg(nu, u);
  const bool ok_flip = fm::equal_mask(vx2, nu).declassify();
  if (ok_flip) {
    fm::mul(t, x, fm::sqrt_m1);
    x = t;
  }
  if (fm::is_negative(x) != 0) fm::neg(x, x);
  return ok_plain || ok_flip;
}

// equals_affine_vartime: P = (x, y), i.e. X = x·Z and Y = y·Z.
E2EE_ED_MULX inline bool equals_affine_vartime(const p3& p, const fe64& x, const fe64& y) noexcept {
  fe64 xz, yz;
  fm::mul(xz, x, p.z);
  fm::mul(yz, y, p.z);
  return fm::equal_mask(xz, p.x).declassify() && fm::equal_mask(yz, p.y).declassify();
}

// is_identity_vartime: X = 0 and Y = Z.
E2EE_ED_MULX inline bool is_identity_vartime(const p3& p) noexcept {
  return fm::is_zero_mask(p.x).declassify() && fm::equal_mask(p.y, p.z).declassify();
}

// mul_by_cofactor: 8·P.
E2EE_ED_MULX inline p3 mul_by_cofactor(const p3& p) noexcept {
  p2 q = to_p2(dbl(to_p2(p)));
  q = to_p2(dbl(q));
  return to_p3(dbl(q));
}

// ---- tables: the portable compile-time tables in 4x64 limbs ----

using comb_table_t = std::array<std::array<niels, 8>, 32>;

// The tables of ec/edwards25519.hpp (computed there once, canonical limbs)
// packed into 4x64 limbs: shifts only, since canonical limbs are < 2^51.
namespace tablegen {
constexpr fe64 pack(const pg::f::tight& a) noexcept {
  const std::uint64_t l0 = a.v[0], l1 = a.v[1], l2 = a.v[2], l3 = a.v[3], l4 = a.v[4];
  return fe64{{l0 | (l1 << 51), (l1 >> 13) | (l2 << 38), (l2 >> 26) | (l3 << 25), (l3 >> 39) | (l4 << 12)}};
}
constexpr niels pack(const pg::niels& n) noexcept { return {pack(n.y_plus_x), pack(n.y_minus_x), pack(n.xy2d)}; }

struct base_tables_t {
  comb_table_t comb;
  std::array<niels, 64> naf;
};
constexpr base_tables_t pack_tables() noexcept {
  base_tables_t t{};
  for (std::size_t i = 0; i < 32; ++i)
    for (std::size_t j = 0; j < 8; ++j) t.comb[i][j] = pack(pg::comb_table[i][j]);
  for (std::size_t j = 0; j < 64; ++j) t.naf[j] = pack(pg::base_naf_table[j]);
  return t;
}
}  // namespace tablegen

inline constexpr tablegen::base_tables_t base_tables = tablegen::pack_tables();
inline constexpr const comb_table_t& comb_table = base_tables.comb;
inline constexpr const std::array<niels, 64>& base_naf_table = base_tables.naf;

// ---- constant-time fixed-base multiplication (secret scalars) ----

// select: digit·P from a comb row for a secret digit in [-8, 8]: all eight
// entries read; exactly one of the nine masks (identity, 1..8) is set, so the
// result is the OR of every entry ANDed with its mask (the masks pass through
// ct::value_barrier once each, not once per word); the sign is applied by
// mask.
inline niels select(const std::array<niels, 8>& t, std::int8_t digit) noexcept {
  std::uint64_t negative = 0, magnitude = 0;
  pg::digit_sign_magnitude(digit, negative, magnitude);
  const std::uint64_t m0 = ct::mask<std::uint64_t>::is_zero(magnitude).value();
  niels r{};
  r.y_plus_x.v[0] = m0 & 1u;  // the identity (1, 1, 0) if digit = 0
  r.y_minus_x.v[0] = m0 & 1u;
  for (std::size_t j = 0; j < 8; ++j) {
    const std::uint64_t m = ct::mask<std::uint64_t>::equal(magnitude, j + 1).value();
    for (std::size_t k = 0; k < 4; ++k) {
      r.y_plus_x.v[k] |= t[j].y_plus_x.v[k] & m;
      r.y_minus_x.v[k] |= t[j].y_minus_x.v[k] & m;
      r.xy2d.v[k] |= t[j].xy2d.v[k] & m;
    }
  }
  cneg(r, ct::mask<std::uint64_t>::from_bit(negative));
  return r;
}

// select_avx2: |digit|·P from a comb row with 256-bit vectors (a niels
// entry is three of them), with y+x and y-x exchanged when the digit is
// negative; returns the sign as a mask (all ones if negative). The
// magnitude is broadcast once, each entry's mask is one vector compare, and
// the entry is ANDed with it and ORed in: every entry read, no branch on the
// digit. The caller applies the rest of the sign (-xy2d) to the addition's
// result instead (madd_to_p3). Written with the compilers' vector
// extensions, so no intrinsics header is needed; the vector work runs on the
// FP ports, beside the MULX/ADX chain of the additions.
namespace vec {
typedef std::uint64_t u64x4 __attribute__((vector_size(32)));
}  // namespace vec
[[gnu::target("avx2")]] inline std::uint64_t select_avx2(niels& out, const std::array<niels, 8>& t,
                                                         std::int8_t digit) noexcept {
  using vec::u64x4;
  std::uint64_t negative = 0, magnitude = 0;
  pg::digit_sign_magnitude(digit, negative, magnitude);
  u64x4 mag{magnitude, magnitude, magnitude, magnitude};
  __asm__("" : "+x"(mag));  // value barrier: the compares below stay masks
  const u64x4 id{1, 0, 0, 0};
  const u64x4 m0 = reinterpret_cast<u64x4>(mag == u64x4{0, 0, 0, 0});
  u64x4 yp = id & m0, ym = id & m0, xy{0, 0, 0, 0};
  for (std::size_t j = 0; j < 8; ++j) {
    const std::uint64_t k = j + 1;
    const u64x4 m = reinterpret_cast<u64x4>(mag == u64x4{k, k, k, k});
    u64x4 a, b, c;
    __builtin_memcpy(&a, t[j].y_plus_x.v.data(), 32);
    __builtin_memcpy(&b, t[j].y_minus_x.v.data(), 32);
    __builtin_memcpy(&c, t[j].xy2d.v.data(), 32);
    yp |= a & m;
    ym |= b & m;
    xy |= c & m;
  }
  const std::uint64_t nm = 0 - negative;
  u64x4 neg{nm, nm, nm, nm};
  __asm__("" : "+x"(neg));
  const u64x4 sw = (yp ^ ym) & neg;
  yp ^= sw;
  ym ^= sw;
  __builtin_memcpy(out.y_plus_x.v.data(), &yp, 32);
  __builtin_memcpy(out.y_minus_x.v.data(), &ym, 32);
  __builtin_memcpy(out.xy2d.v.data(), &xy, 32);
  return nm;
}

// ---- the comb step: madd and to_p3 in one asm block ----

// comb_state: the comb's accumulator, the selected entry, the sign mask and
// the step's temporaries in one block, so that the asm step takes a single
// pointer (it then fits at -O0 beside its 11 scratch registers). The
// offsets are the ones madd_to_p3 names.
struct comb_state {
  p3 acc;                            // 0: X, Y, Z, T
  niels q;                           // 128: y+x, y-x, xy2d (y+x, y-x exchanged by select_avx2)
  std::uint64_t swap_zt;             // 224: all ones: exchange Z and T of the sum
  std::array<std::uint64_t, 3> pad;  // 232
  std::array<fe64, 8> tmp;           // 256: A, B, C, D, then the sum's X, Y, Z, T
};
static_assert(offsetof(comb_state, swap_zt) == 224 && offsetof(comb_state, tmp) == 256 && sizeof(comb_state) == 512);

#if defined(__SANITIZE_ADDRESS__)
#define E2EE_ED_X_COMB_ASM 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define E2EE_ED_X_COMB_ASM 0
#endif
#endif
#if !defined(E2EE_ED_X_COMB_ASM)
#define E2EE_ED_X_COMB_ASM 1
#endif

// madd_to_p3: s.acc = to_p3(madd(s.acc, s.q)) (3M, then 4M), with Z and T
// of the sum exchanged when s.swap_zt is all ones. That applies the rest of
// the AVX2 selection's sign: for a negative digit select_avx2 leaves
// Q' = (y-x, y+x, xy2d) of Q, and P - Q is madd's formula on Q' with
// C = T·xy2d negated, which is Z = D - C and T = D + C: madd(P, Q') with Z
// and T exchanged (equal modulo p to madd of -Q; the limbs may differ).
// swap_zt is 0 for the scalar selection, which negates the entry itself. One asm block from field25519_mulx.hpp's
// text: with one block per operation the compiler reloaded the operand
// pointers, zeroed the p1p1 and p3 results with rep stos and moved the
// exchange through vector registers, about a third of the comb's time
// (Zen 5, GCC 12, 2026-11). The exchange is by mask: no branch, no
// secret-dependent address. AddressSanitizer builds (whose instrumentation
// does not leave the named registers free) run the group functions instead.
E2EE_ED_MULX inline void madd_to_p3(comb_state& s) noexcept {
#if E2EE_ED_X_COMB_ASM
#define E2EE_ED_X_S(off) #off "(%0)"
#define E2EE_ED_X_SWAP_LIMB(X, Y)                                             \
  "movq " X ", %%r8\n\t"                                                      \
  "movq " Y ", %%r9\n\t"                                                      \
  "movq %%r8, %%r10\n\t"                                                      \
  "xorq %%r9, %%r10\n\t"                                                      \
  "andq %%rax, %%r10\n\t"                                                     \
  "xorq %%r10, %%r8\n\t"                                                      \
  "xorq %%r10, %%r9\n\t"                                                      \
  "movq %%r8, " X "\n\t"                                                      \
  "movq %%r9, " Y "\n\t"
  __asm__ volatile(
      E2EE_F25519_X_SUB(E2EE_ED_X_S(256), E2EE_ED_X_S(32), E2EE_ED_X_S(0))      // A = Y - X
      E2EE_F25519_X_ADD(E2EE_ED_X_S(288), E2EE_ED_X_S(32), E2EE_ED_X_S(0))      // B = Y + X
      E2EE_F25519_X_MUL(E2EE_ED_X_S(256), E2EE_ED_X_S(256), E2EE_ED_X_S(160))   // A = A · (y-x)
      E2EE_F25519_X_MUL(E2EE_ED_X_S(288), E2EE_ED_X_S(288), E2EE_ED_X_S(128))   // B = B · (y+x)
      E2EE_F25519_X_MUL(E2EE_ED_X_S(320), E2EE_ED_X_S(96), E2EE_ED_X_S(192))    // C = T · xy2d
      E2EE_F25519_X_ADD(E2EE_ED_X_S(352), E2EE_ED_X_S(64), E2EE_ED_X_S(64))     // D = 2Z
      E2EE_F25519_X_SUB(E2EE_ED_X_S(384), E2EE_ED_X_S(288), E2EE_ED_X_S(256))   // X' = B - A
      E2EE_F25519_X_ADD(E2EE_ED_X_S(416), E2EE_ED_X_S(288), E2EE_ED_X_S(256))   // Y' = B + A
      E2EE_F25519_X_ADD(E2EE_ED_X_S(448), E2EE_ED_X_S(352), E2EE_ED_X_S(320))   // Z' = D + C
      E2EE_F25519_X_SUB(E2EE_ED_X_S(480), E2EE_ED_X_S(352), E2EE_ED_X_S(320))   // T' = D - C
      "movq 224(%0), %%rax\n\t"
      E2EE_ED_X_SWAP_LIMB("448(%0)", "480(%0)") E2EE_ED_X_SWAP_LIMB("456(%0)", "488(%0)")
      E2EE_ED_X_SWAP_LIMB("464(%0)", "496(%0)") E2EE_ED_X_SWAP_LIMB("472(%0)", "504(%0)")
      E2EE_F25519_X_MUL(E2EE_ED_X_S(0), E2EE_ED_X_S(384), E2EE_ED_X_S(480))     // X = X' · T'
      E2EE_F25519_X_MUL(E2EE_ED_X_S(32), E2EE_ED_X_S(416), E2EE_ED_X_S(448))    // Y = Y' · Z'
      E2EE_F25519_X_MUL(E2EE_ED_X_S(64), E2EE_ED_X_S(448), E2EE_ED_X_S(480))    // Z = Z' · T'
      E2EE_F25519_X_MUL(E2EE_ED_X_S(96), E2EE_ED_X_S(384), E2EE_ED_X_S(416))    // T = X' · Y'
      :
      : "r"(&s)
      : "rax", "rbx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc", "memory");
#undef E2EE_ED_X_SWAP_LIMB
#undef E2EE_ED_X_S
#else
  p1p1 r = madd(s.acc, s.q);
  fm::cswap(r.z, r.t, ct::mask<std::uint64_t>::from_bit(s.swap_zt & 1u));
  s.acc = to_p3(r);
  e2ee::wipe(r);
#endif
}
#undef E2EE_ED_X_COMB_ASM

// comb: a·B for a secret 32-byte scalar a < 2^255, by the comb of
// pg::scalarmult_base (64 masked selections and mixed additions, 4
// doublings), with select or select_avx2. Constant time in a; digits and
// selections wiped. Inlined into the two entry points below, each compiled
// for its instruction set.
template <bool Avx2>
[[gnu::always_inline]] inline p3 comb(std::span<const std::uint8_t, 32> a) noexcept {
  auto e = pg::signed_radix16(a);
  comb_state s;
  s.acc = identity;
  const auto step = [&](std::size_t i) {
    if constexpr (Avx2) {
      s.swap_zt = select_avx2(s.q, comb_table[i / 2], e[i]);
    } else {
      s.q = select(comb_table[i / 2], e[i]);
      s.swap_zt = 0;
    }
    madd_to_p3(s);
  };
  for (std::size_t i = 1; i < 64; i += 2) step(i);
  p2 q = to_p2(dbl(to_p2(s.acc)));
  q = to_p2(dbl(q));
  q = to_p2(dbl(q));
  s.acc = to_p3(dbl(q));
  for (std::size_t i = 0; i < 64; i += 2) step(i);
  const p3 r = s.acc;
  e2ee::wipe(s);
  e2ee::wipe(e);
  e2ee::wipe(q);
  return r;
}
E2EE_ED_MULX inline p3 scalarmult_base_scalar(std::span<const std::uint8_t, 32> a) noexcept { return comb<false>(a); }
[[gnu::target("bmi2,adx,avx2"), gnu::flatten]] inline p3 scalarmult_base_avx2(
    std::span<const std::uint8_t, 32> a) noexcept {
  return comb<true>(a);
}

// scalarmult_base: a·B (see comb); `avx2` (public: the CPU's features)
// picks the AVX2 selections.
inline p3 scalarmult_base(std::span<const std::uint8_t, 32> a, bool avx2 = cpu::features().avx2) noexcept {
  return avx2 ? scalarmult_base_avx2(a) : scalarmult_base_scalar(a);
}

// ---- variable-time multi-scalar multiplication (verification only) ----

// odd_multiples_into: t = 1·P, 3·P, ..., (2N-1)·P as cached points. The
// running sum is updated in place with two temporaries (the operations and
// results of to_p3(add(acc, 2P)) and to_cached), and t is written where it
// lies: no point-sized temporaries to zero and copy.
template <std::size_t N>
E2EE_ED_MULX inline void odd_multiples_into(const p3& p, std::span<cached, N> t) noexcept {
  t[0] = to_cached(p);
  if constexpr (N > 1) {
    const cached p2c = to_cached(dbl3(p));
    p3 acc = p;
    fe64 a, b;
    for (std::size_t j = 1; j < N; ++j) {
      fm::sub(a, acc.y, acc.x);
      fm::add(b, acc.y, acc.x);
      fm::mul(a, a, p2c.y_minus_x);
      fm::mul(b, b, p2c.y_plus_x);
      fm::mul(acc.t, acc.t, p2c.t2d);  // c
      fm::mul(acc.z, acc.z, p2c.z);
      fm::add(acc.z, acc.z, acc.z);  // d
      fm::sub(acc.x, b, a);          // the p1p1 sum: x, y here, z in a, t in b
      fm::add(acc.y, b, a);
      fm::add(a, acc.z, acc.t);
      fm::sub(b, acc.z, acc.t);
      fm::mul(acc.t, acc.x, acc.y);  // to p3
      fm::mul(acc.x, acc.x, b);
      fm::mul(acc.y, acc.y, a);
      fm::mul(acc.z, a, b);
      fm::add(t[j].y_plus_x, acc.y, acc.x);  // to cached
      fm::sub(t[j].y_minus_x, acc.y, acc.x);
      t[j].z = acc.z;
      fm::mul(t[j].t2d, acc.t, curve_2d);
    }
  }
}

// odd_multiples: odd_multiples_into's table as a value.
template <std::size_t N>
E2EE_ED_MULX inline std::array<cached, N> odd_multiples(const p3& p) noexcept {
  std::array<cached, N> t;
  odd_multiples_into(p, std::span(t));
  return t;
}

// add_digit_vartime: acc ± |d|·P from a table of odd multiples (d odd, public).
E2EE_ED_MULX inline p1p1 add_digit_vartime(const p3& acc, const std::array<niels, 64>& t, std::int8_t d) noexcept {
  if (d > 0) return madd(acc, t[static_cast<std::size_t>(d / 2)]);
  return msub(acc, t[static_cast<std::size_t>(-d / 2)]);
}
template <std::size_t N>
E2EE_ED_MULX inline p1p1 add_digit_vartime(const p3& acc, const std::array<cached, N>& t, std::int8_t d) noexcept {
  if (d > 0) return add(acc, t[static_cast<std::size_t>(d / 2)]);
  return sub(acc, t[static_cast<std::size_t>(-d / 2)]);
}

// straus_dbl_vartime / straus_add_vartime: one step of a multi-scalar
// multiplication on a p1p1 accumulator: r = 2·r, and r = r - q if neg, else
// r + q: to_p2 then dbl, to_p3 then add/sub, with the same operations (and
// results) but in place, with two temporaries. A fe64 is zeroed when
// declared, and these run about 70 times per signature in verify_batch and
// about 200 times in a single verification: point-sized temporaries and
// return values (zeroed, written by the asm, copied) cost about a tenth of
// the batch and a fifth of a single verification. Public inputs only.
E2EE_ED_MULX inline void straus_dbl_vartime(p1p1& r) noexcept {
  fe64 xx, yy;
  fm::mul(r.x, r.x, r.t);  // to p2: X, Y, Z in x, y, z
  fm::mul(r.y, r.y, r.z);
  fm::mul(r.z, r.z, r.t);
  fm::sqr(xx, r.x);
  fm::sqr(yy, r.y);
  fm::add(r.t, r.x, r.y);
  fm::sqr(r.z, r.z);
  fm::sqr(r.t, r.t);        // (X + Y)^2
  fm::add(r.z, r.z, r.z);  // 2Z^2
  fm::add(r.y, yy, xx);
  fm::sub(r.x, r.t, r.y);
  fm::sub(yy, yy, xx);
  fm::sub(r.t, r.z, yy);
  r.z = yy;
}
// straus_add_vartime: r = r - q if neg, else r + q, for a cached q (Z and
// 2d·T) or an affine niels q (Z = 1, xy2d): to_p3 then add/sub or
// madd/msub, the same operations and results, in place.
template <class Q>
E2EE_ED_MULX inline void straus_add_vartime(p1p1& r, const Q& q, bool neg) noexcept {
  static_assert(std::is_same_v<Q, cached> || std::is_same_v<Q, niels>);
  fe64 px, py;  // to p3: X, Y here, T and Z in r's x and z
  fm::mul(px, r.x, r.t);
  fm::mul(py, r.y, r.z);
  fm::mul(r.x, r.x, r.y);
  fm::mul(r.z, r.z, r.t);
  fm::add(r.y, py, px);  // as add_impl / madd_impl: a in px, b in y, c in x, d in z
  fm::sub(px, py, px);
  fm::mul(px, px, neg ? q.y_plus_x : q.y_minus_x);
  fm::mul(r.y, r.y, neg ? q.y_minus_x : q.y_plus_x);
  if constexpr (std::is_same_v<Q, cached>) {
    fm::mul(r.x, r.x, q.t2d);
    fm::mul(r.z, r.z, q.z);
  } else {
    fm::mul(r.x, r.x, q.xy2d);
  }
  fm::add(r.z, r.z, r.z);
  fm::sub(py, r.y, px);
  fm::add(r.y, r.y, px);
  if (neg) {  // -Q: Z and T of the result exchanged
    fm::add(r.t, r.z, r.x);
    fm::sub(r.z, r.z, r.x);
  } else {
    fm::sub(r.t, r.z, r.x);
    fm::add(r.z, r.z, r.x);
  }
  r.x = py;
}

// straus_digit_vartime: r = r ± |d|·P (straus_add/madd_vartime) from a table
// of odd multiples 1·P, 3·P, ... (d odd, public).
template <std::size_t N>
E2EE_ED_MULX inline void straus_digit_vartime(p1p1& r, const std::array<cached, N>& t, std::int8_t d) noexcept {
  straus_add_vartime(r, t[static_cast<std::size_t>((d > 0 ? d : -d) / 2)], d < 0);
}
template <std::size_t N>
E2EE_ED_MULX inline void straus_digit_vartime(p1p1& r, const std::array<niels, N>& t, std::int8_t d) noexcept {
  straus_add_vartime(r, t[static_cast<std::size_t>((d > 0 ? d : -d) / 2)], d < 0);
}

// straus_identity: O as a p1p1 accumulator (X = 0, Y = Z = 1 once made
// projective by straus_dbl_vartime).
inline constexpr p1p1 straus_identity{fm::zero, fm::one, fm::one, fm::one};

// double_scalarmult_vartime: a·A + b·B for public scalars and a public A, as
// pg::double_scalarmult_vartime (width-5 wNAF for A, width-8 for B).
E2EE_ED_MULX inline p3 double_scalarmult_vartime(std::span<const std::uint8_t, 32> a, const p3& pa,
                                                 std::span<const std::uint8_t, 32> b) noexcept {
  const pg::naf_digits na = pg::wnaf_vartime<5>(a);
  const pg::naf_digits nb = pg::wnaf_vartime<pg::base_naf_width>(b);
  const auto ta = odd_multiples<8>(pa);
  std::size_t i = pg::naf_size;
  while (i > 0 && na[i - 1] == 0 && nb[i - 1] == 0) --i;
  if (i == 0) return identity;
  p1p1 r = straus_identity;
  for (; i-- > 0;) {
    straus_dbl_vartime(r);
    if (na[i] != 0) straus_digit_vartime(r, ta, na[i]);
    if (nb[i] != 0) straus_digit_vartime(r, base_naf_table, nb[i]);
  }
  return to_p3(r);
}

// base128_table: the 64 odd multiples 1·B', 3·B', ..., 127·B' of B' = 2^128·B,
// affine, niels form: the width-8 wNAF table for the upper half of a scalar
// of B in cofactored_check_vartime. Built once at run time (portable group,
// thread-safe function-local static, about 0.1 ms), not at compile time, so
// that including the headers does not get slower. Public data.
inline std::array<niels, 64> make_base128_table() noexcept {
  pg::p3 b = pg::base_point;
  for (int i = 0; i < 128; ++i) b = pg::dbl3(b);
  std::array<pg::p3, 64> m{};
  m[0] = b;
  const pg::cached b2 = pg::to_cached(pg::dbl3(b));
  for (std::size_t j = 1; j < 64; ++j) m[j] = pg::to_p3(pg::add(m[j - 1], b2));
  const std::array<pg::niels, 64> t = pg::to_affine_niels(m);
  std::array<niels, 64> out{};
  for (std::size_t j = 0; j < 64; ++j) out[j] = from_portable(t[j]);
  return out;
}
inline const std::array<niels, 64>& base128_table() noexcept {
  static const std::array<niels, 64> table = make_base128_table();
  return table;
}

// cofactored_check_vartime: [8](S·B - k·A - R) = O (the verification
// equation of ec/ed25519.hpp), for public k < L, S < L, A and R, with
// half-size scalars (sc25519::reduce_basis_vartime): u ≡ v·k (mod L),
// u < 2^126, 0 < |v| < 2^127. With s' = |v|·S mod L = s_lo + 2^128·s_hi,
//   [8](s_lo·B + s_hi·B' - sign(v)·u·A - |v|·R) = [|v|]·[8](S·B - k·A - R),
// because [8]X lies in the subgroup of prime order L, where the scalars of
// A and B act modulo L; as 0 < |v| < L, one side is O iff the other is. So
// the verdict is exactly that of the direct equation, on every input
// (torsion in A or R included), with a chain of ~128 doublings instead of
// ~253: four wNAF scalars of at most 128 bits (width 5 for A and R, odd
// multiples computed here; width 8 for B and B', tables).
E2EE_ED_MULX inline bool cofactored_check_vartime(std::span<const std::uint8_t, 32> k, const p3& a, const p3& r,
                                                  std::span<const std::uint8_t, 32> s) noexcept {
  namespace sc = detail::sc25519;
  const sc::half_size h = sc::reduce_basis_vartime(k);
  const auto s2 = sc::to_bytes(sc::mul(sc::from_bytes(h.v), sc::from_bytes(s)));  // |v|·S mod L
  std::array<std::uint8_t, 32> s_lo{}, s_hi{};
  for (std::size_t j = 0; j < 16; ++j) {
    s_lo[j] = s2[j];
    s_hi[j] = s2[16 + j];
  }
  const pg::naf_digits nu = pg::wnaf_vartime<5>(h.u);
  const pg::naf_digits nv = pg::wnaf_vartime<5>(h.v);
  const pg::naf_digits nlo = pg::wnaf_vartime<pg::base_naf_width>(s_lo);
  const pg::naf_digits nhi = pg::wnaf_vartime<pg::base_naf_width>(s_hi);
  const auto ta = odd_multiples<8>(h.v_negative ? a : neg(a));  // -sign(v)·A
  const auto tr = odd_multiples<8>(neg(r));
  const std::array<niels, 64>& tb2 = base128_table();
  std::size_t i = 136;  // every digit sits below bit 129
  while (i > 0 && nu[i - 1] == 0 && nv[i - 1] == 0 && nlo[i - 1] == 0 && nhi[i - 1] == 0) --i;
  if (i == 0) return true;  // every scalar 0: the sum is O
  p1p1 t = straus_identity;
  for (; i-- > 0;) {
    straus_dbl_vartime(t);
    if (nu[i] != 0) straus_digit_vartime(t, ta, nu[i]);
    if (nv[i] != 0) straus_digit_vartime(t, tr, nv[i]);
    if (nlo[i] != 0) straus_digit_vartime(t, base_naf_table, nlo[i]);
    if (nhi[i] != 0) straus_digit_vartime(t, tb2, nhi[i]);
  }
  for (int j = 0; j < 3; ++j) straus_dbl_vartime(t);  // [8]
  return is_identity_vartime(to_p3(t));
}

// exact_check_tables: S·B - k·A - R = O exactly (cofactorless: XEdDSA,
// where a torsion difference must reject), with the half-size scalars of
// sc::reduce_basis_8l_vartime (h.ok): u ≡ v·k (mod 8L), v odd, so
//   [|v|](S·B - k·A - R) = s_lo·B + s_hi·B' - sign(v)·u·A - |v|·R,
// s_lo + 2^128·s_hi = |v|·S mod L, and [|v|]X = O iff X = O (|v| is prime
// to the group order 8L). ta holds the odd multiples 1·A, 3·A, ... of A
// (NA of them: a width log2(NA) + 2 wNAF for u); r is R. About 128
// doublings instead of 253. Public inputs only.
template <std::size_t NA>
E2EE_ED_MULX inline bool exact_check_tables(const sc25519::half_size_exact& h, const std::array<cached, NA>& ta,
                                            const p3& r, std::span<const std::uint8_t, 32> s) noexcept {
  namespace sc = detail::sc25519;
  static_assert(NA == 8 || NA == 16 || NA == 32 || NA == 64);
  constexpr unsigned wa = NA == 8 ? 5 : NA == 16 ? 6 : NA == 32 ? 7 : 8;
  const auto s2 = sc::to_bytes(sc::mul(sc::from_bytes(h.v), sc::from_bytes(s)));  // |v|·S mod L
  std::array<std::uint8_t, 32> s_lo{}, s_hi{};
  for (std::size_t j = 0; j < 16; ++j) {
    s_lo[j] = s2[j];
    s_hi[j] = s2[16 + j];
  }
  const pg::naf_digits nu = pg::wnaf_vartime<wa>(h.u);
  const pg::naf_digits nv = pg::wnaf_vartime<5>(h.v);
  const pg::naf_digits nlo = pg::wnaf_vartime<pg::base_naf_width>(s_lo);
  const pg::naf_digits nhi = pg::wnaf_vartime<pg::base_naf_width>(s_hi);
  const auto tr = odd_multiples<8>(neg(r));  // -|v|·R
  const std::array<niels, 64>& tb2 = base128_table();
  const bool flip_a = !h.v_negative;  // the A term is -sign(v)·u·A
  std::size_t i = 136;  // every scalar is below 2^130: digits sit below bit 131
  while (i > 0 && nu[i - 1] == 0 && nv[i - 1] == 0 && nlo[i - 1] == 0 && nhi[i - 1] == 0) --i;
  if (i == 0) return true;  // every scalar 0: the sum is O
  p1p1 t = straus_identity;
  for (; i-- > 0;) {
    straus_dbl_vartime(t);
    if (nu[i] != 0) straus_digit_vartime(t, ta, static_cast<std::int8_t>(flip_a ? -nu[i] : nu[i]));
    if (nv[i] != 0) straus_digit_vartime(t, tr, nv[i]);
    if (nlo[i] != 0) straus_digit_vartime(t, base_naf_table, nlo[i]);
    if (nhi[i] != 0) straus_digit_vartime(t, tb2, nhi[i]);
  }
  return is_identity_vartime(to_p3(t));
}

// exact_check_vartime: S·B - k·A - R = O for public k < L, S < 2^253, A and
// R, R affine (Z = 1, as decoded); exact_check_tables, or (when the
// reduction gives no odd short v, rare) the full-size double-scalar
// multiplication compared with R.
E2EE_ED_MULX inline bool exact_check_vartime(std::span<const std::uint8_t, 32> k, const p3& a, const p3& r,
                                             std::span<const std::uint8_t, 32> s) noexcept {
  const sc25519::half_size_exact h = sc25519::reduce_basis_8l_vartime(k);
  if (!h.ok) return equals_affine_vartime(double_scalarmult_vartime(k, neg(a), s), r.x, r.y);
  return exact_check_tables(h, odd_multiples<8>(a), r, s);
}

// ---- prepared public keys (xeddsa::verifying_key) ----

// base_shift_table: the 64 odd multiples of 2^shift·B, affine niels (the
// width-8 wNAF table of a 64-bit slice of a B scalar), built at run time as
// base128_table. base64_table / base192_table: built once (thread-safe
// function-local statics, about 0.1 ms each). Public data.
inline std::array<niels, 64> make_base_shift_table(unsigned shift) noexcept {
  pg::p3 b = pg::base_point;
  for (unsigned i = 0; i < shift; ++i) b = pg::dbl3(b);
  std::array<pg::p3, 64> m{};
  m[0] = b;
  const pg::cached b2 = pg::to_cached(pg::dbl3(b));
  for (std::size_t j = 1; j < 64; ++j) m[j] = pg::to_p3(pg::add(m[j - 1], b2));
  const std::array<pg::niels, 64> t = pg::to_affine_niels(m);
  std::array<niels, 64> out{};
  for (std::size_t j = 0; j < 64; ++j) out[j] = from_portable(t[j]);
  return out;
}
inline const std::array<niels, 64>& base64_table() noexcept {
  static const std::array<niels, 64> table = make_base_shift_table(64);
  return table;
}
inline const std::array<niels, 64>& base192_table() noexcept {
  static const std::array<niels, 64> table = make_base_shift_table(192);
  return table;
}

// prepared_tables: for a public point A, the odd multiples 1, 3, ..., 31 of
// A, 2^64·A, 2^128·A and 2^192·A, affine niels (width-6 wNAF tables of the
// four 64-bit slices of A's scalar in double_scalarmult_prepared_vartime).
using prepared_tables = std::array<std::array<niels, 16>, 4>;

// prepare_tables_vartime: prepared_tables of A: 192 doublings, 64
// additions and one inversion (the 64 Z made 1 at once, Montgomery's
// trick). Exact multiples: A may have any order. Public inputs only.
E2EE_ED_MULX inline void prepare_tables_vartime(const p3& a, prepared_tables& out) noexcept {
  std::array<p3, 64> m;
  p3 base = a;
  for (std::size_t j = 0; j < 4; ++j) {
    if (j != 0) {
      p2 q = to_p2(base);
      for (int i = 0; i < 63; ++i) q = to_p2(dbl(q));
      base = to_p3(dbl(q));
    }
    const cached twice = to_cached(dbl3(base));
    m[16 * j] = base;
    for (std::size_t i = 1; i < 16; ++i) m[16 * j + i] = to_p3(add(m[16 * j + i - 1], twice));
  }
  std::array<fe64, 64> prefix;  // prefix[i] = Z_0·...·Z_i
  prefix[0] = m[0].z;
  for (std::size_t i = 1; i < 64; ++i) fm::mul(prefix[i], prefix[i - 1], m[i].z);
  fe64 inv;
  fm::invert(inv, prefix[63]);
  for (std::size_t i = 64; i-- > 0;) {
    fe64 zi, x, y, t;
    if (i != 0) {
      fm::mul(zi, inv, prefix[i - 1]);  // 1/Z_i
      fm::mul(inv, inv, m[i].z);        // 1/(Z_0·...·Z_(i-1))
    } else {
      zi = inv;
    }
    fm::mul(x, m[i].x, zi);
    fm::mul(y, m[i].y, zi);
    niels& n = out[i / 16][i % 16];
    fm::add(n.y_plus_x, y, x);
    fm::sub(n.y_minus_x, y, x);
    fm::mul(t, x, y);
    fm::mul(n.xy2d, t, curve_2d);
  }
}

// double_scalarmult_prepared_vartime: s·B - k·A' for public s, k < 2^256,
// with A' = A, or -A when negate_a, and A's prepared tables: both scalars
// cut into four 64-bit slices (s_j·(2^(64j)·B), tables base_naf_table,
// base64/128/192_table; k_j·(2^(64j)·A), the prepared tables), so the chain
// has 64 doublings instead of 253, with no lattice reduction: the exact
// s·B - k·A', torsion of A included.
E2EE_ED_MULX inline p3 double_scalarmult_prepared_vartime(std::span<const std::uint8_t, 32> k,
                                                          const prepared_tables& ta, bool negate_a,
                                                          std::span<const std::uint8_t, 32> s) noexcept {
  std::array<std::array<std::uint8_t, 32>, 4> sb{}, ka{};
  for (std::size_t j = 0; j < 32; ++j) {
    sb[j / 8][j % 8] = s[j];
    ka[j / 8][j % 8] = k[j];
  }
  std::array<pg::naf_digits, 4> nb, na;
  for (std::size_t j = 0; j < 4; ++j) {
    nb[j] = pg::wnaf_vartime<pg::base_naf_width>(sb[j]);
    na[j] = pg::wnaf_vartime<6>(ka[j]);
  }
  const std::array<const std::array<niels, 64>*, 4> tb{&base_naf_table, &base64_table(), &base128_table(),
                                                       &base192_table()};
  const bool flip_a = !negate_a;  // the A term is -k·A'
  std::size_t i = 72;             // 64-bit slices: digits sit at positions <= 64
  const auto any = [&](std::size_t pos) {
    for (std::size_t j = 0; j < 4; ++j)
      if (na[j][pos] != 0 || nb[j][pos] != 0) return true;
    return false;
  };
  while (i > 0 && !any(i - 1)) --i;
  if (i == 0) return identity;
  p1p1 t = straus_identity;
  for (; i-- > 0;) {
    straus_dbl_vartime(t);
    for (std::size_t j = 0; j < 4; ++j)
      if (const std::int8_t d = na[j][i]; d != 0)
        straus_add_vartime(t, ta[j][static_cast<std::size_t>((d > 0 ? d : -d) / 2)], (d > 0) == flip_a);
    for (std::size_t j = 0; j < 4; ++j)
      if (nb[j][i] != 0) straus_digit_vartime(t, *tb[j], nb[j][i]);
  }
  return to_p3(t);
}

#undef E2EE_ED_MULX
#undef E2EE_F25519_X_FOLD
#undef E2EE_F25519_X_MUL
#undef E2EE_F25519_X_ADDSUB
#undef E2EE_F25519_X_ADD
#undef E2EE_F25519_X_SUB

// group: the traits the generic verification code (ec/ed25519.hpp) reads.
struct group {
  using point = p3;
  using projective = p2;
  using completed = p1p1;
  using addend = cached;
  static const p3& identity_point() noexcept { return identity; }
  static const std::array<niels, 64>& base_table() noexcept { return base_naf_table; }
};

}  // namespace detail::ed25519_mulx
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
