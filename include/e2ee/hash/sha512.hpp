// e2ee/hash/sha512.hpp — SHA-512 (FIPS 180-4, 6.4): portable constexpr path and an
// AVX2/BMI2 kernel chosen once per object.
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

// sha512_impl names the SHA-512 compression kernels. `avx2` computes the
// message schedule of two blocks at once in YMM registers and runs the rounds
// with BMI2 RORX; it needs avx2 and bmi2. `armv8` uses the AArch64 SHA512
// instructions (ARMv8.2 FEAT_SHA512: arm_sha512).
enum class sha512_impl : std::uint8_t { portable, avx2, armv8 };

inline constexpr std::array<sha512_impl, 3> all_sha512_impls{sha512_impl::portable,
                                                             sha512_impl::avx2, sha512_impl::armv8};

constexpr std::string_view to_string(sha512_impl i) noexcept {
  switch (i) {
    case sha512_impl::portable: return "portable";
    case sha512_impl::avx2: return "avx2";
    case sha512_impl::armv8: return "armv8";
  }
  return "unknown";
}

namespace detail {

using sha512_words = std::array<std::uint64_t, 8>;

// FIPS 180-4, 5.3.5: initial hash value.
inline constexpr sha512_words sha512_iv{0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
                                        0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
                                        0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};

// FIPS 180-4, 4.2.3: the 80 round constants.
alignas(64) inline constexpr std::array<std::uint64_t, 80> sha512_k{
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817};

constexpr std::uint64_t rotr64(std::uint64_t x, int n) noexcept {
  return (x >> n) | (x << (64 - n));
}

// FIPS 180-4, 4.1.3, functions (4.10)-(4.13).
constexpr std::uint64_t sha512_big_sigma0(std::uint64_t x) noexcept {
  return rotr64(x, 28) ^ rotr64(x, 34) ^ rotr64(x, 39);
}
constexpr std::uint64_t sha512_big_sigma1(std::uint64_t x) noexcept {
  return rotr64(x, 14) ^ rotr64(x, 18) ^ rotr64(x, 41);
}
constexpr std::uint64_t sha512_small_sigma0(std::uint64_t x) noexcept {
  return rotr64(x, 1) ^ rotr64(x, 8) ^ (x >> 7);
}
constexpr std::uint64_t sha512_small_sigma1(std::uint64_t x) noexcept {
  return rotr64(x, 19) ^ rotr64(x, 61) ^ (x >> 6);
}

// sha512_round is step 3 of FIPS 180-4, 6.4.2 for round 16*j + I, names a..h
// rotated by the caller. With Expand, W[I mod 16] first becomes the next
// schedule word (step 1), kept in a 16-word ring. Maj is written as
// ((a ^ b) & (b ^ c)) ^ b: a ^ b is the next round's b ^ c, which the compiler
// reuses, one operation fewer on the a -> a chain.
template <bool Expand, std::size_t I>
constexpr void sha512_round(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t& d,
                            std::uint64_t e, std::uint64_t f, std::uint64_t g, std::uint64_t& h,
                            std::array<std::uint64_t, 16>& w, const std::uint64_t* k) noexcept {
  if constexpr (Expand) {
    w[I] += sha512_small_sigma1(w[(I + 14) % 16]) + w[(I + 9) % 16] +
            sha512_small_sigma0(w[(I + 1) % 16]);
  }
  const std::uint64_t t1 = h + sha512_big_sigma1(e) + (g ^ (e & (f ^ g))) + k[I] + w[I];
  const std::uint64_t t2 = sha512_big_sigma0(a) + (((a ^ b) & (b ^ c)) ^ b);
  d += t1;
  h = t1 + t2;
}

// sha512_rounds16 runs 16 rounds with constants k[0..15], fully unrolled.
// Forced inline: GCC 12 at -O2 otherwise calls it and keeps w in memory.
template <bool Expand>
[[gnu::always_inline]] constexpr void sha512_rounds16(sha512_words& v, std::array<std::uint64_t, 16>& w,
                               const std::uint64_t* k) noexcept {
  auto& [a, b, c, d, e, f, g, h] = v;
  sha512_round<Expand, 0>(a, b, c, d, e, f, g, h, w, k);
  sha512_round<Expand, 1>(h, a, b, c, d, e, f, g, w, k);
  sha512_round<Expand, 2>(g, h, a, b, c, d, e, f, w, k);
  sha512_round<Expand, 3>(f, g, h, a, b, c, d, e, w, k);
  sha512_round<Expand, 4>(e, f, g, h, a, b, c, d, w, k);
  sha512_round<Expand, 5>(d, e, f, g, h, a, b, c, w, k);
  sha512_round<Expand, 6>(c, d, e, f, g, h, a, b, w, k);
  sha512_round<Expand, 7>(b, c, d, e, f, g, h, a, w, k);
  sha512_round<Expand, 8>(a, b, c, d, e, f, g, h, w, k);
  sha512_round<Expand, 9>(h, a, b, c, d, e, f, g, w, k);
  sha512_round<Expand, 10>(g, h, a, b, c, d, e, f, w, k);
  sha512_round<Expand, 11>(f, g, h, a, b, c, d, e, w, k);
  sha512_round<Expand, 12>(e, f, g, h, a, b, c, d, w, k);
  sha512_round<Expand, 13>(d, e, f, g, h, a, b, c, w, k);
  sha512_round<Expand, 14>(c, d, e, f, g, h, a, b, w, k);
  sha512_round<Expand, 15>(b, c, d, e, f, g, h, a, w, k);
}

// sha512_compress_portable applies the compression function (FIPS 180-4,
// 6.4.2) to `blocks` consecutive 128-byte blocks at p.
constexpr void sha512_compress_portable(sha512_words& state, const std::uint8_t* p,
                                        std::size_t blocks) noexcept {
  for (; blocks != 0; --blocks, p += 128) {
    std::array<std::uint64_t, 16> w;
    for (std::size_t i = 0; i < 16; ++i) w[i] = load_be64(p + 8 * i);
    sha512_words v = state;
    sha512_rounds16<false>(v, w, sha512_k.data());
    for (std::size_t j = 16; j < 80; j += 16) sha512_rounds16<true>(v, w, sha512_k.data() + j);
    for (std::size_t i = 0; i < 8; ++i) state[i] += v[i];
  }
}

}  // namespace detail
E2EE_NAMESPACE_END

