// e2ee/aead/aes_gcm.hpp — AES-256-GCM (NIST SP 800-38D): a portable,
// constexpr, constant-time path, an AES-NI + PCLMULQDQ kernel and a VAES +
// VPCLMULQDQ kernel on 256-bit registers, chosen once per key object.
//
// Nonces: GCM's security rests on never using a nonce twice under one key; a
// repeated nonce reveals the XOR of the two plaintexts and lets an attacker
// forge tags. Use 12-byte nonces (the fast path) from a counter, or random
// ones for at most 2^32 messages per key. Other lengths (any >= 1 byte) are
// supported for interoperability.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../cipher/aes.hpp"
#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/secret.hpp"

#if E2EE_HAVE_X86_KERNELS
#include "../detail/x86/aes_gcm_clmul.hpp"
#include "../detail/x86/aes_gcm_vaes.hpp"
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
#include "../detail/arm/aes_gcm_armv8.hpp"
#endif

E2EE_NAMESPACE_BEGIN

// aes_gcm_impl names the AES-GCM kernels. `aesni_clmul` needs AES-NI,
// PCLMULQDQ and SSE4.1; `vaes_avx2` (two blocks per instruction on 256-bit
// registers) needs those and AVX2, VAES and VPCLMULQDQ. `armv8` uses the
// AArch64 AES and PMULL instructions (arm_aes, arm_pmull).
enum class aes_gcm_impl : std::uint8_t { portable, aesni_clmul, vaes_avx2, armv8 };

inline constexpr std::array<aes_gcm_impl, 4> all_aes_gcm_impls{aes_gcm_impl::portable, aes_gcm_impl::aesni_clmul,
                                                               aes_gcm_impl::vaes_avx2, aes_gcm_impl::armv8};

constexpr std::string_view to_string(aes_gcm_impl i) noexcept {
  switch (i) {
    case aes_gcm_impl::portable: return "portable";
    case aes_gcm_impl::aesni_clmul: return "aesni_clmul";
    case aes_gcm_impl::vaes_avx2: return "vaes_avx2";
    case aes_gcm_impl::armv8: return "armv8";
  }
  return "unknown";
}

// supported tells whether kernel `i` can run with features `f` (and was built in).
inline bool supported(aes_gcm_impl i, const cpu::feature_set& f = cpu::features()) noexcept {
  switch (i) {
    case aes_gcm_impl::portable: return true;
    case aes_gcm_impl::aesni_clmul: return E2EE_HAVE_X86_KERNELS && f.aesni && f.pclmulqdq && f.sse41;
    case aes_gcm_impl::vaes_avx2:
      return E2EE_HAVE_X86_KERNELS && f.aesni && f.pclmulqdq && f.sse41 && f.avx2 && f.vaes && f.vpclmulqdq;
    case aes_gcm_impl::armv8: return E2EE_HAVE_ARM_CRYPTO_KERNELS && f.neon && f.arm_aes && f.arm_pmull;
  }
  return false;
}

// best_aes_gcm_impl is the fastest supported kernel.
inline aes_gcm_impl best_aes_gcm_impl(const cpu::feature_set& f = cpu::features()) noexcept {
  if (supported(aes_gcm_impl::armv8, f)) return aes_gcm_impl::armv8;
  if (supported(aes_gcm_impl::vaes_avx2, f)) return aes_gcm_impl::vaes_avx2;
  return supported(aes_gcm_impl::aesni_clmul, f) ? aes_gcm_impl::aesni_clmul : aes_gcm_impl::portable;
}

