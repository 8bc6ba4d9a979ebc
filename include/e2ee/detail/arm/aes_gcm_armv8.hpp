// e2ee/detail/arm/aes_gcm_armv8.hpp — AES-256-GCM with the ARMv8 AES and
// PMULL instructions: CTR eight blocks at a time with AESE/AESMC, GHASH with
// 64x64-bit carry-less multiplications (PMULL/PMULL2) and one reduction per
// eight blocks (aggregated: Y' = (Y ^ X1) H^8 ^ X2 H^7 ^ ... ^ X8 H). Internal;
// aead/aes_gcm.hpp and aes_gcm_stream.hpp dispatch here after checking
// cpu::features().arm_aes and arm_pmull. No table: constant time.
//
// Field elements are kept in the natural bit order: bit i of the 128-bit
// value (lane 0 = bits 0..63) is the coefficient of x^i. GCM writes the
// coefficient of x^0 as the most significant bit of byte 0 (SP 800-38D 6.3),
// so a block becomes a field element by reversing the bits of each byte
// (RBIT), nothing else; the carry-less product of two elements is then their
// product as polynomials, reduced with x^128 = x^7 + x^2 + x + 1 (0x87).
//
// Key data (in aes256_gcm's storage): 240 bytes of KeyExpansion's w[0..59],
// then H, H^2, ..., H^8 in natural order (16 bytes each).
#pragma once

#include "arm_common.hpp"

#if E2EE_HAVE_ARM_CRYPTO_KERNELS

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/secret.hpp"
#include "aes_armv8.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail {

inline constexpr std::size_t gcm_armv8_key_size = 240 + 8 * 16;

// gcm_armv8_elem: a 16-byte block in GCM's byte order as a field element,
// and back (RBIT is its own inverse).
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint64x2_t gcm_armv8_elem(uint8x16_t b) noexcept {
  return vreinterpretq_u64_u8(vrbitq_u8(b));
}
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint8x16_t gcm_armv8_bytes(uint64x2_t e) noexcept {
  return vrbitq_u8(vreinterpretq_u8_u64(e));
}

