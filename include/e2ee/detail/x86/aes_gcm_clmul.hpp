// e2ee/detail/x86/aes_gcm_clmul.hpp — AES-256-GCM with AES-NI (CTR) and
// PCLMULQDQ (GHASH). Internal; aead/aes_gcm.hpp dispatches here. Callers
// checked aesni && pclmulqdq && sse41.
//
// GHASH works on byte-reversed blocks (PSHUFB), in which GCM's bit order
// becomes the order of a 128-bit integer read bit-reflected; the product of
// two reflected values is the reflected product shifted right by one
// (Gueron and Kounavis, "Intel Carry-Less Multiplication Instruction and its
// Usage for Computing the GCM Mode", rev. 2.02); the keys are stored "primed"
// (times x^-1, below) so that no reduction needs that shift. Eight blocks
// share one reduction:
// Y' = (Y + X1) H^8 + X2 H^7 + ... + X8 H (aggregated reduction, same paper).
// The key object keeps the schedule and H in the form the
// kernels use (gcm_setup_clmul) and makes the other powers per call, as
// many as the call needs; a key used once takes gcm_crypt_once_clmul.
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include "intrin.hpp"  // the intrinsics headers the kernels need (not all of <immintrin.h>)

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/secret.hpp"
#include "aes_aesni.hpp"

E2EE_NAMESPACE_BEGIN
namespace detail {

#define E2EE_CLMUL_TARGET gnu::target("aes,pclmul,sse4.1")

[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_bswap(__m128i x) noexcept {
  return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

// ---- The "primed" representation (no one-bit shift per reduction) ----------
//
// Read as a 256-bit integer, the carry-less product of two byte-reversed
// blocks is the byte-reversed product times x (GCM's bit order reflects the
// polynomial), which would need a one-bit shift per reduction. Multiplying by
// a key stored as H * x^-1 instead cancels that factor once, when the key is
// set up: gcm_prime computes it (in the reflected domain a left shift by one
// divides by x; the bit shifted out comes back as x^-1 = x^127 + x^6 + x + 1
// modulo the GCM polynomial, the constant 0xc2000...01). The primed powers
// are closed under gcm_mul_prime: prime(A) * prime(B) = prime(A B).

[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_prime(__m128i v) noexcept {
  const __m128i top = _mm_srai_epi32(_mm_shuffle_epi32(v, 0xff), 31);  // all ones iff bit 127 is set
  const __m128i shifted = _mm_or_si128(_mm_slli_epi64(v, 1), _mm_slli_si128(_mm_srli_epi64(v, 63), 8));
  const __m128i poly = _mm_set_epi64x(static_cast<long long>(0xc200000000000000ull), 1);
  return _mm_xor_si128(shifted, _mm_and_si128(top, poly));
}

// gcm_reduce_prime reduces the 256-bit product hi:lo (of a block and a primed
// key) modulo the reflected GCM polynomial: the low 128 bits (the high-degree
// coefficients) are folded in two 64-bit steps, each one PCLMULQDQ by
// x^63 + x^62 + x^57 (0xc2 << 56) plus a qword swap.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_reduce_prime(__m128i lo, __m128i hi) noexcept {
  const __m128i poly = _mm_set_epi64x(0, static_cast<long long>(0xc200000000000000ull));
  __m128i t = _mm_clmulepi64_si128(lo, poly, 0x00);
  const __m128i m = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4e), t);
  t = _mm_clmulepi64_si128(m, poly, 0x00);
  return _mm_xor_si128(hi, _mm_xor_si128(_mm_shuffle_epi32(m, 0x4e), t));
}

// gcm_mul_prime: a * b for a byte-reversed block a and a primed key b (the
// result is in a's representation: primed if a was).
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_mul_prime(__m128i a, __m128i b) noexcept {
  const __m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10), _mm_clmulepi64_si128(a, b, 0x01));
  const __m128i lo = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x00), _mm_slli_si128(mid, 8));
  const __m128i hi = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x11), _mm_srli_si128(mid, 8));
  return gcm_reduce_prime(lo, hi);
}

// gcm_kfold: both 64-bit halves of k become k.lo ^ k.hi (Karatsuba's middle operand).
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_kfold(__m128i k) noexcept {
  return _mm_xor_si128(k, _mm_shuffle_epi32(k, 0x4e));
}

