// e2ee/detail/x86/aes_gcm_clmul.hpp — AES-256-GCM with AES-NI (CTR) and
// PCLMULQDQ (GHASH). Internal; aead/aes_gcm.hpp dispatches here. Callers
// checked aesni && pclmulqdq && sse41.
//
// GHASH works on byte-reversed blocks (PSHUFB), in which GCM's bit order
// becomes the order of a 128-bit integer read bit-reflected; the product of
// two reflected values is the reflected product shifted right by one, hence
// the one-bit shift before the reduction (Gueron and Kounavis, "Intel
// Carry-Less Multiplication Instruction and its Usage for Computing the GCM
// Mode", rev. 2.02, algorithms 1 and 5). Eight blocks share one reduction:
// Y' = (Y + X1) H^8 + X2 H^7 + ... + X8 H (aggregated reduction, same paper).
// Powers H^1..H^8 are computed when the key is set.
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../../core/secret.hpp"
#include "aes_aesni.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail {

#define E2EE_CLMUL_TARGET gnu::target("aes,pclmul,sse4.1")

[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_bswap(__m128i x) noexcept {
  return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

// gcm_wide: an unreduced 256-bit carry-less product hi:lo.
struct gcm_wide {
  __m128i lo, hi;
};

// gcm_clmul_acc adds a * b (schoolbook, four PCLMULQDQ) to acc.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_clmul_acc(gcm_wide& acc, __m128i a,
                                                                    __m128i b) noexcept {
  const __m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10), _mm_clmulepi64_si128(a, b, 0x01));
  acc.lo = _mm_xor_si128(acc.lo, _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x00), _mm_slli_si128(mid, 8)));
  acc.hi = _mm_xor_si128(acc.hi, _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x11), _mm_srli_si128(mid, 8)));
}

// gcm_reduce shifts the 256-bit product left by one bit (the reflection
// offset) and reduces it modulo x^128 + x^7 + x^2 + x + 1 (reflected).
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_reduce(gcm_wide p) noexcept {
  __m128i lo = p.lo, hi = p.hi;
  // 256-bit shift left by one: each 32-bit lane's top bit moves to the next lane.
  const __m128i clo = _mm_srli_epi32(lo, 31), chi = _mm_srli_epi32(hi, 31);
  lo = _mm_or_si128(_mm_slli_epi32(lo, 1), _mm_slli_si128(clo, 4));
  hi = _mm_or_si128(_mm_or_si128(_mm_slli_epi32(hi, 1), _mm_slli_si128(chi, 4)), _mm_srli_si128(clo, 12));
  // First phase: multiply the low half by x^63 + x^62 + x^57 (left shifts 31, 30, 25 per lane).
  __m128i a = _mm_xor_si128(_mm_xor_si128(_mm_slli_epi32(lo, 31), _mm_slli_epi32(lo, 30)), _mm_slli_epi32(lo, 25));
  const __m128i carry = _mm_srli_si128(a, 4);
  lo = _mm_xor_si128(lo, _mm_slli_si128(a, 12));
  // Second phase: right shifts 1, 2, 7 and the carried words.
  a = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi32(lo, 1), _mm_srli_epi32(lo, 2)), _mm_srli_epi32(lo, 7));
  a = _mm_xor_si128(a, carry);
  return _mm_xor_si128(hi, _mm_xor_si128(lo, a));
}

