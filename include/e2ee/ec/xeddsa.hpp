// e2ee/ec/xeddsa.hpp — XEdDSA signatures with X25519 keys, exactly as Signal
// makes and checks them (libsignal-protocol-c curve25519_sign/_verify, Rust
// libsignal PrivateKey::calculate_signature / PublicKey::verify_signature;
// shared/SIGNAL.md A2). A signature made here is byte-identical to
// libsignal-protocol-c's for the same key, message and 64 random bytes.
//
// Sign(k, M, Z), with a = clamp(k) (RFC 7748 clamping; a no-op on keys Signal
// generates):
//   A = a·B on edwards25519; sign = bit 255 of enc(A). A is NOT negated (the
//     XEdDSA paper negates a so that A's sign is 0; Signal does not and
//     carries the sign in the signature instead).
//   r = SHA-512(0xFE || 0xFF×31 || a || M || Z) mod L;  R = r·B
//   h = SHA-512(enc(R) || enc(A) || M) mod L;  s = h·a + r mod L
//   signature = enc(R) || enc(s), with bit 255 (free: s < 2^253) set to sign.
//
// Verify(u, M, R || s) — what is accepted, and why:
//   1. u: 32 bytes, bit 255 ignored, values p..2^255-1 taken mod p (both
//      Signal implementations do this; the XEdDSA paper would reject u >= p).
//      u ≡ -1 (mod p) is rejected: the birational map has no value there (the
//      point is on the twist). Rust libsignal rejects it too; C libsignal
//      divides by zero, gets y = 0 and goes on (the one input where our verdict
//      can differ from libsignal-protocol-c's; docs/xeddsa.md).
//   2. y = (u - 1)/(u + 1), encoded canonically, with bit 255 taken from
//      bit 255 of the signature: that is enc(A) for Signal signatures, and
//      sign 0 for standard XEdDSA ones, which therefore verify too.
//   3. s = the last 32 bytes with bit 255 cleared; rejected if s >= 2^253
//      (bits 253, 254 set). s in [L, 2^253) is NOT rejected (Signal does not
//      reduce-check it): a signature (R, s) is malleable into (R, s + L).
//   4. A decoded from y and the sign bit like ref10's ge_frombytes: rejected
//      if there is no x; x = 0 with sign 1 is kept (as libsignal-protocol-c,
//      whose hash then covers the sign bit as given). Small-order and
//      mixed-order A are not rejected (neither implementation does).
//   5. h = SHA-512(R bytes || enc(A) with that sign bit || M) mod L; accept iff
//      enc(s·B - h·A) equals the 32 R bytes (so R must be canonical).
//
// Repeated signing with one key (a Sender Keys chain signs every group
// message): xeddsa::signing_key computes A once and keeps it with the
// secret as given (clamped on a wiped copy per signature), so each of its
// signatures costs one fixed-base multiplication instead of two; same bytes
// as sign. Repeated verification under one key: xeddsa::verifying_key
// (below) decodes A once and keeps tables of its multiples.
//
// Kernels: sign's fixed-base multiplications and verify run on
// best_x25519_impl()'s field (the MULX/ADX Edwards kernel with BMI2/ADX,
// else the portable one, also used in constant evaluation); same bytes and
// verdicts on both.
//
// Constant time: sign runs in time independent of the secret key and of the
// random bytes (fixed-base scalar multiplication with masked table
// selection, branch-free scalar arithmetic); every secret temporary is
// wiped. verify is variable time: all its inputs are public.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/secret.hpp"
#include "../hash/sha512.hpp"
#include "curve25519_kernels.hpp"
#include "edwards25519.hpp"
#include "field25519.hpp"
#include "scalar25519.hpp"

