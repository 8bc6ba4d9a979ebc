// e2ee/hash/sha256.hpp — SHA-256 (FIPS 180-4, 6.2): portable constexpr path and a
// SHA-NI kernel chosen once per object.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/cpu.hpp"
#include "sha2_common.hpp"

E2EE_NAMESPACE_BEGIN

// sha256_impl names the SHA-256 compression kernels. `shani` needs the x86 SHA
// extensions and SSE4.1.
enum class sha256_impl : std::uint8_t { portable, shani };

inline constexpr std::array<sha256_impl, 2> all_sha256_impls{sha256_impl::portable,
                                                             sha256_impl::shani};

constexpr std::string_view to_string(sha256_impl i) noexcept {
  switch (i) {
    case sha256_impl::portable: return "portable";
    case sha256_impl::shani: return "shani";
  }
  return "unknown";
}

// supported tells whether kernel `i` can run with features `f` (and was built in).
inline bool supported(sha256_impl i, const cpu::feature_set& f = cpu::features()) noexcept {
  switch (i) {
    case sha256_impl::portable: return true;
    case sha256_impl::shani: return E2EE_HAVE_X86_KERNELS && f.shani && f.sse41;
  }
  return false;
}

// best_sha256_impl is the fastest supported kernel: SHA-NI runs at the
// SHA256RNDS2 latency floor (~2 cycles/byte), the portable path at ~9-10.
inline sha256_impl best_sha256_impl(const cpu::feature_set& f = cpu::features()) noexcept {
  return supported(sha256_impl::shani, f) ? sha256_impl::shani : sha256_impl::portable;
}

