// e2ee/hash/sha2_common.hpp — what SHA-256 and SHA-512 share: the streaming
// engine (buffering, padding, one-shot hashing, wiping) and the hooks HMAC and
// HKDF use. Internal: users include hash/sha256.hpp or hash/sha512.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/secret.hpp"  // wipe: secret temporaries

E2EE_NAMESPACE_BEGIN

template <class H>
class hmac;
template <class H>
struct hkdf;

namespace detail {

// sha2_copy copies n bytes; std::copy keeps it usable in constant evaluation
// and becomes memmove at run time.
constexpr void sha2_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  if (std::is_constant_evaluated()) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
  } else if (n != 0) {
    std::memcpy(dst, src, n);
  }
}

// sha2_zero zeroes n bytes of a buffer that is about to be filled (padding);
// not a wipe, the caller's data is overwritten right after.
constexpr void sha2_zero(std::uint8_t* dst, std::size_t n) noexcept {
  if (std::is_constant_evaluated()) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = 0;
  } else if (n != 0) {
    std::memset(dst, 0, n);
  }
}

// sha2_engine<Traits> is the body of sha256 and sha512 (FIPS 180-4, 5.1 and
// 6): it buffers the message into blocks, pads it, and hands whole blocks to
// the kernel chosen at construction. Traits gives the sizes and the kernels:
//   impl_type, chaining_value (array of 8 words), digest_size, block_size,
//   length_size (bytes of the bit length: 8 or 16), initial_value(), best(),
//   compress(impl, h, p, blocks) (constexpr; portable in constant evaluation),
//   compress_message(impl, h, p, blocks, tail, tail_blocks) (run time: a
//   message's full blocks, then its padded tail, in one kernel call), and the
//   optional register-only kernels, each returning false when `impl` has none:
//   kernel_finish, kernel_hash, kernel_hmac_key_states, kernel_hmac_final_block,
//   hmac_short, hkdf_short, hkdf_expand_short.
template <class Traits>
class sha2_engine {
 public:
  static constexpr std::size_t digest_size = Traits::digest_size, block_size = Traits::block_size;
  using digest = std::array<std::uint8_t, digest_size>;

  constexpr sha2_engine() noexcept : impl_(default_impl()) {}
  // Forces a kernel (tests, bench). Precondition: supported(impl).
  constexpr explicit sha2_engine(typename Traits::impl_type impl) noexcept
      : impl_(std::is_constant_evaluated() ? Traits::impl_type::portable : impl) {}
  constexpr sha2_engine(const sha2_engine&) noexcept = default;
  constexpr sha2_engine& operator=(const sha2_engine&) noexcept = default;
  // Wipes what may be secret: the chaining value once a message was absorbed
  // (total_ != 0; a fresh or finished object holds the initial value) and the
  // block buffer once message bytes went into it.
  constexpr ~sha2_engine() {
    if (total_ != 0) e2ee::wipe(h_);
    wipe_buffer();
  }

  // update absorbs more message bytes.
  constexpr void update(std::span<const std::uint8_t> in) noexcept {
    const std::uint8_t* p = in.data();
    std::size_t n = in.size();
    std::size_t used = static_cast<std::size_t>(total_ % block_size);
    total_ += n;
    if (used != 0) {
      const std::size_t take = n < block_size - used ? n : block_size - used;
      sha2_copy(buf_.data() + used, p, take);  // buffered_ is set: used != 0
      p += take;
      n -= take;
      used += take;
      if (used < block_size) return;
      Traits::compress(impl_, h_, buf_.data(), 1);
    }
    if (n >= block_size) {
      Traits::compress(impl_, h_, p, n / block_size);
      p += n - n % block_size;
      n %= block_size;
    }
    if (n != 0) {
      sha2_copy(buf_.data(), p, n);
      buffered_ = true;
    }
  }

  // finish pads the message and returns its digest. The state is wiped and the
  // object starts a new message with the same kernel.
  constexpr digest finish() noexcept {
    digest out;
    finish_into(out.data());
    h_ = Traits::initial_value();
    total_ = 0;
    return out;
  }

  // hash returns the digest of msg with the best kernel.
  static constexpr digest hash(std::span<const std::uint8_t> msg) noexcept {
    if (!std::is_constant_evaluated()) {
      digest out;
      hash_oneshot(default_impl(), msg, out.data());
      return out;
    }
    sha2_engine s;
    s.update(msg);
    return s.finish();
  }

