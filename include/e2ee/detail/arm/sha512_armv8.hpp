// e2ee/detail/arm/sha512_armv8.hpp — SHA-512 compression with the ARMv8.2
// SHA512 instructions (FEAT_SHA512: SHA512H/H2 for the rounds, SHA512SU0/SU1
// for the message schedule). Internal; hash/sha512.hpp dispatches here after
// checking cpu::features().arm_sha512.
//
// The state is four registers of two words in the chaining value's order:
// ab = {A, B}, cd = {C, D}, ef = {E, F}, gh = {G, H} (lane 0 first). Two rounds
// t, t+1 per SHA512H + SHA512H2 pair:
//   SHA512H(x, {F, G}, {D, E}) with x = {G + K[t+1] + W[t+1], H + K[t] + W[t]}
//     = {T1(t+1), T1(t)}, both T1 of FIPS 180-4, 6.4.2 step 3;
//   the new {E, F} is cd + that: {C + T1(t+1), D + T1(t)};
//   SHA512H2(T1s, cd, ab) = the new {A, B} (T1 + T2 of both rounds);
// and the old ab, ef become the new cd, gh.
#pragma once

#include "arm_common.hpp"

#if E2EE_HAVE_ARM_CRYPTO_KERNELS

#include <cstddef>
#include <cstdint>

// Expects sha512_k from hash/sha512.hpp (included first).
E2EE_NAMESPACE_BEGIN
namespace detail {

struct sha512_armv8_state {
  uint64x2_t ab, cd, ef, gh;
};

// sha512_armv8_words: 16 big-endian message bytes as two words.
[[E2EE_ARM_SHA512_TARGET, gnu::always_inline]] inline uint64x2_t sha512_armv8_words(
    const std::uint8_t* p) noexcept {
  return vreinterpretq_u64_u8(vrev64q_u8(vld1q_u8(p)));
}

// sha512_armv8_rounds2 runs rounds t = 2i and t + 1 with w = {W[t], W[t+1]}.
[[E2EE_ARM_SHA512_TARGET, gnu::always_inline]] inline void sha512_armv8_rounds2(
    sha512_armv8_state& s, uint64x2_t w, std::size_t i) noexcept {
  const uint64x2_t kw = vaddq_u64(w, vld1q_u64(sha512_k.data() + 2 * i));
  const uint64x2_t x = vaddq_u64(s.gh, vextq_u64(kw, kw, 1));  // {G + KW[t+1], H + KW[t]}
  const uint64x2_t fg = vextq_u64(s.ef, s.gh, 1), de = vextq_u64(s.cd, s.ef, 1);
  const uint64x2_t t1 = vsha512hq_u64(x, fg, de);
  const uint64x2_t ef = vaddq_u64(s.cd, t1);
  const uint64x2_t ab = vsha512h2q_u64(t1, s.cd, s.ab);
  s.gh = s.ef;
  s.ef = ef;
  s.cd = s.ab;
  s.ab = ab;
}

// sha512_armv8_schedule: {W[t], W[t+1]} from the ring w (w[j] holds the two
// words 2j, 2j+1 mod 16; slot `J` holds W[t-16], W[t-15] before):
// W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] (FIPS 180-4, 6.4.2 step 1).
template <std::size_t J>
[[E2EE_ARM_SHA512_TARGET, gnu::always_inline]] inline void sha512_armv8_schedule(
    uint64x2_t (&w)[8]) noexcept {
  const uint64x2_t s0 = vsha512su0q_u64(w[J], w[(J + 1) % 8]);
  const uint64x2_t w9 = vextq_u64(w[(J + 4) % 8], w[(J + 5) % 8], 1);  // {W[t-7], W[t-6]}
  w[J] = vsha512su1q_u64(s0, w[(J + 7) % 8], w9);
}

// sha512_armv8_block: the 80 rounds of one block at p, the chaining value
// added at the end.
[[E2EE_ARM_SHA512_TARGET, gnu::always_inline]] inline void sha512_armv8_block(
    sha512_armv8_state& s, const std::uint8_t* p) noexcept {
  const sha512_armv8_state in = s;
  uint64x2_t w[8];
  for (std::size_t j = 0; j < 8; ++j) w[j] = sha512_armv8_words(p + 16 * j);
  for (std::size_t j = 0; j < 8; ++j) sha512_armv8_rounds2(s, w[j], j);
  for (std::size_t g = 8; g < 40; g += 8) {
    sha512_armv8_schedule<0>(w);
    sha512_armv8_rounds2(s, w[0], g);
    sha512_armv8_schedule<1>(w);
    sha512_armv8_rounds2(s, w[1], g + 1);
    sha512_armv8_schedule<2>(w);
    sha512_armv8_rounds2(s, w[2], g + 2);
    sha512_armv8_schedule<3>(w);
    sha512_armv8_rounds2(s, w[3], g + 3);
    sha512_armv8_schedule<4>(w);
    sha512_armv8_rounds2(s, w[4], g + 4);
    sha512_armv8_schedule<5>(w);
    sha512_armv8_rounds2(s, w[5], g + 5);
    sha512_armv8_schedule<6>(w);
    sha512_armv8_rounds2(s, w[6], g + 6);
    sha512_armv8_schedule<7>(w);
    sha512_armv8_rounds2(s, w[7], g + 7);
  }
  s.ab = vaddq_u64(s.ab, in.ab);
  s.cd = vaddq_u64(s.cd, in.cd);
  s.ef = vaddq_u64(s.ef, in.ef);
  s.gh = vaddq_u64(s.gh, in.gh);
}

[[E2EE_ARM_SHA512_TARGET, gnu::always_inline]] inline sha512_armv8_state sha512_armv8_load(
    const std::uint64_t* h) noexcept {
  return {vld1q_u64(h), vld1q_u64(h + 2), vld1q_u64(h + 4), vld1q_u64(h + 6)};
}
[[E2EE_ARM_SHA512_TARGET, gnu::always_inline]] inline void sha512_armv8_store(
    const sha512_armv8_state& s, std::uint64_t* h) noexcept {
  vst1q_u64(h, s.ab);
  vst1q_u64(h + 2, s.cd);
  vst1q_u64(h + 4, s.ef);
  vst1q_u64(h + 6, s.gh);
}

// sha512_compress_armv8 applies the compression function to `blocks`
// consecutive 128-byte blocks at p; h is the chaining value A..H.
[[E2EE_ARM_SHA512_TARGET]] inline void sha512_compress_armv8(std::uint64_t* h, const std::uint8_t* p,
                                                            std::size_t blocks) noexcept {
  sha512_armv8_state s = sha512_armv8_load(h);
  for (; blocks != 0; --blocks, p += 128) sha512_armv8_block(s, p);
  sha512_armv8_store(s, h);
}

// sha512_compress_armv8_2: `blocks` blocks at p, then `tail_blocks` at tail.
[[E2EE_ARM_SHA512_TARGET]] inline void sha512_compress_armv8_2(std::uint64_t* h, const std::uint8_t* p,
                                                              std::size_t blocks, const std::uint8_t* tail,
                                                              std::size_t tail_blocks) noexcept {
  sha512_armv8_state s = sha512_armv8_load(h);
  for (; blocks != 0; --blocks, p += 128) sha512_armv8_block(s, p);
  for (; tail_blocks != 0; --tail_blocks, tail += 128) sha512_armv8_block(s, tail);
  sha512_armv8_store(s, h);
}

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_ARM_CRYPTO_KERNELS
