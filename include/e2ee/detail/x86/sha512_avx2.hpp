// e2ee/detail/x86/sha512_avx2.hpp — SHA-512 compression with the message
// schedule in vector registers and the rounds in scalar BMI2 code. Internal;
// hash/sha512.hpp dispatches here.
//
// There are no SHA-512 instructions on x86 before Arrow Lake. A round's
// critical path is ~4-5 scalar operations; the schedule (two words per step,
// each needing s0 and s1 of 64-bit lanes, 20-odd vector operations) is
// computed 16 rounds ahead and interleaved with the rounds, so it fills
// otherwise idle vector pipes instead of adding its own dependency chain.
// RORX (BMI2) rotates without touching flags or the source register.
#pragma once

#include "../../core/config.hpp"

#if E2EE_HAVE_X86_KERNELS

#include <immintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>

E2EE_NAMESPACE_BEGIN
namespace detail {

// Expects sha512_k, sha512_round helpers from hash/sha512.hpp (included first).

// Σ0, Σ1 (FIPS 180-4, (4.10), (4.11)) forced inline: the kernel is large, and
// GCC at -O3 otherwise leaves calls to the generic helpers in it.
template <int N>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline std::uint64_t sha512_avx2_ror(
    std::uint64_t x) noexcept {
  return (x >> N) | (x << (64 - N));
}
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline std::uint64_t sha512_avx2_big_sigma0(
    std::uint64_t x) noexcept {
  return sha512_avx2_ror<28>(x) ^ sha512_avx2_ror<34>(x) ^ sha512_avx2_ror<39>(x);
}
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline std::uint64_t sha512_avx2_big_sigma1(
    std::uint64_t x) noexcept {
  return sha512_avx2_ror<14>(x) ^ sha512_avx2_ror<18>(x) ^ sha512_avx2_ror<41>(x);
}

// sha512_avx2_round is round 16*j + I (FIPS 180-4, 6.4.2 step 3) with
// wk = W_t + K_t precomputed; the names a..h are v[(8 - I) % 8 ...], so no
// value moves between rounds.
template <std::size_t I>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_avx2_round(
    std::uint64_t (&v)[8], std::uint64_t wk) noexcept {
  constexpr std::size_t r = (8 - I % 8) % 8;
  std::uint64_t& a = v[r];
  std::uint64_t& b = v[(r + 1) % 8];
  std::uint64_t& c = v[(r + 2) % 8];
  std::uint64_t& d = v[(r + 3) % 8];
  std::uint64_t& e = v[(r + 4) % 8];
  std::uint64_t& f = v[(r + 5) % 8];
  std::uint64_t& g = v[(r + 6) % 8];
  std::uint64_t& h = v[(r + 7) % 8];
  const std::uint64_t t1 = h + wk + (g ^ (e & (f ^ g))) + sha512_avx2_big_sigma1(e);
  const std::uint64_t t2 = sha512_avx2_big_sigma0(a) + (((a ^ b) & (b ^ c)) ^ b);
  d += t1;
  h = t1 + t2;
}

// Vector helpers, one name for the 128-bit (one block) and 256-bit (two
// blocks, one per 128-bit lane) message schedules.
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m128i sha512_v_xor(__m128i a, __m128i b) noexcept { return _mm_xor_si128(a, b); }
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m256i sha512_v_xor(__m256i a, __m256i b) noexcept { return _mm256_xor_si256(a, b); }
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m128i sha512_v_add(__m128i a, __m128i b) noexcept { return _mm_add_epi64(a, b); }
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m256i sha512_v_add(__m256i a, __m256i b) noexcept { return _mm256_add_epi64(a, b); }
template <int N>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m128i sha512_v_srl(__m128i a) noexcept { return _mm_srli_epi64(a, N); }
template <int N>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m256i sha512_v_srl(__m256i a) noexcept { return _mm256_srli_epi64(a, N); }
template <int N>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m128i sha512_v_sll(__m128i a) noexcept { return _mm_slli_epi64(a, N); }
template <int N>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m256i sha512_v_sll(__m256i a) noexcept { return _mm256_slli_epi64(a, N); }
// W[t-15], W[t-14] from the pairs (W[t-16], W[t-15]) and (W[t-14], W[t-13]).
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m128i sha512_v_mid(__m128i hi, __m128i lo) noexcept { return _mm_alignr_epi8(hi, lo, 8); }
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m256i sha512_v_mid(__m256i hi, __m256i lo) noexcept { return _mm256_alignr_epi8(hi, lo, 8); }
// K_t, K_t+1 for every block in the vector.
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_v_k(const std::uint64_t* k, __m128i& out) noexcept {
  out = _mm_load_si128(reinterpret_cast<const __m128i*>(k));
}
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_v_k(const std::uint64_t* k, __m256i& out) noexcept {
  out = _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(k)));
}
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_v_store(std::uint64_t* p, __m128i a) noexcept {
  _mm_store_si128(reinterpret_cast<__m128i*>(p), a);
}
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_v_store(std::uint64_t* p, __m256i a) noexcept {
  _mm256_store_si256(reinterpret_cast<__m256i*>(p), a);
}