  constexpr typename Traits::impl_type implementation() const noexcept { return impl_; }

 private:
  template <class>
  friend class e2ee::hmac;
  template <class>
  friend struct e2ee::hkdf;
  using impl_type = typename Traits::impl_type;
  using chaining_value = typename Traits::chaining_value;
  using word = typename chaining_value::value_type;
  static constexpr std::size_t length_size = Traits::length_size;

  // final_block_capacity: most message bytes a last block can hold with its
  // padding; hkdf_info_capacity: most info bytes HKDF-Expand's first block
  // holds after T(0) = the previous output and before the counter.
  static constexpr std::size_t final_block_capacity = block_size - length_size - 1;
  static constexpr std::size_t hkdf_info_capacity = final_block_capacity - digest_size - 1;

  static constexpr const chaining_value& initial_value() noexcept { return Traits::initial_value(); }
  // default_impl: what a default-constructed object uses.
  static constexpr impl_type default_impl() noexcept {
    return std::is_constant_evaluated() ? impl_type::portable : Traits::best();
  }

  // store_length writes the message length in bits, big-endian, in the last
  // length_size bytes of the block (FIPS 180-4, 5.1.1 and 5.1.2).
  static constexpr void store_length(std::uint8_t* block, std::uint64_t total) noexcept {
    if constexpr (length_size == 16) store_be64(block + block_size - 16, total >> 61);
    store_be64(block + block_size - 8, total << 3);
  }

  // hash_oneshot: the whole message and its padded tail in one kernel call,
  // no object, no buffering of the full blocks. Run time only.
  static void hash_oneshot(impl_type impl, std::span<const std::uint8_t> msg,
                           std::uint8_t* out) noexcept {
    if (Traits::kernel_hash(impl, msg, out)) return;
    const std::size_t full = msg.size() / block_size, rem = msg.size() % block_size;
    const std::size_t tail_blocks = rem < block_size - length_size ? 1 : 2;
    alignas(32) std::array<std::uint8_t, 2 * block_size> tail;  // last bytes and padding
    sha2_zero(tail.data(), tail_blocks * block_size);
    sha2_copy(tail.data(), msg.data() + full * block_size, rem);
    tail[rem] = 0x80;
    store_length(tail.data() + (tail_blocks - 1) * block_size, msg.size());
    chaining_value h = initial_value();
    Traits::compress_message(impl, h, msg.data(), full, tail.data(), tail_blocks);
    store_digest(h, out);
    e2ee::wipe(h);
    secure_wipe(tail.data(), tail_blocks * block_size);
  }

  // pad_final writes the padding after `used` message bytes of the last block
  // and the message length. Precondition: used <= final_block_capacity.
  static constexpr void pad_final(std::uint8_t* block, std::size_t used,
                                  std::uint64_t total) noexcept {
    block[used] = 0x80;
    sha2_zero(block + used + 1, block_size - length_size - used - 1);
    store_length(block, total);
  }

  static constexpr void store_digest(const chaining_value& h, std::uint8_t* out) noexcept {
    for (std::size_t i = 0; i < 8; ++i) {
      if constexpr (sizeof(word) == 4) {
        store_be32(out + 4 * i, h[i]);
      } else {
        store_be64(out + 8 * i, h[i]);
      }
    }
  }

  // resume continues from chaining value h after `total` bytes (a multiple of
  // block_size): HMAC's precomputed key state.
  constexpr void resume(const chaining_value& h, std::uint64_t total) noexcept {
    h_ = h;
    total_ = total;
  }

  // pad_last appends the padding and length, compressing one extra block when
  // they do not fit, and leaves the final block in buf_.
  constexpr void pad_last() noexcept {
    const std::size_t used = static_cast<std::size_t>(total_ % block_size);
    if (used > final_block_capacity) {
      buf_[used] = 0x80;
      sha2_zero(buf_.data() + used + 1, block_size - used - 1);
      Traits::compress(impl_, h_, buf_.data(), 1);
      sha2_zero(buf_.data(), block_size - length_size);
      store_length(buf_.data(), total_);
    } else {
      pad_final(buf_.data(), used, total_);
    }
  }

  // finish_into writes the digest to out[0..digest_size) and wipes the block
  // buffer and the state; the caller resets or resumes the object.
  constexpr void finish_into(std::uint8_t* out) noexcept {
    if (!std::is_constant_evaluated() && Traits::kernel_finish(impl_, h_, buf_.data(), total_, out)) {
      wipe();
      return;
    }
    pad_last();
    Traits::compress(impl_, h_, buf_.data(), 1);
    store_digest(h_, out);
    wipe();
  }