E2EE_NAMESPACE_BEGIN
namespace xeddsa {

inline constexpr std::size_t secret_key_size = 32;
inline constexpr std::size_t public_key_size = 32;
inline constexpr std::size_t random_size = 64;
inline constexpr std::size_t signature_size = 64;
using signature = std::array<std::uint8_t, 64>;

namespace detail {

namespace f = e2ee::detail::f25519;
namespace ge = e2ee::detail::ed25519;
namespace sc = e2ee::detail::sc25519;

// nonce_prefix: hash_1's domain separator of the XEdDSA paper (2^256 - 1 - 1
// as 32 little-endian bytes), the same bytes libsignal prepends.
inline constexpr std::array<std::uint8_t, 32> nonce_prefix{
    0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// clamp: RFC 7748 decodeScalar25519 bit operations (clear bits 0-2 and 255,
// set bit 254), the scalar both Signal implementations use for keys they made.
constexpr std::array<std::uint8_t, 32> clamp(std::span<const std::uint8_t, 32> k) noexcept {
  std::array<std::uint8_t, 32> a{};
  std::copy(k.begin(), k.end(), a.begin());
  a[0] = static_cast<std::uint8_t>(a[0] & 248u);
  a[31] = static_cast<std::uint8_t>((a[31] & 127u) | 64u);
  return a;
}

// hash_mod_l: SHA-512 of the concatenated parts, reduced mod L. The digest is
// wiped (for the nonce it is secret).
constexpr sc::scalar hash_mod_l(std::span<const std::uint8_t> p0, std::span<const std::uint8_t> p1,
                                std::span<const std::uint8_t> p2, std::span<const std::uint8_t> p3) noexcept {
  sha512 h;
  h.update(p0);
  h.update(p1);
  h.update(p2);
  h.update(p3);
  auto d = h.finish();
  const sc::scalar r = sc::reduce_wide(d);
  e2ee::wipe(d);
  return r;
}

// sign_prepared: the signature for a scalar `a` < 2^255 used exactly as given
// (no clamping, no negation), with `a_enc` = enc(a·B) computed by the caller
// (signing_key keeps it): everything of sign_scalar but its first fixed-base
// multiplication. Constant time in a and z.
constexpr signature sign_prepared(std::span<const std::uint8_t, 32> a, std::span<const std::uint8_t, 32> a_enc,
                                  std::span<const std::uint8_t> msg, std::span<const std::uint8_t, 64> z) noexcept {
  sc::scalar r = hash_mod_l(nonce_prefix, a, msg, z);
  std::array<std::uint8_t, 32> r_bytes = sc::to_bytes(r);
  const std::array<std::uint8_t, 32> r_enc = ge::scalarmult_base_encoded(r_bytes);
  const sc::scalar h = hash_mod_l(r_enc, a_enc, msg, {});
  sc::scalar a_sc = sc::from_bytes(a);
  sc::scalar s = sc::muladd(h, a_sc, r);  // h·a + r mod L: a is any value < 2^256
  const std::array<std::uint8_t, 32> s_enc = sc::to_bytes(s);
  signature sig{};
  std::copy(r_enc.begin(), r_enc.end(), sig.begin());
  std::copy(s_enc.begin(), s_enc.end(), sig.begin() + 32);
  // s < L < 2^253: bit 255 is free and carries the sign of A's x.
  sig[63] = static_cast<std::uint8_t>((sig[63] & 0x7fu) | (a_enc[31] & 0x80u));
  e2ee::wipe(r);
  e2ee::wipe(r_bytes);
  e2ee::wipe(a_sc);
  e2ee::wipe(s);
  return sig;
}

// sign_scalar: the signature for a scalar `a` < 2^255 used exactly as given
// (no clamping, no negation): the core of Signal's curve25519_sign. The
// standard XEdDSA signature is sign_scalar of the scalar negated so that A's
// sign is 0 (tests use this). Constant time in a and z.
constexpr signature sign_scalar(std::span<const std::uint8_t, 32> a, std::span<const std::uint8_t> msg,
                                std::span<const std::uint8_t, 64> z) noexcept {
  const std::array<std::uint8_t, 32> a_enc = ge::scalarmult_base_encoded(a);  // the Edwards public key
  return sign_prepared(a, a_enc, msg, z);
}

// edwards_y_from_montgomery_u: y = (u - 1)/(u + 1) (RFC 7748 4.1), for
// u ≢ -1. Variable time (public keys only).
constexpr f::tight edwards_y_from_montgomery_u(const f::tight& u) noexcept {
  return f::mul(f::sub(u, f::one), f::invert(f::carry(f::add(u, f::one))));
}

// is_minus_one_vartime: u ≡ -1 (mod p), where the map to Edwards has no value.
constexpr bool is_minus_one_vartime(const f::tight& u) noexcept {
  return f::is_zero_mask(f::carry(f::add(u, f::one))).declassify();
}

// decode_point_vartime: the point (x, y) with x's sign bit `sign`, for a
// field element y, as ref10's ge_frombytes does it: false if
// (y^2 - 1)/(d·y^2 + 1) is not a square; x = 0 with sign 1 gives x = 0.
constexpr bool decode_point_vartime(const f::tight& y, std::uint64_t sign, ge::p3& out) noexcept {
  const f::tight yy = f::square(y);
  const f::tight num = f::carry(f::sub(yy, f::one));
  const f::tight den = f::carry(f::add(f::mul(yy, ge::curve_d), f::one));  // never 0: d is not a square
  f::tight x;
  if (!f::sqrt_ratio(num, den, x).declassify()) return false;
  f::cneg(x, ct::mask<std::uint64_t>::from_bit(sign));  // sqrt_ratio's root is non-negative
  out = {x, y, f::one, f::mul(x, y)};
  return true;
}

// verify_portable: verify (below) on the portable field (constexpr).
constexpr bool verify_portable(std::span<const std::uint8_t, 32> x25519_public, std::span<const std::uint8_t> msg,
                               std::span<const std::uint8_t, 64> sig) noexcept {
  std::array<std::uint8_t, 32> s{};
  std::copy(sig.begin() + 32, sig.end(), s.begin());
  s[31] = static_cast<std::uint8_t>(s[31] & 0x7fu);
  if ((s[31] & 0xe0u) != 0) return false;  // s >= 2^253
  const f::tight u = f::from_bytes(x25519_public);  // bit 255 ignored, u >= p taken mod p
  if (is_minus_one_vartime(u)) return false;
  const f::tight y = edwards_y_from_montgomery_u(u);
  const std::uint64_t sign_bit = sig[63] >> 7;
  std::array<std::uint8_t, 32> a_enc = f::to_bytes(y);
  a_enc[31] = static_cast<std::uint8_t>(a_enc[31] | (sign_bit << 7));
  ge::p3 a{};
  if (!decode_point_vartime(y, sign_bit, a)) return false;
  const std::span<const std::uint8_t, 32> r_enc = sig.first<32>();
  const auto h = sc::to_bytes(hash_mod_l(r_enc, a_enc, msg, {}));
  // s·B - h·A = s·B + h·(-A)
  const auto check = ge::encode(ge::double_scalarmult_vartime(h, ge::neg(a), s));
  return std::equal(check.begin(), check.end(), r_enc.begin());
}

// prepare_portable: for verifying_key: enc(y) (bit 255 clear) and the
// non-negative x of the Edwards point of u; false where verify_portable
// rejects every signature (u = -1, or no x).
constexpr bool prepare_portable(std::span<const std::uint8_t, 32> x25519_public, std::array<std::uint8_t, 32>& y_enc,
                                std::array<std::uint8_t, 32>& x_enc) noexcept {
  const f::tight u = f::from_bytes(x25519_public);
  if (is_minus_one_vartime(u)) return false;
  const f::tight y = edwards_y_from_montgomery_u(u);
  ge::p3 a{};
  if (!decode_point_vartime(y, 0, a)) return false;
  y_enc = f::to_bytes(y);
  x_enc = f::to_bytes(a.x);
  return true;
}

// verify_prepared_portable: verify_portable with A's y and non-negative x
// given (prepare_portable); A's sign from the signature.
constexpr bool verify_prepared_portable(std::span<const std::uint8_t, 32> y_enc, std::span<const std::uint8_t, 32> x_enc,
                                        std::span<const std::uint8_t> msg,
                                        std::span<const std::uint8_t, 64> sig) noexcept {
  std::array<std::uint8_t, 32> s{};
  std::copy(sig.begin() + 32, sig.end(), s.begin());
  s[31] = static_cast<std::uint8_t>(s[31] & 0x7fu);
  if ((s[31] & 0xe0u) != 0) return false;  // s >= 2^253
  const std::uint64_t sign_bit = sig[63] >> 7;
  std::array<std::uint8_t, 32> a_enc{};
  std::copy(y_enc.begin(), y_enc.end(), a_enc.begin());
  a_enc[31] = static_cast<std::uint8_t>(a_enc[31] | (sign_bit << 7));
  const f::tight y = f::from_bytes(y_enc);
  f::tight x = f::from_bytes(x_enc);
  f::cneg(x, ct::mask<std::uint64_t>::from_bit(sign_bit));  // x = 0 stays 0
  const ge::p3 a{x, y, f::one, f::mul(x, y)};
  const std::span<const std::uint8_t, 32> r_enc = sig.first<32>();
  const auto h = sc::to_bytes(hash_mod_l(r_enc, a_enc, msg, {}));
  const auto check = ge::encode(ge::double_scalarmult_vartime(h, ge::neg(a), s));
  return std::equal(check.begin(), check.end(), r_enc.begin());
}

#if E2EE_HAVE_X86_KERNELS
// verify_mulx: the same verdicts on the MULX/ADX field (run time only),
// with the three exponentiations of verify_portable (the inversion for y,
// the square root decoding A, and the inversion encoding s·B - h·A) run at
// once, interleaved (fm::pow22523_xn):
//   - A's x is the root of (n^2 - e^2)/(d·n^2 + e^2) for y = n/e, n = u - 1,
//     e = u + 1 (the same ratio as (y^2 - 1)/(d·y^2 + 1), times e^2), so it
//     does not wait for y; 1/e = (e^((p-5)/8))^8·e^3 comes from the same
//     kind of exponentiation;
//   - instead of encoding P = s·B - h·A, R is decoded (strictly: y < p, x
//     exists, no x = 0 with sign 1) and P = R is checked: enc(P) = R bytes
//     iff R decodes strictly to P (enc(P) is always canonical, and a point
//     is the only one with its encoding);
//   - P = R is checked as [v](s·B - h·A - R) = O with half-size scalars
//     (gm::exact_check_vartime: u ≡ v·h mod 8L, v odd, about 128 bits
//     each; about 128 doublings instead of 253). This is the exact,
//     cofactorless equation, torsion included: v is prime to the group
//     order 8L, so [v]X = O only for X = O.
[[gnu::target("bmi2,adx")]] inline bool verify_mulx(std::span<const std::uint8_t, 32> x25519_public,
                                                     std::span<const std::uint8_t> msg,
                                                     std::span<const std::uint8_t, 64> sig) noexcept {
  namespace fm = e2ee::detail::f25519_mulx;
  namespace gm = e2ee::detail::ed25519_mulx;
  std::array<std::uint8_t, 32> s{};
  std::copy(sig.begin() + 32, sig.end(), s.begin());
  s[31] = static_cast<std::uint8_t>(s[31] & 0x7fu);
  if ((s[31] & 0xe0u) != 0) return false;  // s >= 2^253
  const std::span<const std::uint8_t, 32> r_enc = sig.first<32>();
  if (!f::is_canonical(r_enc)) return false;  // enc(P) has y < p
  const fm::fe64 u = fm::from_bytes(x25519_public);  // bit 255 ignored, u >= p taken mod p
  fm::fe64 num, den;
  fm::add(den, u, fm::one);
  if (fm::is_zero_mask(den).declassify()) return false;  // u = -1: no Edwards image
  fm::sub(num, u, fm::one);
  // ratios whose square roots give x_A and x_R, and the three bases
  fm::fe64 nn, ee, ua, va, ur, vr, yr, t;
  fm::sqr(nn, num);
  fm::sqr(ee, den);
  fm::sub(ua, nn, ee);
  fm::mul(va, nn, gm::curve_d);
  fm::add(va, va, ee);
  yr = fm::from_bytes(r_enc);
  fm::sqr(t, yr);
  fm::sub(ur, t, fm::one);
  fm::mul(vr, t, gm::curve_d);
  fm::add(vr, vr, fm::one);
  fm::fe64xn<3> base, w;
  fm::fe64 va3, vr3;
  base[0] = den;
  gm::sqrt_ratio_setup(ua, va, va3, base[1]);
  gm::sqrt_ratio_setup(ur, vr, vr3, base[2]);
  fm::pow22523_xn(w, base);
  fm::fe64 xa, xr, y;
  const bool ok_a = gm::sqrt_ratio_finish_vartime(ua, va, va3, w[1], xa);
  const bool ok_r = gm::sqrt_ratio_finish_vartime(ur, vr, vr3, w[2], xr);
  if (!ok_a || !ok_r) return false;
  const std::uint64_t sign_r = std::uint64_t{r_enc[31]} >> 7;
  if (sign_r == 1 && fm::is_zero_mask(xr).declassify()) return false;
  if (sign_r == 1) fm::neg(xr, xr);
  // y = num/den, 1/den = w0^8·den^3
  fm::sqr(t, den);
  fm::mul(t, t, den);
  fm::sqr_n(w[0], w[0], 3);
  fm::mul(t, t, w[0]);
  fm::mul(y, num, t);
  const std::uint64_t sign_bit = sig[63] >> 7;
  std::array<std::uint8_t, 32> a_enc = fm::to_bytes(y);
  a_enc[31] = static_cast<std::uint8_t>(a_enc[31] | (sign_bit << 7));
  if (sign_bit == 1) fm::neg(xa, xa);  // x = 0 with sign 1 stays 0 (ref10)
  gm::p3 a{xa, y, fm::one, {}};
  fm::mul(a.t, xa, y);
  gm::p3 r{xr, yr, fm::one, {}};
  fm::mul(r.t, xr, yr);
  const auto h = sc::to_bytes(hash_mod_l(r_enc, a_enc, msg, {}));
  return gm::exact_check_vartime(h, a, r, s);  // s·B - h·A = R, half-size scalars
}

// prepare_mulx: prepare_portable on the MULX/ADX field, the inversion for y
// and the square root for x run interleaved (as in verify_mulx), plus the
// tables of odd multiples of A (x non-negative), 2^64·A, 2^128·A, 2^192·A.
[[gnu::target("bmi2,adx")]] inline bool prepare_mulx(std::span<const std::uint8_t, 32> x25519_public,
                                                      std::array<std::uint8_t, 32>& y_enc,
                                                      std::array<std::uint8_t, 32>& x_enc,
                                                      e2ee::detail::ed25519_mulx::prepared_tables& tables) noexcept {
  namespace fm = e2ee::detail::f25519_mulx;
  namespace gm = e2ee::detail::ed25519_mulx;
  const fm::fe64 u = fm::from_bytes(x25519_public);
  fm::fe64 num, den;
  fm::add(den, u, fm::one);
  if (fm::is_zero_mask(den).declassify()) return false;  // u = -1
  fm::sub(num, u, fm::one);
  fm::fe64 nn, ee, ua, va, t;
  fm::sqr(nn, num);
  fm::sqr(ee, den);
  fm::sub(ua, nn, ee);
  fm::mul(va, nn, gm::curve_d);
  fm::add(va, va, ee);
  fm::fe64xn<2> base, w;
  fm::fe64 va3;
  base[0] = den;
  gm::sqrt_ratio_setup(ua, va, va3, base[1]);
  fm::pow22523_xn(w, base);
  fm::fe64 xa, y;
  if (!gm::sqrt_ratio_finish_vartime(ua, va, va3, w[1], xa)) return false;
  fm::sqr(t, den);  // 1/den = w0^8·den^3
  fm::mul(t, t, den);
  fm::sqr_n(w[0], w[0], 3);
  fm::mul(t, t, w[0]);
  fm::mul(y, num, t);
  y_enc = fm::to_bytes(y);
  x_enc = fm::to_bytes(xa);
  gm::p3 a{xa, y, fm::one, {}};
  fm::mul(a.t, xa, y);
  gm::prepare_tables_vartime(a, tables);
  return true;
}

// verify_prepared_mulx: verify_prepared_portable's verdict on the MULX/ADX
// field. With A's prepared tables: P = s·B - h·A by
// gm::double_scalarmult_prepared_vartime (64 doublings, no R decoding),
// then enc(P) compared with the R bytes, exactly as verify_portable.
// Without (a key prepared on the portable field): as verify_mulx, R decoded
// strictly and the exact equation checked with half-size scalars.
[[gnu::target("bmi2,adx")]] inline bool verify_prepared_mulx(std::span<const std::uint8_t, 32> y_enc,
                                                              std::span<const std::uint8_t, 32> x_enc,
                                                              const e2ee::detail::ed25519_mulx::prepared_tables* tables,
                                                              std::span<const std::uint8_t> msg,
                                                              std::span<const std::uint8_t, 64> sig) noexcept {
  namespace fm = e2ee::detail::f25519_mulx;
  namespace gm = e2ee::detail::ed25519_mulx;
  std::array<std::uint8_t, 32> s{};
  std::copy(sig.begin() + 32, sig.end(), s.begin());
  s[31] = static_cast<std::uint8_t>(s[31] & 0x7fu);
  if ((s[31] & 0xe0u) != 0) return false;  // s >= 2^253
  const std::span<const std::uint8_t, 32> r_enc = sig.first<32>();
  const std::uint64_t sign_bit = sig[63] >> 7;
  std::array<std::uint8_t, 32> a_enc{};
  std::copy(y_enc.begin(), y_enc.end(), a_enc.begin());
  a_enc[31] = static_cast<std::uint8_t>(a_enc[31] | (sign_bit << 7));
  if (tables != nullptr) {
    const auto h = sc::to_bytes(hash_mod_l(r_enc, a_enc, msg, {}));
    const gm::p3 p = gm::double_scalarmult_prepared_vartime(h, *tables, sign_bit == 1, s);
    const auto check = gm::encode(p);
    return std::equal(check.begin(), check.end(), r_enc.begin());
  }
  gm::p3 r{};
  if (!gm::decode_vartime(r_enc, r)) return false;  // strict: enc(P) is canonical
  gm::p3 a{fm::from_bytes(x_enc), fm::from_bytes(y_enc), fm::one, {}};
  if (sign_bit == 1) fm::neg(a.x, a.x);  // x = 0 stays 0
  fm::mul(a.t, a.x, a.y);
  const auto h = sc::to_bytes(hash_mod_l(r_enc, a_enc, msg, {}));
  return gm::exact_check_vartime(h, a, r, s);
}
#endif

}  // namespace detail

// sign: Signal's XEdDSA signature of `msg` with the X25519 secret key
// `x25519_secret` (clamped first; Signal's own keys already are) and 64 bytes
// `random` that must be fresh from a cryptographic source for every
// signature (they make the nonce; a repeat with the same key and message
// repeats the signature, which is harmless, but a biased source weakens it).
// Byte-identical to libsignal-protocol-c's curve25519_sign and Rust
// libsignal for the same inputs. Constant time in the key and the random
// bytes; temporaries are wiped.
constexpr signature sign(std::span<const std::uint8_t, 32> x25519_secret, std::span<const std::uint8_t> msg,
                         std::span<const std::uint8_t, 64> random) noexcept {
  std::array<std::uint8_t, 32> a = detail::clamp(x25519_secret);
  const signature sig = detail::sign_scalar(a, msg, random);
  e2ee::wipe(a);
  return sig;
}

// sign with the random bytes drawn from `rng` (any e2ee::random_source).
// error::random_failure if the source fails (nothing is signed then).
template <random_source R>
result<signature> sign(std::span<const std::uint8_t, 32> x25519_secret, std::span<const std::uint8_t> msg,
                       R& rng) noexcept {
  std::array<std::uint8_t, 64> z{};
  if (!static_cast<bool>(rng.fill(z))) {
    e2ee::wipe(z);
    return error::random_failure;
  }
  const signature sig = sign(x25519_secret, msg, std::span<const std::uint8_t, 64>(z));
  e2ee::wipe(z);
  return sig;
}

// sign with the random bytes from the operating system (e2ee::os_random).
inline result<signature> sign(std::span<const std::uint8_t, 32> x25519_secret,
                              std::span<const std::uint8_t> msg) noexcept {
  os_random rng;
  return sign(x25519_secret, msg, rng);
}

// signing_key: an X25519 secret key prepared for repeated XEdDSA signing
// (Sender Keys sign every group message with one key). It holds the X25519
// secret as given and the encoding of the Edwards point A = clamp(k)·B, so
// each sign skips the fixed-base multiplication xeddsa::sign spends on A:
// one instead of two (about 40% of a signature); the clamping itself (two
// byte operations on a wiped copy) is redone per signature, so the secret
// is held once and x25519_secret() gives back exactly the bytes the key was
// built from (records store them). Signatures are byte-identical to
// xeddsa::sign(x25519_secret, msg, random) for the same inputs; same
// constant time and wiping. Move-only (the secret is a secret<32>: clone()
// to copy); the destructor wipes it. edwards_public() is public data (the
// point A with its sign, as Signal carries it in bit 255 of each signature).
class signing_key {
 public:
  constexpr explicit signing_key(std::span<const std::uint8_t, 32> x25519_secret) noexcept
      : k_(x25519_secret), a_enc_(edwards_of(x25519_secret)) {}
  // The secret moved in (the source is wiped), without another copy.
  constexpr explicit signing_key(secret<32>&& x25519_secret) noexcept
      : k_(std::move(x25519_secret)), a_enc_(edwards_of(k_.expose())) {}
  constexpr signing_key(signing_key&&) noexcept = default;
  constexpr signing_key& operator=(signing_key&&) noexcept = default;
  constexpr signing_key clone() const noexcept { return signing_key(k_.clone(), a_enc_); }

