// e2ee/detail/x86/aes_aesni.hpp — AES-256 with AES-NI (128-bit AESENC):
// key expansion, blocks, CBC and the CTR part of GCM. Internal; cipher/aes.hpp,
// cipher/cbc.hpp and aead/aes_gcm.hpp dispatch here. Callers checked
// aesni && sse41. AESENC has latency 4 and throughput 2 per cycle here, so
// independent blocks go eight at a time.
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include "intrin.hpp"  // the intrinsics headers the kernels need (not all of <immintrin.h>)

#include <cstddef>
#include <cstdint>

E2EE_NAMESPACE_BEGIN
namespace detail {

#define E2EE_AESNI_TARGET gnu::target("aes,sse4.1")

[[E2EE_AESNI_TARGET, gnu::always_inline]] inline __m128i aesni_load(const std::uint8_t* p) noexcept {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
[[E2EE_AESNI_TARGET, gnu::always_inline]] inline void aesni_store(std::uint8_t* p, __m128i v) noexcept {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
}

// aesni_expand_step: one AES-256 KeyExpansion step (FIPS-197 5.2). `a` holds
// the previous even round key, `b` the odd one; `t` is AESKEYGENASSIST's word
// (SubWord(RotWord) ^ Rcon, or SubWord) broadcast to all four lanes.
[[E2EE_AESNI_TARGET, gnu::always_inline]] inline __m128i aesni_expand_step(__m128i a, __m128i t) noexcept {
  a = _mm_xor_si128(a, _mm_slli_si128(a, 4));
  a = _mm_xor_si128(a, _mm_slli_si128(a, 4));
  a = _mm_xor_si128(a, _mm_slli_si128(a, 4));
  return _mm_xor_si128(a, t);
}

template <int Rcon>
[[E2EE_AESNI_TARGET, gnu::always_inline]] inline void aesni_expand_pair(__m128i& a, __m128i& b,
                                                                        std::uint8_t* out) noexcept {
  a = aesni_expand_step(a, _mm_shuffle_epi32(_mm_aeskeygenassist_si128(b, Rcon), 0xff));
  aesni_store(out, a);
  if constexpr (Rcon != 0x40) {
    b = aesni_expand_step(b, _mm_shuffle_epi32(_mm_aeskeygenassist_si128(a, 0), 0xaa));
    aesni_store(out + 16, b);
  }
}

// aes256_expand_key_aesni writes the 240-byte schedule w[0..59] (same bytes
// as the portable KeyExpansion).
[[E2EE_AESNI_TARGET]] inline void aes256_expand_key_aesni(const std::uint8_t* key, std::uint8_t* w) noexcept {
  __m128i a = aesni_load(key), b = aesni_load(key + 16);
  aesni_store(w, a);
  aesni_store(w + 16, b);
  aesni_expand_pair<0x01>(a, b, w + 32);
  aesni_expand_pair<0x02>(a, b, w + 64);
  aesni_expand_pair<0x04>(a, b, w + 96);
  aesni_expand_pair<0x08>(a, b, w + 128);
  aesni_expand_pair<0x10>(a, b, w + 160);
  aesni_expand_pair<0x20>(a, b, w + 192);
  aesni_expand_pair<0x40>(a, b, w + 224);
}

// aes256_decrypt_keys_aesni: the Equivalent Inverse Cipher schedule
// (FIPS-197 5.3.5) in the order AESDEC uses it: dw[0] = w[14], dw[r] =
// InvMixColumns(w[14-r]) for 1 <= r <= 13, dw[14] = w[0].
[[E2EE_AESNI_TARGET]] inline void aes256_decrypt_keys_aesni(const std::uint8_t* w, std::uint8_t* dw) noexcept {
  aesni_store(dw, aesni_load(w + 16 * 14));
  for (std::size_t r = 1; r < 14; ++r) aesni_store(dw + 16 * r, _mm_aesimc_si128(aesni_load(w + 16 * (14 - r))));
  aesni_store(dw + 16 * 14, aesni_load(w));
}

// aes256_setup_aesni: what the aes256 kernel keeps, out[0..239] = w and
// out[240..479] = the decryption schedule.
[[E2EE_AESNI_TARGET]] inline void aes256_setup_aesni(const std::uint8_t* key, std::uint8_t* out) noexcept {
  aes256_expand_key_aesni(key, out);
  aes256_decrypt_keys_aesni(out, out + 240);
}

struct aesni_keys {
  __m128i k[15];
};

[[E2EE_AESNI_TARGET, gnu::always_inline]] inline aesni_keys aesni_load_keys(const std::uint8_t* w) noexcept {
  aesni_keys k;
  for (std::size_t r = 0; r < 15; ++r) k.k[r] = aesni_load(w + 16 * r);
  return k;
}

// aesni_encrypt_n / aesni_decrypt_n run N independent blocks through all rounds.
template <std::size_t N>
[[E2EE_AESNI_TARGET, gnu::always_inline]] inline void aesni_encrypt_n(const aesni_keys& k, __m128i* b) noexcept {
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm_xor_si128(b[i], k.k[0]);
  for (std::size_t r = 1; r < 14; ++r)
    for (std::size_t i = 0; i < N; ++i) b[i] = _mm_aesenc_si128(b[i], k.k[r]);
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm_aesenclast_si128(b[i], k.k[14]);
}
template <std::size_t N>
[[E2EE_AESNI_TARGET, gnu::always_inline]] inline void aesni_decrypt_n(const aesni_keys& k, __m128i* b) noexcept {
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm_xor_si128(b[i], k.k[0]);
  for (std::size_t r = 1; r < 14; ++r)
    for (std::size_t i = 0; i < N; ++i) b[i] = _mm_aesdec_si128(b[i], k.k[r]);
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm_aesdeclast_si128(b[i], k.k[14]);
}

// aes256_ecb_aesni encrypts (or, with the decryption schedule and Decrypt,
// decrypts) `blocks` blocks; in == out is allowed.
template <bool Decrypt>
[[E2EE_AESNI_TARGET]] inline void aes256_ecb_aesni(const std::uint8_t* w, const std::uint8_t* in,
                                                   std::uint8_t* out, std::size_t blocks) noexcept {
  const aesni_keys k = aesni_load_keys(w);
  for (; blocks >= 8; blocks -= 8, in += 128, out += 128) {
    __m128i b[8];
    for (std::size_t i = 0; i < 8; ++i) b[i] = aesni_load(in + 16 * i);
    if constexpr (Decrypt) aesni_decrypt_n<8>(k, b); else aesni_encrypt_n<8>(k, b);
    for (std::size_t i = 0; i < 8; ++i) aesni_store(out + 16 * i, b[i]);
  }
  for (; blocks != 0; --blocks, in += 16, out += 16) {
    __m128i b[1] = {aesni_load(in)};
    if constexpr (Decrypt) aesni_decrypt_n<1>(k, b); else aesni_encrypt_n<1>(k, b);
    aesni_store(out, b[0]);
  }
}

// aes256_cbc_encrypt_aesni: CBC (SP 800-38A 6.2), serial by nature. iv is
// updated to the last ciphertext block. in == out is allowed.
// The chain is the 14 rounds and nothing else: the next block's input
// C_i ^ P_(i+1) ^ K0 comes straight out of AESENCLAST with the key
// K14 ^ P_(i+1) ^ K0 (AESENCLAST(s, k) = SubBytes(ShiftRows(s)) ^ k); a second
// AESENCLAST with K14, off the chain, gives C_i for the output.
[[E2EE_AESNI_TARGET]] inline void aes256_cbc_encrypt_aesni(const std::uint8_t* w, std::uint8_t* iv,
                                                           const std::uint8_t* in, std::uint8_t* out,
                                                           std::size_t blocks) noexcept {
  const aesni_keys k = aesni_load_keys(w);
  if (blocks == 0) return;
  const __m128i k0_k14 = _mm_xor_si128(k.k[0], k.k[14]);
  __m128i s = _mm_xor_si128(aesni_load(iv), _mm_xor_si128(aesni_load(in), k.k[0]));  // round 0 of block 1
  __m128i c = s;
  for (;;) {
    for (std::size_t r = 1; r < 14; ++r) s = _mm_aesenc_si128(s, k.k[r]);
    c = _mm_aesenclast_si128(s, k.k[14]);
    aesni_store(out, c);
    if (--blocks == 0) break;
    in += 16;
    out += 16;
    s = _mm_aesenclast_si128(s, _mm_xor_si128(aesni_load(in), k0_k14));  // = C ^ P_next ^ K0
  }
  aesni_store(iv, c);
}

// aes256_cbc_decrypt_aesni: CBC decryption with the decryption schedule dw,
// eight blocks in parallel. iv is updated to the last ciphertext block.
// in == out is allowed (every input block is read before it is overwritten).
[[E2EE_AESNI_TARGET]] inline void aes256_cbc_decrypt_aesni(const std::uint8_t* dw, std::uint8_t* iv,
                                                           const std::uint8_t* in, std::uint8_t* out,
                                                           std::size_t blocks) noexcept {
  const aesni_keys k = aesni_load_keys(dw);
  __m128i prev = aesni_load(iv);
  for (; blocks >= 8; blocks -= 8, in += 128, out += 128) {
    __m128i c[8], b[8];
    for (std::size_t i = 0; i < 8; ++i) b[i] = c[i] = aesni_load(in + 16 * i);
    aesni_decrypt_n<8>(k, b);
    aesni_store(out, _mm_xor_si128(b[0], prev));
    for (std::size_t i = 1; i < 8; ++i) aesni_store(out + 16 * i, _mm_xor_si128(b[i], c[i - 1]));
    prev = c[7];
  }
  for (; blocks != 0; --blocks, in += 16, out += 16) {
    const __m128i c = aesni_load(in);
    __m128i b[1] = {c};
    aesni_decrypt_n<1>(k, b);
    aesni_store(out, _mm_xor_si128(b[0], prev));
    prev = c;
  }
  aesni_store(iv, prev);
}

// ---- VAES on 256-bit registers (AVX2 level): CBC decryption ----------------

#define E2EE_AES_VAES_TARGET gnu::target("aes,sse4.1,avx,avx2,vaes")

// aes256_cbc_decrypt_vaes: CBC decryption as aes256_cbc_decrypt_aesni, with
// VAESDEC on ymm: 2N blocks (N registers of two) per iteration, 4
// block-rounds per cycle here against 2 with xmm. Twelve registers, not
// eight: with 4-cycle rounds, eight chains just keep the two AES pipes busy
// and lose every stall; twelve leave slack (0.32 -> 0.27 cpb at 16 KiB).
// The chaining value of blocks 2i, 2i+1 is the unaligned 32-byte load of
// blocks 2i-1, 2i, folded into the last round's key
// (AESDECLAST(s, k) ^ x = AESDECLAST(s, k ^ x)). All of an iteration's loads
// come before its stores (in == out allowed). What is left (fewer than 2N
// blocks) goes to the xmm kernel.
template <std::size_t N>
[[E2EE_AES_VAES_TARGET, gnu::always_inline]] inline void aes256_cbc_decrypt_vaes_n(const __m256i* rk, __m128i& prev,
                                                                                 const std::uint8_t* in,
                                                                                 std::uint8_t* out) noexcept {
  __m256i b[N], x[N];
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 32 * i));
  x[0] = _mm256_inserti128_si256(_mm256_castsi128_si256(prev), aesni_load(in), 1);
  for (std::size_t i = 1; i < N; ++i) x[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 32 * i - 16));
  prev = aesni_load(in + 32 * N - 16);
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm256_xor_si256(b[i], rk[0]);
  for (std::size_t r = 1; r < 14; ++r)
    for (std::size_t i = 0; i < N; ++i) b[i] = _mm256_aesdec_epi128(b[i], rk[r]);
  for (std::size_t i = 0; i < N; ++i)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * i),
                        _mm256_aesdeclast_epi128(b[i], _mm256_xor_si256(x[i], rk[14])));
}

[[E2EE_AES_VAES_TARGET]] inline void aes256_cbc_decrypt_vaes(const std::uint8_t* dw, std::uint8_t* iv,
                                                             const std::uint8_t* in, std::uint8_t* out,
                                                             std::size_t blocks) noexcept {
  constexpr std::size_t n = 12;
  if (blocks >= 2 * n) {
    __m256i rk[15];
    for (std::size_t r = 0; r < 15; ++r) rk[r] = _mm256_broadcastsi128_si256(aesni_load(dw + 16 * r));
    __m128i prev = aesni_load(iv);
    for (; blocks >= 2 * n; blocks -= 2 * n, in += 32 * n, out += 32 * n)
      aes256_cbc_decrypt_vaes_n<n>(rk, prev, in, out);
    aesni_store(iv, prev);
  }
  if (blocks != 0) aes256_cbc_decrypt_aesni(dw, iv, in, out, blocks);
}

#undef E2EE_AES_VAES_TARGET
#undef E2EE_AESNI_TARGET

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