namespace detail {

using sha256_words = std::array<std::uint32_t, 8>;

// FIPS 180-4, 5.3.3: initial hash value.
inline constexpr sha256_words sha256_iv{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// FIPS 180-4, 4.2.2: the 64 round constants.
alignas(64) inline constexpr std::array<std::uint32_t, 64> sha256_k{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotr32(std::uint32_t x, int n) noexcept {
  return (x >> n) | (x << (32 - n));
}

// FIPS 180-4, 4.1.2, functions (4.2)-(4.7).
constexpr std::uint32_t sha256_big_sigma0(std::uint32_t x) noexcept {
  return rotr32(x, 2) ^ rotr32(x, 13) ^ rotr32(x, 22);
}
constexpr std::uint32_t sha256_big_sigma1(std::uint32_t x) noexcept {
  return rotr32(x, 6) ^ rotr32(x, 11) ^ rotr32(x, 25);
}
constexpr std::uint32_t sha256_small_sigma0(std::uint32_t x) noexcept {
  return rotr32(x, 7) ^ rotr32(x, 18) ^ (x >> 3);
}
constexpr std::uint32_t sha256_small_sigma1(std::uint32_t x) noexcept {
  return rotr32(x, 17) ^ rotr32(x, 19) ^ (x >> 10);
}

// sha256_round is step 3 of FIPS 180-4, 6.2.2 for round 16*j + I. The caller
// rotates the names a..h instead of moving values (d and h are the two words
// that change). With Expand, W[I mod 16] first becomes the next schedule word
// (step 1: W_t = s1(W_t-2) + W_t-7 + s0(W_t-15) + W_t-16), kept in a 16-word ring.
template <bool Expand, std::size_t I>
constexpr void sha256_round(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t& d,
                            std::uint32_t e, std::uint32_t f, std::uint32_t g, std::uint32_t& h,
                            std::array<std::uint32_t, 16>& w, const std::uint32_t* k) noexcept {
  if constexpr (Expand) {
    w[I] += sha256_small_sigma1(w[(I + 14) % 16]) + w[(I + 9) % 16] +
            sha256_small_sigma0(w[(I + 1) % 16]);
  }
  const std::uint32_t t1 = h + sha256_big_sigma1(e) + ((e & f) ^ (~e & g)) + k[I] + w[I];
  const std::uint32_t t2 = sha256_big_sigma0(a) + ((a & b) ^ (a & c) ^ (b & c));
  d += t1;
  h = t1 + t2;
}

// sha256_rounds16 runs 16 rounds with constants k[0..15], fully unrolled so that
// every schedule index is a constant and w stays in registers.
// Forced inline: GCC 12 at -O2 otherwise calls it and keeps w in memory.
template <bool Expand>
[[gnu::always_inline]] constexpr void sha256_rounds16(std::array<std::uint32_t, 8>& v, std::array<std::uint32_t, 16>& w,
                               const std::uint32_t* k) noexcept {
  auto& [a, b, c, d, e, f, g, h] = v;
  sha256_round<Expand, 0>(a, b, c, d, e, f, g, h, w, k);
  sha256_round<Expand, 1>(h, a, b, c, d, e, f, g, w, k);
  sha256_round<Expand, 2>(g, h, a, b, c, d, e, f, w, k);
  sha256_round<Expand, 3>(f, g, h, a, b, c, d, e, w, k);
  sha256_round<Expand, 4>(e, f, g, h, a, b, c, d, w, k);
  sha256_round<Expand, 5>(d, e, f, g, h, a, b, c, w, k);
  sha256_round<Expand, 6>(c, d, e, f, g, h, a, b, w, k);
  sha256_round<Expand, 7>(b, c, d, e, f, g, h, a, w, k);
  sha256_round<Expand, 8>(a, b, c, d, e, f, g, h, w, k);
  sha256_round<Expand, 9>(h, a, b, c, d, e, f, g, w, k);
  sha256_round<Expand, 10>(g, h, a, b, c, d, e, f, w, k);
  sha256_round<Expand, 11>(f, g, h, a, b, c, d, e, w, k);
  sha256_round<Expand, 12>(e, f, g, h, a, b, c, d, w, k);
  sha256_round<Expand, 13>(d, e, f, g, h, a, b, c, w, k);
  sha256_round<Expand, 14>(c, d, e, f, g, h, a, b, w, k);
  sha256_round<Expand, 15>(b, c, d, e, f, g, h, a, w, k);
}

// sha256_compress_portable applies the compression function (FIPS 180-4,
// 6.2.2) to `blocks` consecutive 64-byte blocks at p.
constexpr void sha256_compress_portable(sha256_words& state, const std::uint8_t* p,
                                        std::size_t blocks) noexcept {
  for (; blocks != 0; --blocks, p += 64) {
    std::array<std::uint32_t, 16> w;
    for (std::size_t i = 0; i < 16; ++i) w[i] = load_be32(p + 4 * i);
    sha256_words v = state;
    sha256_rounds16<false>(v, w, sha256_k.data());
    for (std::size_t j = 16; j < 64; j += 16) sha256_rounds16<true>(v, w, sha256_k.data() + j);
    for (std::size_t i = 0; i < 8; ++i) state[i] += v[i];
  }
}

}  // namespace detail
E2EE_NAMESPACE_END

// The SHA-NI kernel uses the constants above (sha256_k, aligned for vector loads).
#if E2EE_HAVE_X86_KERNELS
#include "../detail/x86/sha256_shani.hpp"
#endif

E2EE_NAMESPACE_BEGIN

// sha256 hashes a message given in any number of update() calls. The kernel is
// chosen at construction (portable in constant evaluation) and kept. Inputs of
// any length; lengths are public, contents may be secret (no data-dependent
// branch or index on any path).
class sha256 {
 public:
  static constexpr std::size_t digest_size = 32, block_size = 64;
  using digest = std::array<std::uint8_t, digest_size>;

  constexpr sha256() noexcept
      : impl_(std::is_constant_evaluated() ? sha256_impl::portable : best_sha256_impl()) {}
  // sha256(impl) forces a kernel (tests, bench). Precondition: supported(impl).
  constexpr explicit sha256(sha256_impl impl) noexcept
      : impl_(std::is_constant_evaluated() ? sha256_impl::portable : impl) {}
  constexpr sha256(const sha256&) noexcept = default;
  constexpr sha256& operator=(const sha256&) noexcept = default;
  constexpr ~sha256() { wipe(); }

  // update absorbs more message bytes.
  constexpr void update(std::span<const std::uint8_t> in) noexcept {
    const std::uint8_t* p = in.data();
    std::size_t n = in.size();
    std::size_t used = static_cast<std::size_t>(total_ % block_size);
    total_ += n;
    if (used != 0) {
      const std::size_t take = n < block_size - used ? n : block_size - used;
      detail::sha2_copy(buf_.data() + used, p, take);
      p += take;
      n -= take;
      used += take;
      if (used < block_size) return;
      compress(impl_, h_, buf_.data(), 1);
    }
    if (n >= block_size) {
      compress(impl_, h_, p, n / block_size);
      p += n - n % block_size;
      n %= block_size;
    }
    detail::sha2_copy(buf_.data(), p, n);
  }

  // finish pads the message (FIPS 180-4, 5.1.1) and returns its digest. The
  // state is wiped and the object starts a new message with the same kernel.
  constexpr digest finish() noexcept {
    digest out;
    finish_into(out.data());
    h_ = detail::sha256_iv;
    total_ = 0;
    return out;
  }

  // hash returns SHA-256(msg) with the best kernel.
  static constexpr digest hash(std::span<const std::uint8_t> msg) noexcept {
    if (!std::is_constant_evaluated()) {
      digest out;
      hash_oneshot(default_impl(), msg, out.data());
      return out;
    }
    sha256 s;
    s.update(msg);
    return s.finish();
  }

  constexpr sha256_impl implementation() const noexcept { return impl_; }

 private:
  template <class>
  friend class hmac;
  template <class>
  friend struct hkdf;
  using chaining_value = detail::sha256_words;
  static constexpr const chaining_value& initial_value() noexcept { return detail::sha256_iv; }
  // default_impl: what a default-constructed object uses.
  static constexpr sha256_impl default_impl() noexcept {
    return std::is_constant_evaluated() ? sha256_impl::portable : best_sha256_impl();
  }

  // hash_oneshot: the whole message and its padded tail in one kernel call,
  // no object, no buffering of the full blocks. Run time only.
  static void hash_oneshot(sha256_impl impl, std::span<const std::uint8_t> msg,
                           std::uint8_t* out) noexcept {
    const std::size_t full = msg.size() / block_size, rem = msg.size() % block_size;
    const std::size_t tail_blocks = rem < block_size - 8 ? 1 : 2;
    alignas(32) std::array<std::uint8_t, 2 * block_size> tail;  // last bytes and padding
    detail::sha2_zero(tail.data(), tail_blocks * block_size);
    detail::sha2_copy(tail.data(), msg.data() + full * block_size, rem);
    tail[rem] = 0x80;
    store_be64(tail.data() + tail_blocks * block_size - 8, static_cast<std::uint64_t>(msg.size()) << 3);
    chaining_value h = initial_value();
    switch (impl) {
      case sha256_impl::shani:
#if E2EE_HAVE_X86_KERNELS
        detail::sha256_compress_shani_2(h.data(), msg.data(), full, tail.data(), tail_blocks);
        break;
#endif
      case sha256_impl::portable:
        compress(impl, h, msg.data(), full);
        compress(impl, h, tail.data(), tail_blocks);
        break;
    }
    store_digest(h, out);
    e2ee::wipe(h);
    secure_wipe(tail.data(), tail_blocks * block_size);
  }

  // compress: the one dispatch point. `impl` was checked when it was stored.
  static constexpr void compress(sha256_impl impl, chaining_value& h, const std::uint8_t* p,
                                 std::size_t blocks) noexcept {
    if (!std::is_constant_evaluated()) {
      switch (impl) {
        case sha256_impl::shani:
#if E2EE_HAVE_X86_KERNELS
          detail::sha256_compress_shani(h.data(), p, blocks);
          return;
#endif
        case sha256_impl::portable: break;
      }
    }
    detail::sha256_compress_portable(h, p, blocks);
  }

  // pad_final writes the padding after `used` message bytes of the last block
  // and the message length in bits (FIPS 180-4, 5.1.1). Precondition: used <= 55.
  static constexpr void pad_final(std::uint8_t* block, std::size_t used,
                                  std::uint64_t total) noexcept {
    block[used] = 0x80;
    detail::sha2_zero(block + used + 1, block_size - 8 - used - 1);
    store_be64(block + block_size - 8, total << 3);
  }

  static constexpr void store_digest(const chaining_value& h, std::uint8_t* out) noexcept {
    for (std::size_t i = 0; i < 8; ++i) store_be32(out + 4 * i, h[i]);
  }

  // resume continues from chaining value h after `total` bytes (a multiple of
  // block_size): HMAC's precomputed key state.
  constexpr void resume(const chaining_value& h, std::uint64_t total) noexcept {
    h_ = h;
    total_ = total;
  }

  // pad_last appends the padding and length (FIPS 180-4, 5.1.1), compressing
  // one extra block when they do not fit, and leaves the final block in buf_.
  constexpr void pad_last() noexcept {
    const std::size_t used = static_cast<std::size_t>(total_ % block_size);
    if (used >= block_size - 8) {
      buf_[used] = 0x80;
      detail::sha2_zero(buf_.data() + used + 1, block_size - used - 1);
      compress(impl_, h_, buf_.data(), 1);
      detail::sha2_zero(buf_.data(), block_size - 8);
      store_be64(buf_.data() + block_size - 8, total_ << 3);
    } else {
      pad_final(buf_.data(), used, total_);
    }
  }

  // finish_into writes the digest to out[0..32) and wipes the block buffer and
  // the state; the caller resets or resumes the object.
  constexpr void finish_into(std::uint8_t* out) noexcept {
    pad_last();
    compress(impl_, h_, buf_.data(), 1);
    store_digest(h_, out);
    wipe();
  }

  // hmac_key_states: chaining values after K0 ^ ipad and K0 ^ opad, for the
  // block-sized padded key k0 (RFC 2104 steps 1-2, 4, 7).
  static constexpr void hmac_key_states(sha256_impl impl, const std::uint8_t* k0, chaining_value& ipad,
                                        chaining_value& opad) noexcept {
    if (!std::is_constant_evaluated()) {
      switch (impl) {
        case sha256_impl::shani:
#if E2EE_HAVE_X86_KERNELS
          detail::sha256_hmac_key_shani(k0, detail::sha256_iv.data(), ipad.data(), opad.data());
          return;
#endif
        case sha256_impl::portable: break;
      }
    }
    std::array<std::uint8_t, 2 * block_size> pads;  // K0 ^ ipad || K0 ^ opad
    for (std::size_t i = 0; i < block_size; ++i) {
      pads[i] = static_cast<std::uint8_t>(k0[i] ^ 0x36);
      pads[block_size + i] = static_cast<std::uint8_t>(k0[i] ^ 0x5c);
    }
    ipad = detail::sha256_iv;
    opad = detail::sha256_iv;
    detail::sha256_compress_portable(ipad, pads.data(), 1);
    detail::sha256_compress_portable(opad, pads.data() + block_size, 1);
    e2ee::wipe(pads);
  }

  // hmac_short: HMAC of a key of at most block_size bytes and a message of at
  // most final_block_capacity bytes with a register-only kernel; false (nothing
  // written) when `impl` has none. Not for constant evaluation.
  static bool hmac_short(sha256_impl impl, std::span<const std::uint8_t> key,
                         std::span<const std::uint8_t> msg, std::uint8_t* out) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      detail::sha256_hmac_short_shani(key.data(), key.size(), msg.data(), msg.size(), out);
      return true;
    }
#endif
    (void)impl, (void)key, (void)msg, (void)out;
    return false;
  }

