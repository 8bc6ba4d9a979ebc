// e2ee/cipher/aes.hpp — the AES-256 block cipher (FIPS-197): a portable,
// constexpr, constant-time bitsliced path and an AES-NI kernel, chosen once per
// key object.
//
// Portable path: four blocks (64 bytes) at once in eight 64-bit bit planes:
// bit j of plane b is bit b of byte j of the 64 input bytes. Within a block
// (a 16-bit lane) byte j = 4*column + row (FIPS-197 3.4), so ShiftRows is a
// rotation of each row's bits inside the lane and MixColumns a rotation inside
// each 4-bit column. SubBytes is a Boolean circuit (Boyar and Peralta's
// 113-gate S-box, "A new combinational logic minimization technique with
// applications to cryptology", SEA 2010) evaluated on the planes: no memory
// access depends on data, so neither key nor plaintext leaks through the cache.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/cpu.hpp"
#include "../core/secret.hpp"

#include "../detail/arm/arm_common.hpp"  // E2EE_HAVE_ARM_CRYPTO_KERNELS
#if E2EE_HAVE_X86_KERNELS
#include "../detail/x86/aes_aesni.hpp"
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
#include "../detail/arm/aes_armv8.hpp"
#endif

E2EE_NAMESPACE_BEGIN
namespace detail {
using aes_planes = std::array<std::uint64_t, 8>;

// aes_transpose8 transposes the 8x8 bit matrix held in x (row r = byte r):
// bit 8r+c moves to 8c+r. It is its own inverse.
constexpr std::uint64_t aes_transpose8(std::uint64_t x) noexcept {
  std::uint64_t t = (x ^ (x >> 7)) & 0x00aa00aa00aa00aaull;
  x ^= t ^ (t << 7);
  t = (x ^ (x >> 14)) & 0x0000cccc0000ccccull;
  x ^= t ^ (t << 14);
  t = (x ^ (x >> 28)) & 0x00000000f0f0f0f0ull;
  x ^= t ^ (t << 28);
  return x;
}

// aes_load_planes slices 64 bytes into bit planes; aes_store_planes undoes it.
constexpr void aes_load_planes(const std::uint8_t* in, aes_planes& q) noexcept {
  std::array<std::uint64_t, 8> w{};
  for (std::size_t i = 0; i < 8; ++i) w[i] = aes_transpose8(load_le64(in + 8 * i));
  for (std::size_t b = 0; b < 8; ++b) {
    std::uint64_t p = 0;
    for (std::size_t i = 0; i < 8; ++i) p |= ((w[i] >> (8 * b)) & 0xff) << (8 * i);
    q[b] = p;
  }
}
constexpr void aes_store_planes(const aes_planes& q, std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < 8; ++i) {
    std::uint64_t w = 0;
    for (std::size_t b = 0; b < 8; ++b) w |= ((q[b] >> (8 * i)) & 0xff) << (8 * b);
    store_le64(out + 8 * i, aes_transpose8(w));
  }
}

