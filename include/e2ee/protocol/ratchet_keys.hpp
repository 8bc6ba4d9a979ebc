// e2ee/protocol/ratchet_keys.hpp — the key schedule of Signal's Double
// Ratchet (SIGNAL.md A3, A4), protocol version 3:
//
//   root step:   RK' || CK = HKDF(salt = RK, ikm = DH(ours, theirs), "WhisperRatchet", 64)
//   chain step:  seed = HMAC(CK, 0x01),  CK' = HMAC(CK, 0x02)
//   message:     cipher_key(32) || mac_key(32) || iv(16)
//                  = HKDF(no salt, seed, "WhisperMessageKeys", 80)
//
// Every key is a secret<32>: wiped on destruction, never copied implicitly.
// DH results that are all zero (a small-order public key) are refused with
// error::invalid_key, as Rust libsignal does (libsignal-protocol-c would carry
// on with the zero secret).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/secret.hpp"
#include "../ec/x25519.hpp"
#include "../hash/sha256.hpp"
#include "../kdf/hkdf.hpp"
#include "../mac/hmac.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

namespace detail {
inline std::span<const std::uint8_t> ascii(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline constexpr std::string_view info_text = "WhisperText";
inline constexpr std::string_view info_ratchet = "WhisperRatchet";
inline constexpr std::string_view info_message_keys = "WhisperMessageKeys";
}  // namespace detail

// message_keys: what one message is encrypted and authenticated with.
struct message_keys {
  secret<32> cipher_key;
  secret<32> mac_key;
  secret<16> iv;
  std::uint32_t counter = 0;
};

class chain_key {
 public:
  chain_key(std::span<const std::uint8_t, 32> key, std::uint32_t index) noexcept : key_(key), index_(index) {}

  std::uint32_t index() const noexcept { return index_; }
  std::span<const std::uint8_t, 32> key() const noexcept { return key_.expose(); }
  chain_key clone() const noexcept { return chain_key(key_.expose(), index_); }

  // next: the chain key for index + 1.
  chain_key next() const noexcept {
    constexpr std::array<std::uint8_t, 1> two{0x02};
    auto k = hmac<sha256>::mac(key_.expose(), two);
    chain_key n(k, index_ + 1);
    secure_wipe(k.data(), k.size());
    return n;
  }

  // keys: the message keys for this index.
  message_keys keys() const noexcept {
    auto okm = message_material<80>(detail::ascii(detail::info_message_keys));
    message_keys m{secret<32>(std::span<const std::uint8_t, 32>(okm.data(), 32)),
                   secret<32>(std::span<const std::uint8_t, 32>(okm.data() + 32, 32)),
                   secret<16>(std::span<const std::uint8_t, 16>(okm.data() + 64, 16)), index_};
    secure_wipe(okm.data(), okm.size());
    return m;
  }

  // message_material: HKDF(no salt, HMAC(CK, 0x01), info, N), the message
  // key material for this index under a suite's own info string (keys() is
  // the v3 one). The caller wipes the result.
  template <std::size_t N>
  std::array<std::uint8_t, N> message_material(std::span<const std::uint8_t> info) const noexcept {
    constexpr std::array<std::uint8_t, 1> one{0x01};
    auto seed = hmac<sha256>::mac(key_.expose(), one);
    auto okm = hkdf<sha256>::template derive<N>({}, seed, info);
    secure_wipe(seed.data(), seed.size());
    return okm;
  }

 private:
  secret<32> key_;
  std::uint32_t index_;
};

class root_key {
 public:
  explicit root_key(std::span<const std::uint8_t, 32> key) noexcept : key_(key) {}
  std::span<const std::uint8_t, 32> key() const noexcept { return key_.expose(); }
  root_key clone() const noexcept { return root_key(key_.expose()); }

  // step: one root-chain step with DH(our_private, their_public); gives the
  // next root key and a fresh chain (index 0).
  result<std::pair<root_key, chain_key>> step(std::span<const std::uint8_t, 32> their_public,
                                              std::span<const std::uint8_t, 32> our_private) const noexcept {
    auto okm = step_material<64>(their_public, our_private, detail::ascii(detail::info_ratchet));
    if (!okm) return okm.error();
    std::pair<root_key, chain_key> out{root_key(std::span<const std::uint8_t, 32>(okm->data(), 32)),
                                       chain_key(std::span<const std::uint8_t, 32>(okm->data() + 32, 32), 0)};
    secure_wipe(okm->data(), okm->size());
    return out;
  }

  // step_material: HKDF(salt = RK, ikm = DH(our_private, their_public),
  // info, N) — the root step under a suite's own info string and length
  // (step() is the v3 one). error::invalid_key for an all-zero DH result.
  // The caller wipes the result.
  template <std::size_t N>
  result<std::array<std::uint8_t, N>> step_material(std::span<const std::uint8_t, 32> their_public,
                                                    std::span<const std::uint8_t, 32> our_private,
                                                    std::span<const std::uint8_t> info) const noexcept {
    auto dh = x25519::shared_secret(our_private, their_public);
    if (!dh) return error::invalid_key;
    auto okm = hkdf<sha256>::template derive<N>(key_.expose(), *dh, info);
    secure_wipe(dh->data(), dh->size());
    return okm;
  }

 private:
  secret<32> key_;
};

// initial_keys: RK || CK = HKDF(no salt, master, "WhisperText", 64), the end
// of X3DH (x3dh.hpp builds `master`).
template <class = void>
std::pair<root_key, chain_key> initial_keys(std::span<const std::uint8_t> master) noexcept {
  auto okm = hkdf<sha256>::derive<64>({}, master, detail::ascii(detail::info_text));
  std::pair<root_key, chain_key> out{root_key(std::span<const std::uint8_t, 32>(okm.data(), 32)),
                                     chain_key(std::span<const std::uint8_t, 32>(okm.data() + 32, 32), 0)};
  secure_wipe(okm.data(), okm.size());
  return out;
}

}  // namespace protocol
E2EE_NAMESPACE_END
