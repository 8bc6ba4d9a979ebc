// e2ee/ec/conversions.hpp — Ed25519 keys <-> X25519 keys through the
// birational map between edwards25519 and Curve25519 (RFC 7748 4.1):
//   u = (1 + y)/(1 - y),   y = (u - 1)/(u + 1).
// A Montgomery u has no sign, so the way back needs the sign of the Edwards
// x (bit 255 of the Ed25519 encoding); without it the result is one of the
// two points ±A.
//
// What is accepted (the rules are strict on purpose; docs/xeddsa.md has the
// table, and xeddsa::verify has its own, Signal-compatible conversion):
//   x25519::from_ed25519_public(A): nullopt when A is not a valid strict
//     RFC 8032 encoding (y >= p, no x, or x = 0 with sign 1) or A has small
//     order (the identity has no u at all; the other seven points map to the
//     small-order u that X25519 key agreement rejects anyway). Mixed-order A
//     (torsion component) is converted: X25519's clamped scalars clear it.
//     libsodium's crypto_sign_ed25519_pk_to_curve25519 also rejects those.
//   ed25519::from_x25519_public(u, sign): nullopt when u is not canonical
//     (u >= p or bit 255 set), u = p - 1 (no Edwards image), u is not on
//     Curve25519 (a twist point: no x), the point has small order, or sign is
//     not 0 or 1.
//   x25519::from_ed25519_seed(seed): the X25519 secret key of an Ed25519
//     seed: clamp(SHA-512(seed)[0..32]), the very scalar Ed25519 signs with,
//     so x25519::public_key of it equals from_ed25519_public(the Ed25519
//     public key). Constant time in the seed; temporaries wiped.
// All variable time in the public keys (public inputs), constexpr.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "../core/config.hpp"
#include "../core/secret.hpp"
#include "../hash/sha512.hpp"
#include "edwards25519.hpp"
#include "field25519.hpp"

E2EE_NAMESPACE_BEGIN

namespace detail::conv {

namespace f = e2ee::detail::f25519;
namespace ge = e2ee::detail::ed25519;

// has_small_order_vartime: 8·P is the identity.
constexpr bool has_small_order_vartime(const ge::p3& p) noexcept {
  return ge::is_identity_vartime(ge::mul_by_cofactor(p));
}

}  // namespace detail::conv

namespace x25519 {

// from_ed25519_public: the X25519 public key u = (1 + y)/(1 - y) of the
// Ed25519 public key `ed25519_public`, or nullopt when that is not a valid
// encoding or has small order (rules at the top of this file).
constexpr std::optional<std::array<std::uint8_t, 32>> from_ed25519_public(
    std::span<const std::uint8_t, 32> ed25519_public) noexcept {
  namespace f = e2ee::detail::f25519;
  namespace ge = e2ee::detail::ed25519;
  ge::p3 a{};
  if (!ge::decode_vartime(ed25519_public, a)) return std::nullopt;
  if (e2ee::detail::conv::has_small_order_vartime(a)) return std::nullopt;  // also y = 1: 1 - y = 0
  // decode_vartime leaves Z = 1, so y = Y.
  const f::tight u = f::mul(f::add(f::one, a.y), f::invert(f::carry(f::sub(f::one, a.y))));
  return f::to_bytes(u);
}

// from_ed25519_seed: the X25519 secret key clamp(SHA-512(seed)[0..32]) that
// belongs to the Ed25519 key pair of `seed` (RFC 8032 5.1.5 steps 1-2).
// Signing with Ed25519 and agreeing with X25519 on one key is possible but
// not recommended; prefer separate keys, or XEdDSA (ec/xeddsa.hpp).
constexpr secret<32> from_ed25519_seed(std::span<const std::uint8_t, 32> seed) noexcept {
  std::array<std::uint8_t, 64> h = sha512::hash(seed);
  h[0] = static_cast<std::uint8_t>(h[0] & 248u);
  h[31] = static_cast<std::uint8_t>((h[31] & 127u) | 64u);
  secret<32> s(std::span<const std::uint8_t, 32>(h.data(), 32));
  e2ee::wipe(h);
  return s;
}

}  // namespace x25519

namespace ed25519 {

// from_x25519_public: the Ed25519 public key (y = (u - 1)/(u + 1), x with
// sign `sign_bit`) of the X25519 public key `u`, or nullopt when u is not a
// canonical encoding of a Curve25519 point of large order, or sign_bit is
// not 0 or 1 (rules at the top of this file).
constexpr std::optional<std::array<std::uint8_t, 32>> from_x25519_public(std::span<const std::uint8_t, 32> u,
                                                                         unsigned sign_bit = 0) noexcept {
  namespace f = e2ee::detail::f25519;
  namespace ge = e2ee::detail::ed25519;
  if (sign_bit > 1) return std::nullopt;
  if ((u[31] & 0x80u) != 0 || !f::is_canonical(u)) return std::nullopt;
  const f::tight uf = f::from_bytes(u);
  const f::tight up1 = f::carry(f::add(uf, f::one));
  if (f::is_zero_mask(up1).declassify()) return std::nullopt;  // u = p - 1
  const f::tight y = f::mul(f::sub(uf, f::one), f::invert(up1));
  std::array<std::uint8_t, 32> enc = f::to_bytes(y);
  enc[31] = static_cast<std::uint8_t>(enc[31] | (sign_bit << 7));
  ge::p3 a{};
  if (!ge::decode_vartime(enc, a)) return std::nullopt;  // twist point (or x = 0 with sign 1)
  if (e2ee::detail::conv::has_small_order_vartime(a)) return std::nullopt;
  return enc;
}

}  // namespace ed25519

E2EE_NAMESPACE_END
