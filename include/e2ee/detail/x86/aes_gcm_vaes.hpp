// e2ee/detail/x86/aes_gcm_vaes.hpp — AES-256-GCM with VAES and VPCLMULQDQ on
// 256-bit registers (AVX2 level; no AVX-512 needed): two blocks per
// instruction. Internal; aead/aes_gcm.hpp dispatches here. Callers checked
// aesni, pclmulqdq, sse41, avx2, vaes and vpclmulqdq.
//
// Bulk: 16 blocks (8 ymm) per iteration. The AES rounds of the counters of
// chunk i are interleaved with the GHASH of a whole chunk (the ciphertext
// just read when decrypting, the ciphertext written in the previous iteration
// when encrypting), 24 VPCLMULQDQ (Karatsuba) and one reduction per 16 blocks:
// Y' = (Y + X1) H^16 + X2 H^15 + ... + X16 H (aggregated reduction). The keys
// are the "primed" powers H^i x^-1 of aes_gcm_clmul.hpp, so no reduction
// needs the one-bit shift.
//
// Per call only the powers the message needs are made (gcm_powers: H^1..H^8,
// from the key object's H or its cache of H^2..H^8, shared with the AES-NI
// kernel), and H^9..H^16 (four ymm products) only when the message or the
// AAD has 256 bytes or more. Short messages
// fold AAD, ciphertext and the length block with a single reduction, and run
// only the AES blocks they need (counters and E_K(J0) share registers).
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include "intrin.hpp"  // the intrinsics headers the kernels need (not all of <immintrin.h>)

#include <cstddef>
#include <cstdint>

#include "../../core/secret.hpp"
#include "aes_aesni.hpp"
#include "aes_gcm_clmul.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail {

#define E2EE_VAES_TARGET gnu::target("aes,pclmul,sse4.1,avx,avx2,vaes,vpclmulqdq")

// gcm_vaes_powers: pw[16 - i] = H^i x^-1 (byte-reversed), so that a ymm load
// at pw[16 - n + 2j] pairs the keys of blocks 2j, 2j+1 of an n-block group;
// pk[i] = gcm_kfold(pw[i]). Only pw[16 - count .. 15] are set.
struct gcm_vaes_powers {
  alignas(32) __m128i pw[16];
  alignas(32) __m128i pk[16];
};

[[E2EE_VAES_TARGET, gnu::always_inline]] inline __m256i vaes_bswap_mask() noexcept {
  return _mm256_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                         11, 12, 13, 14, 15);
}
[[E2EE_VAES_TARGET, gnu::always_inline]] inline __m256i vaes_load(const void* p) noexcept {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void vaes_store(void* p, __m256i v) noexcept {
  _mm256_storeu_si256(static_cast<__m256i*>(p), v);
}
// vaes_low: v in the low lane, zero in the high one.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline __m256i vaes_low(__m128i v) noexcept {
  return _mm256_inserti128_si256(_mm256_setzero_si256(), v, 0);
}

// gcm_reduce_prime_ymm: gcm_reduce_prime in each 128-bit lane.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline __m256i gcm_reduce_prime_ymm(__m256i lo, __m256i hi) noexcept {
  const __m256i poly = _mm256_set1_epi64x(static_cast<long long>(0xc200000000000000ull));
  __m256i t = _mm256_clmulepi64_epi128(lo, poly, 0x00);
  const __m256i m = _mm256_xor_si256(_mm256_shuffle_epi32(lo, 0x4e), t);
  t = _mm256_clmulepi64_epi128(m, poly, 0x00);
  return _mm256_xor_si256(hi, _mm256_xor_si256(_mm256_shuffle_epi32(m, 0x4e), t));
}
// gcm_mul_prime_ymm: gcm_mul_prime in each lane.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline __m256i gcm_mul_prime_ymm(__m256i a, __m256i b) noexcept {
  const __m256i mid =
      _mm256_xor_si256(_mm256_clmulepi64_epi128(a, b, 0x10), _mm256_clmulepi64_epi128(a, b, 0x01));
  const __m256i lo = _mm256_xor_si256(_mm256_clmulepi64_epi128(a, b, 0x00), _mm256_slli_si256(mid, 8));
  const __m256i hi = _mm256_xor_si256(_mm256_clmulepi64_epi128(a, b, 0x11), _mm256_srli_si256(mid, 8));
  return gcm_reduce_prime_ymm(lo, hi);
}