// gcm_kacc: unreduced Karatsuba sums of several products: lo, hi and the
// middle terms (a.lo ^ a.hi)(b.lo ^ b.hi); gcm_kacc_reduce completes the
// middle (minus lo and hi), adds it at bit 64 and reduces, once for all.
struct gcm_kacc {
  __m128i lo, hi, mid;
};
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline gcm_kacc gcm_kacc_zero() noexcept {
  return {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
}
// gcm_kacc_add adds a * h; hk = gcm_kfold(h).
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_kacc_add(gcm_kacc& acc, __m128i a, __m128i h,
                                                                   __m128i hk) noexcept {
  acc.lo = _mm_xor_si128(acc.lo, _mm_clmulepi64_si128(a, h, 0x00));
  acc.hi = _mm_xor_si128(acc.hi, _mm_clmulepi64_si128(a, h, 0x11));
  acc.mid = _mm_xor_si128(acc.mid, _mm_clmulepi64_si128(gcm_kfold(a), hk, 0x00));
}
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_kacc_reduce(gcm_kacc acc) noexcept {
  const __m128i mid = _mm_xor_si128(acc.mid, _mm_xor_si128(acc.lo, acc.hi));
  return gcm_reduce_prime(_mm_xor_si128(acc.lo, _mm_slli_si128(mid, 8)),
                          _mm_xor_si128(acc.hi, _mm_srli_si128(mid, 8)));
}

// gcm_keygen_word: SubWord(RotWord(w3)) ^ rcon (Rotate) or SubWord(w3) in all
// four lanes, w3 the last word of k: a byte shuffle that copies the word to
// every column (where ShiftRows does nothing) and AESENCLAST with the round
// constant as key. Latency 1 + 4, shorter than AESKEYGENASSIST + PSHUFD here.
template <bool Rotate>
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_keygen_word(__m128i k, int rcon) noexcept {
  const __m128i idx = Rotate ? _mm_set_epi8(12, 15, 14, 13, 12, 15, 14, 13, 12, 15, 14, 13, 12, 15, 14, 13)
                             : _mm_set_epi8(15, 14, 13, 12, 15, 14, 13, 12, 15, 14, 13, 12, 15, 14, 13, 12);
  return _mm_aesenclast_si128(_mm_shuffle_epi8(k, idx), _mm_set1_epi32(rcon));
}

// gcm_setup_clmul: the key set-up of the x86 GCM kernels in one pass, all in
// registers: KeyExpansion (FIPS-197 5.2) into out[0..239], H = E_K(0^128)
// with each round run as soon as its key exists, and H in the form the
// kernels use (gcm_prime: byte-reversed, times x^-1) into out[240..255].
// Nothing more: the powers H^2.. are made per call, only those the call
// needs (gcm_powers), while its AES blocks run, so a key object set up for
// one short message pays for no powers it does not use; aes256_gcm keeps
// H^2..H^8 from its second call on (gcm_hkey). (gcm_crypt_once_clmul, for a
// key used once, stores nothing.)
[[E2EE_CLMUL_TARGET]] inline void gcm_setup_clmul(const std::uint8_t* key, std::uint8_t* out) noexcept {
  __m128i a = aesni_load(key), b = aesni_load(key + 16);
  aesni_store(out, a);
  aesni_store(out + 16, b);
  __m128i h = _mm_aesenc_si128(a, b);  // E_K(0): 0 ^ w0, then round 1
  int rcon = 1;
  for (std::size_t i = 2; i < 14; i += 2, rcon <<= 1) {
    a = _mm_xor_si128(aesni_expand_step(a, _mm_setzero_si128()), gcm_keygen_word<true>(b, rcon));
    aesni_store(out + 16 * i, a);
    h = _mm_aesenc_si128(h, a);
    b = _mm_xor_si128(aesni_expand_step(b, _mm_setzero_si128()), gcm_keygen_word<false>(a, 0));
    aesni_store(out + 16 * i + 16, b);
    h = _mm_aesenc_si128(h, b);
  }
  a = _mm_xor_si128(aesni_expand_step(a, _mm_setzero_si128()), gcm_keygen_word<true>(b, rcon));
  aesni_store(out + 16 * 14, a);
  h = _mm_aesenclast_si128(h, a);
  aesni_store(out + 240, gcm_prime(gcm_bswap(h)));
}

// gcm_hkey: where a call finds H. h: the primed H (gcm_setup_clmul);
// cached: H^2..H^8 made by an earlier call (112 bytes), or nullptr; fill:
// where this call keeps H^2..H^8 once made (it then makes all of them), or
// nullptr. aes256_gcm publishes its cache with an atomic flag.
struct gcm_hkey {
  const std::uint8_t* h = nullptr;
  const std::uint8_t* cached = nullptr;
  std::uint8_t* fill = nullptr;
};

// gcm_powers: the primed powers p[i] = H^(i+1) for i < count (count 1..8)
// made from H at most three products deep (H^2; H^3, H^4; H^5..H^8 = H^4
// H^1..H^4), all eight and kept at hkey.fill if that is set; count is
// public. (A cache, hkey.cached, is read by the callers directly: a copy
// loop here became `rep movsq`, ~30 cycles to start on Zen 3.)
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_powers(const gcm_hkey& hkey, __m128i* p,
                                                                 std::size_t count) noexcept {
  p[0] = aesni_load(hkey.h);
  const std::size_t made = hkey.fill != nullptr ? 8 : count;
  if (made > 1) p[1] = gcm_mul_prime(p[0], p[0]);
  if (made > 2) p[2] = gcm_mul_prime(p[1], p[0]);
  if (made > 3) p[3] = gcm_mul_prime(p[1], p[1]);
  for (std::size_t i = 4; i < made; ++i) p[i] = gcm_mul_prime(p[3], p[i - 4]);
  if (hkey.fill != nullptr)
    for (std::size_t i = 1; i < 8; ++i) aesni_store(hkey.fill + 16 * (i - 1), p[i]);
}

// gcm_power_load: H^(i+1) from the cache (i = 0: H itself).
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_power_load(const gcm_hkey& hkey, std::size_t i) noexcept {
  return aesni_load(i == 0 ? hkey.h : hkey.cached + 16 * (i - 1));
}

// gcm_counter: the counter block with inc32 applied `i` times (last word big-endian).
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_counter(__m128i base, std::uint32_t ctr) noexcept {
  return _mm_insert_epi32(base, static_cast<int>(__builtin_bswap32(ctr)), 3);
}

// ---- The AES-NI + PCLMULQDQ bulk kernel (primed keys, Karatsuba) -----------

// gcm_clmul_keys: pw[8 - i] = H^i x^-1 (i = 1..8, byte-reversed), pk[i] =
// gcm_kfold(pw[i]); only pw[8 - count .. 7] are set.
struct gcm_clmul_keys {
  __m128i pw[8];
  __m128i pk[8];
};

// gcm_clmul_keys_load: the primed powers H^1..H^count (count 1..8; 0 is
// taken as 1), from the cache or gcm_powers, and their folds.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_clmul_keys_load(const gcm_hkey& hkey, gcm_clmul_keys& p,
                                                                          std::size_t count) noexcept {
  if (count == 0) count = 1;
  if (hkey.cached != nullptr) {
    for (std::size_t i = 0; i < count; ++i) {
      p.pw[7 - i] = gcm_power_load(hkey, i);
      p.pk[7 - i] = gcm_kfold(p.pw[7 - i]);
    }
    return;
  }
  __m128i h[8];
  gcm_powers(hkey, h, count);
  for (std::size_t i = 0; i < count; ++i) {
    p.pw[7 - i] = h[i];
    p.pk[7 - i] = gcm_kfold(h[i]);
  }
}