#if E2EE_HAVE_X86_KERNELS
#include "../detail/x86/sha512_avx2.hpp"
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
#include "../detail/arm/sha512_armv8.hpp"
#endif

E2EE_NAMESPACE_BEGIN

// supported tells whether kernel `i` can run with features `f` (and was built in).
inline bool supported(sha512_impl i, const cpu::feature_set& f = cpu::features()) noexcept {
  switch (i) {
    case sha512_impl::portable: return true;
    case sha512_impl::avx2: return E2EE_HAVE_X86_KERNELS && f.avx2 && f.bmi2;
    case sha512_impl::armv8: return E2EE_HAVE_ARM_CRYPTO_KERNELS && f.neon && f.arm_sha512;
  }
  return false;
}

// best_sha512_impl is the fastest supported kernel.
inline sha512_impl best_sha512_impl(const cpu::feature_set& f = cpu::features()) noexcept {
  if (supported(sha512_impl::armv8, f)) return sha512_impl::armv8;
  return supported(sha512_impl::avx2, f) ? sha512_impl::avx2 : sha512_impl::portable;
}

namespace detail {

// sha512_traits: SHA-512's sizes and kernels for sha2_engine. No
// register-only HMAC/HKDF kernels: the generic paths run.
struct sha512_traits {
  using impl_type = sha512_impl;
  using chaining_value = sha512_words;
  static constexpr std::size_t digest_size = 64, block_size = 128, length_size = 16;

  static constexpr const chaining_value& initial_value() noexcept { return sha512_iv; }
  static impl_type best() noexcept { return best_sha512_impl(); }

  // compress: the one dispatch point. `impl` was checked when it was stored.
  static constexpr void compress(impl_type impl, chaining_value& h, const std::uint8_t* p,
                                 std::size_t blocks) noexcept {
    if (!std::is_constant_evaluated()) {
      switch (impl) {
        case sha512_impl::avx2:
#if E2EE_HAVE_X86_KERNELS
          sha512_compress_avx2(h.data(), p, blocks);
          return;
#endif
          break;
        case sha512_impl::armv8:
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
          sha512_compress_armv8(h.data(), p, blocks);
          return;
#endif
          break;
        case sha512_impl::portable: break;
      }
    }
    sha512_compress_portable(h, p, blocks);
  }

  // compress_message: `blocks` blocks at p, then `tail_blocks` at tail, in one
  // kernel call. Run time only.
  static void compress_message(impl_type impl, chaining_value& h, const std::uint8_t* p,
                               std::size_t blocks, const std::uint8_t* tail,
                               std::size_t tail_blocks) noexcept {
    switch (impl) {
      case sha512_impl::avx2:
#if E2EE_HAVE_X86_KERNELS
        sha512_compress_avx2_2(h.data(), p, blocks, tail, tail_blocks);
        return;
#endif
        break;
      case sha512_impl::armv8:
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
        sha512_compress_armv8_2(h.data(), p, blocks, tail, tail_blocks);
        return;
#endif
        break;
      case sha512_impl::portable: break;
    }
    sha512_compress_portable(h, p, blocks);
    sha512_compress_portable(h, tail, tail_blocks);
  }

  static bool kernel_finish(impl_type, const chaining_value&, const std::uint8_t*, std::uint64_t,
                            std::uint8_t*) noexcept {
    return false;
  }
  static bool kernel_hash(impl_type, std::span<const std::uint8_t>, std::uint8_t*) noexcept {
    return false;
  }
  static bool kernel_hmac_key_states(impl_type, const std::uint8_t*, chaining_value&,
                                     chaining_value&) noexcept {
    return false;
  }
  static bool kernel_hmac_final_block(impl_type, const chaining_value&, const std::uint8_t*,
                                      const chaining_value&, std::uint8_t*) noexcept {
    return false;
  }
  static bool hmac_short(impl_type, std::span<const std::uint8_t>, std::span<const std::uint8_t>,
                         std::uint8_t*) noexcept {
    return false;
  }
  static bool hkdf_short(impl_type, std::span<const std::uint8_t>, std::span<const std::uint8_t>,
                         std::span<const std::uint8_t>, std::span<std::uint8_t>) noexcept {
    return false;
  }
  static bool hkdf_expand_short(impl_type, std::span<const std::uint8_t>,
                                std::span<const std::uint8_t>, std::span<std::uint8_t>) noexcept {
    return false;
  }
};

}  // namespace detail

// sha512 hashes a message given in any number of update() calls. The kernel is
// chosen at construction (portable in constant evaluation) and kept. Lengths
// are public, contents may be secret (no data-dependent branch or index). The
// streaming logic is sha2_engine's; the interface is sha256's with 64/128.
class sha512 : public detail::sha2_engine<detail::sha512_traits> {
 public:
  using sha2_engine::sha2_engine;
};

E2EE_NAMESPACE_END
