// e2ee/detail/x86/sha256_shani.hpp — SHA-256 compression with the x86 SHA
// extensions (SHA256RNDS2, SHA256MSG1/2). Internal; hash/sha256.hpp dispatches here.
//
// One block is 32 dependent SHA256RNDS2 (latency 4 on Zen 3/4) = 128 cycles:
// the message schedule runs beside that chain and costs nothing. Two
// independent states (HMAC's ipad and opad) interleave into the same 128 cycles.
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include "intrin.hpp"  // the intrinsics headers the kernels need (not all of <immintrin.h>)

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../core/secret.hpp"

// Expects sha256_k from hash/sha256.hpp (included first).
E2EE_NAMESPACE_BEGIN
namespace detail {

// The SHA-NI register layout: abef = {F, E, B, A} and cdgh = {H, G, D, C}
// (lane 0 first), as SHA256RNDS2 expects.
struct sha256_shani_state {
  __m128i abef, cdgh;
};

[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline sha256_shani_state sha256_shani_load(
    const std::uint32_t* h) noexcept {
  const __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), 0xb1);
  const __m128i hgfe =
      _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4)), 0x1b);
  return {_mm_alignr_epi8(dcba, hgfe, 8), _mm_blend_epi16(hgfe, dcba, 0xf0)};
}

[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_store(
    const sha256_shani_state& s, std::uint32_t* h) noexcept {
  const __m128i feba = _mm_shuffle_epi32(s.abef, 0x1b);
  const __m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xb1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_blend_epi16(feba, dchg, 0xf0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

// sha256_shani_load_words reads 16 big-endian message words W0..W15.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline __m128i sha256_shani_load_words(
    const std::uint8_t* p) noexcept {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  return _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), bswap);
}

// sha256_shani_quad runs rounds 4i..4i+3 with schedule words w = W[4i..4i+3].
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_quad(
    sha256_shani_state& s, __m128i w, std::size_t i) noexcept {
  const __m128i wk =
      _mm_add_epi32(w, _mm_load_si128(reinterpret_cast<const __m128i*>(sha256_k.data() + 4 * i)));
  s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, wk);
  s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, _mm_shuffle_epi32(wk, 0x0e));
}

// sha256_shani_schedule returns W[4i..4i+3] from the four previous groups
// w4 = W[4i-16..], w3 = W[4i-12..], w2 = W[4i-8..], w1 = W[4i-4..]
// (FIPS 180-4, 6.2.2 step 1: s0 terms by MSG1, W_t-7 by ALIGNR, s1 by MSG2).
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline __m128i sha256_shani_schedule(
    __m128i w4, __m128i w3, __m128i w2, __m128i w1) noexcept {
  const __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w4, w3), _mm_alignr_epi8(w1, w2, 4));
  return _mm_sha256msg2_epu32(t, w1);
}

// sha256_shani_rounds runs the 64 rounds of one block whose message words
// W0..W15 are w0..w3, and adds the result to s (FIPS 180-4, 6.2.2 steps 2-4).
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_rounds(
    sha256_shani_state& s, __m128i w0, __m128i w1, __m128i w2, __m128i w3) noexcept {
  const sha256_shani_state saved = s;
  sha256_shani_quad(s, w0, 0);
  sha256_shani_quad(s, w1, 1);
  sha256_shani_quad(s, w2, 2);
  sha256_shani_quad(s, w3, 3);
  for (std::size_t i = 4; i < 16; i += 4) {
    w0 = sha256_shani_schedule(w0, w1, w2, w3);
    sha256_shani_quad(s, w0, i);
    w1 = sha256_shani_schedule(w1, w2, w3, w0);
    sha256_shani_quad(s, w1, i + 1);
    w2 = sha256_shani_schedule(w2, w3, w0, w1);
    sha256_shani_quad(s, w2, i + 2);
    w3 = sha256_shani_schedule(w3, w0, w1, w2);
    sha256_shani_quad(s, w3, i + 3);
  }
  s.abef = _mm_add_epi32(s.abef, saved.abef);
  s.cdgh = _mm_add_epi32(s.cdgh, saved.cdgh);
}