// gcm_clmul_group folds n (1..8, at most the keys made) blocks at p into y
// with one reduction: (y + X1) H^n + ... + Xn H.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_clmul_group(const gcm_clmul_keys& hk, __m128i y,
                                                                         const std::uint8_t* p,
                                                                         std::size_t n) noexcept {
  gcm_kacc acc = gcm_kacc_zero();
  const std::size_t base = 8 - n;
  for (std::size_t i = 0; i < n; ++i) {
    __m128i x = gcm_bswap(aesni_load(p + 16 * i));
    if (i == 0) x = _mm_xor_si128(x, y);
    gcm_kacc_add(acc, x, hk.pw[base + i], hk.pk[base + i]);
  }
  return gcm_kacc_reduce(acc);
}

// gcm_ghash_clmul folds `n` bytes at p into y (byte-reversed domain) with
// the powers made in hk (`made` of them; 8 if n > 128); a final partial
// block is padded with zeros (SP 800-38D 7.1 step 5).
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_ghash_clmul(const gcm_clmul_keys& hk, __m128i y,
                                                                         const std::uint8_t* p,
                                                                         std::size_t n) noexcept {
  for (; n > 128; n -= 128, p += 128) y = gcm_clmul_group(hk, y, p, 8);
  if (n != 0) {  // 1..8 blocks left, the last one zero-padded: one reduction
    alignas(16) std::uint8_t last[128] = {};
    for (std::size_t i = 0; i < n; ++i) last[i] = p[i];
    y = gcm_clmul_group(hk, y, last, (n + 15) / 16);
  }
  return y;
}

// gcm_ghash_keys: how many powers gcm_ghash_clmul needs for n bytes.
constexpr std::size_t gcm_ghash_keys(std::size_t n) noexcept { return n >= 128 ? 8 : (n + 15) / 16; }

// gcm_j0_clmul: the pre-counter block J0 (SP 800-38D 7.1 step 2) for a
// nonce of any length >= 1 other than 12 bytes: GHASH of the padded nonce
// and its bit length. hkey: where H is (gcm_hkey).
[[E2EE_CLMUL_TARGET]] inline void gcm_j0_clmul(const gcm_hkey& hkey, const std::uint8_t* nonce,
                                               std::size_t nonce_len, std::uint8_t* j0) noexcept {
  gcm_clmul_keys hk;
  gcm_clmul_keys_load(hkey, hk, gcm_ghash_keys(nonce_len));
  __m128i y = gcm_ghash_clmul(hk, _mm_setzero_si128(), nonce, nonce_len);
  // Block 0^64 || [len(IV)]_64 in bits; byte-reversed, the length is the low lane.
  const __m128i len = _mm_set_epi64x(0, static_cast<long long>(static_cast<std::uint64_t>(nonce_len) << 3));
  gcm_kacc acc = gcm_kacc_zero();
  gcm_kacc_add(acc, _mm_xor_si128(y, len), hk.pw[7], hk.pk[7]);
  y = gcm_kacc_reduce(acc);
  aesni_store(j0, gcm_bswap(y));
}

// gcm_clmul_bulk: whole 128-byte chunks while len >= 128, AES-CTR and GHASH
// stitched (encryption hashes the previous chunk's output, decryption the
// chunk read); ctr is the next counter block, byte-reversed (inc32's word in
// lane 0, so a 32-bit add wraps as inc32 does). in == out is allowed.
template <bool Encrypt>
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_clmul_bulk(const aesni_keys& k, const gcm_clmul_keys& hk,
                                                                     __m128i& ctr, __m128i& y,
                                                                     const std::uint8_t*& in, std::uint8_t*& out,
                                                                     std::size_t& len) noexcept {
  const __m128i one = _mm_set_epi32(0, 0, 0, 1);
  const std::uint8_t* g = nullptr;
  if constexpr (Encrypt) {
    __m128i b[8];
    for (std::size_t i = 0; i < 8; ++i) {
      b[i] = gcm_bswap(ctr);
      ctr = _mm_add_epi32(ctr, one);
    }
    aesni_encrypt_n<8>(k, b);
    for (std::size_t i = 0; i < 8; ++i) aesni_store(out + 16 * i, _mm_xor_si128(b[i], aesni_load(in + 16 * i)));
    g = out;
    in += 128;
    out += 128;
    len -= 128;
  }
  while (len >= 128) {
    if constexpr (!Encrypt) g = in;
    __m128i b[8];
    for (std::size_t i = 0; i < 8; ++i) {
      b[i] = _mm_xor_si128(gcm_bswap(ctr), k.k[0]);
      ctr = _mm_add_epi32(ctr, one);
    }
    gcm_kacc acc = gcm_kacc_zero();
    for (std::size_t r = 1; r < 9; ++r) {
      for (std::size_t i = 0; i < 8; ++i) b[i] = _mm_aesenc_si128(b[i], k.k[r]);
      __m128i x = gcm_bswap(aesni_load(g + 16 * (r - 1)));
      if (r == 1) x = _mm_xor_si128(x, y);
      gcm_kacc_add(acc, x, hk.pw[r - 1], hk.pk[r - 1]);
    }
    for (std::size_t r = 9; r < 14; ++r)
      for (std::size_t i = 0; i < 8; ++i) b[i] = _mm_aesenc_si128(b[i], k.k[r]);
    for (std::size_t i = 0; i < 8; ++i)
      aesni_store(out + 16 * i, _mm_xor_si128(_mm_aesenclast_si128(b[i], k.k[14]), aesni_load(in + 16 * i)));
    y = gcm_kacc_reduce(acc);
    if constexpr (Encrypt) g = out;
    in += 128;
    out += 128;
    len -= 128;
  }
  if constexpr (Encrypt) y = gcm_clmul_group(hk, y, g, 8);
}