// sha512_avx2_schedule_pair makes W[t], W[t+1] (FIPS 180-4, 6.4.2 step 1) in
// x[P], which held W[t-16], W[t-15]; x is a ring of eight word pairs (per
// block: a 128-bit lane). It also stores W + K for those two rounds at wk
// (for two blocks: block 0's pair, then block 1's).
// s0 = ROTR1 ^ ROTR8 ^ SHR7, s1 = ROTR19 ^ ROTR61 ^ SHR6; the shifted parts
// do not overlap, so XOR joins them.
template <std::size_t P, class V>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_avx2_schedule_pair(
    V (&x)[8], std::uint64_t* wk, const std::uint64_t* k) noexcept {
  const V w15 = sha512_v_mid(x[(P + 1) % 8], x[P]);            // W[t-15], W[t-14]
  const V w7 = sha512_v_mid(x[(P + 5) % 8], x[(P + 4) % 8]);   // W[t-7], W[t-6]
  const V w2 = x[(P + 7) % 8];                                 // W[t-2], W[t-1]
  const V s0 = sha512_v_xor(
      sha512_v_xor(sha512_v_xor(sha512_v_srl<1>(w15), sha512_v_sll<63>(w15)),
                   sha512_v_xor(sha512_v_srl<8>(w15), sha512_v_sll<56>(w15))),
      sha512_v_srl<7>(w15));
  const V s1 = sha512_v_xor(
      sha512_v_xor(sha512_v_xor(sha512_v_srl<19>(w2), sha512_v_sll<45>(w2)),
                   sha512_v_xor(sha512_v_srl<61>(w2), sha512_v_sll<3>(w2))),
      sha512_v_srl<6>(w2));
  x[P] = sha512_v_add(sha512_v_add(x[P], s0), sha512_v_add(w7, s1));
  V kk;
  sha512_v_k(k, kk);
  sha512_v_store(wk, sha512_v_add(x[P], kk));
}

// wk slot of round I of a 16-round group: one block stores W + K pairs
// contiguously (S = 2), two blocks interleave their pairs (S = 4).
template <std::size_t S, std::size_t I>
inline constexpr std::size_t sha512_wk_slot = I / 2 * S + I % 2;

