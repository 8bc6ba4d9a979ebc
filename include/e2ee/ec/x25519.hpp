// e2ee/ec/x25519.hpp — X25519 Diffie-Hellman (RFC 7748): the raw scalarmult
// function, public-key derivation and the checked shared secret. constexpr and
// constant time in the scalar (and in the point): a Montgomery ladder with
// conditional swaps by mask, no secret branch, index or loop bound.
// Kernels (x25519_impl, curve25519_kernels.hpp): the portable 5x51 ladder
// (also the constexpr path) and a 4x64 MULX/ADX ladder
// (detail/x86/field25519_mulx.hpp), chosen per call from cpu::features();
// scalarmult/shared_secret(impl, ...) force one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include <string_view>

#include "../core/config.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/secret.hpp"
#include "../detail/x86/field25519_mulx.hpp"
#include "curve25519_kernels.hpp"  // x25519_impl; x25519::public_key: the fixed-base comb
#include "edwards25519.hpp"
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

// scalarmult_portable: RFC 7748 X25519 on the portable field (constexpr).
constexpr key scalarmult_portable(std::span<const std::uint8_t, 32> scalar,
                                  std::span<const std::uint8_t, 32> point) noexcept {
  key k = clamp(scalar);
  const auto u = f::from_bytes(point);
  auto r = ladder(k, u);
  const key out = f::to_bytes(r);
  e2ee::wipe(k);
  e2ee::wipe(r);
  return out;
}

// scalarmult_with: run time only; kernel `impl` (precondition: supported(impl);
// an unsupported kernel falls back to portable).
inline key scalarmult_with(x25519_impl impl, std::span<const std::uint8_t, 32> scalar,
                           std::span<const std::uint8_t, 32> point) noexcept {
#if E2EE_HAVE_X86_KERNELS
  if (impl == x25519_impl::mulx_adx && supported(impl)) {
    key k = clamp(scalar);
    const key out = e2ee::detail::f25519_mulx::scalarmult(k, point);
    e2ee::wipe(k);
    return out;
  }
#else
  (void)impl;
#endif
  return scalarmult_portable(scalar, point);
}

// is_all_zero_declassified: the public verdict "s is all zeros", computed in
// constant time; declassify makes only the verdict public.
constexpr bool is_all_zero_declassified(const key& s) noexcept {
  std::uint64_t acc = 0;
  for (const auto b : s) acc |= b;
  return ct::mask<std::uint64_t>::is_zero(acc).declassify();
}

}  // namespace detail

// scalarmult is the X25519 function of RFC 7748 5: clamps `scalar`, ignores
// bit 255 of `point` and accepts non-canonical u (>= p). It does no check:
// a small-order point gives the all-zero output (use shared_secret for key
// agreement). Constant time in both inputs. At run time it runs
// best_x25519_impl(); in constant evaluation the portable ladder.
constexpr key scalarmult(std::span<const std::uint8_t, 32> scalar, std::span<const std::uint8_t, 32> point) noexcept {
  // Dispatch directly on is_constant_evaluated(): a kernel choice stored in a
  // local first would be evaluated as a constant too (and be "portable").
  if (std::is_constant_evaluated()) return detail::scalarmult_portable(scalar, point);
  return detail::scalarmult_with(best_x25519_impl(), scalar, point);
}

// scalarmult (forced kernel): the same function on kernel `impl`, for tests
// and benchmarks. Precondition: supported(impl); an unsupported kernel runs
// the portable ladder instead. Constant evaluation always uses portable.
constexpr key scalarmult(x25519_impl impl, std::span<const std::uint8_t, 32> scalar,
                         std::span<const std::uint8_t, 32> point) noexcept {
  if (std::is_constant_evaluated()) return detail::scalarmult_portable(scalar, point);
  return detail::scalarmult_with(impl, scalar, point);
}

// public_key: X25519(secret, 9), the public key for a 32-byte secret key,
// bit for bit what scalarmult(secret, base_point) returns, but faster:
// the clamped scalar k times the Edwards base point through the compile-time
// comb (edwards25519.hpp), then the birational map to Montgomery form,
// u = (1 + y)/(1 - y) = (Z + Y)/(Z - Y) (RFC 7748 4.1). k·B is never the
// identity for a clamped k < 2^255 unless L divides k, and then both paths
// give u = 0 (invert(0) = 0). Constant time in the secret. Runs on
// best_x25519_impl()'s field (the MULX/ADX comb when the CPU has BMI2/ADX).
constexpr key public_key(std::span<const std::uint8_t, 32> secret_key) noexcept {
  key k = detail::clamp(secret_key);
  const key out = e2ee::detail::ed25519::scalarmult_base_montgomery_u(k);
  e2ee::wipe(k);
  return out;
}

// shared_secret: X25519(secret, peer) for key agreement, or nullopt when the
// result is all zeros (peer is a point of small order, RFC 7748 6.1: the
// "check for the all-zero value"). The check runs in constant time; only its
// verdict is made public. The caller must still hash the secret (e.g. HKDF)
// before using it as a key.
constexpr std::optional<key> shared_secret(std::span<const std::uint8_t, 32> secret_key,
                                           std::span<const std::uint8_t, 32> peer_public) noexcept {
  key s = scalarmult(secret_key, peer_public);
  // The verdict becomes public here (declassify also tells the valgrind check).
  if (detail::is_all_zero_declassified(s)) return std::nullopt;
  return s;
}

// shared_secret (forced kernel): as above on kernel `impl` (tests, benchmarks;
// precondition supported(impl), else portable).
constexpr std::optional<key> shared_secret(x25519_impl impl, std::span<const std::uint8_t, 32> secret_key,
                                           std::span<const std::uint8_t, 32> peer_public) noexcept {
  key s = scalarmult(impl, secret_key, peer_public);
  if (detail::is_all_zero_declassified(s)) return std::nullopt;
  return s;
}

}  // namespace x25519
E2EE_NAMESPACE_END