// gcm_clmul_keystream: nb (0..8) counter blocks from ctr, then E_K(J0), into
// ks[0..nb]: one batch, one AES latency.
template <std::size_t N>
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_clmul_keystream_n(const aesni_keys& k, __m128i ctr,
                                                                            __m128i j0r, __m128i* ks) noexcept {
  __m128i b[N];
  for (std::size_t i = 0; i + 1 < N; ++i) {
    b[i] = gcm_bswap(ctr);
    ctr = _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, 1));
  }
  b[N - 1] = gcm_bswap(j0r);
  aesni_encrypt_n<N>(k, b);
  for (std::size_t i = 0; i < N; ++i) ks[i] = b[i];
}

// gcm_clmul_keystream: gcm_clmul_keystream_n for nb (0..8) blocks.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_clmul_keystream(const aesni_keys& k, __m128i ctr,
                                                                          __m128i j0r, std::size_t nb,
                                                                          __m128i* ks) noexcept {
  switch (nb) {
    case 0: gcm_clmul_keystream_n<1>(k, ctr, j0r, ks); break;
    case 1: gcm_clmul_keystream_n<2>(k, ctr, j0r, ks); break;
    case 2: gcm_clmul_keystream_n<3>(k, ctr, j0r, ks); break;
    case 3: gcm_clmul_keystream_n<4>(k, ctr, j0r, ks); break;
    case 4: gcm_clmul_keystream_n<5>(k, ctr, j0r, ks); break;
    case 5: gcm_clmul_keystream_n<6>(k, ctr, j0r, ks); break;
    case 6: gcm_clmul_keystream_n<7>(k, ctr, j0r, ks); break;
    case 7: gcm_clmul_keystream_n<8>(k, ctr, j0r, ks); break;
    default: gcm_clmul_keystream_n<9>(k, ctr, j0r, ks); break;
  }
}

// gcm_clmul_feed: GHASH input gathered into groups of at most eight blocks.
struct gcm_clmul_feed {
  alignas(16) std::uint8_t buf[128];
  std::size_t n = 0;
};
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_clmul_flush(gcm_clmul_feed& f, const gcm_clmul_keys& hk,
                                                                      __m128i& y) noexcept {
  if (f.n != 0) y = gcm_clmul_group(hk, y, f.buf, f.n);
  f.n = 0;
}
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_clmul_push(gcm_clmul_feed& f, const gcm_clmul_keys& hk,
                                                                     __m128i& y, __m128i block) noexcept {
  if (f.n == 8) gcm_clmul_flush(f, hk, y);
  aesni_store(f.buf + 16 * f.n, block);
  ++f.n;
}

// gcm_crypt_clmul: GCM-AE or GCM-AD (SP 800-38D 7.1, 7.2) after J0 (w: the
// schedule, hkey: where H and its powers are): CTR from
// inc32(J0) over `len` bytes in -> out (in == out allowed), GHASH over aad and
// the ciphertext, and S ^ E_K(J0) into tag. Short messages hash AAD,
// ciphertext and the length block with one reduction per eight blocks and
// make only the powers of H they use.
[[E2EE_CLMUL_TARGET]] inline void gcm_crypt_clmul(const std::uint8_t* w, const gcm_hkey& hkey,
                                                  const std::uint8_t* j0, const std::uint8_t* aad,
                                                  std::size_t aad_len, const std::uint8_t* in,
                                                  std::uint8_t* out, std::size_t len, bool encrypt,
                                                  std::uint8_t* tag) noexcept {
  const std::uint64_t aad_bits = static_cast<std::uint64_t>(aad_len) << 3;
  const std::uint64_t text_bits = static_cast<std::uint64_t>(len) << 3;
  const std::size_t all_blocks = (aad_len + 15) / 16 + (len + 15) / 16 + 1;
  gcm_clmul_keys hk;
  gcm_clmul_keys_load(hkey, hk, all_blocks < 8 ? all_blocks : 8);
  const aesni_keys k = aesni_load_keys(w);
  const __m128i j0r = gcm_bswap(aesni_load(j0));
  __m128i ctr = _mm_add_epi32(j0r, _mm_set_epi32(0, 0, 0, 1));
  __m128i y = _mm_setzero_si128();
  gcm_clmul_feed f;

  for (; aad_len >= 128; aad_len -= 128, aad += 128) y = gcm_clmul_group(hk, y, aad, 8);
  for (; aad_len >= 16; aad_len -= 16, aad += 16) gcm_clmul_push(f, hk, y, aesni_load(aad));
  if (aad_len != 0) {
    alignas(16) std::uint8_t last[16] = {};
    for (std::size_t i = 0; i < aad_len; ++i) last[i] = aad[i];
    gcm_clmul_push(f, hk, y, aesni_load(last));
  }
  if (len >= 128) {
    gcm_clmul_flush(f, hk, y);
    if (encrypt) {
      gcm_clmul_bulk<true>(k, hk, ctr, y, in, out, len);
    } else {
      gcm_clmul_bulk<false>(k, hk, ctr, y, in, out, len);
    }
  }
  const std::size_t nb = (len + 15) / 16;
  __m128i ks[9];
  gcm_clmul_keystream(k, ctr, j0r, nb, ks);
  std::size_t i = 0;
  for (; len >= 16; len -= 16, ++i, in += 16, out += 16) {
    const __m128i x = aesni_load(in);
    const __m128i o = _mm_xor_si128(x, ks[i]);
    aesni_store(out, o);
    gcm_clmul_push(f, hk, y, encrypt ? o : x);
  }
  if (len != 0) {
    alignas(16) std::uint8_t last[16] = {};
    for (std::size_t b = 0; b < len; ++b) last[b] = in[b];
    const __m128i x = aesni_load(last);
    aesni_store(last, _mm_xor_si128(x, ks[i]));
    for (std::size_t b = 0; b < len; ++b) out[b] = last[b];
    for (std::size_t b = len; b < 16; ++b) last[b] = 0;  // GHASH pads with zeros
    gcm_clmul_push(f, hk, y, encrypt ? aesni_load(last) : x);
    secure_wipe(last, sizeof last);
    ++i;
  }
  // Length block [len(A)]_64 || [len(C)]_64 in bits.
  // (byte-reversed, len(C) is the low lane)
  gcm_clmul_push(f, hk, y,
                 gcm_bswap(_mm_set_epi64x(static_cast<long long>(aad_bits), static_cast<long long>(text_bits))));
  gcm_clmul_flush(f, hk, y);
  aesni_store(tag, _mm_xor_si128(gcm_bswap(y), ks[i]));
  secure_wipe(ks, sizeof ks);
}

