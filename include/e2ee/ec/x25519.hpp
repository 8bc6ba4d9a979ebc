// e2ee/ec/x25519.hpp — X25519 Diffie-Hellman (RFC 7748): the raw scalarmult
// function, public-key derivation and the checked shared secret. constexpr and
// constant time in the scalar (and in the point): a Montgomery ladder with
// conditional swaps by mask, no secret branch, index or loop bound.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/secret.hpp"
#include "field25519.hpp"

E2EE_NAMESPACE_BEGIN
namespace x25519 {

inline constexpr std::size_t key_size = 32;
using key = std::array<std::uint8_t, 32>;

// base_point: u = 9 (RFC 7748 4.1).
inline constexpr key base_point{9};

namespace detail {

namespace f = e2ee::detail::f25519;

// clamp: RFC 7748 5, decodeScalar25519: clear the 3 low bits and bit 255,
// set bit 254.
constexpr key clamp(std::span<const std::uint8_t, 32> k) noexcept {
  key s{};
  for (std::size_t i = 0; i < 32; ++i) s[i] = k[i];
  s[0] = static_cast<std::uint8_t>(s[0] & 248u);
  s[31] = static_cast<std::uint8_t>((s[31] & 127u) | 64u);
  return s;
}

// ladder_state: (x2 : z2) and (x3 : z3), the projective u-coordinates of
// k'·P and (k'+1)·P for the scalar prefix k' processed so far.
struct ladder_state {
  f::tight x2, z2, x3, z3;
};

// ladder_step: one differential double-and-add of RFC 7748 5 (after the
// conditional swap): (x2 : z2) <- 2·(x2 : z2), (x3 : z3) <- sum, with x1 the
// u-coordinate of the difference P. a24 = (486662 - 2) / 4 = 121665.
constexpr void ladder_step(ladder_state& s, const f::tight& x1) noexcept {
  const f::loose a = f::add(s.x2, s.z2);
  const f::tight aa = f::square(a);
  const f::loose b = f::sub(s.x2, s.z2);
  const f::tight bb = f::square(b);
  const f::tight e = f::carry(f::sub(aa, bb));
  const f::loose c = f::add(s.x3, s.z3);
  const f::loose d = f::sub(s.x3, s.z3);
  const f::tight da = f::mul(d, a);
  const f::tight cb = f::mul(c, b);
  s.x3 = f::square(f::add(da, cb));
  s.z3 = f::mul(x1, f::square(f::sub(da, cb)));
  s.x2 = f::mul(aa, bb);
  s.z2 = f::mul(e, f::add(aa, f::mul_small(e, 121665)));
}

// ladder: the u-coordinate of k·u as a field element, for a clamped scalar k
// (bits 255 and 0..2 are not read: bit 254 is the top bit processed).
constexpr f::tight ladder(const key& k, const f::tight& x1) noexcept {
  ladder_state s{f::one, f::zero, x1, f::one};
  std::uint64_t swap = 0;
  for (int t = 254; t >= 0; --t) {
    const std::uint64_t bit = (k[static_cast<std::size_t>(t) / 8] >> (t % 8)) & 1u;
    swap ^= bit;
    const auto m = ct::mask<std::uint64_t>::from_bit(swap);
    f::cswap(s.x2, s.x3, m);
    f::cswap(s.z2, s.z3, m);
    swap = bit;
    ladder_step(s, x1);
  }
  const auto m = ct::mask<std::uint64_t>::from_bit(swap);
  f::cswap(s.x2, s.x3, m);
  f::cswap(s.z2, s.z3, m);
  const f::tight r = f::mul(s.x2, f::invert(s.z2));  // z2 = 0 gives 0
  e2ee::wipe(s);
  return r;
}

}  // namespace detail

// scalarmult is the X25519 function of RFC 7748 5: clamps `scalar`, ignores
// bit 255 of `point` and accepts non-canonical u (>= p). It does no check:
// a small-order point gives the all-zero output (use shared_secret for key
// agreement). Constant time in both inputs.
constexpr key scalarmult(std::span<const std::uint8_t, 32> scalar, std::span<const std::uint8_t, 32> point) noexcept {
  key k = detail::clamp(scalar);
  const auto u = e2ee::detail::f25519::from_bytes(point);
  auto r = detail::ladder(k, u);
  const key out = e2ee::detail::f25519::to_bytes(r);
  e2ee::wipe(k);
  e2ee::wipe(r);
  return out;
}

// public_key: X25519(secret, 9), the public key for a 32-byte secret key.
// For now it runs the Montgomery ladder from u = 9 like scalarmult; a faster
// fixed-base path (an Edwards comb table built at compile time) comes later
// with the same results.
constexpr key public_key(std::span<const std::uint8_t, 32> secret_key) noexcept {
  return scalarmult(secret_key, base_point);
}

// shared_secret: X25519(secret, peer) for key agreement, or nullopt when the
// result is all zeros (peer is a point of small order, RFC 7748 6.1: the
// "check for the all-zero value"). The check runs in constant time; only its
// verdict is made public. The caller must still hash the secret (e.g. HKDF)
// before using it as a key.
constexpr std::optional<key> shared_secret(std::span<const std::uint8_t, 32> secret_key,
                                           std::span<const std::uint8_t, 32> peer_public) noexcept {
  key s = scalarmult(secret_key, peer_public);
  std::uint64_t acc = 0;
  for (const auto b : s) acc |= b;
  // The verdict becomes public here (declassify also tells the valgrind check).
  if (ct::mask<std::uint64_t>::is_zero(acc).declassify()) return std::nullopt;
  return s;
}

}  // namespace x25519
E2EE_NAMESPACE_END