// gcm_vaes_powers_init: the primed powers H^1..H^count (count 1..16) from
// hkey (gcm_hkey): up to H^8 with gcm_powers,
// then H^(8+i) = H^8 H^i, two per ymm product.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_powers_init(const gcm_hkey& hkey, gcm_vaes_powers& p,
                                                                          std::size_t count) noexcept {
  const std::size_t direct = count < 8 ? count : 8;
  if (hkey.cached != nullptr) {
    for (std::size_t i = 0; i < direct; ++i) p.pw[15 - i] = gcm_power_load(hkey, i);
  } else {
    __m128i h[8];
    gcm_powers(hkey, h, direct);
    for (std::size_t i = 0; i < direct; ++i) p.pw[15 - i] = h[i];
  }
  if (count > 8) {  // H^(8+i) = H^8 H^i, two per product
    const __m256i h8 = _mm256_broadcastsi128_si256(p.pw[8]);
    for (std::size_t j = 0; j < 4; ++j)
      _mm256_store_si256(reinterpret_cast<__m256i*>(&p.pw[2 * j]),
                         gcm_mul_prime_ymm(_mm256_load_si256(reinterpret_cast<const __m256i*>(&p.pw[8 + 2 * j])), h8));
  }
  for (std::size_t i = 16 - count; i < 16; ++i) p.pk[i] = gcm_kfold(p.pw[i]);
}

// gcm_vaes_acc: unreduced Karatsuba sums, two lanes.
struct gcm_vaes_acc {
  __m256i lo, hi, mid;
};
[[E2EE_VAES_TARGET, gnu::always_inline]] inline gcm_vaes_acc gcm_vaes_acc_zero() noexcept {
  return {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
}
// gcm_vaes_acc_add adds x * h lane by lane (x byte-reversed, h primed keys, hk their folds).
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_acc_add(gcm_vaes_acc& acc, __m256i x, __m256i h,
                                                                      __m256i hk) noexcept {
  acc.lo = _mm256_xor_si256(acc.lo, _mm256_clmulepi64_epi128(x, h, 0x00));
  acc.hi = _mm256_xor_si256(acc.hi, _mm256_clmulepi64_epi128(x, h, 0x11));
  const __m256i xf = _mm256_xor_si256(x, _mm256_shuffle_epi32(x, 0x4e));
  acc.mid = _mm256_xor_si256(acc.mid, _mm256_clmulepi64_epi128(xf, hk, 0x00));
}
// gcm_vaes_acc_reduce adds the two lanes and reduces once.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline __m128i gcm_vaes_acc_reduce(const gcm_vaes_acc& acc) noexcept {
  const gcm_kacc a{_mm_xor_si128(_mm256_castsi256_si128(acc.lo), _mm256_extracti128_si256(acc.lo, 1)),
                   _mm_xor_si128(_mm256_castsi256_si128(acc.hi), _mm256_extracti128_si256(acc.hi, 1)),
                   _mm_xor_si128(_mm256_castsi256_si128(acc.mid), _mm256_extracti128_si256(acc.mid, 1))};
  return gcm_kacc_reduce(a);
}

// gcm_vaes_ghash_pair: blocks 2j, 2j+1 of an n-block group at p (GCM byte
// order) into acc; yy (y in the low lane, or zero) is added to the data.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_ghash_pair(gcm_vaes_acc& acc, const gcm_vaes_powers& hp,
                                                                         const std::uint8_t* p, std::size_t key_index,
                                                                         __m256i yy) noexcept {
  const __m256i x = _mm256_xor_si256(_mm256_shuffle_epi8(vaes_load(p), vaes_bswap_mask()), yy);
  gcm_vaes_acc_add(acc, x, vaes_load(&hp.pw[key_index]), vaes_load(&hp.pk[key_index]));
}