[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_mul(__m128i a, __m128i b) noexcept {
  gcm_wide p{_mm_setzero_si128(), _mm_setzero_si128()};
  gcm_clmul_acc(p, a, b);
  return gcm_reduce(p);
}

// gcm_init_clmul: H = E_K(0^128) and the byte-reversed powers H^1..H^8 into
// hpow (8 x 16 bytes), from the 240-byte schedule w.
[[E2EE_CLMUL_TARGET]] inline void gcm_init_clmul(const std::uint8_t* w, std::uint8_t* hpow) noexcept {
  const aesni_keys k = aesni_load_keys(w);
  __m128i h[1] = {_mm_setzero_si128()};
  aesni_encrypt_n<1>(k, h);
  // A tree of depth 3 instead of a chain of 7 multiplications: the key set-up
  // of a fresh key per message waits for it.
  __m128i p[8];
  p[0] = gcm_bswap(h[0]);
  p[1] = gcm_mul(p[0], p[0]);
  p[2] = gcm_mul(p[1], p[0]);
  p[3] = gcm_mul(p[1], p[1]);
  for (std::size_t i = 4; i < 8; ++i) p[i] = gcm_mul(p[3], p[i - 4]);
  for (std::size_t i = 0; i < 8; ++i) aesni_store(hpow + 16 * i, p[i]);
}

struct gcm_clmul_powers {
  __m128i h[8];  // h[i] = H^(i+1)
};

// gcm_ghash_last_clmul folds m (1..8) blocks at p into y with one reduction:
// (y + X1) H^m + X2 H^(m-1) + ... + Xm H.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_ghash_last_clmul(const gcm_clmul_powers& hp, __m128i y,
                                                                              const std::uint8_t* p,
                                                                              std::size_t m) noexcept {
  gcm_wide acc{_mm_setzero_si128(), _mm_setzero_si128()};
  gcm_clmul_acc(acc, _mm_xor_si128(y, gcm_bswap(aesni_load(p))), hp.h[m - 1]);
  for (std::size_t i = 1; i < m; ++i) gcm_clmul_acc(acc, gcm_bswap(aesni_load(p + 16 * i)), hp.h[m - 1 - i]);
  return gcm_reduce(acc);
}

// gcm_ghash_clmul folds `n` bytes at p into y (byte-reversed domain); a final
// partial block is padded with zeros (SP 800-38D 7.1 step 5).
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_ghash_clmul(const gcm_clmul_powers& hp, __m128i y,
                                                                         const std::uint8_t* p,
                                                                         std::size_t n) noexcept {
  for (; n >= 128; n -= 128, p += 128) {
    gcm_wide acc{_mm_setzero_si128(), _mm_setzero_si128()};
    gcm_clmul_acc(acc, _mm_xor_si128(y, gcm_bswap(aesni_load(p))), hp.h[7]);
    for (std::size_t i = 1; i < 8; ++i) gcm_clmul_acc(acc, gcm_bswap(aesni_load(p + 16 * i)), hp.h[7 - i]);
    y = gcm_reduce(acc);
  }
  if (n != 0) {  // 1..8 blocks left, the last one zero-padded: one reduction
    alignas(16) std::uint8_t last[128] = {};
    for (std::size_t i = 0; i < n; ++i) last[i] = p[i];
    y = gcm_ghash_last_clmul(hp, y, last, (n + 15) / 16);
  }
  return y;
}

// gcm_j0_clmul: the pre-counter block J0 (SP 800-38D 7.1 step 2) for any
// nonce length >= 1 (12 bytes: nonce || 0^31 || 1; else GHASH of the padded
// nonce and its bit length).
[[E2EE_CLMUL_TARGET]] inline void gcm_j0_clmul(const std::uint8_t* hpow, const std::uint8_t* nonce,
                                               std::size_t nonce_len, std::uint8_t* j0) noexcept {
  gcm_clmul_powers hp;
  for (std::size_t i = 0; i < 8; ++i) hp.h[i] = aesni_load(hpow + 16 * i);
  __m128i y = gcm_ghash_clmul(hp, _mm_setzero_si128(), nonce, nonce_len);
  // Block 0^64 || [len(IV)]_64 in bits; byte-reversed, the length is the low lane.
  const __m128i len = _mm_set_epi64x(0, static_cast<long long>(static_cast<std::uint64_t>(nonce_len) << 3));
  y = gcm_mul(_mm_xor_si128(y, len), hp.h[0]);
  aesni_store(j0, gcm_bswap(y));
}

// gcm_counter: the counter block with inc32 applied `i` times (last word big-endian).
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_counter(__m128i base, std::uint32_t ctr) noexcept {
  return _mm_insert_epi32(base, static_cast<int>(__builtin_bswap32(ctr)), 3);
}