// sha256_shani_rounds_x2: the same for two independent blocks, rounds
// interleaved so that both SHA256RNDS2 chains are in flight.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_rounds_x2(
    sha256_shani_state& a, __m128i a0, __m128i a1, __m128i a2, __m128i a3, sha256_shani_state& b,
    __m128i b0, __m128i b1, __m128i b2, __m128i b3) noexcept {
  const sha256_shani_state saved_a = a, saved_b = b;
  sha256_shani_quad(a, a0, 0);
  sha256_shani_quad(b, b0, 0);
  sha256_shani_quad(a, a1, 1);
  sha256_shani_quad(b, b1, 1);
  sha256_shani_quad(a, a2, 2);
  sha256_shani_quad(b, b2, 2);
  sha256_shani_quad(a, a3, 3);
  sha256_shani_quad(b, b3, 3);
  for (std::size_t i = 4; i < 16; i += 4) {
    a0 = sha256_shani_schedule(a0, a1, a2, a3);
    b0 = sha256_shani_schedule(b0, b1, b2, b3);
    sha256_shani_quad(a, a0, i);
    sha256_shani_quad(b, b0, i);
    a1 = sha256_shani_schedule(a1, a2, a3, a0);
    b1 = sha256_shani_schedule(b1, b2, b3, b0);
    sha256_shani_quad(a, a1, i + 1);
    sha256_shani_quad(b, b1, i + 1);
    a2 = sha256_shani_schedule(a2, a3, a0, a1);
    b2 = sha256_shani_schedule(b2, b3, b0, b1);
    sha256_shani_quad(a, a2, i + 2);
    sha256_shani_quad(b, b2, i + 2);
    a3 = sha256_shani_schedule(a3, a0, a1, a2);
    b3 = sha256_shani_schedule(b3, b0, b1, b2);
    sha256_shani_quad(a, a3, i + 3);
    sha256_shani_quad(b, b3, i + 3);
  }
  a.abef = _mm_add_epi32(a.abef, saved_a.abef);
  a.cdgh = _mm_add_epi32(a.cdgh, saved_a.cdgh);
  b.abef = _mm_add_epi32(b.abef, saved_b.abef);
  b.cdgh = _mm_add_epi32(b.cdgh, saved_b.cdgh);
}

// sha256_compress_shani compresses `blocks` 64-byte blocks at p into h[0..8).
// Caller checked shani && sse41.
[[gnu::target("sha,sse4.1")]] inline void sha256_compress_shani(std::uint32_t* h,
                                                                const std::uint8_t* p,
                                                                std::size_t blocks) noexcept {
  sha256_shani_state s = sha256_shani_load(h);
  for (; blocks != 0; --blocks, p += 64) {
    sha256_shani_rounds(s, sha256_shani_load_words(p), sha256_shani_load_words(p + 16),
                        sha256_shani_load_words(p + 32), sha256_shani_load_words(p + 48));
  }
  sha256_shani_store(s, h);
}

// sha256_compress_shani_2 compresses `blocks` blocks at p, then `more` blocks
// at q (a message's full blocks and its padded tail, in one call), into h.
[[gnu::target("sha,sse4.1")]] inline void sha256_compress_shani_2(std::uint32_t* h,
                                                                  const std::uint8_t* p,
                                                                  std::size_t blocks,
                                                                  const std::uint8_t* q,
                                                                  std::size_t more) noexcept {
  sha256_shani_state s = sha256_shani_load(h);
  for (; blocks != 0; --blocks, p += 64) {
    sha256_shani_rounds(s, sha256_shani_load_words(p), sha256_shani_load_words(p + 16),
                        sha256_shani_load_words(p + 32), sha256_shani_load_words(p + 48));
  }
  for (; more != 0; --more, q += 64) {
    sha256_shani_rounds(s, sha256_shani_load_words(q), sha256_shani_load_words(q + 16),
                        sha256_shani_load_words(q + 32), sha256_shani_load_words(q + 48));
  }
  sha256_shani_store(s, h);
}