  // hkdf_short / hkdf_expand_short: HKDF (RFC 5869) with a register-only
  // kernel for salt and prk of at most block_size bytes, ikm of at most
  // final_block_capacity and info of at most hkdf_info_capacity bytes,
  // 1 <= out.size() <= 255 * digest_size; false (nothing written) when `impl`
  // has none. Not for constant evaluation.
  static constexpr std::size_t hkdf_info_capacity = block_size - 9 - digest_size - 1;
  static bool hkdf_short(sha256_impl impl, std::span<const std::uint8_t> salt,
                         std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> info,
                         std::span<std::uint8_t> out) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      detail::sha256_hkdf_shani(salt.data(), salt.size(), ikm.data(), ikm.size(), info.data(),
                                info.size(), out.data(), out.size());
      return true;
    }
#endif
    (void)impl, (void)salt, (void)ikm, (void)info, (void)out;
    return false;
  }
  static bool hkdf_expand_short(sha256_impl impl, std::span<const std::uint8_t> prk,
                                std::span<const std::uint8_t> info,
                                std::span<std::uint8_t> out) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      detail::sha256_hkdf_expand_key_shani(prk.data(), prk.size(), info.data(), info.size(),
                                           out.data(), out.size());
      return true;
    }
#endif
    (void)impl, (void)prk, (void)info, (void)out;
    return false;
  }

  // final_block_capacity: most message bytes a last block can hold with its padding.
  static constexpr std::size_t final_block_capacity = block_size - 9;

  // hmac_final_block finishes HMAC (RFC 2104 steps 5-9): compresses the
  // inner hash's last, already padded block into a copy of `inner`, then the
  // inner digest into a copy of the outer key state `opad`, and writes the tag
  // to out[0..32).
  static constexpr void hmac_final_block(sha256_impl impl, const chaining_value& inner,
                                         const std::uint8_t* last, const chaining_value& opad,
                                         std::uint8_t* out) noexcept {
    if (!std::is_constant_evaluated()) {
      switch (impl) {
        case sha256_impl::shani:
#if E2EE_HAVE_X86_KERNELS
          detail::sha256_hmac_final_shani(inner.data(), last, opad.data(), out);
          return;
#endif
        case sha256_impl::portable: break;
      }
    }
    chaining_value h = inner, outer = opad;
    std::array<std::uint8_t, block_size> block;
    detail::sha256_compress_portable(h, last, 1);
    store_digest(h, block.data());
    pad_final(block.data(), digest_size, block_size + digest_size);
    detail::sha256_compress_portable(outer, block.data(), 1);
    store_digest(outer, out);
    e2ee::wipe(h);
    e2ee::wipe(outer);
    e2ee::wipe(block);
  }

  // hmac_finish_into ends this inner hash and writes HMAC's tag with outer key
  // state `opad` to out[0..32). Wipes the state; the caller resumes the object.
  constexpr void hmac_finish_into(const chaining_value& opad, std::uint8_t* out) noexcept {
    pad_last();
    hmac_final_block(impl_, h_, buf_.data(), opad, out);
    wipe();
  }

  constexpr void wipe() noexcept {
    e2ee::wipe(h_);
    e2ee::wipe(buf_);
  }

  chaining_value h_ = detail::sha256_iv;
  std::uint64_t total_ = 0;  // bytes so far; FIPS 180-4 limits messages to 2^64 bits
  std::array<std::uint8_t, block_size> buf_{};
  sha256_impl impl_;
};

E2EE_NAMESPACE_END
