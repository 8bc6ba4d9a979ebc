// e2ee/protocol/x3dh.hpp — X3DH key agreement as Signal runs it, session
// version 3 (SIGNAL.md A3), in both roles:
//
//   Alice:  master = 0xFF*32 || DH(IKa, SPKb) || DH(EKa, IKb) || DH(EKa, SPKb) [|| DH(EKa, OPKb)]
//   Bob:    master = 0xFF*32 || DH(SPKb, IKa) || DH(IKb, EKa) || DH(SPKb, EKa) [|| DH(OPKb, EKa)]
//   RK || CK = HKDF(no salt, master, "WhisperText", 64)
//
// Private keys are 32 raw bytes; X25519 clamps them (RFC 7748), as Rust
// libsignal does. libsignal-protocol-c uses unclamped scalars, which differs
// only for keys that were never clamped: e2ee generates clamped keys, so the
// two agree on every key either implementation creates (see docs).
// Checking the signed prekey's signature is the caller's job before this
// (the session builder does it); a small-order public key (all-zero DH) is
// error::invalid_key. The master secret is wiped before returning.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/secret.hpp"
#include "../ec/x25519.hpp"
#include "ratchet_keys.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

using key_span = std::span<const std::uint8_t, 32>;

struct x3dh_alice_keys {
  key_span identity_private;       // IKa
  key_span base_private;           // EKa, fresh for this session
  key_span their_identity;         // IKb
  key_span their_signed_pre_key;   // SPKb (signature already checked)
  std::optional<key_span> their_one_time_pre_key{};  // OPKb, if the bundle had one
};

struct x3dh_bob_keys {
  key_span identity_private;       // IKb
  key_span signed_pre_key_private; // SPKb
  std::optional<key_span> one_time_pre_key_private{};  // OPKb, if Alice used one
  key_span their_identity;         // IKa
  key_span their_base_key;         // EKa
};

namespace detail {

struct dh_pair {
  key_span priv, pub;
};

template <class = void>
result<std::pair<root_key, chain_key>> x3dh_derive(std::span<const dh_pair> dhs) noexcept {
  std::array<std::uint8_t, 32 * 5> master{};
  for (std::size_t i = 0; i < 32; ++i) master[i] = 0xff;
  std::size_t n = 32;
  bool ok = true;
  for (const auto& d : dhs) {
    auto s = x25519::shared_secret(d.priv, d.pub);
    if (!s) {
      ok = false;
      break;
    }
    for (std::size_t i = 0; i < 32; ++i) master[n + i] = (*s)[i];
    secure_wipe(s->data(), s->size());
    n += 32;
  }
  if (!ok) {
    secure_wipe(master.data(), master.size());
    return error::invalid_key;
  }
  auto keys = initial_keys(std::span<const std::uint8_t>(master.data(), n));
  secure_wipe(master.data(), master.size());
  return keys;
}

}  // namespace detail

// The fourth slot of each table is a placeholder (spans have no empty
// state); it is used only when a one-time prekey is present.
template <class = void>
result<std::pair<root_key, chain_key>> x3dh_alice(const x3dh_alice_keys& k) noexcept {
  std::array<detail::dh_pair, 4> d{{{k.identity_private, k.their_signed_pre_key},
                                    {k.base_private, k.their_identity},
                                    {k.base_private, k.their_signed_pre_key},
                                    {k.base_private, k.base_private}}};
  std::size_t n = 3;
  if (k.their_one_time_pre_key) d[n++] = {k.base_private, *k.their_one_time_pre_key};
  return detail::x3dh_derive(std::span<const detail::dh_pair>(d.data(), n));
}

template <class = void>
result<std::pair<root_key, chain_key>> x3dh_bob(const x3dh_bob_keys& k) noexcept {
  std::array<detail::dh_pair, 4> d{{{k.signed_pre_key_private, k.their_identity},
                                    {k.identity_private, k.their_base_key},
                                    {k.signed_pre_key_private, k.their_base_key},
                                    {k.signed_pre_key_private, k.their_base_key}}};
  std::size_t n = 3;
  if (k.one_time_pre_key_private) d[n++] = {*k.one_time_pre_key_private, k.their_base_key};
  return detail::x3dh_derive(std::span<const detail::dh_pair>(d.data(), n));
}

}  // namespace protocol
E2EE_NAMESPACE_END