// gcm_vaes_ghash_group folds n (1..16, at most the powers made) blocks at p
// into y with one reduction: (y + X1) H^n + X2 H^(n-1) + ... + Xn H.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline __m128i gcm_vaes_ghash_group(const gcm_vaes_powers& hp, __m128i y,
                                                                             const std::uint8_t* p,
                                                                             std::size_t n) noexcept {
  gcm_vaes_acc acc = gcm_vaes_acc_zero();
  const std::size_t base = 16 - n;
  std::size_t i = 0;
  if (n & 1) {  // the first block alone, in the low lane
    const __m128i a = _mm_xor_si128(gcm_bswap(aesni_load(p)), y);
    acc.lo = vaes_low(_mm_clmulepi64_si128(a, hp.pw[base], 0x00));
    acc.hi = vaes_low(_mm_clmulepi64_si128(a, hp.pw[base], 0x11));
    acc.mid = vaes_low(_mm_clmulepi64_si128(gcm_kfold(a), hp.pk[base], 0x00));
    y = _mm_setzero_si128();
    i = 1;
  }
  __m256i yy = vaes_low(y);
  for (; i < n; i += 2) {
    // Two 16-byte loads: the feed's blocks were written 16 bytes at a time,
    // and a 32-byte load across two such stores cannot be forwarded.
    const __m256i raw = _mm256_inserti128_si256(_mm256_castsi128_si256(aesni_load(p + 16 * i)),
                                                aesni_load(p + 16 * i + 16), 1);
    const __m256i x = _mm256_xor_si256(_mm256_shuffle_epi8(raw, vaes_bswap_mask()), yy);
    gcm_vaes_acc_add(acc, x, vaes_load(&hp.pw[base + i]), vaes_load(&hp.pk[base + i]));
    yy = _mm256_setzero_si256();
  }
  return gcm_vaes_acc_reduce(acc);
}

// vaes_encrypt_n: N ymm (2N independent blocks) through all 14 rounds; rk
// holds the round keys broadcast to both lanes.
template <std::size_t N>
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void vaes_encrypt_n(const __m256i* rk, __m256i* b) noexcept {
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm256_xor_si256(b[i], rk[0]);
  for (std::size_t r = 1; r < 14; ++r)
    for (std::size_t i = 0; i < N; ++i) b[i] = _mm256_aesenc_epi128(b[i], rk[r]);
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm256_aesenclast_epi128(b[i], rk[14]);
}

// vaes_counter_step: adds k to the counter word of both lanes. Counters are
// kept byte-reversed, where inc32's word is the low 32-bit lane: a lane add
// wraps modulo 2^32 exactly as inc32 does (SP 800-38D 6.2).
[[E2EE_VAES_TARGET, gnu::always_inline]] inline __m256i vaes_counter_step(int k) noexcept {
  return _mm256_set_epi32(0, 0, 0, k, 0, 0, 0, k);
}

// gcm_vaes_keystream: the keystream of nb (0..16) counter blocks from ctr,
// and E_K(J0) right after them, into ks[0..nb]: ceil((nb + 1) / 2) ymm, one
// AES latency.
template <std::size_t N>
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_keystream_n(const __m256i* rk, __m256i ctr,
                                                                          __m128i j0r, std::size_t nb,
                                                                          __m128i* ks) noexcept {
  __m256i b[N];
  const __m256i jj = _mm256_broadcastsi128_si256(j0r);
  for (std::size_t i = 0; i < N; ++i) {
    b[i] = ctr;
    ctr = _mm256_add_epi32(ctr, vaes_counter_step(2));
    if (i == nb / 2) b[i] = (nb & 1) ? _mm256_blend_epi32(b[i], jj, 0xf0) : jj;
    b[i] = _mm256_shuffle_epi8(b[i], vaes_bswap_mask());
  }
  vaes_encrypt_n<N>(rk, b);
  for (std::size_t i = 0; i < N; ++i) vaes_store(ks + 2 * i, b[i]);
}