// ---- Short messages on a key object ------------------------------------------
//
// gcm_short_clmul is GCM-AE / GCM-AD on a key object for a 12-byte nonce, at
// most gcm_short_max_text bytes of text and gcm_short_max_aad of AAD (the
// caller checked them), in registers (a set-up key, 16 or 64 bytes: about 20
// and 31 ns here, from 50 and 57 through gcm_crypt_clmul): the counter blocks
// and J0 are one AES batch (one AES latency; 2, 5 or 9 blocks for up to 1, 4
// or 8 text blocks, a function each), the text's blocks and the length block
// are hashed with one reduction, (Y + X1) H^(n+1) + X2 H^n + ... + Xn H^2 +
// L H, where Y is the AAD's GHASH (one more reduction, beside the AES
// rounds), and the tag is made in a register. Partial blocks are loaded and
// stored in pieces of 8, 4, 2 and 1 bytes (by the public length), not through
// a stack buffer. The powers come from the key object's cache (hkey.cached)
// or, before it is filled, are made here in registers (those the text needs;
// the AAD's in a buffer wiped afterwards); H^9 (nine-block texts) is one
// product more.
inline constexpr std::size_t gcm_short_max_text = 128, gcm_short_max_aad = 128;

// gcm_load_tail8: n (0..8, public) bytes at p as a little-endian integer,
// zero above; reads only p[0..n-1].
[[gnu::always_inline]] inline std::uint64_t gcm_load_tail8(const std::uint8_t* p, std::size_t n) noexcept {
  if (n >= 4) {
    std::uint32_t a = 0, b = 0;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);  // overlaps a when n < 8: the same bytes
    return a | (std::uint64_t{b} << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  return std::uint64_t{p[0]} | (std::uint64_t{p[n / 2]} << (8 * (n / 2))) |
         (std::uint64_t{p[n - 1]} << (8 * (n - 1)));
}
// gcm_store_tail8: the low n (0..8, public) bytes of x to p[0..n-1].
[[gnu::always_inline]] inline void gcm_store_tail8(std::uint8_t* p, std::size_t n, std::uint64_t x) noexcept {
  if (n >= 4) {
    const auto a = static_cast<std::uint32_t>(x), b = static_cast<std::uint32_t>(x >> (8 * (n - 4)));
    std::memcpy(p, &a, 4);
    std::memcpy(p + n - 4, &b, 4);
  } else if (n != 0) {
    p[0] = static_cast<std::uint8_t>(x);
    p[n / 2] = static_cast<std::uint8_t>(x >> (8 * (n / 2)));
    p[n - 1] = static_cast<std::uint8_t>(x >> (8 * (n - 1)));
  }
}
// gcm_load_partial: n (1..16, public) bytes at p, zero-padded to a block.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_load_partial(const std::uint8_t* p,
                                                                          std::size_t n) noexcept {
  if (n == 16) return aesni_load(p);
  const std::size_t lo = n < 8 ? n : 8;
  return _mm_set_epi64x(static_cast<long long>(gcm_load_tail8(p + lo, n - lo)),
                        static_cast<long long>(gcm_load_tail8(p, lo)));
}
// gcm_store_partial: the first n (1..16, public) bytes of v to p.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_store_partial(std::uint8_t* p, std::size_t n,
                                                                        __m128i v) noexcept {
  if (n == 16) {
    aesni_store(p, v);
    return;
  }
  const std::size_t lo = n < 8 ? n : 8;
  gcm_store_tail8(p, lo, static_cast<std::uint64_t>(_mm_cvtsi128_si64(v)));
  gcm_store_tail8(p + lo, n - lo, static_cast<std::uint64_t>(_mm_extract_epi64(v, 1)));
}

// gcm_short_aad: the GHASH of aad_len (1..128) bytes of AAD, one reduction.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_short_aad(const std::uint8_t* h1, const std::uint8_t* hc,
                                                                       const std::uint8_t* aad,
                                                                       std::size_t aad_len) noexcept {
  const std::size_t a = (aad_len + 15) / 16;
  gcm_kacc acc = gcm_kacc_zero();
  for (std::size_t j = 0; j < a; ++j) {
    const std::size_t n = aad_len - 16 * j;
    const __m128i x = gcm_bswap(n >= 16 ? aesni_load(aad + 16 * j) : gcm_load_partial(aad + 16 * j, n));
    const __m128i h = gcm_power_load(gcm_hkey{h1, hc, nullptr}, a - j - 1);  // H^(a - j)
    gcm_kacc_add(acc, x, h, gcm_kfold(h));
  }
  return gcm_kacc_reduce(acc);
}