// sha256_compress_shani_x2 compresses `blocks` blocks at pa into ha and
// `blocks` blocks at pb into hb, two blocks in flight at a time.
[[gnu::target("sha,sse4.1")]] inline void sha256_compress_shani_x2(
    std::uint32_t* ha, const std::uint8_t* pa, std::uint32_t* hb, const std::uint8_t* pb,
    std::size_t blocks) noexcept {
  sha256_shani_state a = sha256_shani_load(ha), b = sha256_shani_load(hb);
  for (; blocks != 0; --blocks, pa += 64, pb += 64) {
    sha256_shani_rounds_x2(a, sha256_shani_load_words(pa), sha256_shani_load_words(pa + 16),
                           sha256_shani_load_words(pa + 32), sha256_shani_load_words(pa + 48), b,
                           sha256_shani_load_words(pb), sha256_shani_load_words(pb + 16),
                           sha256_shani_load_words(pb + 32), sha256_shani_load_words(pb + 48));
  }
  sha256_shani_store(a, ha);
  sha256_shani_store(b, hb);
}

// sha256_hmac_key_shani computes HMAC's two key states from the padded key
// k0[0..64) (RFC 2104 steps 1-2, 4 and 7, first block): SHA-256 of K0 ^ ipad
// into ipad_h and of K0 ^ opad into opad_h, both from the initial value iv,
// interleaved. The pads are made in registers: no key-dependent bytes in memory.
[[gnu::target("sha,sse4.1")]] inline void sha256_hmac_key_shani(const std::uint8_t* k0,
                                                                const std::uint32_t* iv,
                                                                std::uint32_t* ipad_h,
                                                                std::uint32_t* opad_h) noexcept {
  // The key words are byte-swapped once; 0x36 and 0x5c bytes are swap-invariant.
  const __m128i ipad = _mm_set1_epi8(0x36), opad = _mm_set1_epi8(0x5c);
  const __m128i k0w = sha256_shani_load_words(k0), k1w = sha256_shani_load_words(k0 + 16),
                k2w = sha256_shani_load_words(k0 + 32), k3w = sha256_shani_load_words(k0 + 48);
  sha256_shani_state a = sha256_shani_load(iv), b = a;
  sha256_shani_rounds_x2(a, _mm_xor_si128(k0w, ipad), _mm_xor_si128(k1w, ipad),
                         _mm_xor_si128(k2w, ipad), _mm_xor_si128(k3w, ipad), b,
                         _mm_xor_si128(k0w, opad), _mm_xor_si128(k1w, opad),
                         _mm_xor_si128(k2w, opad), _mm_xor_si128(k3w, opad));
  sha256_shani_store(a, ipad_h);
  sha256_shani_store(b, opad_h);
}

// sha256_hmac_final_shani finishes HMAC-SHA256 (RFC 2104 steps 5-9): it
// compresses the inner hash's last, already padded block into inner_h, then
// the inner digest, padded as a 96-byte message, into a copy of opad_h, and
// writes the tag. The inner digest stays in registers: its words are the
// outer block's first eight message words. inner_h is left unchanged.
[[gnu::target("sha,sse4.1")]] inline void sha256_hmac_final_shani(const std::uint32_t* inner_h,
                                                                  const std::uint8_t* last,
                                                                  const std::uint32_t* opad_h,
                                                                  std::uint8_t* tag) noexcept {
  sha256_shani_state s = sha256_shani_load(inner_h);
  sha256_shani_rounds(s, sha256_shani_load_words(last), sha256_shani_load_words(last + 16),
                      sha256_shani_load_words(last + 32), sha256_shani_load_words(last + 48));
  // {F,E,B,A}, {H,G,D,C} -> W0..3 = {A,B,C,D}, W4..7 = {E,F,G,H}.
  const __m128i feba = _mm_shuffle_epi32(s.abef, 0x1b);
  const __m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xb1);
  const __m128i w0 = _mm_blend_epi16(feba, dchg, 0xf0), w1 = _mm_alignr_epi8(dchg, feba, 8);
  // FIPS 180-4, 5.1.1: 0x80 after the 32 digest bytes, length 96 * 8 bits.
  const __m128i w2 = _mm_set_epi32(0, 0, 0, static_cast<int>(0x80000000u));
  const __m128i w3 = _mm_set_epi32(96 * 8, 0, 0, 0);
  sha256_shani_state o = sha256_shani_load(opad_h);
  sha256_shani_rounds(o, w0, w1, w2, w3);
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  const __m128i ofeba = _mm_shuffle_epi32(o.abef, 0x1b);
  const __m128i odchg = _mm_shuffle_epi32(o.cdgh, 0xb1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(tag),
                   _mm_shuffle_epi8(_mm_blend_epi16(ofeba, odchg, 0xf0), bswap));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(tag + 16),
                   _mm_shuffle_epi8(_mm_alignr_epi8(odchg, ofeba, 8), bswap));
}