[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_keystream(const __m256i* rk, __m256i ctr, __m128i j0r,
                                                                        std::size_t nb, __m128i* ks) noexcept {
  switch ((nb + 2) / 2) {
    case 1: gcm_vaes_keystream_n<1>(rk, ctr, j0r, nb, ks); break;
    case 2: gcm_vaes_keystream_n<2>(rk, ctr, j0r, nb, ks); break;
    case 3: gcm_vaes_keystream_n<3>(rk, ctr, j0r, nb, ks); break;
    case 4: gcm_vaes_keystream_n<4>(rk, ctr, j0r, nb, ks); break;
    case 5: gcm_vaes_keystream_n<5>(rk, ctr, j0r, nb, ks); break;
    case 6: gcm_vaes_keystream_n<6>(rk, ctr, j0r, nb, ks); break;
    case 7: gcm_vaes_keystream_n<7>(rk, ctr, j0r, nb, ks); break;
    case 8: gcm_vaes_keystream_n<8>(rk, ctr, j0r, nb, ks); break;
    default: gcm_vaes_keystream_n<9>(rk, ctr, j0r, nb, ks); break;
  }
}

// vaes_counters16: the 16 counter blocks of one bulk iteration, round key 0
// applied, from ctr (byte-reversed, lanes n and n+1), which advances by 16;
// c is the counter word of lane 0 (public: it derives from the nonce and
// the position). While the low byte of the 16 counters does not wrap
// (c mod 256 <= 240, 15 of 16 iterations), one byte swap serves all eight
// registers: big-endian, the low byte is the top byte of dword 3, and a
// lane add there cannot carry. Otherwise each pair is swapped on its own.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void vaes_counters16(const __m256i* rk, __m256i& ctr, std::uint32_t& c,
                                                                     __m256i* b) noexcept {
  const __m256i bs = vaes_bswap_mask();
  if ((c & 0xff) <= 240) {
    const __m256i base = _mm256_shuffle_epi8(ctr, bs);
    for (std::size_t i = 0; i < 8; ++i) {
      const int k = static_cast<int>(2 * i) << 24;
      b[i] = _mm256_xor_si256(_mm256_add_epi32(base, _mm256_set_epi32(k, 0, 0, 0, k, 0, 0, 0)), rk[0]);
    }
    ctr = _mm256_add_epi32(ctr, vaes_counter_step(16));
  } else {
    for (std::size_t i = 0; i < 8; ++i) {
      b[i] = _mm256_xor_si256(_mm256_shuffle_epi8(ctr, bs), rk[0]);
      ctr = _mm256_add_epi32(ctr, vaes_counter_step(2));
    }
  }
  c += 16;
}

// vaes_last_round_store: out = AESENCLAST(b, K14 ^ in) = E_K(counter) ^ in
// for 8 ymm: the XOR with the input is folded into the last round key, off
// the AES chain.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void vaes_last_round_store(const __m256i* rk, const __m256i* b,
                                                                           const std::uint8_t* in,
                                                                           std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < 8; ++i)
    vaes_store(out + 32 * i, _mm256_aesenclast_epi128(b[i], _mm256_xor_si256(rk[14], vaes_load(in + 32 * i))));
}

// gcm_vaes_powers_hi: H^17..H^32 for the bulk loop's 32-block reduction
// groups, in gcm_vaes_powers' layout: pw[16 - i] = H^(16 + i) x^-1, pk[i] =
// gcm_kfold(pw[i]). Made from a full gcm_vaes_powers (H^1..H^16) with eight
// ymm products (about 100 cycles with the wipe), so only for at least
// gcm_vaes_pairs_min bytes: the pairs save about 0.02 cycles per byte.
inline constexpr std::size_t gcm_vaes_pairs_min = 8192;
struct gcm_vaes_powers_hi {
  alignas(32) __m128i pw[16];
  alignas(32) __m128i pk[16];
};
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_powers_hi_init(const gcm_vaes_powers& hp,
                                                                             gcm_vaes_powers_hi& hi) noexcept {
  const __m256i h16 = _mm256_broadcastsi128_si256(hp.pw[0]);
  for (std::size_t j = 0; j < 8; ++j)
    _mm256_store_si256(reinterpret_cast<__m256i*>(&hi.pw[2 * j]),
                       gcm_mul_prime_ymm(_mm256_load_si256(reinterpret_cast<const __m256i*>(&hp.pw[2 * j])), h16));
  for (std::size_t i = 0; i < 16; ++i) hi.pk[i] = gcm_kfold(hi.pw[i]);
}

