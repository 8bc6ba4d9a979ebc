// e2ee/detail/arm/sha256_armv8.hpp — SHA-256 compression with the ARMv8
// SHA2 instructions (SHA256H/H2 for the rounds, SHA256SU0/SU1 for the message
// schedule). Internal; hash/sha256.hpp dispatches here after checking
// cpu::features().arm_sha2.
//
// Four rounds per SHA256H + SHA256H2 pair: {A,B,C,D} and {E,F,G,H} each in one
// register (lane 0 = A, E: the chaining value's own order), the schedule four
// words per register, W + K added before each quad.
#pragma once

#include "arm_common.hpp"

#if E2EE_HAVE_ARM_CRYPTO_KERNELS

#include <cstddef>
#include <cstdint>

// Expects sha256_k from hash/sha256.hpp (included first).
E2EE_NAMESPACE_BEGIN
namespace detail {

// sha256_armv8_words: 16 big-endian message bytes as four words.
[[E2EE_ARM_SHA2_TARGET, gnu::always_inline]] inline uint32x4_t sha256_armv8_words(
    const std::uint8_t* p) noexcept {
  return vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p)));
}

// sha256_armv8_quad runs rounds 4i..4i+3 with schedule words w = W[4i..4i+3]
// (FIPS 180-4, 6.2.2 step 3): SHA256H gives the new {A,B,C,D}, SHA256H2 the new
// {E,F,G,H} from the old {A,B,C,D}.
[[E2EE_ARM_SHA2_TARGET, gnu::always_inline]] inline void sha256_armv8_quad(
    uint32x4_t& abcd, uint32x4_t& efgh, uint32x4_t w, std::size_t i) noexcept {
  const uint32x4_t wk = vaddq_u32(w, vld1q_u32(sha256_k.data() + 4 * i));
  const uint32x4_t abcd0 = abcd;
  abcd = vsha256hq_u32(abcd, efgh, wk);
  efgh = vsha256h2q_u32(efgh, abcd0, wk);
}

// sha256_armv8_schedule: W[4i..4i+3] from w4 = W[4i-16..], w3 = W[4i-12..],
// w2 = W[4i-8..], w1 = W[4i-4..] (step 1: SU0 adds the s0 terms, SU1 the
// W_t-7 and s1 terms).
[[E2EE_ARM_SHA2_TARGET, gnu::always_inline]] inline uint32x4_t sha256_armv8_schedule(
    uint32x4_t w4, uint32x4_t w3, uint32x4_t w2, uint32x4_t w1) noexcept {
  return vsha256su1q_u32(vsha256su0q_u32(w4, w3), w2, w1);
}

// sha256_armv8_block: the 64 rounds of one block on abcd, efgh (message words
// m0..m3), the chaining value added at the end.
[[E2EE_ARM_SHA2_TARGET, gnu::always_inline]] inline void sha256_armv8_block(
    uint32x4_t& abcd, uint32x4_t& efgh, uint32x4_t m0, uint32x4_t m1, uint32x4_t m2,
    uint32x4_t m3) noexcept {
  const uint32x4_t abcd_in = abcd, efgh_in = efgh;
  sha256_armv8_quad(abcd, efgh, m0, 0);
  sha256_armv8_quad(abcd, efgh, m1, 1);
  sha256_armv8_quad(abcd, efgh, m2, 2);
  sha256_armv8_quad(abcd, efgh, m3, 3);
  for (std::size_t i = 4; i < 16; i += 4) {
    m0 = sha256_armv8_schedule(m0, m1, m2, m3);
    sha256_armv8_quad(abcd, efgh, m0, i);
    m1 = sha256_armv8_schedule(m1, m2, m3, m0);
    sha256_armv8_quad(abcd, efgh, m1, i + 1);
    m2 = sha256_armv8_schedule(m2, m3, m0, m1);
    sha256_armv8_quad(abcd, efgh, m2, i + 2);
    m3 = sha256_armv8_schedule(m3, m0, m1, m2);
    sha256_armv8_quad(abcd, efgh, m3, i + 3);
  }
  abcd = vaddq_u32(abcd, abcd_in);
  efgh = vaddq_u32(efgh, efgh_in);
}

// sha256_compress_armv8 applies the compression function to `blocks`
// consecutive 64-byte blocks at p; h is the chaining value A..H.
[[E2EE_ARM_SHA2_TARGET]] inline void sha256_compress_armv8(std::uint32_t* h, const std::uint8_t* p,
                                                          std::size_t blocks) noexcept {
  uint32x4_t abcd = vld1q_u32(h), efgh = vld1q_u32(h + 4);
  for (; blocks != 0; --blocks, p += 64) {
    sha256_armv8_block(abcd, efgh, sha256_armv8_words(p), sha256_armv8_words(p + 16),
                       sha256_armv8_words(p + 32), sha256_armv8_words(p + 48));
  }
  vst1q_u32(h, abcd);
  vst1q_u32(h + 4, efgh);
}

// sha256_compress_armv8_2: `blocks` blocks at p, then `tail_blocks` at tail
// (a message's full blocks and its padded end) without storing in between.
[[E2EE_ARM_SHA2_TARGET]] inline void sha256_compress_armv8_2(std::uint32_t* h, const std::uint8_t* p,
                                                            std::size_t blocks, const std::uint8_t* tail,
                                                            std::size_t tail_blocks) noexcept {
  uint32x4_t abcd = vld1q_u32(h), efgh = vld1q_u32(h + 4);
  for (; blocks != 0; --blocks, p += 64) {
    sha256_armv8_block(abcd, efgh, sha256_armv8_words(p), sha256_armv8_words(p + 16),
                       sha256_armv8_words(p + 32), sha256_armv8_words(p + 48));
  }
  for (; tail_blocks != 0; --tail_blocks, tail += 64) {
    sha256_armv8_block(abcd, efgh, sha256_armv8_words(tail), sha256_armv8_words(tail + 16),
                       sha256_armv8_words(tail + 32), sha256_armv8_words(tail + 48));
  }
  vst1q_u32(h, abcd);
  vst1q_u32(h + 4, efgh);
}

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_ARM_CRYPTO_KERNELS