// gcm_short_n: nb (0..T) text blocks, the last one holding r (1..16) bytes;
// T + 1 AES blocks run whatever nb is (one latency). Blocks are numbered
// from the end (j = 0: the last text block, which takes H^2; the length
// block takes H), so that key stream and powers sit in registers at fixed
// indices: b[j] is the counter block of text block nb - 1 - j, b[T] is J0.
template <std::size_t T>
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_short_n(const std::uint8_t* w, const gcm_hkey& hkey,
                                                                  __m128i j0, __m128i y, const std::uint8_t* in,
                                                                  std::uint8_t* out, std::size_t nb, std::size_t r,
                                                                  __m128i lengths, bool encrypt,
                                                                  std::uint8_t* tag) noexcept {
  // p[e - 1] = H^e, e = 1..T + 1: loaded from the cache here, or made
  // after the AES batch (registers).
  __m128i p[T + 1] = {};
  const bool cached = hkey.cached != nullptr;
  if (cached) {
    p[0] = aesni_load(hkey.h);
    constexpr std::size_t last_cached = T + 1 < 8 ? T + 1 : 8;  // the cache holds H^2..H^8
#pragma GCC unroll 8
    for (std::size_t e = 2; e <= last_cached; ++e) p[e - 1] = aesni_load(hkey.cached + 16 * (e - 2));
  }

  // Text block i is encrypted with J0 whose last byte is 1 + (i + 1) (no
  // carry: i < 8), XORed with round key 0 in one step from J0 ^ K0. Each
  // round key is loaded where it is used (15 keys and T + 1 blocks do not
  // fit in 16 registers).
  // (Unrolled at -O2 too: b[] must stay in registers.)
  __m128i b[T + 1];
  const __m128i j0k = _mm_xor_si128(j0, aesni_load(w));
#pragma GCC unroll 8
  for (std::size_t j = 0; j < T; ++j) {
    const auto last = static_cast<int>(1 ^ (nb + 1 - j));  // block nb - 1 - j: counter byte nb + 1 - j
    b[j] = _mm_xor_si128(j0k, _mm_bslli_si128(_mm_cvtsi32_si128(last), 15));  // last in byte 15
  }
  b[T] = j0k;
  for (std::size_t rr = 1; rr < 14; ++rr) {
    const __m128i kr = aesni_load(w + 16 * rr);
#pragma GCC unroll 9
    for (std::size_t j = 0; j <= T; ++j) b[j] = _mm_aesenc_si128(b[j], kr);
  }
  const __m128i k14 = aesni_load(w + 16 * 14);
#pragma GCC unroll 9
  for (std::size_t j = 0; j <= T; ++j) {
    b[j] = _mm_aesenclast_si128(b[j], k14);
    // All T + 1 blocks are made here, in one batch: without this barrier the
    // compiler sinks the rounds of a block into the branch below that uses
    // it, one block after another.
    __asm__("" : "+x"(b[j]));
  }
  if (!cached) gcm_powers(gcm_hkey{hkey.h, nullptr, nullptr}, p, T + 1 < 8 ? T + 1 : 8);
  if constexpr (T == 8) {
    if (nb == 8) p[8] = gcm_mul_prime(p[7], p[0]);
  }

  // The text: out = in ^ key stream, and the blocks to hash (byte-reversed),
  // c[j] = the ciphertext of block nb - 1 - j. The last block's key stream
  // past the text is masked off (GHASH pads with zeros; a block loaded for
  // decryption is zero-padded). Done first, so that the key stream is dead
  // before the products need registers. Unrolled: b[j] and c[j] stay in
  // registers (a key stream spilled to the stack would outlive the call).
  __m128i c[T];
#pragma GCC unroll 8
  for (std::size_t j = 0; j < T; ++j) {
    c[j] = _mm_setzero_si128();
    if (j >= nb) continue;
    const std::size_t i = nb - 1 - j;
    __m128i x, o;
    if (j == 0) {
      x = gcm_load_partial(in + 16 * i, r);
      o = _mm_xor_si128(x, b[0]);
      gcm_store_partial(out + 16 * i, r, o);
      o = _mm_and_si128(o, _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(r)),
                                          _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
    } else {
      x = aesni_load(in + 16 * i);
      o = _mm_xor_si128(x, b[j]);
      aesni_store(out + 16 * i, o);
    }
    c[j] = gcm_bswap(encrypt ? o : x);
  }

  // (y + X1) H^(nb+1) + X2 H^nb + ... + X_nb H^2 + L H, one reduction;
  // schoolbook products (four PCLMULQDQ, no Karatsuba folds: fewer
  // instructions and a shorter chain for a handful of blocks).
  __m128i x0 = nb == 0 ? _mm_xor_si128(lengths, y) : lengths;
  __m128i lo = _mm_clmulepi64_si128(x0, p[0], 0x00), hi = _mm_clmulepi64_si128(x0, p[0], 0x11);
  __m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(x0, p[0], 0x01), _mm_clmulepi64_si128(x0, p[0], 0x10));
#pragma GCC unroll 8
  for (std::size_t j = 0; j < T; ++j) {
    if (j >= nb) continue;
    const __m128i v = j + 1 == nb ? _mm_xor_si128(c[j], y) : c[j];
    const __m128i h = p[j + 1];
    lo = _mm_xor_si128(lo, _mm_clmulepi64_si128(v, h, 0x00));
    hi = _mm_xor_si128(hi, _mm_clmulepi64_si128(v, h, 0x11));
    mid = _mm_xor_si128(mid, _mm_xor_si128(_mm_clmulepi64_si128(v, h, 0x01), _mm_clmulepi64_si128(v, h, 0x10)));
  }
  const __m128i s = gcm_reduce_prime(_mm_xor_si128(lo, _mm_slli_si128(mid, 8)), _mm_xor_si128(hi, _mm_srli_si128(mid, 8)));
  aesni_store(tag, _mm_xor_si128(gcm_bswap(s), b[T]));
#if !defined(__OPTIMIZE__)
  // Without optimisation the arrays live on the stack (the unrolled loops
  // keep them in registers otherwise): the key stream and the powers of H
  // are wiped. (c holds ciphertext only.)
  secure_wipe(b, sizeof b);
  secure_wipe(p, sizeof p);
#endif
}