// ---- HMAC and HKDF with every state in registers ------------------------------
// The chain step (HMAC of one short block) and HKDF are a few dependent
// compressions; between them the states stay in the SHA-NI layout and the
// digests become the next block's message words without leaving registers.

// sha256_shani_iv: the initial value (FIPS 180-4, 5.3.3) in the SHA-NI layout.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline sha256_shani_state sha256_shani_iv() noexcept {
  return {_mm_set_epi32(0x6a09e667, static_cast<int>(0xbb67ae85u), 0x510e527f,
                        static_cast<int>(0x9b05688cu)),
          _mm_set_epi32(0x3c6ef372, static_cast<int>(0xa54ff53au), 0x1f83d9ab, 0x5be0cd19)};
}

// sha256_shani_words turns a state into the digest as message words:
// w0 = {A, B, C, D}, w1 = {E, F, G, H}.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_words(
    const sha256_shani_state& s, __m128i& w0, __m128i& w1) noexcept {
  const __m128i feba = _mm_shuffle_epi32(s.abef, 0x1b);
  const __m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xb1);
  w0 = _mm_blend_epi16(feba, dchg, 0xf0);
  w1 = _mm_alignr_epi8(dchg, feba, 8);
}

// sha256_shani_store_words writes message words w0, w1 as 32 big-endian bytes.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_store_words(
    __m128i w0, __m128i w1, std::uint8_t* out) noexcept {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_shuffle_epi8(w0, bswap));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_shuffle_epi8(w1, bswap));
}

// ---- the last block(s) of a message, built in registers --------------------------

// sha256_shani_final_rounds compresses the end of a message of `total` bytes
// into s: its last rem = total % 64 bytes, taken from block[0..rem), then the
// padding and the bit length (FIPS 180-4, 5.1.1): one block, or two when
// rem > 55. block[rem..64) is read but masked off in registers (any stale
// bytes there are ignored); with rem == 0 block is not read at all and the
// padding block is made from constants.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_final_rounds(
    sha256_shani_state& s, const std::uint8_t* block, std::size_t rem, std::uint64_t total) noexcept {
  const std::uint64_t bits = total << 3;
  // W14 = high and W15 = low half of the length, in lanes 2 and 3.
  const __m128i len = _mm_set_epi32(static_cast<int>(static_cast<std::uint32_t>(bits)),
                                    static_cast<int>(static_cast<std::uint32_t>(bits >> 32)), 0, 0);
  const __m128i zero = _mm_setzero_si128();
  if (rem == 0) {
    sha256_shani_rounds(s, _mm_set_epi32(0, 0, 0, static_cast<int>(0x80000000u)), zero, zero, len);
    return;
  }
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  const __m128i n = _mm_set1_epi8(static_cast<char>(rem)), marker = _mm_set1_epi8(static_cast<char>(0x80));
  __m128i idx = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m128i w[4];
  for (std::size_t i = 0; i < 4; ++i) {
    // Byte j: block[j] if j < rem, 0x80 if j == rem, else 0 (rem <= 63 and
    // j <= 63 compare correctly as signed bytes).
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i));
    const __m128i kept = _mm_and_si128(_mm_cmpgt_epi8(n, idx), b);
    w[i] = _mm_shuffle_epi8(_mm_or_si128(kept, _mm_and_si128(_mm_cmpeq_epi8(n, idx), marker)), bswap);
    idx = _mm_add_epi8(idx, _mm_set1_epi8(16));
  }
  if (rem < 56) {  // the length fits after the marker: bytes 56..63 are zero
    sha256_shani_rounds(s, w[0], w[1], w[2], _mm_or_si128(w[3], len));
  } else {
    sha256_shani_rounds(s, w[0], w[1], w[2], w[3]);
    sha256_shani_rounds(s, zero, zero, zero, len);
  }
}