// gcm_crypt_clmul: GCM-AE or GCM-AD (SP 800-38D 7.1, 7.2) after J0: CTR from
// inc32(J0) over `len` bytes in -> out (in == out allowed), GHASH over aad and
// the ciphertext, and S ^ E_K(J0) into tag.
[[E2EE_CLMUL_TARGET]] inline void gcm_crypt_clmul(const std::uint8_t* w, const std::uint8_t* hpow,
                                                  const std::uint8_t* j0, const std::uint8_t* aad,
                                                  std::size_t aad_len, const std::uint8_t* in,
                                                  std::uint8_t* out, std::size_t len, bool encrypt,
                                                  std::uint8_t* tag) noexcept {
  const aesni_keys k = aesni_load_keys(w);
  gcm_clmul_powers hp;
  for (std::size_t i = 0; i < 8; ++i) hp.h[i] = aesni_load(hpow + 16 * i);
  const __m128i base = aesni_load(j0);
  std::uint32_t ctr = __builtin_bswap32(static_cast<std::uint32_t>(_mm_extract_epi32(base, 3)));
  __m128i y = gcm_ghash_clmul(hp, _mm_setzero_si128(), aad, aad_len);
  const std::size_t total = len;

  for (; len >= 128; len -= 128, in += 128, out += 128) {
    __m128i b[8], c[8];
    for (std::size_t i = 0; i < 8; ++i) b[i] = gcm_counter(base, ctr + 1 + static_cast<std::uint32_t>(i));
    ctr += 8;
    aesni_encrypt_n<8>(k, b);
    for (std::size_t i = 0; i < 8; ++i) {
      const __m128i x = aesni_load(in + 16 * i);
      const __m128i o = _mm_xor_si128(x, b[i]);
      c[i] = encrypt ? o : x;
      aesni_store(out + 16 * i, o);
    }
    gcm_wide acc{_mm_setzero_si128(), _mm_setzero_si128()};
    gcm_clmul_acc(acc, _mm_xor_si128(y, gcm_bswap(c[0])), hp.h[7]);
    for (std::size_t i = 1; i < 8; ++i) gcm_clmul_acc(acc, gcm_bswap(c[i]), hp.h[7 - i]);
    y = gcm_reduce(acc);
  }
  // The last 0..127 bytes and E_K(J0) for the tag: one batch of nine blocks
  // (short messages: one AES latency in all), one GHASH reduction.
  __m128i b[9];
  for (std::size_t i = 0; i < 8; ++i) b[i] = gcm_counter(base, ctr + 1 + static_cast<std::uint32_t>(i));
  b[8] = base;
  aesni_encrypt_n<9>(k, b);
  if (len != 0) {
    const std::size_t m = (len + 15) / 16;
    alignas(16) std::uint8_t x[128] = {}, o[128] = {};
    for (std::size_t i = 0; i < len; ++i) x[i] = in[i];
    for (std::size_t i = 0; i < m; ++i) aesni_store(o + 16 * i, _mm_xor_si128(aesni_load(x + 16 * i), b[i]));
    for (std::size_t i = 0; i < len; ++i) out[i] = o[i];
    for (std::size_t i = len; i < 16 * m; ++i) o[i] = 0;  // GHASH pads the last block with zeros
    y = gcm_ghash_last_clmul(hp, y, encrypt ? o : x, m);
    secure_wipe(x, sizeof x);
    secure_wipe(o, sizeof o);
  }
  // Length block [len(A)]_64 || [len(C)]_64 in bits; byte-reversed, len(C) is the low lane.
  const __m128i lens = _mm_set_epi64x(static_cast<long long>(static_cast<std::uint64_t>(aad_len) << 3),
                                      static_cast<long long>(static_cast<std::uint64_t>(total) << 3));
  y = gcm_mul(_mm_xor_si128(y, lens), hp.h[0]);
  aesni_store(tag, _mm_xor_si128(gcm_bswap(y), b[8]));
}

#undef E2EE_CLMUL_TARGET

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
