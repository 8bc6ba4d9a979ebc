// e2ee/ec/ed25519.hpp — Ed25519 signatures (RFC 8032 5.1, "pure" Ed25519, no
// context, no prehash): key pair from a 32-byte seed, sign, verify. constexpr;
// key generation and signing are constant time in the seed and the expanded
// secret (fixed-base multiplication with masked table selection).
//
// Verification rule (what verify accepts), fixed here and the same for every
// kernel:
//   1. The signature is 64 bytes R || S (the fixed-extent span enforces it).
//   2. S must be canonical: S < L. S >= L is rejected (RFC 8032 5.1.7 step 1;
//      this is what makes signatures non-malleable).
//   3. A (public key) and R must decode under RFC 8032 5.1.3 strictly:
//      y < p (non-canonical y in [p, 2^255) is rejected), x must exist, and
//      the encoding x = 0 with sign bit 1 is rejected.
//   4. Small-order and mixed-order A and R are NOT rejected (RFC 8032 does
//      not reject them; libsodium does — a documented difference).
//   5. k = SHA-512(R bytes || A bytes || M) mod L, over the bytes as given.
//   6. The cofactored equation: [8]([S]B - [k]A - R) = identity. It accepts
//      every signature the cofactorless [S]B = R + [k]A accepts, and also
//      ones whose difference is a small-order point; batch verification (a
//      random linear combination) can only be consistent with this form,
//      so single and batch verification give the same verdict.
// Edge-case table and the comparison with libsodium/OpenSSL/ZIP-215:
// docs/ed25519.md (to be written).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/secret.hpp"
#include "../hash/sha512.hpp"
#include "edwards25519.hpp"
#include "scalar25519.hpp"

E2EE_NAMESPACE_BEGIN
namespace ed25519 {

inline constexpr std::size_t seed_size = 32;
inline constexpr std::size_t public_key_size = 32;
inline constexpr std::size_t signature_size = 64;
using public_key_bytes = std::array<std::uint8_t, 32>;
using signature = std::array<std::uint8_t, 64>;

// key_pair holds a seed (the RFC 8032 private key), its expansion (the
// clamped secret scalar s and the nonce prefix, RFC 8032 5.1.5) and the
// public key A = s·B. The secret parts are wiped on destruction; the object
// can be moved but not copied.
class key_pair {
 public:
  // from_seed: RFC 8032 5.1.5. Any 32 bytes are a valid seed; take them
  // from a cryptographic random source (e2ee::os_random).
  static constexpr key_pair from_seed(std::span<const std::uint8_t, 32> seed) noexcept {
    key_pair kp;
    std::array<std::uint8_t, 64> h = sha512::hash(seed);
    h[0] = static_cast<std::uint8_t>(h[0] & 248u);
    h[31] = static_cast<std::uint8_t>((h[31] & 127u) | 64u);
    std::copy(seed.begin(), seed.end(), kp.seed_.writable().begin());
    std::copy(h.begin(), h.end(), kp.expanded_.writable().begin());
    const std::span<const std::uint8_t, 32> s(h.data(), 32);
    auto a = detail::ed25519::scalarmult_base(s);
    kp.public_key = detail::ed25519::encode(a);
    e2ee::wipe(a);
    e2ee::wipe(h);
    return kp;
  }

  // public_key: the 32-byte encoding of A (RFC 8032 5.1.2).
  public_key_bytes public_key{};

  // seed: the 32-byte private key, for storing it.
  constexpr std::span<const std::uint8_t, 32> seed() const noexcept { return seed_.expose(); }

 private:
  friend constexpr signature sign(const key_pair&, std::span<const std::uint8_t>) noexcept;
  constexpr key_pair() noexcept = default;
  constexpr std::span<const std::uint8_t, 32> scalar() const noexcept { return expanded_.expose().first<32>(); }
  constexpr std::span<const std::uint8_t, 32> prefix() const noexcept { return expanded_.expose().last<32>(); }

  secret<32> seed_;
  secret<64> expanded_;  // clamped s (32 bytes) || prefix (32 bytes)
};

namespace detail {

// hash_mod_l: SHA-512(a || b || msg) mod L (RFC 8032 5.1.6 steps 2 and 4).
// The digest is wiped: in step 2 it is the secret nonce.
constexpr e2ee::detail::sc25519::scalar hash_mod_l(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                                                   std::span<const std::uint8_t> msg) noexcept {
  sha512 h;
  h.update(a);
  h.update(b);
  h.update(msg);
  auto d = h.finish();
  const auto r = e2ee::detail::sc25519::reduce_wide(d);
  e2ee::wipe(d);
  return r;
}

}  // namespace detail

// sign: RFC 8032 5.1.6. Deterministic: the same key and message always give
// the same signature. Constant time in the secret key.
constexpr signature sign(const key_pair& kp, std::span<const std::uint8_t> msg) noexcept {
  namespace sc = e2ee::detail::sc25519;
  auto r = detail::hash_mod_l(kp.prefix(), {}, msg);
  auto r_bytes = sc::to_bytes(r);
  auto rp = e2ee::detail::ed25519::scalarmult_base(r_bytes);
  signature sig{};
  const auto r_enc = e2ee::detail::ed25519::encode(rp);
  const auto k = detail::hash_mod_l(r_enc, kp.public_key, msg);
  auto s = sc::from_bytes(kp.scalar());
  auto big_s = sc::muladd(k, s, r);
  const auto s_enc = sc::to_bytes(big_s);
  for (std::size_t i = 0; i < 32; ++i) {
    sig[i] = r_enc[i];
    sig[32 + i] = s_enc[i];
  }
  e2ee::wipe(r);
  e2ee::wipe(r_bytes);
  e2ee::wipe(rp);
  e2ee::wipe(s);
  e2ee::wipe(big_s);
  return sig;
}

// verify: true iff `sig` is a valid signature of `msg` under `public_key`
// according to the rule at the top of this file (strict encodings, S < L,
// cofactored equation). False for any malformed input; never crashes.
// Variable time: every input is public.
constexpr bool verify(std::span<const std::uint8_t, 64> sig, std::span<const std::uint8_t, 32> public_key,
                      std::span<const std::uint8_t> msg) noexcept {
  namespace ge = e2ee::detail::ed25519;
  namespace sc = e2ee::detail::sc25519;
  const std::span<const std::uint8_t, 32> r_enc = sig.first<32>();
  const std::span<const std::uint8_t, 32> s_enc = sig.last<32>();
  if (!sc::is_canonical(s_enc)) return false;
  ge::p3 a{}, r{};
  if (!ge::decode_vartime(public_key, a)) return false;
  if (!ge::decode_vartime(r_enc, r)) return false;
  const auto k = sc::to_bytes(detail::hash_mod_l(r_enc, public_key, msg));
  // [S]B - [k]A = [S]B + [k](-A)
  const ge::p3 neg_a{e2ee::detail::f25519::carry(e2ee::detail::f25519::neg(a.x)), a.y, a.z,
                     e2ee::detail::f25519::carry(e2ee::detail::f25519::neg(a.t))};
  const ge::p3 sb_ka = ge::double_scalarmult_vartime(k, neg_a, s_enc);
  const ge::p3 diff = ge::to_p3(ge::sub(sb_ka, ge::to_cached(r)));
  return ge::is_identity_vartime(ge::mul_by_cofactor(diff));
}

}  // namespace ed25519
E2EE_NAMESPACE_END