// gcm_vaes_chunk: one 256-byte chunk of AES-CTR (in -> out, counters from
// ctr and c) stitched with the GHASH of the 16 blocks at g times the keys
// pw, pk (16 consecutive powers in pairs, highest first) into acc,
// unreduced. First: acc starts with these products and y is added to the
// first block (the first chunk of a reduction group); otherwise they are
// added to acc. Rounds 1-8 each carry one pair of GHASH blocks; the
// out-of-order core overlaps the two chains.
template <bool First>
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_chunk(const __m256i* rk, const __m128i* pw,
                                                                    const __m128i* pk, __m256i& ctr,
                                                                    std::uint32_t& c, __m128i y,
                                                                    const std::uint8_t* g, const std::uint8_t* in,
                                                                    std::uint8_t* out, gcm_vaes_acc& acc) noexcept {
  const __m256i bs = vaes_bswap_mask();
  __m256i b[8];
  vaes_counters16(rk, ctr, c, b);
  for (std::size_t r = 1; r < 9; ++r) {
    for (std::size_t i = 0; i < 8; ++i) b[i] = _mm256_aesenc_epi128(b[i], rk[r]);
    const std::size_t j = r - 1;
    __m256i x = _mm256_shuffle_epi8(vaes_load(g + 32 * j), bs);
    if (First && j == 0) x = _mm256_xor_si256(x, vaes_low(y));
    const __m256i h = vaes_load(&pw[2 * j]);
    const __m256i lo = _mm256_clmulepi64_epi128(x, h, 0x00);
    const __m256i hi = _mm256_clmulepi64_epi128(x, h, 0x11);
    const __m256i xf = _mm256_xor_si256(x, _mm256_shuffle_epi32(x, 0x4e));
    const __m256i mid = _mm256_clmulepi64_epi128(xf, vaes_load(&pk[2 * j]), 0x00);
    if (First && j == 0) {
      acc = {lo, hi, mid};
    } else {
      acc.lo = _mm256_xor_si256(acc.lo, lo);
      acc.hi = _mm256_xor_si256(acc.hi, hi);
      acc.mid = _mm256_xor_si256(acc.mid, mid);
    }
  }
  for (std::size_t r = 9; r < 14; ++r)
    for (std::size_t i = 0; i < 8; ++i) b[i] = _mm256_aesenc_epi128(b[i], rk[r]);
  vaes_last_round_store(rk, b, in, out);
}

// gcm_vaes_bulk: whole 256-byte chunks while len >= 256, AES-CTR and GHASH
// stitched; in, out, len, ctr and y advance. in == out is allowed: a chunk's
// input is read before its output is written, and encryption hashes the
// previous chunk's output. With hi (H^17..H^32; nullptr: none), chunks go in
// pairs while 512 bytes are left, one reduction per 32 blocks,
// Y' = (Y + X1) H^32 + X2 H^31 + ... + X32 H; otherwise one per 16.
//
// Measured (docs/benchmarks.md, AES): on Zen 3 the loop is bound by the two
// pipes that run both VAESENC and VPCLMULQDQ (a ymm CLMUL costs about 1.4
// AES slots here) and by the chain from one reduction to the next group's
// first product; a reduction per 32 blocks halves that chain's share.
// Inline assembly with every value in a fixed register, 10 ymm chains and
// other orders of the GHASH steps measured no better than these intrinsics.
template <bool Encrypt>
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_bulk(const __m256i* rk, const gcm_vaes_powers& hp,
                                                                   const gcm_vaes_powers_hi* hi, __m256i& ctr,
                                                                   __m128i& y, const std::uint8_t*& in,
                                                                   std::uint8_t*& out, std::size_t& len) noexcept {
  std::uint32_t c = static_cast<std::uint32_t>(_mm256_extract_epi32(ctr, 0));
  const std::uint8_t* g = nullptr;  // the chunk hashed next
  if constexpr (Encrypt) {          // the first chunk: AES only
    __m256i b[8];
    vaes_counters16(rk, ctr, c, b);
    for (std::size_t r = 1; r < 14; ++r)
      for (std::size_t i = 0; i < 8; ++i) b[i] = _mm256_aesenc_epi128(b[i], rk[r]);
    vaes_last_round_store(rk, b, in, out);
    g = out;
    in += 256;
    out += 256;
    len -= 256;
  }
  while (len >= 256) {
    gcm_vaes_acc acc = gcm_vaes_acc_zero();  // set by the first chunk (zeroing idioms: free)
    if (hi != nullptr && len >= 512) {
      if constexpr (!Encrypt) g = in;
      gcm_vaes_chunk<true>(rk, hi->pw, hi->pk, ctr, c, y, g, in, out, acc);  // H^32..H^17
      if constexpr (Encrypt) g = out;  // hashed by the second chunk
      in += 256;
      out += 256;
      len -= 256;
      if constexpr (!Encrypt) g = in;
      gcm_vaes_chunk<false>(rk, hp.pw, hp.pk, ctr, c, y, g, in, out, acc);  // H^16..H^1
    } else {
      if constexpr (!Encrypt) g = in;
      gcm_vaes_chunk<true>(rk, hp.pw, hp.pk, ctr, c, y, g, in, out, acc);
    }
    y = gcm_vaes_acc_reduce(acc);
    if constexpr (Encrypt) g = out;
    in += 256;
    out += 256;
    len -= 256;
  }
  if constexpr (Encrypt) y = gcm_vaes_ghash_group(hp, y, g, 16);
}