// aes_sbox_planes applies the S-box to every byte position of q: the circuit
// of Boyar and Peralta (top linear layer T, shared non-linear middle M, bottom
// linear layer L). U0 is the most significant bit of a byte, so U0 = q[7].
constexpr void aes_sbox_planes(aes_planes& q) noexcept {
  const std::uint64_t u0 = q[7], u1 = q[6], u2 = q[5], u3 = q[4], u4 = q[3], u5 = q[2], u6 = q[1],
                      u7 = q[0];
  const std::uint64_t t1 = u0 ^ u3, t2 = u0 ^ u5, t3 = u0 ^ u6, t4 = u3 ^ u5, t5 = u4 ^ u6;
  const std::uint64_t t6 = t1 ^ t5, t7 = u1 ^ u2, t8 = u7 ^ t6, t9 = u7 ^ t7, t10 = t6 ^ t7;
  const std::uint64_t t11 = u1 ^ u5, t12 = u2 ^ u5, t13 = t3 ^ t4, t14 = t6 ^ t11, t15 = t5 ^ t11;
  const std::uint64_t t16 = t5 ^ t12, t17 = t9 ^ t16, t18 = u3 ^ u7, t19 = t7 ^ t18, t20 = t1 ^ t19;
  const std::uint64_t t21 = u6 ^ u7, t22 = t7 ^ t21, t23 = t2 ^ t22, t24 = t2 ^ t10, t25 = t20 ^ t17;
  const std::uint64_t t26 = t3 ^ t16, t27 = t1 ^ t12;

  const std::uint64_t m1 = t13 & t6, m2 = t23 & t8, m3 = t14 ^ m1, m4 = t19 & u7, m5 = m4 ^ m1;
  const std::uint64_t m6 = t3 & t16, m7 = t22 & t9, m8 = t26 ^ m6, m9 = t20 & t17, m10 = m9 ^ m6;
  const std::uint64_t m11 = t1 & t15, m12 = t4 & t27, m13 = m12 ^ m11, m14 = t2 & t10, m15 = m14 ^ m11;
  const std::uint64_t m16 = m3 ^ m2, m17 = m5 ^ t24, m18 = m8 ^ m7, m19 = m10 ^ m15, m20 = m16 ^ m13;
  const std::uint64_t m21 = m17 ^ m15, m22 = m18 ^ m13, m23 = m19 ^ t25, m24 = m22 ^ m23;
  const std::uint64_t m25 = m22 & m20, m26 = m21 ^ m25, m27 = m20 ^ m21, m28 = m23 ^ m25;
  const std::uint64_t m29 = m28 & m27, m30 = m26 & m24, m31 = m20 & m23, m32 = m27 & m31;
  const std::uint64_t m33 = m27 ^ m25, m34 = m21 & m22, m35 = m24 & m34, m36 = m24 ^ m25;
  const std::uint64_t m37 = m21 ^ m29, m38 = m32 ^ m33, m39 = m23 ^ m30, m40 = m35 ^ m36;
  const std::uint64_t m41 = m38 ^ m40, m42 = m37 ^ m39, m43 = m37 ^ m38, m44 = m39 ^ m40, m45 = m42 ^ m41;
  const std::uint64_t m46 = m44 & t6, m47 = m40 & t8, m48 = m39 & u7, m49 = m43 & t16, m50 = m38 & t9;
  const std::uint64_t m51 = m37 & t17, m52 = m42 & t15, m53 = m45 & t27, m54 = m41 & t10;
  const std::uint64_t m55 = m44 & t13, m56 = m40 & t23, m57 = m39 & t19, m58 = m43 & t3;
  const std::uint64_t m59 = m38 & t22, m60 = m37 & t20, m61 = m42 & t1, m62 = m45 & t4, m63 = m41 & t2;

  const std::uint64_t l0 = m61 ^ m62, l1 = m50 ^ m56, l2 = m46 ^ m48, l3 = m47 ^ m55, l4 = m54 ^ m58;
  const std::uint64_t l5 = m49 ^ m61, l6 = m62 ^ l5, l7 = m46 ^ l3, l8 = m51 ^ m59, l9 = m52 ^ m53;
  const std::uint64_t l10 = m53 ^ l4, l11 = m60 ^ l2, l12 = m48 ^ m51, l13 = m50 ^ l0, l14 = m52 ^ m61;
  const std::uint64_t l15 = m55 ^ l1, l16 = m56 ^ l0, l17 = m57 ^ l1, l18 = m58 ^ l8, l19 = m63 ^ l4;
  const std::uint64_t l20 = l0 ^ l1, l21 = l1 ^ l7, l22 = l3 ^ l12, l23 = l18 ^ l2, l24 = l15 ^ l9;
  const std::uint64_t l25 = l6 ^ l10, l26 = l7 ^ l9, l27 = l8 ^ l10, l28 = l11 ^ l14, l29 = l11 ^ l17;

  q[7] = l6 ^ l24;
  q[6] = ~(l16 ^ l26);
  q[5] = ~(l19 ^ l28);
  q[4] = l6 ^ l21;
  q[3] = l20 ^ l22;
  q[2] = l25 ^ l29;
  q[1] = ~(l13 ^ l27);
  q[0] = ~(l6 ^ l23);
}