// gcm_short_clmul_t: gcm_short_clmul for 0..T text blocks (T = 1, 4, 8; a
// function each, so that the compiler does not share registers or spill
// slots between them).
template <std::size_t T>
[[E2EE_CLMUL_TARGET]] inline void gcm_short_clmul_t(const std::uint8_t* w, const gcm_hkey& hkey,
                                                    const std::uint8_t* nonce, const std::uint8_t* aad,
                                                    std::size_t aad_len, const std::uint8_t* in, std::uint8_t* out,
                                                    std::size_t len, bool encrypt, std::uint8_t* tag) noexcept {
  // J0 = nonce || 0^31 || 1 (SP 800-38D 7.1 step 2, 96-bit IV).
  std::uint32_t n2 = 0;
  std::memcpy(&n2, nonce + 8, 4);
  const __m128i j0 = _mm_insert_epi32(
      _mm_insert_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(nonce)), static_cast<int>(n2), 2),
      0x01000000, 3);
  // The AAD's GHASH: independent of the AES blocks, so it runs beside them.
  __m128i y = _mm_setzero_si128();
  if (aad_len != 0) {
    if (hkey.cached != nullptr) {
      y = gcm_short_aad(hkey.h, hkey.cached, aad, aad_len);
    } else {  // no cache yet: the powers the AAD needs, made here and wiped
      alignas(16) std::uint8_t own[8 * 16];
      __m128i q[8];
      const std::size_t a = (aad_len + 15) / 16;
      gcm_powers(gcm_hkey{hkey.h, nullptr, nullptr}, q, a);
      for (std::size_t i = 0; i < a; ++i) aesni_store(own + 16 * i, q[i]);
      y = gcm_short_aad(own, own + 16, aad, aad_len);
      secure_wipe(own, sizeof own);
      secure_wipe(q, sizeof q);
    }
  }
  // [len(A)]_64 || [len(C)]_64 in bits, byte-reversed (len(C) is the low lane).
  const __m128i lengths = _mm_set_epi64x(static_cast<long long>(static_cast<std::uint64_t>(aad_len) << 3),
                                         static_cast<long long>(static_cast<std::uint64_t>(len) << 3));
  const std::size_t nb = (len + 15) / 16;
  const std::size_t r = len - 16 * (nb == 0 ? 0 : nb - 1);  // bytes in the last block
  gcm_short_n<T>(w, hkey, j0, y, in, out, nb, r, lengths, encrypt, tag);
}

// gcm_short_clmul: see above. hkey.cached: H^2..H^8, or nullptr (then the
// call makes the powers it uses); hkey.fill is not used. encrypt: GCM-AE,
// else GCM-AD (tag gets the expected tag, which the caller compares).
inline void gcm_short_clmul(const std::uint8_t* w, const gcm_hkey& hkey, const std::uint8_t* nonce,
                            const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* in, std::uint8_t* out,
                            std::size_t len, bool encrypt, std::uint8_t* tag) noexcept {
  if (len <= 16) {
    gcm_short_clmul_t<1>(w, hkey, nonce, aad, aad_len, in, out, len, encrypt, tag);
  } else if (len <= 64) {
    gcm_short_clmul_t<4>(w, hkey, nonce, aad, aad_len, in, out, len, encrypt, tag);
  } else {
    gcm_short_clmul_t<8>(w, hkey, nonce, aad, aad_len, in, out, len, encrypt, tag);
  }
}

// ---- A key used for one short message (the ratchet's message keys) ---------
//
// gcm_crypt_once_clmul is GCM-AE / GCM-AD straight from the 32-byte key, for
// a 12-byte nonce and short inputs, with nothing stored: KeyExpansion runs in
// two registers and each round key is applied, as soon as it exists, to all
// AES blocks of the message at once (the counter blocks, J0 and the zero
// block whose encryption is H), so the cipher costs about the latency of the
// key expansion. GHASH then needs only H..H^4, computed in registers (two
// products deep), and folds the blocks four at a time (Horner in H^4: one
// reduction per group). Limits: len <= gcm_once_max_text, aad_len <=
// gcm_once_max_aad; the caller checked them.
inline constexpr std::size_t gcm_once_max_text = 128, gcm_once_max_aad = 128;

// gcm_once_aes_n: N blocks b[0..N-1] encrypted under `key` while it is expanded.
template <std::size_t N>
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_once_aes_n(const std::uint8_t* key, __m128i* b) noexcept {
  __m128i k0 = aesni_load(key), k1 = aesni_load(key + 16);
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm_aesenc_si128(_mm_xor_si128(b[i], k0), k1);
  int rcon = 1;
  for (std::size_t r = 2; r < 14; r += 2, rcon <<= 1) {
    k0 = _mm_xor_si128(aesni_expand_step(k0, _mm_setzero_si128()), gcm_keygen_word<true>(k1, rcon));
    for (std::size_t i = 0; i < N; ++i) b[i] = _mm_aesenc_si128(b[i], k0);
    k1 = _mm_xor_si128(aesni_expand_step(k1, _mm_setzero_si128()), gcm_keygen_word<false>(k0, 0));
    for (std::size_t i = 0; i < N; ++i) b[i] = _mm_aesenc_si128(b[i], k1);
  }
  k0 = _mm_xor_si128(aesni_expand_step(k0, _mm_setzero_si128()), gcm_keygen_word<true>(k1, rcon));
  for (std::size_t i = 0; i < N; ++i) b[i] = _mm_aesenclast_si128(b[i], k0);
}

// gcm_once_keystream: nb (0..8) counter blocks from ctr (byte-reversed), then
// E_K(J0), then H = E_K(0^128), into ks[0..nb + 1].
template <std::size_t N>
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline void gcm_once_keystream_n(const std::uint8_t* key, __m128i ctr,
                                                                           __m128i j0, __m128i* ks) noexcept {
  __m128i b[N];
  for (std::size_t i = 0; i + 2 < N; ++i) {
    b[i] = gcm_bswap(ctr);
    ctr = _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, 1));
  }
  b[N - 2] = j0;
  b[N - 1] = _mm_setzero_si128();
  gcm_once_aes_n<N>(key, b);
  for (std::size_t i = 0; i < N; ++i) ks[i] = b[i];
}