// sha256_shani_store_digest writes the state s as the 32-byte digest.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_store_digest(
    const sha256_shani_state& s, std::uint8_t* out) noexcept {
  __m128i w0, w1;
  sha256_shani_words(s, w0, w1);
  sha256_shani_store_words(w0, w1, out);
}

// sha256_finish_shani ends a streamed message of `total` bytes: from the
// chaining value h (left unchanged) and the block buffer holding its last
// total % 64 bytes, writes the digest to out[0..32).
[[gnu::target("sha,sse4.1")]] inline void sha256_finish_shani(const std::uint32_t* h,
                                                              const std::uint8_t* block,
                                                              std::uint64_t total,
                                                              std::uint8_t* out) noexcept {
  sha256_shani_state s = sha256_shani_load(h);
  sha256_shani_final_rounds(s, block, static_cast<std::size_t>(total % 64), total);
  sha256_shani_store_digest(s, out);
}

// sha256_hash_shani writes SHA-256(p[0..n)) to out[0..32) in one pass: the
// full blocks from the caller's buffer, the last bytes through a stack block
// that is wiped (none when n is a multiple of 64: the padding block is
// constants only).
[[gnu::target("sha,sse4.1")]] inline void sha256_hash_shani(const std::uint8_t* p, std::size_t n,
                                                            std::uint8_t* out) noexcept {
  sha256_shani_state s = sha256_shani_iv();
  const std::size_t rem = n % 64;
  for (std::size_t blocks = n / 64; blocks != 0; --blocks, p += 64) {
    sha256_shani_rounds(s, sha256_shani_load_words(p), sha256_shani_load_words(p + 16),
                        sha256_shani_load_words(p + 32), sha256_shani_load_words(p + 48));
  }
  if (rem == 0) {
    sha256_shani_final_rounds(s, p, 0, n);
  } else {
    alignas(16) std::uint8_t last[64] = {};
    std::memcpy(last, p, rem);
    sha256_shani_final_rounds(s, last, rem, n);
    secure_wipe(last, sizeof last);
  }
  sha256_shani_store_digest(s, out);
}

// sha256_shani_key_words loads a key of n <= 64 bytes, zero-padded to the
// block (RFC 2104 step 1), as message words k[0..4).
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_key_words(
    const std::uint8_t* key, std::size_t n, __m128i (&k)[4]) noexcept {
  if (n % 16 == 0) {  // 0, 16, 32, 48, 64 bytes: straight from the caller's key
    for (std::size_t i = 0; i < 4; ++i)
      k[i] = 16 * i < n ? sha256_shani_load_words(key + 16 * i) : _mm_setzero_si128();
  } else {
    alignas(16) std::uint8_t k0[64] = {};
    std::memcpy(k0, key, n);
    for (std::size_t i = 0; i < 4; ++i) k[i] = sha256_shani_load_words(k0 + 16 * i);
    secure_wipe(k0, sizeof k0);
  }
}

// sha256_shani_outer: the outer hash's block, the inner digest d0, d1 padded as
// a 96-byte message (FIPS 180-4, 5.1.1), from the opad state; the tag as
// message words t0, t1 (RFC 2104 steps 8-9).
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_outer(
    const sha256_shani_state& out, __m128i d0, __m128i d1, __m128i& t0, __m128i& t1) noexcept {
  const __m128i p2 = _mm_set_epi32(0, 0, 0, static_cast<int>(0x80000000u));
  const __m128i p3 = _mm_set_epi32(96 * 8, 0, 0, 0);
  sha256_shani_state o = out;
  sha256_shani_rounds(o, d0, d1, p2, p3);
  sha256_shani_words(o, t0, t1);
}

// sha256_shani_hmac_tail: the inner hash's last block m0..m3 (padded) from the
// ipad state, then the outer block; the tag as message words t0, t1.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_hmac_tail(
    const sha256_shani_state& in, const sha256_shani_state& out, __m128i m0, __m128i m1,
    __m128i m2, __m128i m3, __m128i& t0, __m128i& t1) noexcept {
  sha256_shani_state s = in;
  sha256_shani_rounds(s, m0, m1, m2, m3);
  __m128i d0, d1;
  sha256_shani_words(s, d0, d1);
  sha256_shani_outer(out, d0, d1, t0, t1);
}