// aes_inv_affine applies the inverse of the S-box's affine map (FIPS-197
// 5.3.2): b'_i = b_(i+2) ^ b_(i+5) ^ b_(i+7) ^ (0x05)_i, indices mod 8.
constexpr void aes_inv_affine(aes_planes& q) noexcept {
  const aes_planes a = q;
  for (std::size_t i = 0; i < 8; ++i) q[i] = a[(i + 2) % 8] ^ a[(i + 5) % 8] ^ a[(i + 7) % 8];
  q[0] = ~q[0];
  q[2] = ~q[2];
}

// aes_inv_sbox_planes: InvSubBytes. With S(x) = A(x^-1) + 0x63, the inverse
// is S^-1(y) = A'(S(A'(y))) where A' is the inverse affine map above.
constexpr void aes_inv_sbox_planes(aes_planes& q) noexcept {
  aes_inv_affine(q);
  aes_sbox_planes(q);
  aes_inv_affine(q);
}

// Rotations inside every 16-bit lane (one block) and every 4-bit column.
constexpr std::uint64_t aes_lane_rotr(std::uint64_t x, int k) noexcept {
  const std::uint64_t lo = 0x0001000100010001ull * (0xffffu >> k);
  return ((x >> k) & lo) | ((x << (16 - k)) & ~lo);
}
// aes_col_rot(x, k): row r of each column receives row (r + k) mod 4.
constexpr std::uint64_t aes_col_rot(std::uint64_t x, int k) noexcept {
  const std::uint64_t lo = 0x1111111111111111ull * (0xfu >> k);
  return ((x >> k) & lo) | ((x << (4 - k)) & ~lo);
}

// ShiftRows (FIPS-197 5.1.2): row r moves r columns left, i.e. its bits move
// 4r positions down inside the lane. InvShiftRows moves them back.
constexpr void aes_shift_rows(aes_planes& q) noexcept {
  constexpr std::uint64_t r0 = 0x1111111111111111ull, r1 = r0 << 1, r2 = r0 << 2, r3 = r0 << 3;
  for (auto& x : q)
    x = (x & r0) | aes_lane_rotr(x & r1, 4) | aes_lane_rotr(x & r2, 8) | aes_lane_rotr(x & r3, 12);
}
constexpr void aes_inv_shift_rows(aes_planes& q) noexcept {
  constexpr std::uint64_t r0 = 0x1111111111111111ull, r1 = r0 << 1, r2 = r0 << 2, r3 = r0 << 3;
  for (auto& x : q)
    x = (x & r0) | aes_lane_rotr(x & r1, 12) | aes_lane_rotr(x & r2, 8) | aes_lane_rotr(x & r3, 4);
}

// aes_xtime multiplies every byte by x in GF(2^8) mod x^8+x^4+x^3+x+1.
constexpr aes_planes aes_xtime(const aes_planes& a) noexcept {
  return {a[7], a[0] ^ a[7], a[1], a[2] ^ a[7], a[3] ^ a[7], a[4], a[5], a[6]};
}