// sha512_avx2_rounds16 runs rounds 16j..16j+15 from wk (slots above). With
// Schedule, it also makes the W + K of rounds 16(j+1).. into next_wk (K from
// next_k), each pair right after the two rounds that used the slot, so one
// group of slots can serve as a ring (next_wk == wk).
template <bool Schedule, std::size_t S, class V>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_avx2_rounds16(
    std::uint64_t (&v)[8], V (&x)[8], const std::uint64_t* wk, std::uint64_t* next_wk,
    const std::uint64_t* next_k) noexcept {
  sha512_avx2_round<0>(v, wk[sha512_wk_slot<S, 0>]);
  sha512_avx2_round<1>(v, wk[sha512_wk_slot<S, 1>]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<0>(x, next_wk, next_k);
  sha512_avx2_round<2>(v, wk[sha512_wk_slot<S, 2>]);
  sha512_avx2_round<3>(v, wk[sha512_wk_slot<S, 3>]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<1>(x, next_wk + S, next_k + 2);
  sha512_avx2_round<4>(v, wk[sha512_wk_slot<S, 4>]);
  sha512_avx2_round<5>(v, wk[sha512_wk_slot<S, 5>]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<2>(x, next_wk + 2 * S, next_k + 4);
  sha512_avx2_round<6>(v, wk[sha512_wk_slot<S, 6>]);
  sha512_avx2_round<7>(v, wk[sha512_wk_slot<S, 7>]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<3>(x, next_wk + 3 * S, next_k + 6);
  sha512_avx2_round<8>(v, wk[sha512_wk_slot<S, 8>]);
  sha512_avx2_round<9>(v, wk[sha512_wk_slot<S, 9>]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<4>(x, next_wk + 4 * S, next_k + 8);
  sha512_avx2_round<10>(v, wk[sha512_wk_slot<S, 10>]);
  sha512_avx2_round<11>(v, wk[sha512_wk_slot<S, 11>]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<5>(x, next_wk + 5 * S, next_k + 10);
  sha512_avx2_round<12>(v, wk[sha512_wk_slot<S, 12>]);
  sha512_avx2_round<13>(v, wk[sha512_wk_slot<S, 13>]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<6>(x, next_wk + 6 * S, next_k + 12);
  sha512_avx2_round<14>(v, wk[sha512_wk_slot<S, 14>]);
  sha512_avx2_round<15>(v, wk[sha512_wk_slot<S, 15>]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<7>(x, next_wk + 7 * S, next_k + 14);
}

// sha512_avx2_block compresses one 128-byte block at p into the state h, with
// wk as a 16-slot W + K ring.
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_avx2_block(
    std::uint64_t (&h)[8], const std::uint8_t* p, std::uint64_t* wk) noexcept {
  const __m128i bswap = _mm_set_epi64x(0x08090a0b0c0d0e0fLL, 0x0001020304050607LL);
  __m128i x[8];
  for (std::size_t i = 0; i < 8; ++i) {
    x[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)), bswap);
    _mm_store_si128(reinterpret_cast<__m128i*>(wk + 2 * i),
                    _mm_add_epi64(x[i], _mm_load_si128(reinterpret_cast<const __m128i*>(
                                            sha512_k.data() + 2 * i))));
  }
  std::uint64_t v[8];
  for (std::size_t i = 0; i < 8; ++i) v[i] = h[i];
  for (std::size_t j = 0; j < 64; j += 16)
    sha512_avx2_rounds16<true, 2>(v, x, wk, wk, sha512_k.data() + j + 16);
  sha512_avx2_rounds16<false, 2>(v, x, wk, nullptr, nullptr);
  for (std::size_t i = 0; i < 8; ++i) h[i] += v[i];
}

// sha512_avx2_block_pair compresses the two consecutive blocks at p: the
// schedules of both are made together in YMM registers (one block per lane)
// during the first block's rounds; the second block's rounds only read
// theirs. wk2 holds all 80 W + K of both: slot 4 * (t / 2) + t % 2 for block
// 0, + 2 for block 1.
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_avx2_block_pair(
    std::uint64_t (&h)[8], const std::uint8_t* p, std::uint64_t* wk2) noexcept {
  const __m256i bswap = _mm256_set_epi64x(0x08090a0b0c0d0e0fLL, 0x0001020304050607LL,
                                          0x08090a0b0c0d0e0fLL, 0x0001020304050607LL);
  __m256i x[8];
  for (std::size_t i = 0; i < 8; ++i) {
    const __m256i m = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 128 + 16 * i)), 1);
    x[i] = _mm256_shuffle_epi8(m, bswap);
    __m256i kk;
    sha512_v_k(sha512_k.data() + 2 * i, kk);
    _mm256_store_si256(reinterpret_cast<__m256i*>(wk2 + 4 * i), _mm256_add_epi64(x[i], kk));
  }
  std::uint64_t v[8];
  for (std::size_t i = 0; i < 8; ++i) v[i] = h[i];
  for (std::size_t j = 0; j < 64; j += 16)
    sha512_avx2_rounds16<true, 4>(v, x, wk2 + 2 * j, wk2 + 2 * j + 32, sha512_k.data() + j + 16);
  sha512_avx2_rounds16<false, 4>(v, x, wk2 + 128, nullptr, nullptr);
  for (std::size_t i = 0; i < 8; ++i) {
    h[i] += v[i];
    v[i] = h[i];
  }
  for (std::size_t j = 0; j < 80; j += 16)
    sha512_avx2_rounds16<false, 4>(v, x, wk2 + 2 * j + 2, nullptr, nullptr);
  for (std::size_t i = 0; i < 8; ++i) h[i] += v[i];
}

// sha512_avx2_blocks compresses `blocks` 128-byte blocks at p into h, two at
// a time while it can.
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_avx2_blocks(
    std::uint64_t (&h)[8], const std::uint8_t* p, std::size_t blocks, std::uint64_t* wk2) noexcept {
  for (; blocks >= 2; blocks -= 2, p += 256) sha512_avx2_block_pair(h, p, wk2);
  if (blocks != 0) sha512_avx2_block(h, p, wk2);
}

// sha512_compress_avx2_2 compresses `blocks` blocks at p, then `more` blocks
// at q (a message's last full blocks and its padded tail, in one call), into
// h[0..8). Caller checked avx2 && bmi2.
[[gnu::target("avx2,bmi2")]] inline void sha512_compress_avx2_2(std::uint64_t* h,
                                                                const std::uint8_t* p,
                                                                std::size_t blocks,
                                                                const std::uint8_t* q,
                                                                std::size_t more) noexcept {
  alignas(32) std::uint64_t wk[160];  // W + K: 16 slots for one block, 160 for a pair
  std::uint64_t(&s)[8] = *reinterpret_cast<std::uint64_t(*)[8]>(h);  // in place: no stack copy
  const std::uint8_t* const seg[2] = {p, q};
  const std::size_t count[2] = {blocks, more};
  for (std::size_t i = 0; i < 2; ++i) sha512_avx2_blocks(s, seg[i], count[i], wk);  // one copy of the code
  // W + K is derived from the message: wipe what was used (the message may be a key).
  const std::size_t used = blocks >= 2 || more >= 2 ? 160 : 16;
  for (std::size_t i = 0; i < used; i += 4)
    _mm256_store_si256(reinterpret_cast<__m256i*>(wk + i), _mm256_setzero_si256());
  __asm__ __volatile__("" : : "r"(wk) : "memory");
}

// sha512_compress_avx2 compresses `blocks` 128-byte blocks at p into h[0..8).
[[gnu::target("avx2,bmi2")]] inline void sha512_compress_avx2(std::uint64_t* h,
                                                              const std::uint8_t* p,
                                                              std::size_t blocks) noexcept {
  sha512_compress_avx2_2(h, p, blocks, p, 0);
}

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