[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint64x2_t gcm_armv8_pmull(std::uint64_t a,
                                                                              std::uint64_t b) noexcept {
  return vreinterpretq_u64_p128(vmull_p64(static_cast<poly64_t>(a), static_cast<poly64_t>(b)));
}
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint64x2_t gcm_armv8_pmull_lo(uint64x2_t a,
                                                                                 uint64x2_t b) noexcept {
  return gcm_armv8_pmull(vgetq_lane_u64(a, 0), vgetq_lane_u64(b, 0));
}
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint64x2_t gcm_armv8_pmull_hi(uint64x2_t a,
                                                                                 uint64x2_t b) noexcept {
  return vreinterpretq_u64_p128(vmull_high_p64(vreinterpretq_p64_u64(a), vreinterpretq_p64_u64(b)));
}

// gcm_armv8_acc: an unreduced sum of 256-bit products, as lo (x^0..), mid
// (x^64..) and hi (x^128..) partial sums.
struct gcm_armv8_acc {
  uint64x2_t lo, mid, hi;
};

// gcm_armv8_mac adds a * h (schoolbook: four 64-bit products) to acc; hs is
// h with its halves swapped.
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline void gcm_armv8_mac(gcm_armv8_acc& acc, uint64x2_t a,
                                                                      uint64x2_t h, uint64x2_t hs) noexcept {
  acc.lo = veorq_u64(acc.lo, gcm_armv8_pmull_lo(a, h));
  acc.hi = veorq_u64(acc.hi, gcm_armv8_pmull_hi(a, h));
  acc.mid = veorq_u64(acc.mid, veorq_u64(gcm_armv8_pmull_lo(a, hs), gcm_armv8_pmull_hi(a, hs)));
}

// gcm_armv8_reduce: the 256-bit sum L + x^128 H modulo the GCM polynomial.
// With x^128 = g = 0x87: H_hi x^192 = (H_hi g) x^64, whose top (at most 7
// bits, at x^128 again) joins H_lo; then (H_lo') g, at most 71 bits, fits.
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint64x2_t gcm_armv8_reduce(const gcm_armv8_acc& acc) noexcept {
  const uint64x2_t zero = vdupq_n_u64(0);
  const uint64x2_t l = veorq_u64(acc.lo, vextq_u64(zero, acc.mid, 1));  // {lo0, lo1 ^ mid0}
  const uint64x2_t h = veorq_u64(acc.hi, vextq_u64(acc.mid, zero, 1));  // {hi0 ^ mid1, hi1}
  const uint64x2_t p1 = gcm_armv8_pmull(vgetq_lane_u64(h, 1), 0x87);
  const uint64x2_t r = veorq_u64(l, vextq_u64(zero, p1, 1));            // + {0, p1_lo}
  const std::uint64_t h0 = vgetq_lane_u64(h, 0) ^ vgetq_lane_u64(p1, 1);
  return veorq_u64(r, gcm_armv8_pmull(h0, 0x87));
}

[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint64x2_t gcm_armv8_mul(uint64x2_t a, uint64x2_t h) noexcept {
  const uint64x2_t zero = vdupq_n_u64(0);
  gcm_armv8_acc acc{zero, zero, zero};
  gcm_armv8_mac(acc, a, h, vextq_u64(h, h, 1));
  return gcm_armv8_reduce(acc);
}

// gcm_setup_armv8: the key schedule and H^1..H^8 (H = E_K(0^128)).
[[E2EE_ARM_AES_TARGET]] inline void gcm_setup_armv8(const std::uint8_t* key, std::uint8_t* out) noexcept {
  aes256_expand_key_armv8(key, out);
  const aes_armv8_keys k = aes_armv8_load_keys(out);
  uint8x16_t b[1] = {vdupq_n_u8(0)};
  aes_armv8_encrypt_n<1>(k, b);
  const uint64x2_t h = gcm_armv8_elem(b[0]);
  uint64x2_t p = h;
  vst1q_u64(reinterpret_cast<std::uint64_t*>(out + 240), h);
  for (std::size_t i = 1; i < 8; ++i) {
    p = gcm_armv8_mul(p, h);
    vst1q_u64(reinterpret_cast<std::uint64_t*>(out + 240 + 16 * i), p);
  }
}

// gcm_armv8_powers: H^1..H^8 and their swapped halves, loaded once per call.
struct gcm_armv8_powers {
  uint64x2_t h[8], hs[8];
};
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline void gcm_armv8_load_powers(const std::uint8_t* w,
                                                                              gcm_armv8_powers& hp) noexcept {
  for (std::size_t i = 0; i < 8; ++i) {
    hp.h[i] = vld1q_u64(reinterpret_cast<const std::uint64_t*>(w + 240 + 16 * i));
    hp.hs[i] = vextq_u64(hp.h[i], hp.h[i], 1);
  }
}

// gcm_armv8_fold: y = (y ^ x[0]) H^m ^ x[1] H^(m-1) ^ ... ^ x[m-1] H, m <= 8.
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint64x2_t gcm_armv8_fold(const gcm_armv8_powers& hp, uint64x2_t y,
                                                                             const uint64x2_t* x,
                                                                             std::size_t m) noexcept {
  const uint64x2_t zero = vdupq_n_u64(0);
  gcm_armv8_acc acc{zero, zero, zero};
  for (std::size_t i = 0; i < m; ++i) {
    const uint64x2_t a = i == 0 ? veorq_u64(y, x[0]) : x[i];
    gcm_armv8_mac(acc, a, hp.h[m - 1 - i], hp.hs[m - 1 - i]);
  }
  return gcm_armv8_reduce(acc);
}

// gcm_armv8_ghash folds n bytes at p into y (a final partial block
// zero-padded), eight blocks per reduction.
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint64x2_t gcm_armv8_ghash(const gcm_armv8_powers& hp, uint64x2_t y,
                                                                              const std::uint8_t* p,
                                                                              std::size_t n) noexcept {
  uint64x2_t x[8];
  for (; n >= 128; n -= 128, p += 128) {
    for (std::size_t i = 0; i < 8; ++i) x[i] = gcm_armv8_elem(vld1q_u8(p + 16 * i));
    y = gcm_armv8_fold(hp, y, x, 8);
  }
  if (n != 0) {
    const std::size_t full = n / 16, rest = n % 16;
    for (std::size_t i = 0; i < full; ++i) x[i] = gcm_armv8_elem(vld1q_u8(p + 16 * i));
    std::size_t m = full;
    if (rest != 0) {
      std::uint8_t last[16] = {};
      std::memcpy(last, p + 16 * full, rest);
      x[m++] = gcm_armv8_elem(vld1q_u8(last));
      secure_wipe(last, sizeof last);  // may be plaintext (decryption) or AAD
    }
    y = gcm_armv8_fold(hp, y, x, m);
  }
  return y;
}

// gcm_armv8_counter: J0 with its last word replaced by ctr (inc32's word,
// big-endian).
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint8x16_t gcm_armv8_counter(uint32x4_t base,
                                                                                std::uint32_t ctr) noexcept {
  return vreinterpretq_u8_u32(vsetq_lane_u32(__builtin_bswap32(ctr), base, 3));
}

// gcm_armv8_ctr_ghash: `blocks` whole blocks of GCTR with counters ctr+1, ...
// and GHASH of the ciphertext into y, eight blocks per step (AES of the next
// eight is independent of the GHASH of these). in == out allowed. Returns y.
[[E2EE_ARM_AES_TARGET, gnu::always_inline]] inline uint64x2_t gcm_armv8_ctr_ghash(
    const aes_armv8_keys& k, const gcm_armv8_powers& hp, uint32x4_t base, std::uint32_t ctr, uint64x2_t y,
    const std::uint8_t* in, std::uint8_t* out, std::size_t blocks, bool encrypt) noexcept {
  while (blocks != 0) {
    const std::size_t m = blocks < 8 ? blocks : 8;
    uint8x16_t b[8];
    for (std::size_t i = 0; i < 8; ++i) b[i] = gcm_armv8_counter(base, ctr + 1 + static_cast<std::uint32_t>(i));
    aes_armv8_encrypt_n<8>(k, b);  // a few blocks too many on the last step at most
    uint64x2_t x[8];
    for (std::size_t i = 0; i < m; ++i) {
      const uint8x16_t c = vld1q_u8(in + 16 * i);
      const uint8x16_t o = veorq_u8(c, b[i]);
      vst1q_u8(out + 16 * i, o);
      x[i] = gcm_armv8_elem(encrypt ? o : c);
    }
    y = gcm_armv8_fold(hp, y, x, m);
    ctr += static_cast<std::uint32_t>(m);
    in += 16 * m;
    out += 16 * m;
    blocks -= m;
  }
  return y;
}

// ---- the pieces aes_gcm_stream.hpp resumes between calls --------------------
// y_bytes: the GHASH state as a block in GCM's byte order.

// gcm_stream_ghash_armv8 folds n bytes at p into y_bytes.
[[E2EE_ARM_AES_TARGET]] inline void gcm_stream_ghash_armv8(const std::uint8_t* w, std::uint8_t* y_bytes,
                                                          const std::uint8_t* p, std::size_t n) noexcept {
  gcm_armv8_powers hp;
  gcm_armv8_load_powers(w, hp);
  const uint64x2_t y = gcm_armv8_ghash(hp, gcm_armv8_elem(vld1q_u8(y_bytes)), p, n);
  vst1q_u8(y_bytes, gcm_armv8_bytes(y));
}

// gcm_stream_block_armv8: out = E_K(in), one block.
[[E2EE_ARM_AES_TARGET]] inline void gcm_stream_block_armv8(const std::uint8_t* w, const std::uint8_t* in,
                                                          std::uint8_t* out) noexcept {
  const aes_armv8_keys k = aes_armv8_load_keys(w);
  uint8x16_t b[1] = {vld1q_u8(in)};
  aes_armv8_encrypt_n<1>(k, b);
  vst1q_u8(out, b[0]);
}

// gcm_stream_blocks_armv8: `blocks` whole blocks of GCTR from counter ctr+1
// and GHASH of the ciphertext into y_bytes. in == out allowed.
[[E2EE_ARM_AES_TARGET]] inline void gcm_stream_blocks_armv8(const std::uint8_t* w, const std::uint8_t* j0,
                                                           std::uint32_t ctr, std::uint8_t* y_bytes,
                                                           const std::uint8_t* in, std::uint8_t* out,
                                                           std::size_t blocks, bool encrypt) noexcept {
  const aes_armv8_keys k = aes_armv8_load_keys(w);
  gcm_armv8_powers hp;
  gcm_armv8_load_powers(w, hp);
  const uint64x2_t y = gcm_armv8_ctr_ghash(k, hp, vreinterpretq_u32_u8(vld1q_u8(j0)), ctr,
                                           gcm_armv8_elem(vld1q_u8(y_bytes)), in, out, blocks, encrypt);
  vst1q_u8(y_bytes, gcm_armv8_bytes(y));
}

// ---- one call: aes256_gcm::encrypt / decrypt ----------------------------------

// gcm_crypt_armv8: GCM-AE / GCM-AD (SP 800-38D 7.1, 7.2) after the argument
// checks: J0 (from a 12-byte nonce directly, else GHASH of the nonce),
// GCTR from inc32(J0) with GHASH of A and C, T = E_K(J0) ^ S. tag receives
// the computed tag (the caller compares it when decrypting).
[[E2EE_ARM_AES_TARGET]] inline void gcm_crypt_armv8(const std::uint8_t* w, const std::uint8_t* nonce,
                                                   std::size_t nonce_len, const std::uint8_t* aad,
                                                   std::size_t aad_len, const std::uint8_t* in,
                                                   std::uint8_t* out, std::size_t len, bool encrypt,
                                                   std::uint8_t* tag) noexcept {
  const aes_armv8_keys k = aes_armv8_load_keys(w);
  gcm_armv8_powers hp;
  gcm_armv8_load_powers(w, hp);
  const uint64x2_t zero = vdupq_n_u64(0);

  std::uint8_t j0[16] = {};
  if (nonce_len == 12) {
    std::memcpy(j0, nonce, 12);
    j0[15] = 1;
  } else {
    uint64x2_t s = gcm_armv8_ghash(hp, zero, nonce, nonce_len);
    std::uint8_t lens[16] = {};
    const std::uint64_t bits = static_cast<std::uint64_t>(nonce_len) * 8;
    for (std::size_t i = 0; i < 8; ++i) lens[15 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
    s = gcm_armv8_ghash(hp, s, lens, 16);
    vst1q_u8(j0, gcm_armv8_bytes(s));
  }
  const uint32x4_t base = vreinterpretq_u32_u8(vld1q_u8(j0));
  std::uint32_t ctr = __builtin_bswap32(vgetq_lane_u32(base, 3));

  uint64x2_t y = gcm_armv8_ghash(hp, zero, aad, aad_len);
  const std::size_t blocks = len / 16, rest = len % 16;
  y = gcm_armv8_ctr_ghash(k, hp, base, ctr, y, in, out, blocks, encrypt);
  ctr += static_cast<std::uint32_t>(blocks);
  if (rest != 0) {
    std::uint8_t buf[16] = {};
    std::memcpy(buf, in + 16 * blocks, rest);
    uint8x16_t b[1] = {gcm_armv8_counter(base, ctr + 1)};
    aes_armv8_encrypt_n<1>(k, b);
    const uint8x16_t x = vld1q_u8(buf);
    vst1q_u8(buf, veorq_u8(x, b[0]));
    std::memcpy(out + 16 * blocks, buf, rest);
    if (!encrypt) vst1q_u8(buf, x);
    for (std::size_t i = rest; i < 16; ++i) buf[i] = 0;  // GHASH pads the ciphertext with zeros
    const uint64x2_t c = gcm_armv8_elem(vld1q_u8(buf));
    y = gcm_armv8_fold(hp, y, &c, 1);
    secure_wipe(buf, sizeof buf);
  }
  std::uint8_t lens[16];
  const std::uint64_t abits = static_cast<std::uint64_t>(aad_len) * 8, cbits = static_cast<std::uint64_t>(len) * 8;
  for (std::size_t i = 0; i < 8; ++i) {
    lens[7 - i] = static_cast<std::uint8_t>(abits >> (8 * i));
    lens[15 - i] = static_cast<std::uint8_t>(cbits >> (8 * i));
  }
  const uint64x2_t l = gcm_armv8_elem(vld1q_u8(lens));
  y = gcm_armv8_fold(hp, y, &l, 1);
  uint8x16_t t[1] = {vld1q_u8(j0)};
  aes_armv8_encrypt_n<1>(k, t);
  vst1q_u8(tag, veorq_u8(t[0], gcm_armv8_bytes(y)));
}

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_ARM_CRYPTO_KERNELS
