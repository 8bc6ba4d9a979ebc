// e2ee/detail/arm/aes_armv8.hpp — AES-256 with the ARMv8 AES instructions
// (AESE/AESMC, AESD/AESIMC): key expansion, blocks, CBC. Internal;
// cipher/aes.hpp (and cipher/cbc.hpp) dispatch here after checking
// cpu::features().arm_aes. No table: constant time like AES-NI.
//
// AESE(x, k) = SubBytes(ShiftRows(x ^ k)), AESMC = MixColumns, so a FIPS-197
// round is AESE with the previous round key then AESMC; the last round is
// AESE, then the XOR of the last key. AESE + AESMC pairs fuse on most cores
// (latency 2-3), so independent blocks go eight at a time.
//
// Key data: the same layout as the AES-NI kernel, 240 bytes of KeyExpansion's
// w[0..59] (FIPS-197 5.2), then 240 bytes of the Equivalent Inverse Cipher
// schedule (5.3.5) in the order AESD uses it.
#pragma once

#include "arm_common.hpp"

#if E2EE_HAVE_ARM_CRYPTO_KERNELS

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/secret.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail {

// aes_armv8_sub_word: SubWord (FIPS-197 5.2) of a word whose byte 0 is the
// least significant: with the word in all four columns, ShiftRows moves
// nothing, so AESE with a zero key is SubBytes.
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline std::uint32_t aes_armv8_sub_word(std::uint32_t w) noexcept {
  const uint8x16_t x = vreinterpretq_u8_u32(vdupq_n_u32(w));
  return vgetq_lane_u32(vreinterpretq_u32_u8(vaeseq_u8(x, vdupq_n_u8(0))), 0);
}

// aes256_expand_key_armv8 writes the 240-byte schedule w[0..59] (same bytes
// as the portable KeyExpansion). Words are handled little-endian: RotWord is
// a rotation right by 8.
[[E2EE_ARM_AES_TARGET]] inline void aes256_expand_key_armv8(const std::uint8_t* key, std::uint8_t* out) noexcept {
  std::uint32_t w[60];
  std::memcpy(w, key, 32);
  std::uint32_t rcon = 1;
  for (std::size_t i = 8; i < 60; ++i) {
    std::uint32_t t = w[i - 1];
    if (i % 8 == 0) {
      t = aes_armv8_sub_word(t);
      t = ((t >> 8) | (t << 24)) ^ rcon;  // RotWord after SubWord: both bytewise
      rcon <<= 1;                          // Rcon[i/8], i/8 <= 7: no reduction
    } else if (i % 8 == 4) {
      t = aes_armv8_sub_word(t);
    }
    w[i] = w[i - 8] ^ t;
  }
  std::memcpy(out, w, 240);
  secure_wipe(w, sizeof w);  // key material
}

// aes256_setup_armv8: what the aes256 kernel keeps, out[0..239] = w and
// out[240..479] = the decryption schedule: dw[0] = w[14], dw[r] =
// InvMixColumns(w[14-r]) for 1 <= r <= 13, dw[14] = w[0] (round keys).
[[E2EE_ARM_AES_TARGET]] inline void aes256_setup_armv8(const std::uint8_t* key, std::uint8_t* out) noexcept {
  aes256_expand_key_armv8(key, out);
  std::uint8_t* dw = out + 240;
  vst1q_u8(dw, vld1q_u8(out + 16 * 14));
  for (std::size_t r = 1; r < 14; ++r) vst1q_u8(dw + 16 * r, vaesimcq_u8(vld1q_u8(out + 16 * (14 - r))));
  vst1q_u8(dw + 16 * 14, vld1q_u8(out));
}

struct aes_armv8_keys {
  uint8x16_t k[15];
};

[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline aes_armv8_keys aes_armv8_load_keys(const std::uint8_t* w) noexcept {
  aes_armv8_keys k;
  for (std::size_t r = 0; r < 15; ++r) k.k[r] = vld1q_u8(w + 16 * r);
  return k;
}

// aes_armv8_encrypt_n / aes_armv8_decrypt_n run N independent blocks through
// all 14 rounds (decryption with the Equivalent Inverse Cipher schedule).
template <std::size_t N>
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline void aes_armv8_encrypt_n(const aes_armv8_keys& k,
                                                                           uint8x16_t* b) noexcept {
  for (std::size_t r = 0; r < 13; ++r)
    for (std::size_t i = 0; i < N; ++i) b[i] = vaesmcq_u8(vaeseq_u8(b[i], k.k[r]));
  for (std::size_t i = 0; i < N; ++i) b[i] = veorq_u8(vaeseq_u8(b[i], k.k[13]), k.k[14]);
}
template <std::size_t N>
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline void aes_armv8_decrypt_n(const aes_armv8_keys& k,
                                                                           uint8x16_t* b) noexcept {
  for (std::size_t r = 0; r < 13; ++r)
    for (std::size_t i = 0; i < N; ++i) b[i] = vaesimcq_u8(vaesdq_u8(b[i], k.k[r]));
  for (std::size_t i = 0; i < N; ++i) b[i] = veorq_u8(vaesdq_u8(b[i], k.k[13]), k.k[14]);
}

// aes256_ecb_armv8 encrypts (or, with the decryption schedule and Decrypt,
// decrypts) `blocks` blocks; in == out is allowed.
template <bool Decrypt>
[[E2EE_ARM_AES_TARGET]] inline void aes256_ecb_armv8(const std::uint8_t* w, const std::uint8_t* in,
                                                    std::uint8_t* out, std::size_t blocks) noexcept {
  const aes_armv8_keys k = aes_armv8_load_keys(w);
  for (; blocks >= 8; blocks -= 8, in += 128, out += 128) {
    uint8x16_t b[8];
    for (std::size_t i = 0; i < 8; ++i) b[i] = vld1q_u8(in + 16 * i);
    if constexpr (Decrypt) aes_armv8_decrypt_n<8>(k, b); else aes_armv8_encrypt_n<8>(k, b);
    for (std::size_t i = 0; i < 8; ++i) vst1q_u8(out + 16 * i, b[i]);
  }
  for (; blocks != 0; --blocks, in += 16, out += 16) {
    uint8x16_t b[1] = {vld1q_u8(in)};
    if constexpr (Decrypt) aes_armv8_decrypt_n<1>(k, b); else aes_armv8_encrypt_n<1>(k, b);
    vst1q_u8(out, b[0]);
  }
}

// aes256_cbc_encrypt_armv8: CBC (SP 800-38A 6.2), serial by nature. iv is
// updated to the last ciphertext block. in == out is allowed. The next
// plaintext block is folded into the last round's key off the chain:
// C_i ^ P_(i+1) = AESE(s, K13) ^ (K14 ^ P_(i+1)).
[[E2EE_ARM_AES_TARGET]] inline void aes256_cbc_encrypt_armv8(const std::uint8_t* w, std::uint8_t* iv,
                                                            const std::uint8_t* in, std::uint8_t* out,
                                                            std::size_t blocks) noexcept {
  if (blocks == 0) return;
  const aes_armv8_keys k = aes_armv8_load_keys(w);
  uint8x16_t x = veorq_u8(vld1q_u8(iv), vld1q_u8(in));  // the input of block 1
  uint8x16_t c = x;
  for (;;) {
    for (std::size_t r = 0; r < 13; ++r) x = vaesmcq_u8(vaeseq_u8(x, k.k[r]));
    const uint8x16_t s = vaeseq_u8(x, k.k[13]);
    c = veorq_u8(s, k.k[14]);
    vst1q_u8(out, c);
    if (--blocks == 0) break;
    in += 16;
    out += 16;
    x = veorq_u8(s, veorq_u8(k.k[14], vld1q_u8(in)));  // = C_i ^ P_(i+1)
  }
  vst1q_u8(iv, c);
}

// aes256_cbc_decrypt_armv8: CBC decryption with the decryption schedule dw,
// eight blocks in parallel. iv is updated to the last ciphertext block.
// in == out is allowed (every input block is read before it is overwritten).
[[E2EE_ARM_AES_TARGET]] inline void aes256_cbc_decrypt_armv8(const std::uint8_t* dw, std::uint8_t* iv,
                                                            const std::uint8_t* in, std::uint8_t* out,
                                                            std::size_t blocks) noexcept {
  const aes_armv8_keys k = aes_armv8_load_keys(dw);
  uint8x16_t prev = vld1q_u8(iv);
  for (; blocks >= 8; blocks -= 8, in += 128, out += 128) {
    uint8x16_t c[8], b[8];
    for (std::size_t i = 0; i < 8; ++i) b[i] = c[i] = vld1q_u8(in + 16 * i);
    aes_armv8_decrypt_n<8>(k, b);
    vst1q_u8(out, veorq_u8(b[0], prev));
    for (std::size_t i = 1; i < 8; ++i) vst1q_u8(out + 16 * i, veorq_u8(b[i], c[i - 1]));
    prev = c[7];
  }
  for (; blocks != 0; --blocks, in += 16, out += 16) {
    const uint8x16_t c = vld1q_u8(in);
    uint8x16_t b[1] = {c};
    aes_armv8_decrypt_n<1>(k, b);
    vst1q_u8(out, veorq_u8(b[0], prev));
    prev = c;
  }
  vst1q_u8(iv, prev);
}

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_ARM_CRYPTO_KERNELS