namespace detail {

// gf128: an element of GF(2^128) as a polynomial, bit i of lo (hi) = the
// coefficient of x^i (x^(64+i)). GCM writes the coefficient of x^0 as the
// most significant bit of the first byte (SP 800-38D 6.3), hence rev64 when
// converting blocks.
struct gf128 {
  std::uint64_t lo = 0, hi = 0;
};

constexpr std::uint64_t rev64(std::uint64_t x) noexcept {
  x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
  x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
  x = ((x >> 4) & 0x0f0f0f0f0f0f0f0full) | ((x & 0x0f0f0f0f0f0f0f0full) << 4);
  x = ((x >> 8) & 0x00ff00ff00ff00ffull) | ((x & 0x00ff00ff00ff00ffull) << 8);
  x = ((x >> 16) & 0x0000ffff0000ffffull) | ((x & 0x0000ffff0000ffffull) << 16);
  return (x >> 32) | (x << 32);
}

constexpr gf128 gf128_load(const std::uint8_t* b) noexcept {
  return {rev64(load_be64(b)), rev64(load_be64(b + 8))};
}
constexpr void gf128_store(const gf128& a, std::uint8_t* b) noexcept {
  store_be64(b, rev64(a.lo));
  store_be64(b + 8, rev64(a.hi));
}

// clmul64_lo: the low 64 bits of the carry-less product x * y, from integer
// multiplications with holes (every fourth bit kept): each partial product
// sums at most 15 terms per kept bit below bit 60 (16 at bits 60-63, whose
// carries leave the word), so the carries never reach another kept bit.
// Integer multiplication runs in constant time on the CPUs we target; no
// table, no branch.
constexpr std::uint64_t clmul64_lo(std::uint64_t x, std::uint64_t y) noexcept {
  constexpr std::uint64_t m0 = 0x1111111111111111ull, m1 = m0 << 1, m2 = m0 << 2, m3 = m0 << 3;
  const std::uint64_t x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3;
  const std::uint64_t y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3;
  const std::uint64_t z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  const std::uint64_t z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  const std::uint64_t z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  const std::uint64_t z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
}

// clmul64: the 127-bit carry-less product. Its high half is the low half of
// the product of the bit-reversed operands, reversed and shifted by one.
constexpr gf128 clmul64(std::uint64_t x, std::uint64_t y) noexcept {
  return {clmul64_lo(x, y), rev64(clmul64_lo(rev64(x), rev64(y))) >> 1};
}

// gf128_mul: a * b mod x^128 + x^7 + x^2 + x + 1 (SP 800-38D 6.3), Karatsuba
// over 64-bit halves, then two folds of x^128 = x^7 + x^2 + x + 1.
constexpr gf128 gf128_mul(const gf128& a, const gf128& b) noexcept {
  const gf128 z0 = clmul64(a.lo, b.lo), z2 = clmul64(a.hi, b.hi);
  gf128 z1 = clmul64(a.lo ^ a.hi, b.lo ^ b.hi);
  z1.lo ^= z0.lo ^ z2.lo;
  z1.hi ^= z0.hi ^ z2.hi;
  std::uint64_t p0 = z0.lo, p1 = z0.hi ^ z1.lo, p2 = z2.lo ^ z1.hi;
  const std::uint64_t p3 = z2.hi;
  p1 ^= p3 ^ (p3 << 1) ^ (p3 << 2) ^ (p3 << 7);
  p2 ^= (p3 >> 63) ^ (p3 >> 62) ^ (p3 >> 57);
  p0 ^= p2 ^ (p2 << 1) ^ (p2 << 2) ^ (p2 << 7);
  p1 ^= (p2 >> 63) ^ (p2 >> 62) ^ (p2 >> 57);
  return {p0, p1};
}

// ghash_portable folds n bytes at p into y (SP 800-38D 6.4); a final partial
// block is padded with zeros.
constexpr void ghash_portable(const gf128& h, gf128& y, const std::uint8_t* p, std::size_t n) noexcept {
  for (; n >= 16; n -= 16, p += 16) {
    const gf128 x = gf128_load(p);
    y = gf128_mul({y.lo ^ x.lo, y.hi ^ x.hi}, h);
  }
  if (n != 0) {
    std::array<std::uint8_t, 16> last{};
    for (std::size_t i = 0; i < n; ++i) last[i] = p[i];
    const gf128 x = gf128_load(last.data());
    y = gf128_mul({y.lo ^ x.lo, y.hi ^ x.hi}, h);
  }
}

// ghash_lengths folds the block [a]_64 || [b]_64 (bit lengths) into y.
constexpr void ghash_lengths(const gf128& h, gf128& y, std::uint64_t a_bytes, std::uint64_t b_bytes) noexcept {
  std::array<std::uint8_t, 16> block{};
  store_be64(block.data(), a_bytes << 3);
  store_be64(block.data() + 8, b_bytes << 3);
  ghash_portable(h, y, block.data(), 16);
}

}  // namespace detail