// MixColumns (FIPS-197 5.1.3): s'_r = 2 s_r + 3 s_(r+1) + s_(r+2) + s_(r+3)
//                                   = 2 (s_r + s_(r+1)) + s_(r+1) + s_(r+2) + s_(r+3).
constexpr void aes_mix_columns(aes_planes& q) noexcept {
  aes_planes t{}, rest{};
  for (std::size_t b = 0; b < 8; ++b) {
    const std::uint64_t r1 = aes_col_rot(q[b], 1), r2 = aes_col_rot(q[b], 2), r3 = aes_col_rot(q[b], 3);
    t[b] = q[b] ^ r1;
    rest[b] = r1 ^ r2 ^ r3;
  }
  const aes_planes t2 = aes_xtime(t);
  for (std::size_t b = 0; b < 8; ++b) q[b] = t2[b] ^ rest[b];
}

// InvMixColumns (FIPS-197 5.3.3) as MixColumns after s_r += 4 (s_r + s_(r+2)):
// {0e,0b,0d,09} = {02,03,01,01} x {05,00,04,00} as polynomials over GF(2^8).
constexpr void aes_inv_mix_columns(aes_planes& q) noexcept {
  aes_planes u{};
  for (std::size_t b = 0; b < 8; ++b) u[b] = q[b] ^ aes_col_rot(q[b], 2);
  const aes_planes u4 = aes_xtime(aes_xtime(u));
  for (std::size_t b = 0; b < 8; ++b) q[b] ^= u4[b];
  aes_mix_columns(q);
}

// aes256_bs_keys: the 15 round keys as bit planes, each key repeated in all
// four lanes, so AddRoundKey is eight XORs.
using aes256_bs_keys = std::array<aes_planes, 15>;

constexpr void aes_add_round_key(aes_planes& q, const aes_planes& k) noexcept {
  for (std::size_t b = 0; b < 8; ++b) q[b] ^= k[b];
}

// aes256_encrypt4_portable encrypts four blocks (FIPS-197 5.1, Nr = 14).
constexpr void aes256_encrypt4_portable(const aes256_bs_keys& k, const std::uint8_t* in,
                                        std::uint8_t* out) noexcept {
  aes_planes q{};
  aes_load_planes(in, q);
  aes_add_round_key(q, k[0]);
  for (std::size_t r = 1; r < 14; ++r) {
    aes_sbox_planes(q);
    aes_shift_rows(q);
    aes_mix_columns(q);
    aes_add_round_key(q, k[r]);
  }
  aes_sbox_planes(q);
  aes_shift_rows(q);
  aes_add_round_key(q, k[14]);
  aes_store_planes(q, out);
}

// aes256_decrypt4_portable decrypts four blocks (FIPS-197 5.3, InvCipher).
constexpr void aes256_decrypt4_portable(const aes256_bs_keys& k, const std::uint8_t* in,
                                        std::uint8_t* out) noexcept {
  aes_planes q{};
  aes_load_planes(in, q);
  aes_add_round_key(q, k[14]);
  for (std::size_t r = 13; r >= 1; --r) {
    aes_inv_shift_rows(q);
    aes_inv_sbox_planes(q);
    aes_add_round_key(q, k[r]);
    aes_inv_mix_columns(q);
  }
  aes_inv_shift_rows(q);
  aes_inv_sbox_planes(q);
  aes_add_round_key(q, k[0]);
  aes_store_planes(q, out);
}

// aes_sub_word applies the S-box to the four bytes at w (KeyExpansion's
// SubWord), with the same circuit on a single column.
constexpr void aes_sub_word(std::uint8_t* w) noexcept {
  std::array<std::uint8_t, 8> b{w[0], w[1], w[2], w[3], 0, 0, 0, 0};
  const std::uint64_t x = aes_transpose8(load_le64(b.data()));
  aes_planes q{};
  for (std::size_t i = 0; i < 8; ++i) q[i] = (x >> (8 * i)) & 0xff;
  aes_sbox_planes(q);
  std::uint64_t y = 0;
  for (std::size_t i = 0; i < 8; ++i) y |= (q[i] & 0xff) << (8 * i);
  store_le64(b.data(), aes_transpose8(y));
  for (std::size_t i = 0; i < 4; ++i) w[i] = b[i];
}

