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
  const std::uint64_t t1 = h + wk + (g ^ (e & (f ^ g))) + sha512_big_sigma1(e);
  const std::uint64_t t2 = sha512_big_sigma0(a) + (((a ^ b) & (b ^ c)) ^ b);
  d += t1;
  h = t1 + t2;
}

// 64-bit lane rotate right by N (AVX2 has no VPRORQ).
template <int N>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline __m128i sha512_avx2_rotr(__m128i x) noexcept {
  return _mm_or_si128(_mm_srli_epi64(x, N), _mm_slli_epi64(x, 64 - N));
}

// sha512_avx2_schedule_pair makes W[t], W[t+1] (FIPS 180-4, 6.4.2 step 1) in
// x[P], which held W[t-16], W[t-15]; x is a ring of eight word pairs. It also
// stores W + K for those two rounds at wk.
template <std::size_t P>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_avx2_schedule_pair(
    __m128i (&x)[8], std::uint64_t* wk, const std::uint64_t* k) noexcept {
  const __m128i w15 = _mm_alignr_epi8(x[(P + 1) % 8], x[P], 8);        // W[t-15], W[t-14]
  const __m128i w7 = _mm_alignr_epi8(x[(P + 5) % 8], x[(P + 4) % 8], 8);  // W[t-7], W[t-6]
  const __m128i w2 = x[(P + 7) % 8];                                     // W[t-2], W[t-1]
  const __m128i s0 = _mm_xor_si128(_mm_xor_si128(sha512_avx2_rotr<1>(w15), sha512_avx2_rotr<8>(w15)),
                                   _mm_srli_epi64(w15, 7));
  const __m128i s1 = _mm_xor_si128(_mm_xor_si128(sha512_avx2_rotr<19>(w2), sha512_avx2_rotr<61>(w2)),
                                   _mm_srli_epi64(w2, 6));
  x[P] = _mm_add_epi64(_mm_add_epi64(x[P], s0), _mm_add_epi64(w7, s1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(wk),
                   _mm_add_epi64(x[P], _mm_loadu_si128(reinterpret_cast<const __m128i*>(k))));
}

// sha512_avx2_rounds16 runs rounds 16j..16j+15 from wk[0..16); with Schedule
// it also makes the schedule for rounds 16(j+1).. into next_wk (K from next_k).
template <bool Schedule>
[[gnu::target("avx2,bmi2"), gnu::always_inline]] inline void sha512_avx2_rounds16(
    std::uint64_t (&v)[8], __m128i (&x)[8], const std::uint64_t* wk, std::uint64_t* next_wk,
    const std::uint64_t* next_k) noexcept {
  sha512_avx2_round<0>(v, wk[0]);
  sha512_avx2_round<1>(v, wk[1]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<0>(x, next_wk, next_k);
  sha512_avx2_round<2>(v, wk[2]);
  sha512_avx2_round<3>(v, wk[3]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<1>(x, next_wk + 2, next_k + 2);
  sha512_avx2_round<4>(v, wk[4]);
  sha512_avx2_round<5>(v, wk[5]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<2>(x, next_wk + 4, next_k + 4);
  sha512_avx2_round<6>(v, wk[6]);
  sha512_avx2_round<7>(v, wk[7]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<3>(x, next_wk + 6, next_k + 6);
  sha512_avx2_round<8>(v, wk[8]);
  sha512_avx2_round<9>(v, wk[9]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<4>(x, next_wk + 8, next_k + 8);
  sha512_avx2_round<10>(v, wk[10]);
  sha512_avx2_round<11>(v, wk[11]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<5>(x, next_wk + 10, next_k + 10);
  sha512_avx2_round<12>(v, wk[12]);
  sha512_avx2_round<13>(v, wk[13]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<6>(x, next_wk + 12, next_k + 12);
  sha512_avx2_round<14>(v, wk[14]);
  sha512_avx2_round<15>(v, wk[15]);
  if constexpr (Schedule) sha512_avx2_schedule_pair<7>(x, next_wk + 14, next_k + 14);
}

// sha512_compress_avx2 compresses `blocks` 128-byte blocks at p into h[0..8).
// Caller checked avx2 && bmi2.
[[gnu::target("avx2,bmi2")]] inline void sha512_compress_avx2(std::uint64_t* h,
                                                              const std::uint8_t* p,
                                                              std::size_t blocks) noexcept {
  const __m128i bswap = _mm_set_epi64x(0x08090a0b0c0d0e0fLL, 0x0001020304050607LL);
  alignas(16) std::uint64_t wk[80];
  std::uint64_t v[8];
  for (; blocks != 0; --blocks, p += 128) {
    __m128i x[8];
    for (std::size_t i = 0; i < 8; ++i) {
      x[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)), bswap);
      _mm_store_si128(reinterpret_cast<__m128i*>(wk + 2 * i),
                      _mm_add_epi64(x[i], _mm_load_si128(reinterpret_cast<const __m128i*>(
                                              sha512_k.data() + 2 * i))));
    }
    for (std::size_t i = 0; i < 8; ++i) v[i] = h[i];
    for (std::size_t j = 0; j < 64; j += 16)
      sha512_avx2_rounds16<true>(v, x, wk + j, wk + j + 16, sha512_k.data() + j + 16);
    sha512_avx2_rounds16<false>(v, x, wk + 64, nullptr, nullptr);
    for (std::size_t i = 0; i < 8; ++i) h[i] += v[i];
  }
  // W + K is derived from the message: wipe it (the message may be a key).
  for (std::size_t i = 0; i < 80; i += 2)
    _mm_store_si128(reinterpret_cast<__m128i*>(wk + i), _mm_setzero_si128());
  __asm__ __volatile__("" : : "r"(wk) : "memory");
}

}  // namespace detail
E2EE_NAMESPACE_END

#endif  // E2EE_HAVE_X86_KERNELS