  // sign: as xeddsa::sign with the key this object was built from; `random`
  // must be 64 fresh random bytes per signature (see xeddsa::sign).
  constexpr signature sign(std::span<const std::uint8_t> msg, std::span<const std::uint8_t, 64> random) const noexcept {
    std::array<std::uint8_t, 32> a = detail::clamp(k_.expose());
    const signature sig = detail::sign_prepared(a, a_enc_, msg, random);
    e2ee::wipe(a);
    return sig;
  }
  // sign with the random bytes from `rng`; error::random_failure if it fails.
  template <random_source R>
  result<signature> sign(std::span<const std::uint8_t> msg, R& rng) const noexcept {
    std::array<std::uint8_t, 64> z{};
    if (!static_cast<bool>(rng.fill(z))) {
      e2ee::wipe(z);
      return error::random_failure;
    }
    const signature sig = sign(msg, std::span<const std::uint8_t, 64>(z));
    e2ee::wipe(z);
    return sig;
  }
  // sign with the random bytes from the operating system (e2ee::os_random).
  result<signature> sign(std::span<const std::uint8_t> msg) const noexcept {
    os_random rng;
    return sign(msg, rng);
  }

  // x25519_secret: the 32 secret bytes the key was built from, unclamped
  // (for serializing the key; secret: wipe any copy).
  constexpr std::span<const std::uint8_t, 32> x25519_secret() const noexcept { return k_.expose(); }
  // edwards_public: enc(A) with A's sign bit, A = clamp(k)·B.
  constexpr const std::array<std::uint8_t, 32>& edwards_public() const noexcept { return a_enc_; }