// aes256_expand_key_portable: KeyExpansion (FIPS-197 5.2, Nk = 8) into the
// 60 words w[0..59], as 240 bytes.
constexpr void aes256_expand_key_portable(const std::uint8_t* key, std::uint8_t* w) noexcept {
  for (std::size_t i = 0; i < 32; ++i) w[i] = key[i];
  std::uint8_t rcon = 1;
  for (std::size_t i = 8; i < 60; ++i) {
    std::array<std::uint8_t, 4> t{w[4 * i - 4], w[4 * i - 3], w[4 * i - 2], w[4 * i - 1]};
    if (i % 8 == 0) {
      t = {t[1], t[2], t[3], t[0]};  // RotWord
      aes_sub_word(t.data());
      t[0] = static_cast<std::uint8_t>(t[0] ^ rcon);
      rcon = static_cast<std::uint8_t>(rcon << 1);  // Rcon[i/8], i/8 <= 7: no reduction
    } else if (i % 8 == 4) {
      aes_sub_word(t.data());
    }
    for (std::size_t j = 0; j < 4; ++j) w[4 * i + j] = static_cast<std::uint8_t>(w[4 * i - 32 + j] ^ t[j]);
  }
}

// aes256_bitslice_keys turns the 240-byte schedule into round-key planes.
constexpr void aes256_bitslice_keys(const std::uint8_t* w, aes256_bs_keys& k) noexcept {
  std::array<std::uint8_t, 64> four{};
  for (std::size_t r = 0; r < 15; ++r) {
    for (std::size_t i = 0; i < 64; ++i) four[i] = w[16 * r + i % 16];
    aes_load_planes(four.data(), k[r]);
  }
}

// aes256_kernel_setup: a kernel's key set-up, writing its key data (at most
// the 960 bytes of aes256_bs_keys) from the 32-byte key.
using aes256_kernel_setup = void (*)(const std::uint8_t* key, std::uint8_t* out) noexcept;

// aes256_setup_keys: the one key set-up of aes256 and aes256_gcm. With a
// kernel (never in constant evaluation) its set-up writes its layout into the
// storage of the bit planes, not zeroed first: it is what the kernel reads.
// Otherwise KeyExpansion and the bit planes, the byte schedule wiped.
constexpr void aes256_setup_keys(std::span<const std::uint8_t, 32> key, aes256_kernel_setup kernel,
                                 aes256_bs_keys& bs) noexcept {
  if (!std::is_constant_evaluated() && kernel != nullptr) {
    kernel(key.data(), reinterpret_cast<std::uint8_t*>(bs.data()));
    return;
  }
  std::array<std::uint8_t, 240> w{};
  aes256_expand_key_portable(key.data(), w.data());
  aes256_bitslice_keys(w.data(), bs);
  e2ee::wipe(w);
}

}  // namespace detail

// aes_impl names the AES-256 block kernels. `aesni` needs AES-NI and SSE4.1;
// `vaes_avx2` needs those and AVX2 and VAES: it is `aesni` with CBC
// decryption two blocks per instruction on 256-bit registers (the block
// functions and CBC encryption, serial, are the same as `aesni`'s). `armv8`
// uses the AArch64 AES instructions (AESE/AESMC, AESD/AESIMC; arm_aes).
enum class aes_impl : std::uint8_t { portable, aesni, vaes_avx2, armv8 };

inline constexpr std::array<aes_impl, 4> all_aes_impls{aes_impl::portable, aes_impl::aesni, aes_impl::vaes_avx2,
                                                       aes_impl::armv8};

constexpr std::string_view to_string(aes_impl i) noexcept {
  switch (i) {
    case aes_impl::portable: return "portable";
    case aes_impl::aesni: return "aesni";
    case aes_impl::vaes_avx2: return "vaes_avx2";
    case aes_impl::armv8: return "armv8";
  }
  return "unknown";
}