// aes256_gcm is AES-256-GCM (NIST SP 800-38D) under one key, with 16-byte
// tags. The kernel is chosen at construction (portable in constant
// evaluation) and kept; every path is constant time (tags compared with
// ct::equal). The object holds the key schedule and GHASH key; it is wiped on
// destruction and cannot be copied. All members are const: one object may be
// used from several threads (the kernels' cache of the powers of H, filled
// by the second call, is published through an atomic flag).
//
// Limits (SP 800-38D 5.2.1.1): nonce 1 .. 2^61-1 bytes, plaintext at most
// 2^36 - 32 bytes (2^39 - 256 bits), AAD at most 2^61 - 1 bytes. A call
// outside them, or with output spans of the wrong size, fails as documented
// on each function; it never reads or writes out of bounds.
class aes256_gcm {
 public:
  // Streaming for large data in constant memory: aead/aes_gcm_stream.hpp.
  class encryptor;
  class decryptor;

  static constexpr std::size_t key_size = 32, tag_size = 16, nonce_size = 12;
  static constexpr std::uint64_t max_plaintext_size = (std::uint64_t{1} << 36) - 32;
  static constexpr std::uint64_t max_aad_size = (std::uint64_t{1} << 61) - 1;
  static constexpr std::uint64_t max_nonce_size = (std::uint64_t{1} << 61) - 1;

  constexpr explicit aes256_gcm(std::span<const std::uint8_t, key_size> key) noexcept
      : aes256_gcm(key, std::is_constant_evaluated() ? aes_gcm_impl::portable : best_aes_gcm_impl()) {}
  // aes256_gcm(key, impl) forces a kernel (tests, bench). Precondition: supported(impl).
  constexpr aes256_gcm(std::span<const std::uint8_t, key_size> key, aes_gcm_impl impl) noexcept
      : impl_(std::is_constant_evaluated() ? aes_gcm_impl::portable : impl) {
    detail::aes256_kernel_setup kernel = nullptr;
#if E2EE_HAVE_X86_KERNELS
    // aesni_clmul and vaes_avx2 keep the same data: the schedule and H (the
    // powers are made per call, as many as the call needs).
    if (impl_ != aes_gcm_impl::portable) kernel = &detail::gcm_setup_clmul;
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
    // armv8 keeps the schedule and H^1..H^8 (detail::gcm_setup_armv8).
    if (impl_ == aes_gcm_impl::armv8) kernel = &detail::gcm_setup_armv8;
#endif
    detail::aes256_setup_keys(key, kernel, bs_);
    if (kernel != nullptr) return;
    std::array<std::uint8_t, 64> zero{};
    detail::aes256_encrypt4_portable(bs_, zero.data(), zero.data());
    h_ = detail::gf128_load(zero.data());
    e2ee::wipe(zero);
  }
  aes256_gcm(const aes256_gcm&) = delete;
  aes256_gcm& operator=(const aes256_gcm&) = delete;
  constexpr ~aes256_gcm() {
    if (std::is_constant_evaluated() || impl_ == aes_gcm_impl::portable) {
      e2ee::wipe(bs_);
      e2ee::wipe(h_);
    } else {
      secure_wipe(enc_keys(), impl_ == aes_gcm_impl::armv8 ? armv8_key_size : schedule_size + powers_size);
      if (powers_state_.load(std::memory_order_relaxed) >= powers_filling)
        secure_wipe(powers_cache_.data(), cache_size);
    }
  }

