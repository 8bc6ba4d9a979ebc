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
#include "../detail/arm/arm_common.hpp"  // E2EE_HAVE_ARM_CRYPTO_KERNELS
#include "sha2_common.hpp"

E2EE_NAMESPACE_BEGIN

// sha256_impl names the SHA-256 compression kernels. `shani` needs the x86 SHA
// extensions and SSE4.1; `armv8` the AArch64 SHA2 instructions (arm_sha2).
enum class sha256_impl : std::uint8_t { portable, shani, armv8 };

inline constexpr std::array<sha256_impl, 3> all_sha256_impls{sha256_impl::portable,
                                                             sha256_impl::shani, sha256_impl::armv8};

constexpr std::string_view to_string(sha256_impl i) noexcept {
  switch (i) {
    case sha256_impl::portable: return "portable";
    case sha256_impl::shani: return "shani";
    case sha256_impl::armv8: return "armv8";
  }
  return "unknown";
}

// supported tells whether kernel `i` can run with features `f` (and was built in).
inline bool supported(sha256_impl i, const cpu::feature_set& f = cpu::features()) noexcept {
  switch (i) {
    case sha256_impl::portable: return true;
    case sha256_impl::shani: return E2EE_HAVE_X86_KERNELS && f.shani && f.sse41;
    case sha256_impl::armv8: return E2EE_HAVE_ARM_CRYPTO_KERNELS && f.neon && f.arm_sha2;
  }
  return false;
}

// best_sha256_impl is the fastest supported kernel: SHA-NI runs at the
// SHA256RNDS2 latency floor (~2 cycles/byte), the portable path at ~9-10;
// on AArch64 the SHA2 instructions (~1.5-2.5 cycles/byte on Cortex-A7x).
inline sha256_impl best_sha256_impl(const cpu::feature_set& f = cpu::features()) noexcept {
  if (supported(sha256_impl::armv8, f)) return sha256_impl::armv8;
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
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
#include "../detail/arm/sha256_armv8.hpp"
#endif

E2EE_NAMESPACE_BEGIN

namespace detail {

// sha256_traits: SHA-256's sizes and kernels for sha2_engine.
struct sha256_traits {
  using impl_type = sha256_impl;
  using chaining_value = sha256_words;
  static constexpr std::size_t digest_size = 32, block_size = 64, length_size = 8;

  static constexpr const chaining_value& initial_value() noexcept { return sha256_iv; }
  static impl_type best() noexcept { return best_sha256_impl(); }

  // compress: the one dispatch point. `impl` was checked when it was stored.
  static constexpr void compress(impl_type impl, chaining_value& h, const std::uint8_t* p,
                                 std::size_t blocks) noexcept {
    if (!std::is_constant_evaluated()) {
      switch (impl) {
        case sha256_impl::shani:
#if E2EE_HAVE_X86_KERNELS
          sha256_compress_shani(h.data(), p, blocks);
          return;
#endif
          break;
        case sha256_impl::armv8:
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
          sha256_compress_armv8(h.data(), p, blocks);
          return;
#endif
          break;
        case sha256_impl::portable: break;
      }
    }
    sha256_compress_portable(h, p, blocks);
  }

  // compress_message: `blocks` blocks at p, then `tail_blocks` at tail, in one
  // kernel call. Run time only.
  static void compress_message(impl_type impl, chaining_value& h, const std::uint8_t* p,
                               std::size_t blocks, const std::uint8_t* tail,
                               std::size_t tail_blocks) noexcept {
    switch (impl) {
      case sha256_impl::shani:
#if E2EE_HAVE_X86_KERNELS
        sha256_compress_shani_2(h.data(), p, blocks, tail, tail_blocks);
        return;
#endif
        break;
      case sha256_impl::armv8:
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
        sha256_compress_armv8_2(h.data(), p, blocks, tail, tail_blocks);
        return;
#endif
        break;
      case sha256_impl::portable: break;
    }
    sha256_compress_portable(h, p, blocks);
    sha256_compress_portable(h, tail, tail_blocks);
  }

  // kernel_finish: the last block(s) of a streamed message of `total` bytes,
  // its last total % 64 bytes in buf (the rest of buf ignored), and the
  // digest store, in one kernel call; h unchanged. kernel_hash: a whole
  // one-shot hash in one kernel call. False when `impl` has no such kernel.
  static bool kernel_finish(impl_type impl, const chaining_value& h, const std::uint8_t* buf,
                            std::uint64_t total, std::uint8_t* out) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      sha256_finish_shani(h.data(), buf, total, out);
      return true;
    }
#endif
    (void)impl, (void)h, (void)buf, (void)total, (void)out;
    return false;
  }
  static bool kernel_hash(impl_type impl, std::span<const std::uint8_t> msg, std::uint8_t* out) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      sha256_hash_shani(msg.data(), msg.size(), out);
      return true;
    }