// sha256_shani_hmac_first starts HMAC with zero-padded key words k (RFC 2104
// steps 1-7): the ipad state alone, then the inner hash's first message block
// m0..m3 interleaved with the opad key block, which is needed only by the
// outer hash. The inner block is first in program order, so its dependent
// chain wins the SHA unit. Returns the key states and the inner digest words
// d0, d1 (m is the inner hash's last, padded block).
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_hmac_first(
    const __m128i (&k)[4], __m128i m0, __m128i m1, __m128i m2, __m128i m3,
    sha256_shani_state& in, sha256_shani_state& out, __m128i& d0, __m128i& d1) noexcept {
  const __m128i ipad = _mm_set1_epi8(0x36), opad = _mm_set1_epi8(0x5c);
  in = sha256_shani_iv();
  out = in;
  sha256_shani_rounds(in, _mm_xor_si128(k[0], ipad), _mm_xor_si128(k[1], ipad),
                      _mm_xor_si128(k[2], ipad), _mm_xor_si128(k[3], ipad));
  sha256_shani_state s = in;
  sha256_shani_rounds_x2(s, m0, m1, m2, m3, out, _mm_xor_si128(k[0], opad),
                         _mm_xor_si128(k[1], opad), _mm_xor_si128(k[2], opad),
                         _mm_xor_si128(k[3], opad));
  sha256_shani_words(s, d0, d1);
}

// sha256_shani_last_block loads the last block of an HMAC inner hash: n <= 55
// message bytes after the key block, then the padding (FIPS 180-4, 5.1.1).
// The bytes may be secret: the buffer is wiped.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_shani_last_block(
    const std::uint8_t* msg, std::size_t n, __m128i (&m)[4]) noexcept {
  alignas(16) std::uint8_t b[64] = {};
  if (n != 0) std::memcpy(b, msg, n);
  b[n] = 0x80;
  const std::uint64_t bits = (64 + static_cast<std::uint64_t>(n)) * 8;
  for (std::size_t i = 0; i < 8; ++i) b[63 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
  for (std::size_t i = 0; i < 4; ++i) m[i] = sha256_shani_load_words(b + 16 * i);
  secure_wipe(b, sizeof b);
}

// sha256_hmac_short_shani writes HMAC-SHA256(key, msg) to tag[0..32) for a
// key of at most 64 bytes and a message of at most 55: three dependent
// compressions (both key blocks together), nothing secret left in memory.
[[gnu::target("sha,sse4.1")]] inline void sha256_hmac_short_shani(const std::uint8_t* key,
                                                                  std::size_t key_len,
                                                                  const std::uint8_t* msg,
                                                                  std::size_t msg_len,
                                                                  std::uint8_t* tag) noexcept {
  __m128i m[4], k[4];
  sha256_shani_last_block(msg, msg_len, m);
  sha256_shani_key_words(key, key_len, k);
  sha256_shani_state in, out;
  __m128i d0, d1, t0, t1;
  sha256_shani_hmac_first(k, m[0], m[1], m[2], m[3], in, out, d0, d1);
  sha256_shani_outer(out, d0, d1, t0, t1);
  sha256_shani_store_words(t0, t1, tag);
}

// sha256_hkdf_expand_shani: HKDF-Expand (RFC 5869, 2.3) with the prk given as
// zero-padded key words k, for info of at most 22 bytes (T(i-1) || info || i
// and the padding fit one block) and 1 <= out_len <= 255 * 32. Per T(i): two
// dependent compressions; T(i-1) goes from the outer state to the next inner
// block in registers, the counter is added in registers.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void sha256_hkdf_expand_shani(
    const __m128i (&k)[4], const std::uint8_t* info, std::size_t info_len, std::uint8_t* out,
    std::size_t out_len) noexcept {
  // Public bytes only (info, counters, padding): no wipe needed.
  alignas(16) std::uint8_t first[64] = {};  // info || 0x01 || padding
  alignas(16) std::uint8_t rest[32] = {};   // bytes 32..63 of T(i-1) || info || 0x00 || padding
  alignas(16) std::uint32_t unit[8] = {};   // +1 on the counter byte, as message words
  if (info_len != 0) {
    std::memcpy(first, info, info_len);
    std::memcpy(rest, info, info_len);
  }
  first[info_len] = 1;
  first[info_len + 1] = 0x80;
  rest[info_len + 1] = 0x80;
  const std::uint64_t bits1 = (64 + static_cast<std::uint64_t>(info_len) + 1) * 8;
  const std::uint64_t bits2 = bits1 + 32 * 8;
  for (std::size_t i = 0; i < 8; ++i) {
    first[63 - i] = static_cast<std::uint8_t>(bits1 >> (8 * i));
    rest[31 - i] = static_cast<std::uint8_t>(bits2 >> (8 * i));
  }
  unit[info_len / 4] = 1u << (24 - 8 * (info_len % 4));
  const __m128i f0 = sha256_shani_load_words(first), f1 = sha256_shani_load_words(first + 16),
                f2 = sha256_shani_load_words(first + 32), f3 = sha256_shani_load_words(first + 48);
  const __m128i r2 = sha256_shani_load_words(rest), r3 = sha256_shani_load_words(rest + 16);
  const __m128i u2 = _mm_load_si128(reinterpret_cast<const __m128i*>(unit)),
                u3 = _mm_load_si128(reinterpret_cast<const __m128i*>(unit + 4));

  sha256_shani_state in, outer;
  __m128i t0, t1;
  sha256_shani_hmac_first(k, f0, f1, f2, f3, in, outer, t0, t1);
  sha256_shani_outer(outer, t0, t1, t0, t1);  // T(1)
  __m128i c2 = u2, c3 = u3;
  std::size_t done = 0;
  while (out_len - done > 32) {
    sha256_shani_store_words(t0, t1, out + done);
    done += 32;
    c2 = _mm_add_epi32(c2, u2);  // counter i = done / 32 + 1 <= 255: stays in its byte
    c3 = _mm_add_epi32(c3, u3);
    sha256_shani_hmac_tail(in, outer, t0, t1, _mm_add_epi32(r2, c2), _mm_add_epi32(r3, c3), t0,
                           t1);
  }
  if (out_len - done == 32) {
    sha256_shani_store_words(t0, t1, out + done);
  } else {
    alignas(16) std::uint8_t last[32];
    sha256_shani_store_words(t0, t1, last);
    std::memcpy(out + done, last, out_len - done);
    secure_wipe(last, sizeof last);
  }
}