// gcm_vaes_bulk_run: gcm_vaes_bulk (Encrypt as encrypt) for len >= 256,
// with H^17..H^32 from gcm_vaes_pairs_min bytes on: taken from `keep` (a
// stream's, made there on first use, *kept then set; the owner wipes them)
// or, with keep == nullptr, made here and wiped.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_bulk_run(const __m256i* rk, const gcm_vaes_powers& hp,
                                                                       gcm_vaes_powers_hi* keep, bool* kept,
                                                                       __m256i& ctr, __m128i& y,
                                                                       const std::uint8_t*& in, std::uint8_t*& out,
                                                                       std::size_t& len,
                                                                       bool encrypt) noexcept {
  gcm_vaes_powers_hi local;
  gcm_vaes_powers_hi* hi = nullptr;
  if (len >= gcm_vaes_pairs_min) {
    if (keep != nullptr) {
      hi = keep;
      if (!*kept) {
        gcm_vaes_powers_hi_init(hp, *hi);
        *kept = true;
      }
    } else {
      gcm_vaes_powers_hi_init(hp, local);
      hi = &local;
    }
  }
  if (encrypt) {
    gcm_vaes_bulk<true>(rk, hp, hi, ctr, y, in, out, len);
  } else {
    gcm_vaes_bulk<false>(rk, hp, hi, ctr, y, in, out, len);
  }
  if (hi == &local) secure_wipe(&local, sizeof local);
}

// gcm_vaes_feed: GHASH input gathered into whole groups (AAD remainder, last
// ciphertext blocks, length block), one reduction per group.
struct gcm_vaes_feed {
  alignas(32) std::uint8_t buf[256];
  std::size_t n = 0;       // blocks in buf
  std::size_t group = 8;   // blocks per reduction (the powers made)
};