  // encrypt writes the ciphertext (same length as plaintext) to
  // ciphertext_out and the 16-byte tag to tag_out (GCM-AE, SP 800-38D 7.1).
  // ciphertext_out may be the same span as plaintext (in place); no other
  // overlap. Returns false, with ciphertext_out and tag_out zeroed, when the
  // nonce is empty, a length exceeds the limits above, or
  // ciphertext_out.size() != plaintext.size(); true otherwise.
  constexpr bool encrypt(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                         std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> ciphertext_out,
                         std::span<std::uint8_t, tag_size> tag_out) const noexcept {
    if (!arguments_ok(nonce, aad, plaintext, ciphertext_out)) {
      zero(ciphertext_out);
      zero(tag_out);
      return false;
    }
#if E2EE_HAVE_X86_KERNELS
    if (!std::is_constant_evaluated() && crypt_short(true, nonce, aad, plaintext, ciphertext_out, tag_out.data()))
      return true;
#endif
    crypt(true, nonce, aad, plaintext, ciphertext_out, tag_out.data());
    return true;
  }

  // decrypt checks the tag and writes the plaintext (GCM-AD, SP 800-38D 7.2).
  // Returns true if the tag verifies. Returns false if it does not, if the
  // nonce is empty, a length exceeds the limits, or plaintext_out.size() !=
  // ciphertext.size(); then plaintext_out is zeroed (in-place decryption thus
  // destroys a forged ciphertext). plaintext_out may be the same span as
  // ciphertext; no other overlap.
  [[nodiscard]] constexpr bool decrypt(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                                       std::span<const std::uint8_t> ciphertext,
                                       std::span<const std::uint8_t, tag_size> tag,
                                       std::span<std::uint8_t> plaintext_out) const noexcept {
    return decrypt_truncated_tag(nonce, aad, ciphertext, tag, plaintext_out);
  }

  // decrypt_truncated_tag is decrypt for protocols that send a tag cut to its
  // first tag.size() bytes. SP 800-38D 5.2.1.2 allows 16, 15, 14, 13 and 12
  // bytes, and 8 or 4 only with the limits of its Appendix C; any other size
  // fails. A t-byte tag can be forged with probability 2^-8t per try: use full
  // tags (decrypt) unless an existing format requires fewer bytes.
  [[nodiscard]] constexpr bool decrypt_truncated_tag(std::span<const std::uint8_t> nonce,
                                                     std::span<const std::uint8_t> aad,
                                                     std::span<const std::uint8_t> ciphertext,
                                                     std::span<const std::uint8_t> tag,
                                                     std::span<std::uint8_t> plaintext_out) const noexcept {
    const std::size_t t = tag.size();
    const bool tag_len_ok = (t >= 12 && t <= 16) || t == 8 || t == 4;
    if (!tag_len_ok || !arguments_ok(nonce, aad, ciphertext, plaintext_out)) {
      zero(plaintext_out);
      return false;
    }
    std::array<std::uint8_t, tag_size> expected{};
#if E2EE_HAVE_X86_KERNELS
    if (std::is_constant_evaluated() || !crypt_short(false, nonce, aad, ciphertext, plaintext_out, expected.data()))
#endif
      crypt(false, nonce, aad, ciphertext, plaintext_out, expected.data());
    const bool ok = ct::equal_mask(expected.data(), tag.data(), t).declassify();  // public verdict
    e2ee::wipe(expected);
    if (!ok) zero(plaintext_out);
    return ok;
  }