#endif
    (void)impl, (void)msg, (void)out;
    return false;
  }

  // kernel_hmac_key_states: both HMAC key states (RFC 2104 steps 1-2, 4, 7)
  // at once on SHA-NI.
  static bool kernel_hmac_key_states(impl_type impl, const std::uint8_t* k0, chaining_value& ipad,
                                     chaining_value& opad) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      sha256_hmac_key_shani(k0, sha256_iv.data(), ipad.data(), opad.data());
      return true;
    }
#endif
    (void)impl, (void)k0, (void)ipad, (void)opad;
    return false;
  }

  // kernel_hmac_final_block: HMAC's last inner block and the outer block
  // (RFC 2104 steps 5-9) in registers.
  static bool kernel_hmac_final_block(impl_type impl, const chaining_value& inner,
                                      const std::uint8_t* last, const chaining_value& opad,
                                      std::uint8_t* out) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      sha256_hmac_final_shani(inner.data(), last, opad.data(), out);
      return true;
    }
#endif
    (void)impl, (void)inner, (void)last, (void)opad, (void)out;
    return false;
  }

  // hmac_short: HMAC of a key of at most block_size bytes and a message of at
  // most final_block_capacity bytes with a register-only kernel.
  static bool hmac_short(impl_type impl, std::span<const std::uint8_t> key,
                         std::span<const std::uint8_t> msg, std::uint8_t* out) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      sha256_hmac_short_shani(key.data(), key.size(), msg.data(), msg.size(), out);
      return true;
    }
#endif
    (void)impl, (void)key, (void)msg, (void)out;
    return false;
  }

  // hkdf_short / hkdf_expand_short: HKDF (RFC 5869) with a register-only
  // kernel for salt and prk of at most block_size bytes, ikm of at most
  // final_block_capacity and info of at most hkdf_info_capacity bytes,
  // 1 <= out.size() <= 255 * digest_size.
  static bool hkdf_short(impl_type impl, std::span<const std::uint8_t> salt,
                         std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> info,
                         std::span<std::uint8_t> out) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      sha256_hkdf_shani(salt.data(), salt.size(), ikm.data(), ikm.size(), info.data(), info.size(),
                        out.data(), out.size());
      return true;
    }
#endif
    (void)impl, (void)salt, (void)ikm, (void)info, (void)out;
    return false;
  }
  static bool hkdf_expand_short(impl_type impl, std::span<const std::uint8_t> prk,
                                std::span<const std::uint8_t> info,
                                std::span<std::uint8_t> out) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (impl == sha256_impl::shani) {
      sha256_hkdf_expand_key_shani(prk.data(), prk.size(), info.data(), info.size(), out.data(),
                                   out.size());
      return true;
    }
#endif
    (void)impl, (void)prk, (void)info, (void)out;
    return false;
  }
};

}  // namespace detail

// sha256 hashes a message given in any number of update() calls. The kernel is
// chosen at construction (portable in constant evaluation) and kept. Inputs of
// any length; lengths are public, contents may be secret (no data-dependent
// branch or index on any path). The streaming logic is sha2_engine's.
//   static constexpr std::size_t digest_size = 32, block_size = 64;
//   using digest = std::array<std::uint8_t, 32>;
//   sha256(); explicit sha256(sha256_impl);  update(span); finish(); hash(span);
//   implementation();
class sha256 : public detail::sha2_engine<detail::sha256_traits> {
 public:
  using sha2_engine::sha2_engine;
};

E2EE_NAMESPACE_END