  // hmac_key_states: chaining values after K0 ^ ipad and K0 ^ opad, for the
  // block-sized padded key k0 (RFC 2104 steps 1-2, 4, 7).
  static constexpr void hmac_key_states(impl_type impl, const std::uint8_t* k0, chaining_value& ipad,
                                        chaining_value& opad) noexcept {
    if (!std::is_constant_evaluated() && Traits::kernel_hmac_key_states(impl, k0, ipad, opad)) return;
    std::array<std::uint8_t, 2 * block_size> pads;  // K0 ^ ipad || K0 ^ opad
    for (std::size_t i = 0; i < block_size; ++i) {
      pads[i] = static_cast<std::uint8_t>(k0[i] ^ 0x36);
      pads[block_size + i] = static_cast<std::uint8_t>(k0[i] ^ 0x5c);
    }
    ipad = initial_value();
    opad = initial_value();
    Traits::compress(impl, ipad, pads.data(), 1);
    Traits::compress(impl, opad, pads.data() + block_size, 1);
    e2ee::wipe(pads);
  }

  // hmac_short, hkdf_short, hkdf_expand_short: HMAC and HKDF (RFC 5869) with a
  // register-only kernel for short inputs (see Traits); false (nothing
  // written) when `impl` has none. Not for constant evaluation.
  static bool hmac_short(impl_type impl, std::span<const std::uint8_t> key,
                         std::span<const std::uint8_t> msg, std::uint8_t* out) noexcept {
    return Traits::hmac_short(impl, key, msg, out);
  }
  static bool hkdf_short(impl_type impl, std::span<const std::uint8_t> salt,
                         std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> info,
                         std::span<std::uint8_t> out) noexcept {
    return Traits::hkdf_short(impl, salt, ikm, info, out);
  }
  static bool hkdf_expand_short(impl_type impl, std::span<const std::uint8_t> prk,
                                std::span<const std::uint8_t> info,
                                std::span<std::uint8_t> out) noexcept {
    return Traits::hkdf_expand_short(impl, prk, info, out);
  }

  // hmac_final_block finishes HMAC (RFC 2104 steps 5-9): compresses the
  // inner hash's last, already padded block into a copy of `inner`, then the
  // inner digest into a copy of the outer key state `opad`, and writes the tag
  // to out[0..digest_size).
  static constexpr void hmac_final_block(impl_type impl, const chaining_value& inner,
                                         const std::uint8_t* last, const chaining_value& opad,
                                         std::uint8_t* out) noexcept {
    if (!std::is_constant_evaluated() && Traits::kernel_hmac_final_block(impl, inner, last, opad, out))
      return;
    chaining_value h = inner, outer = opad;
    std::array<std::uint8_t, block_size> block;
    Traits::compress(impl, h, last, 1);
    store_digest(h, block.data());
    pad_final(block.data(), digest_size, block_size + digest_size);
    Traits::compress(impl, outer, block.data(), 1);
    store_digest(outer, out);
    e2ee::wipe(h);
    e2ee::wipe(outer);
    e2ee::wipe(block);
  }

  // hmac_finish_into ends this inner hash and writes HMAC's tag with outer key
  // state `opad` to out[0..digest_size). Wipes the state; the caller resumes
  // the object.
  constexpr void hmac_finish_into(const chaining_value& opad, std::uint8_t* out) noexcept {
    pad_last();
    hmac_final_block(impl_, h_, buf_.data(), opad, out);
    wipe();
  }

  // wipe clears the chaining value and, if message bytes went into it, the
  // block buffer (padding and length are public).
  constexpr void wipe() noexcept {
    e2ee::wipe(h_);
    wipe_buffer();
  }
  constexpr void wipe_buffer() noexcept {
    if (buffered_) {
      e2ee::wipe(buf_);
      buffered_ = false;
    }
  }

  chaining_value h_ = Traits::initial_value();
  std::uint64_t total_ = 0;  // bytes so far (messages up to 2^64 - 1 bytes)
  std::array<std::uint8_t, block_size> buf_{};
  impl_type impl_;
  bool buffered_ = false;  // buf_ may hold message bytes: wipe it
};

}  // namespace detail
E2EE_NAMESPACE_END