// supported tells whether kernel `i` can run with features `f` (and was built in).
inline bool supported(aes_impl i, const cpu::feature_set& f = cpu::features()) noexcept {
  switch (i) {
    case aes_impl::portable: return true;
    case aes_impl::aesni: return E2EE_HAVE_X86_KERNELS && f.aesni && f.sse41;
    case aes_impl::vaes_avx2: return E2EE_HAVE_X86_KERNELS && f.aesni && f.sse41 && f.avx2 && f.vaes;
    case aes_impl::armv8: return E2EE_HAVE_ARM_CRYPTO_KERNELS && f.neon && f.arm_aes;
  }
  return false;
}

// best_aes_impl is the fastest supported kernel.
inline aes_impl best_aes_impl(const cpu::feature_set& f = cpu::features()) noexcept {
  if (supported(aes_impl::armv8, f)) return aes_impl::armv8;
  if (supported(aes_impl::vaes_avx2, f)) return aes_impl::vaes_avx2;
  return supported(aes_impl::aesni, f) ? aes_impl::aesni : aes_impl::portable;
}

// aes256 is the AES-256 block cipher (FIPS-197) under one key: the raw
// permutation, for building modes (cbc.hpp, aes_gcm.hpp). It is not an
// encryption scheme by itself: encrypting data block by block (ECB) leaks
// equal blocks. The kernel is chosen at construction (portable in constant
// evaluation); both the encryption and the decryption schedule are built.
// Every path is constant time. The schedule is wiped on destruction.
class aes256 {
 public:
  static constexpr std::size_t key_size = 32, block_size = 16;

  constexpr explicit aes256(std::span<const std::uint8_t, key_size> key) noexcept
      : aes256(key, std::is_constant_evaluated() ? aes_impl::portable : best_aes_impl()) {}
  // aes256(key, impl) forces a kernel (tests, bench). Precondition: supported(impl).
  constexpr aes256(std::span<const std::uint8_t, key_size> key, aes_impl impl) noexcept
      : impl_(std::is_constant_evaluated() ? aes_impl::portable : impl) {
    detail::aes256_kernel_setup kernel = nullptr;
#if E2EE_HAVE_X86_KERNELS
    if (impl_ != aes_impl::portable) kernel = &detail::aes256_setup_aesni;  // aesni and vaes_avx2
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
    if (impl_ == aes_impl::armv8) kernel = &detail::aes256_setup_armv8;
#endif
    detail::aes256_setup_keys(key, kernel, bs_);
  }
  aes256(const aes256&) = delete;
  aes256& operator=(const aes256&) = delete;
  // Moves copy the schedule and wipe the source's: a moved-from aes256 holds
  // no key material and may only be destroyed or assigned to.
  aes256(aes256&& o) noexcept : impl_(o.impl_) { take(o); }
  aes256& operator=(aes256&& o) noexcept {
    if (this != &o) {
      wipe_schedule();
      impl_ = o.impl_;
      take(o);
    }
    return *this;
  }
  constexpr ~aes256() { wipe_schedule(); }

  // encrypt_block / decrypt_block: one block; in and out may be the same.
  constexpr void encrypt_block(std::span<const std::uint8_t, block_size> in,
                               std::span<std::uint8_t, block_size> out) const noexcept {
    ecb(false, in.data(), out.data(), 1);
  }
  constexpr void decrypt_block(std::span<const std::uint8_t, block_size> in,
                               std::span<std::uint8_t, block_size> out) const noexcept {
    ecb(true, in.data(), out.data(), 1);
  }
  // encrypt_blocks / decrypt_blocks: every 16-byte block of `in` on its own
  // (ECB). false, and nothing written, unless in.size() == out.size() and both
  // are a multiple of 16. in and out may be the same span; no other overlap.
  constexpr bool encrypt_blocks(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) const noexcept {
    if (in.size() != out.size() || in.size() % block_size != 0) return false;
    ecb(false, in.data(), out.data(), in.size() / block_size);
    return true;
  }
  constexpr bool decrypt_blocks(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) const noexcept {
    if (in.size() != out.size() || in.size() % block_size != 0) return false;
    ecb(true, in.data(), out.data(), in.size() / block_size);
    return true;
  }