  // seal returns ciphertext || tag (plaintext.size() + 16 bytes), or an empty
  // vector when encrypt would fail (empty nonce, lengths over the limits).
  std::vector<std::uint8_t> seal(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                                 std::span<const std::uint8_t> plaintext) const {
    if (!arguments_ok(nonce, aad, plaintext, plaintext)) return {};
    std::vector<std::uint8_t> out(plaintext.size() + tag_size);
    const std::span<std::uint8_t> all(out);
#if E2EE_HAVE_X86_KERNELS
    if (crypt_short(true, nonce, aad, plaintext, all.first(plaintext.size()), out.data() + plaintext.size()))
      return out;
#endif
    crypt(true, nonce, aad, plaintext, all.first(plaintext.size()), out.data() + plaintext.size());
    return out;
  }

  // open verifies and decrypts ciphertext || tag as made by seal; nullopt if
  // sealed is shorter than a tag, the tag does not verify or the arguments
  // are outside the limits (no plaintext is returned then).
  std::optional<std::vector<std::uint8_t>> open(std::span<const std::uint8_t> nonce,
                                                std::span<const std::uint8_t> aad,
                                                std::span<const std::uint8_t> sealed) const {
    if (sealed.size() < tag_size) return std::nullopt;
    const std::size_t n = sealed.size() - tag_size;
    std::vector<std::uint8_t> out(n);
    if (!decrypt(nonce, aad, sealed.first(n), sealed.subspan(n).first<tag_size>(), out)) return std::nullopt;
    return out;
  }

  // encrypt_once and decrypt_once: one message under a key that is used for
  // that message only — the Double Ratchet's message keys. The same result
  // and the same failures as aes256_gcm(key).encrypt(...) / .decrypt(...),
  // without keeping anything: on the x86 kernels, for a 12-byte nonce and at
  // most 128 bytes of text and of AAD, the key schedule stays in registers,
  // each round key is applied to all of the message's blocks as soon as it
  // exists (H and E_K(J0) included), and only the powers of H that the
  // message needs are made. Longer messages go through a key object. The
  // overloads taking an aes_gcm_impl force a kernel (precondition:
  // supported(impl)).
  static constexpr bool encrypt_once(std::span<const std::uint8_t, key_size> key, std::span<const std::uint8_t> nonce,
                                     std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                                     std::span<std::uint8_t> ciphertext_out,
                                     std::span<std::uint8_t, tag_size> tag_out) noexcept {
    return encrypt_once(key, nonce, aad, plaintext, ciphertext_out, tag_out,
                        std::is_constant_evaluated() ? aes_gcm_impl::portable : best_aes_gcm_impl());
  }
  static constexpr bool encrypt_once(std::span<const std::uint8_t, key_size> key, std::span<const std::uint8_t> nonce,
                                     std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                                     std::span<std::uint8_t> ciphertext_out, std::span<std::uint8_t, tag_size> tag_out,
                                     aes_gcm_impl impl) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (!std::is_constant_evaluated() && impl != aes_gcm_impl::portable &&
        once_fits(nonce, aad, plaintext, ciphertext_out)) {
      detail::gcm_crypt_once_clmul(key.data(), nonce.data(), aad.data(), aad.size(), plaintext.data(),
                                   ciphertext_out.data(), plaintext.size(), true, tag_out.data());
      return true;
    }
#endif
    const aes256_gcm g(key, impl);
    return g.encrypt(nonce, aad, plaintext, ciphertext_out, tag_out);
  }

  [[nodiscard]] static constexpr bool decrypt_once(std::span<const std::uint8_t, key_size> key,
                                                   std::span<const std::uint8_t> nonce,
                                                   std::span<const std::uint8_t> aad,
                                                   std::span<const std::uint8_t> ciphertext,
                                                   std::span<const std::uint8_t, tag_size> tag,
                                                   std::span<std::uint8_t> plaintext_out) noexcept {
    return decrypt_once(key, nonce, aad, ciphertext, tag, plaintext_out,
                        std::is_constant_evaluated() ? aes_gcm_impl::portable : best_aes_gcm_impl());
  }
  [[nodiscard]] static constexpr bool decrypt_once(std::span<const std::uint8_t, key_size> key,
                                                   std::span<const std::uint8_t> nonce,
                                                   std::span<const std::uint8_t> aad,
                                                   std::span<const std::uint8_t> ciphertext,
                                                   std::span<const std::uint8_t, tag_size> tag,
                                                   std::span<std::uint8_t> plaintext_out, aes_gcm_impl impl) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (!std::is_constant_evaluated() && impl != aes_gcm_impl::portable &&
        once_fits(nonce, aad, ciphertext, plaintext_out)) {
      std::array<std::uint8_t, tag_size> expected{};
      detail::gcm_crypt_once_clmul(key.data(), nonce.data(), aad.data(), aad.size(), ciphertext.data(),
                                   plaintext_out.data(), ciphertext.size(), false, expected.data());
      const bool ok = ct::equal_mask(expected.data(), tag.data(), tag_size).declassify();  // public verdict
      e2ee::wipe(expected);
      if (!ok) zero(plaintext_out);
      return ok;
    }