// sha256_hkdf_shani: HKDF (RFC 5869) extract-then-expand for a salt of at
// most 64 bytes (empty = 32 zero bytes, the same padded key), ikm of at most
// 55 and info of at most 22; out_len in 1..255*32. The prk never leaves
// registers: 3 + 1 + 2 * ceil(out_len / 32) dependent compressions.
[[gnu::target("sha,sse4.1")]] inline void sha256_hkdf_shani(
    const std::uint8_t* salt, std::size_t salt_len, const std::uint8_t* ikm, std::size_t ikm_len,
    const std::uint8_t* info, std::size_t info_len, std::uint8_t* out, std::size_t out_len) noexcept {
  __m128i m[4], k[4];
  sha256_shani_last_block(ikm, ikm_len, m);
  sha256_shani_key_words(salt, salt_len, k);
  sha256_shani_state in, outer;
  __m128i p0, p1;
  sha256_shani_hmac_first(k, m[0], m[1], m[2], m[3], in, outer, p0, p1);
  sha256_shani_outer(outer, p0, p1, p0, p1);  // PRK
  const __m128i prk[4] = {p0, p1, _mm_setzero_si128(), _mm_setzero_si128()};
  sha256_hkdf_expand_shani(prk, info, info_len, out, out_len);
}

// sha256_hkdf_expand_key_shani: HKDF-Expand with a prk of 1..64 bytes given
// as bytes (same limits on info and out_len as above).
[[gnu::target("sha,sse4.1")]] inline void sha256_hkdf_expand_key_shani(
    const std::uint8_t* prk, std::size_t prk_len, const std::uint8_t* info, std::size_t info_len,
    std::uint8_t* out, std::size_t out_len) noexcept {
  __m128i k[4];
  sha256_shani_key_words(prk, prk_len, k);
  sha256_hkdf_expand_shani(k, info, info_len, out, out_len);
}

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