  constexpr aes_impl implementation() const noexcept { return impl_; }

 private:
  friend struct aes256_cbc;

  // ecb: the one dispatch point. A plain bool, not a template: Clang 14 cannot
  // use a member template defined in the class from a static_assert just after it.
  constexpr void ecb(bool decrypt, const std::uint8_t* in, std::uint8_t* out,
                     std::size_t blocks) const noexcept {
    if (!std::is_constant_evaluated()) {
#if E2EE_HAVE_X86_KERNELS
      if (impl_ != aes_impl::portable) {  // aesni and vaes_avx2
        if (decrypt) {
          detail::aes256_ecb_aesni<true>(dec_keys(), in, out, blocks);
        } else {
          detail::aes256_ecb_aesni<false>(enc_keys(), in, out, blocks);
        }
        return;
      }
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
      if (impl_ == aes_impl::armv8) {
        if (decrypt) {
          detail::aes256_ecb_armv8<true>(dec_keys(), in, out, blocks);
        } else {
          detail::aes256_ecb_armv8<false>(enc_keys(), in, out, blocks);
        }
        return;
      }
#endif
    }
    std::array<std::uint8_t, 64> buf{};
    while (blocks != 0) {
      const std::size_t n = blocks < 4 ? blocks : 4;
      for (std::size_t i = 0; i < 16 * n; ++i) buf[i] = in[i];
      if (decrypt) {
        detail::aes256_decrypt4_portable(bs_, buf.data(), buf.data());
      } else {
        detail::aes256_encrypt4_portable(bs_, buf.data(), buf.data());
      }
      for (std::size_t i = 0; i < 16 * n; ++i) out[i] = buf[i];
      in += 16 * n;
      out += 16 * n;
      blocks -= n;
    }
    e2ee::wipe(buf);
  }

  // The kernels' schedules share the storage of the portable bit planes (960
  // bytes): aesni, vaes_avx2 and armv8 keep KeyExpansion's w[0..59] (FIPS-197 5.2) there,
  // then the Equivalent Inverse Cipher keys. Not zero-initialised: the constructor
  // writes what the chosen kernel reads (set-up per message stays cheap).
  static constexpr std::size_t schedule_size = 240;

  // take: o's schedule into this one (impl_ already o's), o's wiped. The
  // kernels copy only the bytes they use: the rest is never written.
  void take(aes256& o) noexcept {
    if (impl_ == aes_impl::portable) {
      bs_ = o.bs_;
    } else {
      std::memcpy(enc_keys(), o.enc_keys(), 2 * schedule_size);
    }
    o.wipe_schedule();
  }
  constexpr void wipe_schedule() noexcept {
    if (std::is_constant_evaluated() || impl_ == aes_impl::portable) {
      e2ee::wipe(bs_);
    } else {
      secure_wipe(enc_keys(), 2 * schedule_size);
    }
  }
  std::uint8_t* enc_keys() noexcept { return reinterpret_cast<std::uint8_t*>(bs_.data()); }
  const std::uint8_t* enc_keys() const noexcept { return reinterpret_cast<const std::uint8_t*>(bs_.data()); }
  std::uint8_t* dec_keys() noexcept { return enc_keys() + schedule_size; }
  const std::uint8_t* dec_keys() const noexcept { return enc_keys() + schedule_size; }

  aes_impl impl_;
  detail::aes256_bs_keys bs_;  // portable: round keys as bit planes; aesni: see above
};

E2EE_NAMESPACE_END