#endif
    const aes256_gcm g(key, impl);
    return g.decrypt(nonce, aad, ciphertext, tag, plaintext_out);
  }

  constexpr aes_gcm_impl implementation() const noexcept { return impl_; }

 private:
  static constexpr bool arguments_ok(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                                     std::span<const std::uint8_t> in, std::span<const std::uint8_t> out) noexcept {
    return !nonce.empty() && static_cast<std::uint64_t>(nonce.size()) <= max_nonce_size &&
           static_cast<std::uint64_t>(aad.size()) <= max_aad_size &&
           static_cast<std::uint64_t>(in.size()) <= max_plaintext_size && in.size() == out.size();
  }

#if E2EE_HAVE_X86_KERNELS
  // once_fits: the arguments take encrypt_once's register-only path.
  static constexpr bool once_fits(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                                  std::span<const std::uint8_t> in, std::span<const std::uint8_t> out) noexcept {
    return nonce.size() == nonce_size && aad.size() <= detail::gcm_once_max_aad &&
           in.size() <= detail::gcm_once_max_text && in.size() == out.size();
  }
#endif

  static constexpr void zero(std::span<std::uint8_t> s) noexcept {
    if (std::is_constant_evaluated()) {
      for (auto& b : s) b = 0;
    } else if (!s.empty()) {
      secure_wipe(s.data(), s.size());
    }
  }

#if E2EE_HAVE_X86_KERNELS
  // crypt_short: the x86 kernels' short-message path (detail::gcm_short_clmul:
  // 12-byte nonce, at most 128 bytes of text and of AAD), outside crypt so
  // that a short call does not pay for crypt's frame. false (nothing done)
  // when it does not apply, or when this call is the one that fills the
  // powers cache (crypt does that). Arguments were checked.
  bool crypt_short(bool encrypt, std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                   std::span<const std::uint8_t> in, std::span<std::uint8_t> out, std::uint8_t* tag) const noexcept {
    if (impl_ == aes_gcm_impl::portable || impl_ == aes_gcm_impl::armv8 || nonce.size() != nonce_size ||
        in.size() > detail::gcm_short_max_text || aad.size() > detail::gcm_short_max_aad)
      return false;
    const std::uint8_t state = powers_state_.load(std::memory_order_acquire);
    if (state == powers_used) return false;
    if (state == powers_none) mark_used();
    const detail::gcm_hkey hkey{h_powers(), state == powers_ready ? powers_cache_.data() : nullptr, nullptr};
    detail::gcm_short_clmul(enc_keys(), hkey, nonce.data(), aad.data(), aad.size(), in.data(), out.data(), in.size(),
                            encrypt, tag);
    return true;
  }

  // mark_used: the powers cache's state none -> used, and only from none. (A
  // plain store of "used" by a call that read "none" could overwrite the
  // "filling" or "ready" another thread set meanwhile, and let a second call
  // write the cache while others read it.)
  void mark_used() const noexcept {
    std::uint8_t expected = powers_none;
    powers_state_.compare_exchange_strong(expected, powers_used, std::memory_order_relaxed);
  }
