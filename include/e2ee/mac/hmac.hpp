// e2ee/mac/hmac.hpp — HMAC (RFC 2104; test vectors RFC 4231) over e2ee::sha256
// or e2ee::sha512.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../hash/sha256.hpp"
#include "../hash/sha512.hpp"
#include "../hash/sha2_common.hpp"

E2EE_NAMESPACE_BEGIN

// hmac<H> computes HMAC-H (RFC 2104) with a key of any length. The key's inner
// and outer pad blocks are compressed once, at construction (both at the same
// time on SHA-NI), and kept: finish() returns the tag and leaves the object
// ready for a new message under the same key. The key states are wiped on
// destruction, the per-message state on finish(). Keys longer than the block
// are hashed first (RFC 2104, 2); keys shorter than the digest are allowed but
// weak (RFC 2104, 3). Lengths are public; key and message bytes may be secret.
template <class H>
class hmac {
 public:
  static constexpr std::size_t tag_size = H::digest_size;
  using tag = std::array<std::uint8_t, H::digest_size>;

  constexpr explicit hmac(std::span<const std::uint8_t> key) noexcept { absorb_key(key); }
  constexpr hmac(const hmac&) noexcept = default;
  constexpr hmac& operator=(const hmac&) noexcept = default;
  constexpr ~hmac() {
    e2ee::wipe(ipad_state_);
    e2ee::wipe(opad_state_);
  }

  // update absorbs more message bytes.
  constexpr void update(std::span<const std::uint8_t> msg) noexcept { inner_.update(msg); }

  // finish returns the tag and starts a new message under the same key.
  constexpr tag finish() noexcept {
    tag t;
    finish_into(t.data());
    return t;
  }

  // mac returns HMAC-H(key, msg).
  static constexpr tag mac(std::span<const std::uint8_t> key,
                           std::span<const std::uint8_t> msg) noexcept {
    tag t;
    if (key.size() <= block_size && msg.size() <= H::final_block_capacity) {
      mac_one_block(key, msg, t.data());  // the ratchet's chain step: no object, no buffering
    } else {
      hmac m(key);
      m.update(msg);
      m.finish_into(t.data());
    }
    return t;
  }

  // verify recomputes the tag and compares its first expected_tag.size() bytes
  // with expected_tag in constant time. False if they differ or if the expected
  // tag is empty or longer than tag_size. Truncation below half the tag weakens
  // the MAC (RFC 2104, 5); Signal truncates HMAC-SHA256 to 8 bytes.
  static constexpr bool verify(std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg,
                               std::span<const std::uint8_t> expected_tag) noexcept {
    if (expected_tag.empty() || expected_tag.size() > tag_size) return false;
    tag t = mac(key, msg);
    const auto same = ct::equal_mask(t.data(), expected_tag.data(), expected_tag.size());
    e2ee::wipe(t);
    return same.declassify();
  }

 private:
  template <class>
  friend struct hkdf;
  using chaining_value = typename H::chaining_value;
  static constexpr std::size_t block_size = H::block_size;

  // absorb_key computes the chaining values after K0 ^ ipad and K0 ^ opad
  // (RFC 2104, steps 1-2 and the first block of steps 4 and 7).
  constexpr void absorb_key(std::span<const std::uint8_t> key) noexcept {
    std::array<std::uint8_t, block_size> k0{};  // K0: key padded (or hashed) to the block
    if (key.size() > block_size) {
      H kh(inner_.impl_);
      kh.update(key);
      kh.finish_into(k0.data());
    } else {
      detail::sha2_copy(k0.data(), key.data(), key.size());
    }
    H::hmac_key_states(inner_.impl_, k0.data(), ipad_state_, opad_state_);
    inner_.resume(ipad_state_, block_size);
    e2ee::wipe(k0);
  }

  // mac_one_block: HMAC for a key of at most one block and a message that fits
  // the inner hash's last block with its padding: key states, then the inner
  // block and the outer block, straight from local buffers.
  static constexpr void mac_one_block(std::span<const std::uint8_t> key,
                                      std::span<const std::uint8_t> msg, std::uint8_t* out) noexcept {
    auto impl = H::default_impl();  // not const: a const enum initialiser is evaluated as a constant (portable)
    if (!std::is_constant_evaluated() && H::hmac_short(impl, key, msg, out)) return;
    std::array<std::uint8_t, block_size> k0{};
    detail::sha2_copy(k0.data(), key.data(), key.size());
    chaining_value ipad, opad;
    H::hmac_key_states(impl, k0.data(), ipad, opad);
    std::array<std::uint8_t, block_size> last;
    detail::sha2_copy(last.data(), msg.data(), msg.size());
    H::pad_final(last.data(), msg.size(), block_size + msg.size());
    H::hmac_final_block(impl, ipad, last.data(), opad, out);
    e2ee::wipe(k0);
    e2ee::wipe(last);
    e2ee::wipe(ipad);
    e2ee::wipe(opad);
  }

  // finish_into writes the tag to out[0..tag_size) (RFC 2104 steps 5-9) and
  // restarts the inner hash from the key state.
  constexpr void finish_into(std::uint8_t* out) noexcept {
    inner_.hmac_finish_into(opad_state_, out);
    inner_.resume(ipad_state_, block_size);
  }

  H inner_;
  chaining_value ipad_state_, opad_state_;
};

E2EE_NAMESPACE_END