// gcm_once_ghash folds m >= 1 byte-reversed blocks x[0..m-1] with primed
// powers p[0..3] = H^1..H^4 (x^-1): a first group of ((m - 1) % 4) + 1
// blocks, then groups of four, (y + X1) H^4 + X2 H^3 + X3 H^2 + X4 H.
[[E2EE_CLMUL_TARGET, gnu::always_inline]] inline __m128i gcm_once_ghash(const __m128i* x, std::size_t m,
                                                                        const __m128i* p, const __m128i* pk) noexcept {
  __m128i y = _mm_setzero_si128();
  std::size_t g = (m - 1) % 4 + 1;
  for (std::size_t i = 0; i < m; i += g, g = 4) {
    gcm_kacc acc = gcm_kacc_zero();
    for (std::size_t j = 0; j < g; ++j) {
      const __m128i v = j == 0 ? _mm_xor_si128(y, x[i]) : x[i + j];
      gcm_kacc_add(acc, v, p[g - 1 - j], pk[g - 1 - j]);
    }
    y = gcm_kacc_reduce(acc);
  }
  return y;
}

[[E2EE_CLMUL_TARGET]] inline void gcm_crypt_once_clmul(const std::uint8_t* key, const std::uint8_t* nonce,
                                                       const std::uint8_t* aad, std::size_t aad_len,
                                                       const std::uint8_t* in, std::uint8_t* out, std::size_t len,
                                                       bool encrypt, std::uint8_t* tag) noexcept {
  alignas(16) std::uint8_t j0b[16] = {};
  for (std::size_t i = 0; i < 12; ++i) j0b[i] = nonce[i];
  j0b[15] = 1;
  const __m128i j0 = aesni_load(j0b);
  const __m128i ctr = _mm_add_epi32(gcm_bswap(j0), _mm_set_epi32(0, 0, 0, 1));
  const std::size_t nb = (len + 15) / 16;
  __m128i ks[10];
  switch (nb) {
    case 0: gcm_once_keystream_n<2>(key, ctr, j0, ks); break;
    case 1: gcm_once_keystream_n<3>(key, ctr, j0, ks); break;
    case 2: gcm_once_keystream_n<4>(key, ctr, j0, ks); break;
    case 3: gcm_once_keystream_n<5>(key, ctr, j0, ks); break;
    case 4: gcm_once_keystream_n<6>(key, ctr, j0, ks); break;
    case 5: gcm_once_keystream_n<7>(key, ctr, j0, ks); break;
    case 6: gcm_once_keystream_n<8>(key, ctr, j0, ks); break;
    case 7: gcm_once_keystream_n<9>(key, ctr, j0, ks); break;
    default: gcm_once_keystream_n<10>(key, ctr, j0, ks); break;
  }
  // GHASH input: AAD, ciphertext, lengths (byte-reversed, zero-padded).
  __m128i x[(gcm_once_max_aad + gcm_once_max_text) / 16 + 1];
  std::size_t m = 0;
  alignas(16) std::uint8_t last[16] = {};
  for (std::size_t i = 0; i < aad_len; i += 16) {
    if (aad_len - i >= 16) {
      x[m++] = gcm_bswap(aesni_load(aad + i));
    } else {
      for (std::size_t b = 0; b < aad_len - i; ++b) last[b] = aad[i + b];
      x[m++] = gcm_bswap(aesni_load(last));
    }
  }
  for (std::size_t i = 0; i < nb; ++i) {
    if (len - 16 * i >= 16) {
      const __m128i v = aesni_load(in + 16 * i);
      const __m128i o = _mm_xor_si128(v, ks[i]);
      aesni_store(out + 16 * i, o);
      x[m++] = gcm_bswap(encrypt ? o : v);
    } else {
      const std::size_t r = len - 16 * i;
      for (std::size_t b = 0; b < 16; ++b) last[b] = b < r ? in[16 * i + b] : 0;
      const __m128i v = aesni_load(last);
      // Keystream bytes past the text are masked off: GHASH pads with zeros.
      aesni_store(last, _mm_xor_si128(v, ks[i]));
      for (std::size_t b = 0; b < r; ++b) out[16 * i + b] = last[b];
      for (std::size_t b = r; b < 16; ++b) last[b] = 0;
      x[m++] = gcm_bswap(encrypt ? aesni_load(last) : v);
    }
  }
  x[m++] = _mm_set_epi64x(static_cast<long long>(static_cast<std::uint64_t>(aad_len) << 3),
                          static_cast<long long>(static_cast<std::uint64_t>(len) << 3));
  // The primed powers H..H^4 (only those the blocks use), two products deep.
  __m128i p[4] = {}, pk[4] = {};
  p[0] = gcm_prime(gcm_bswap(ks[nb + 1]));
  if (m >= 2) p[1] = gcm_mul_prime(p[0], p[0]);
  if (m >= 3) p[2] = gcm_mul_prime(p[1], p[0]);
  if (m >= 4) p[3] = gcm_mul_prime(p[1], p[1]);
  const std::size_t np = m < 4 ? m : 4;
  for (std::size_t i = 0; i < np; ++i) pk[i] = gcm_kfold(p[i]);
  const __m128i y = gcm_once_ghash(x, m, p, pk);
  aesni_store(tag, _mm_xor_si128(gcm_bswap(y), ks[nb]));
  secure_wipe(ks, sizeof ks);
  secure_wipe(p, sizeof p);
  secure_wipe(pk, sizeof pk);
  secure_wipe(last, sizeof last);  // x holds only AAD and ciphertext (public)
}

#undef E2EE_CLMUL_TARGET

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