[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_flush(gcm_vaes_feed& f, const gcm_vaes_powers& hp,
                                                                    __m128i& y) noexcept {
  if (f.n != 0) y = gcm_vaes_ghash_group(hp, y, f.buf, f.n);
  f.n = 0;
}
// gcm_vaes_push: one block (GCM byte order) to hash.
[[E2EE_VAES_TARGET, gnu::always_inline]] inline void gcm_vaes_push(gcm_vaes_feed& f, const gcm_vaes_powers& hp,
                                                                   __m128i& y, __m128i block) noexcept {
  if (f.n == f.group) gcm_vaes_flush(f, hp, y);
  aesni_store(f.buf + 16 * f.n, block);
  ++f.n;
}

// gcm_crypt_vaes: GCM-AE or GCM-AD (SP 800-38D 7.1, 7.2) after J0, as
// gcm_crypt_clmul (same arguments: w = schedule, hkey = where H is).
[[E2EE_VAES_TARGET]] inline void gcm_crypt_vaes(const std::uint8_t* w, const gcm_hkey& hkey,
                                                const std::uint8_t* j0, const std::uint8_t* aad,
                                                std::size_t aad_len, const std::uint8_t* in, std::uint8_t* out,
                                                std::size_t len, bool encrypt, std::uint8_t* tag) noexcept {
  const std::uint64_t aad_bits = static_cast<std::uint64_t>(aad_len) << 3, text_bits = static_cast<std::uint64_t>(len) << 3;
  gcm_vaes_feed f;
  f.group = (len >= 256 || aad_len >= 256) ? 16 : 8;
  // Blocks that will be hashed in groups of f.group at most: powers beyond
  // them are not needed.
  const std::size_t all_blocks = (aad_len + 15) / 16 + (len + 15) / 16 + 1;
  gcm_vaes_powers hp;
  gcm_vaes_powers_init(hkey, hp, all_blocks < f.group ? all_blocks : f.group);

  __m256i rk[15];
  for (std::size_t r = 0; r < 15; ++r) rk[r] = _mm256_broadcastsi128_si256(aesni_load(w + 16 * r));
  const __m128i j0r = gcm_bswap(aesni_load(j0));  // byte-reversed: the counter word is lane 0
  __m256i ctr = _mm256_add_epi32(_mm256_broadcastsi128_si256(j0r), _mm256_set_epi32(0, 0, 0, 2, 0, 0, 0, 1));
  __m128i y = _mm_setzero_si128();

  // AAD: whole groups straight from memory, the rest through the feed.
  for (; aad_len >= 16 * f.group; aad_len -= 16 * f.group, aad += 16 * f.group)
    y = gcm_vaes_ghash_group(hp, y, aad, f.group);
  for (; aad_len >= 16; aad_len -= 16, aad += 16) gcm_vaes_push(f, hp, y, aesni_load(aad));
  if (aad_len != 0) {
    alignas(16) std::uint8_t last[16] = {};
    for (std::size_t i = 0; i < aad_len; ++i) last[i] = aad[i];
    gcm_vaes_push(f, hp, y, aesni_load(last));
  }

  if (len >= 256) {
    gcm_vaes_flush(f, hp, y);
    gcm_vaes_bulk_run(rk, hp, nullptr, nullptr, ctr, y, in, out, len, encrypt);
  }

  // The last 0..255 bytes and E_K(J0): one batch, one AES latency.
  const std::size_t nb = (len + 15) / 16;
  alignas(32) __m128i ks[18];
  gcm_vaes_keystream(rk, ctr, j0r, nb, ks);
  std::size_t i = 0;
  for (; len >= 16; len -= 16, ++i, in += 16, out += 16) {
    const __m128i x = aesni_load(in);
    const __m128i o = _mm_xor_si128(x, ks[i]);
    aesni_store(out, o);
    gcm_vaes_push(f, hp, y, encrypt ? o : x);
  }
  if (len != 0) {
    alignas(16) std::uint8_t last[16] = {};
    for (std::size_t k = 0; k < len; ++k) last[k] = in[k];
    const __m128i x = aesni_load(last);
    aesni_store(last, _mm_xor_si128(x, ks[i]));
    for (std::size_t k = 0; k < len; ++k) out[k] = last[k];
    for (std::size_t k = len; k < 16; ++k) last[k] = 0;  // GHASH pads with zeros
    gcm_vaes_push(f, hp, y, encrypt ? aesni_load(last) : x);
    secure_wipe(last, sizeof last);
    ++i;
  }
  // Length block [len(A)]_64 || [len(C)]_64 in bits.
  // (byte-reversed, len(C) is the low lane)
  gcm_vaes_push(f, hp, y,
                gcm_bswap(_mm_set_epi64x(static_cast<long long>(aad_bits), static_cast<long long>(text_bits))));
  gcm_vaes_flush(f, hp, y);
  aesni_store(tag, _mm_xor_si128(gcm_bswap(y), ks[i]));
  secure_wipe(ks, 32 * ((nb + 2) / 2));
}

#undef E2EE_VAES_TARGET

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