#endif

  // crypt: the dispatch point of every call crypt_short does not take.
  // Arguments were checked.
  constexpr void crypt(bool encrypt, std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> aad,
                       std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                       std::uint8_t* tag) const noexcept {
    [[maybe_unused]] std::array<std::uint8_t, 16> j0{};  // unused without x86 kernels
    if (!std::is_constant_evaluated()) {
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
      if (impl_ == aes_gcm_impl::armv8) {
        detail::gcm_crypt_armv8(enc_keys(), nonce.data(), nonce.size(), aad.data(), aad.size(), in.data(),
                                out.data(), in.size(), encrypt, tag);
        return;
      }
#endif
#if E2EE_HAVE_X86_KERNELS
      if (impl_ != aes_gcm_impl::portable) {
        // The powers H^2..H^8: made by this call (the first call), or made
        // and kept for later calls (the second call, if it wins the flag),
        // or read from that cache once published.
        const std::uint8_t state = powers_state_.load(std::memory_order_acquire);
        detail::gcm_hkey hkey{h_powers(), state == powers_ready ? powers_cache_.data() : nullptr, nullptr};
        if (state == powers_none) {
          mark_used();
        } else if (state == powers_used) {
          std::uint8_t expected = powers_used;
          if (powers_state_.compare_exchange_strong(expected, powers_filling, std::memory_order_relaxed))
            hkey.fill = powers_cache_.data();
        }
        if (nonce.size() == nonce_size) {
          std::memcpy(j0.data(), nonce.data(), nonce_size);
          j0[15] = 1;
        } else {
          detail::gcm_j0_clmul(detail::gcm_hkey{hkey.h, hkey.cached, nullptr}, nonce.data(), nonce.size(),
                               j0.data());
        }
        // vaes_avx2 runs the 128-bit kernel below 128 bytes of text and AAD:
        // there it has the shorter chain (a single AES block per register).
        if (impl_ == aes_gcm_impl::vaes_avx2 && (in.size() >= 128 || aad.size() >= 128)) {
          detail::gcm_crypt_vaes(enc_keys(), hkey, j0.data(), aad.data(), aad.size(), in.data(), out.data(),
                                 in.size(), encrypt, tag);
        } else {
          detail::gcm_crypt_clmul(enc_keys(), hkey, j0.data(), aad.data(), aad.size(), in.data(), out.data(),
                                  in.size(), encrypt, tag);
        }
        if (hkey.fill != nullptr) powers_state_.store(powers_ready, std::memory_order_release);
        return;
      }
#endif
    }
    crypt_portable(encrypt, nonce, aad, in, out, tag);
  }

  // crypt_portable: SP 800-38D 7.1 / 7.2 after the argument checks: J0, then
  // GCTR from inc32(J0) four blocks at a time, GHASH over A and C, and
  // T = GCTR(J0, S).
  constexpr void crypt_portable(bool encrypt, std::span<const std::uint8_t> nonce,
                                std::span<const std::uint8_t> aad, std::span<const std::uint8_t> in,
                                std::span<std::uint8_t> out, std::uint8_t* tag) const noexcept {
    std::array<std::uint8_t, 16> j0{};
    if (nonce.size() == nonce_size) {
      for (std::size_t i = 0; i < nonce_size; ++i) j0[i] = nonce[i];
      j0[15] = 1;
    } else {
      detail::gf128 y{};
      detail::ghash_portable(h_, y, nonce.data(), nonce.size());
      detail::ghash_lengths(h_, y, 0, nonce.size());
      detail::gf128_store(y, j0.data());
    }
    std::uint32_t ctr = load_be32(j0.data() + 12);

    detail::gf128 s{};
    detail::ghash_portable(h_, s, aad.data(), aad.size());
    std::array<std::uint8_t, 64> ks{}, buf{};
    const std::uint8_t* p = in.data();
    std::uint8_t* q = out.data();
    for (std::size_t left = in.size(); left != 0;) {
      const std::size_t n = left < 64 ? left : 64;
      for (std::size_t b = 0; b < 4; ++b) {
        for (std::size_t i = 0; i < 12; ++i) ks[16 * b + i] = j0[i];
        store_be32(ks.data() + 16 * b + 12, ++ctr);  // inc32 (SP 800-38D 6.2)
      }
      detail::aes256_encrypt4_portable(bs_, ks.data(), ks.data());
      for (std::size_t i = 0; i < n; ++i) buf[i] = p[i];
      if (!encrypt) detail::ghash_portable(h_, s, buf.data(), n);
      for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<std::uint8_t>(buf[i] ^ ks[i]);
      if (encrypt) detail::ghash_portable(h_, s, buf.data(), n);
      for (std::size_t i = 0; i < n; ++i) q[i] = buf[i];
      p += n;
      q += n;
      left -= n;
    }
    detail::ghash_lengths(h_, s, aad.size(), in.size());
    for (std::size_t i = 0; i < 16; ++i) ks[i] = j0[i];
    detail::aes256_encrypt4_portable(bs_, ks.data(), ks.data());
    detail::gf128_store(s, buf.data());
    for (std::size_t i = 0; i < 16; ++i) tag[i] = static_cast<std::uint8_t>(buf[i] ^ ks[i]);
    e2ee::wipe(ks);
    e2ee::wipe(buf);
    e2ee::wipe(s);
  }

  // aesni_clmul and vaes_avx2 keep KeyExpansion's w[0..59] and H (primed
  // and byte-reversed, detail::gcm_setup_clmul) in the storage of the
  // portable bit planes (960 bytes); only one layout is ever in use. Not
  // zero-initialised: the constructor writes what the chosen kernel reads, so
  // a fresh key per message costs no 1 KiB memset. The powers H^2.. are not
  // kept: each call makes those it needs while its AES blocks run, so the
  // constructor costs only the key expansion (with H computed alongside);
  // from the second call on they come from powers_cache_ (below).
  // (A key used for a single message is cheaper still through encrypt_once /
  // decrypt_once, whose AES blocks run during the key expansion.)
  static constexpr std::size_t schedule_size = 240, powers_size = 16;
  // armv8: the schedule, then H^1..H^8 (detail::gcm_setup_armv8).
  static constexpr std::size_t armv8_key_size = 240 + 8 * 16;
  std::uint8_t* enc_keys() noexcept { return reinterpret_cast<std::uint8_t*>(bs_.data()); }
  const std::uint8_t* enc_keys() const noexcept { return reinterpret_cast<const std::uint8_t*>(bs_.data()); }
  const std::uint8_t* h_powers() const noexcept { return enc_keys() + schedule_size; }

  // The x86 kernels' cache of H^2..H^8 (primed), filled by the second call
  // on this key and published by powers_state_ (none -> used -> filling ->
  // ready; a call that sees "ready" with acquire ordering reads the cache,
  // any other makes its own powers; only the call that moved "used" to
  // "filling" writes the cache; each state is entered only from the one
  // before it, by compare-and-swap). A key used for one message never makes
  // the cache (one uncontended compare-and-swap on its first call); a key
  // kept for many messages makes it once.
  static constexpr std::uint8_t powers_none = 0, powers_used = 1, powers_filling = 2, powers_ready = 3;
  static constexpr std::size_t cache_size = 7 * 16;

  aes_gcm_impl impl_;
  detail::aes256_bs_keys bs_;  // portable: round keys as bit planes; aesni_clmul: see above
  detail::gf128 h_{};          // portable: H = E_K(0^128)
  mutable std::atomic<std::uint8_t> powers_state_{powers_none};
  alignas(16) mutable std::array<std::uint8_t, cache_size> powers_cache_;  // written before it is read
};

E2EE_NAMESPACE_END

#include "aes_gcm_stream.hpp"  // aes256_gcm::encryptor / decryptor