 private:
  constexpr signing_key(secret<32>&& k, const std::array<std::uint8_t, 32>& a_enc) noexcept
      : k_(std::move(k)), a_enc_(a_enc) {}
  // edwards_of: enc(clamp(k)·B); the clamped copy is wiped.
  static constexpr std::array<std::uint8_t, 32> edwards_of(std::span<const std::uint8_t, 32> k) noexcept {
    std::array<std::uint8_t, 32> a = detail::clamp(k);
    const std::array<std::uint8_t, 32> a_enc = e2ee::detail::ed25519::scalarmult_base_encoded(a);
    e2ee::wipe(a);
    return a_enc;
  }

  secret<32> k_;  // the X25519 secret as given (clamped per signature)
  std::array<std::uint8_t, 32> a_enc_{};
};

// verify: true iff `sig` is a valid Signal XEdDSA signature of `msg` under
// the X25519 public key `x25519_public` (32 bytes: the wire form without its
// 0x05 type byte), by the rule at the top of this file. False for any
// malformed input; never crashes. Variable time: every input is public.
constexpr bool verify(std::span<const std::uint8_t, 32> x25519_public, std::span<const std::uint8_t> msg,
                      std::span<const std::uint8_t, 64> sig) noexcept {
#if E2EE_HAVE_X86_KERNELS
  if (!std::is_constant_evaluated() && e2ee::detail::ed25519::mulx_enabled())
    return detail::verify_mulx(x25519_public, msg, sig);
#endif
  return detail::verify_portable(x25519_public, msg, sig);
}

// verifying_key: an X25519 public key prepared once for repeated XEdDSA
// verification (a Sender Keys receiver checks every group message of a
// sender under one key). from_x25519 maps u to the Edwards y = (u - 1)/(u + 1)
// and finds A's non-negative x; on the MULX/ADX field it also builds tables
// of odd multiples of A, 2^64·A, 2^128·A and 2^192·A (6 KB; the cost of
// about one verification, once), so that each verify computes s·B - h·A
// with a chain of 64 doublings and no decoding of R. verify gives exactly
// xeddsa::verify's verdict
// for the same key, message and signature (the sign of A still comes from
// each signature's bit 255). Build it once per key and keep it (not per
// message): it pays off from the second verification. Copyable; holds
// public data only. Variable time (public inputs).
class verifying_key {
 public:
  // from_x25519: the prepared key, or std::nullopt exactly for the keys
  // under which xeddsa::verify rejects every signature: u ≡ -1 (mod p) (no
  // Edwards image) and u with no point on edwards25519 ((y^2 - 1)/(d·y^2 + 1)
  // not a square: u on the twist). Keys are read as xeddsa::verify reads
  // them (bit 255 ignored, u >= p taken mod p); x25519_public() returns the
  // 32 bytes as given.
  static std::optional<verifying_key> from_x25519(std::span<const std::uint8_t, 32> x25519_public) noexcept {
    verifying_key k;
    std::copy(x25519_public.begin(), x25519_public.end(), k.u_.begin());
#if E2EE_HAVE_X86_KERNELS
    if (e2ee::detail::ed25519::mulx_enabled()) {
      if (!detail::prepare_mulx(x25519_public, k.y_, k.x_, k.tables_)) return std::nullopt;
      k.has_tables_ = true;
      return k;
    }
#endif
    if (!detail::prepare_portable(x25519_public, k.y_, k.x_)) return std::nullopt;
    return k;
  }

  // verify: xeddsa::verify(x25519_public(), msg, sig), faster.
  bool verify(std::span<const std::uint8_t> msg, std::span<const std::uint8_t, 64> sig) const noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (e2ee::detail::ed25519::mulx_enabled())
      return detail::verify_prepared_mulx(y_, x_, has_tables_ ? &tables_ : nullptr, msg, sig);
#endif
    return detail::verify_prepared_portable(y_, x_, msg, sig);
  }

  // x25519_public: the key this object was made from, as given.
  const std::array<std::uint8_t, 32>& x25519_public() const noexcept { return u_; }

 private:
  verifying_key() noexcept = default;
  std::array<std::uint8_t, 32> u_{};  // the X25519 key as given
  std::array<std::uint8_t, 32> y_{};  // enc(y) of A, bit 255 clear
  std::array<std::uint8_t, 32> x_{};  // A's non-negative x, canonical
#if E2EE_HAVE_X86_KERNELS
  // Made when the key is prepared on the MULX/ADX field (else verify on it
  // decodes A from y_ and x_ per call).
  e2ee::detail::ed25519_mulx::prepared_tables tables_{};
  bool has_tables_ = false;
#endif
};

}  // namespace xeddsa
E2EE_NAMESPACE_END
