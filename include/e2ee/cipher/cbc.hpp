// e2ee/cipher/cbc.hpp — AES-256-CBC (NIST SP 800-38A 6.2) with PKCS#7
// padding (RFC 5652 6.3), the body format of Signal messages and attachments.
//
// Two ways to call it: one-shot functions (the key is expanded per call), and
// encryptor / decryptor objects that expand the key once and carry the
// chaining value from one call to the next, for data that comes in pieces
// (attachments): whole blocks in the middle, PKCS#7 only at the end.
//
// CBC gives confidentiality only: a ciphertext can be changed without
// detection, and a decryptor that reveals whether the padding was valid is a
// padding oracle. Authenticate the ciphertext (encrypt-then-MAC, as Signal
// does with HMAC-SHA256) and check the MAC before calling decrypt.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/secret.hpp"
#include "aes.hpp"

E2EE_NAMESPACE_BEGIN

// aes256_cbc: AES-256-CBC. Every function is constant time in the key, the
// IV and the data (the padding check too); lengths are public.
struct aes256_cbc {
  static constexpr std::size_t key_size = 32, iv_size = 16, block_size = 16;

  // encrypt pads plaintext with PKCS#7 (1 to 16 bytes) and encrypts it: the
  // result is (plaintext.size() / 16 + 1) * 16 bytes. The IV must be
  // unpredictable (random) for each message under a key.
  static std::vector<std::uint8_t> encrypt(std::span<const std::uint8_t, key_size> key,
                                           std::span<const std::uint8_t, iv_size> iv,
                                           std::span<const std::uint8_t> plaintext) {
    return encrypt(key, iv, plaintext, best_aes_impl());
  }
  // encrypt(..., impl) forces a kernel (tests, bench). Precondition: supported(impl).
  static std::vector<std::uint8_t> encrypt(std::span<const std::uint8_t, key_size> key,
                                           std::span<const std::uint8_t, iv_size> iv,
                                           std::span<const std::uint8_t> plaintext, aes_impl impl) {
    std::vector<std::uint8_t> out(padded_size(plaintext.size()));
    const aes256 a(key, impl);
    std::array<std::uint8_t, iv_size> chain{};
    for (std::size_t i = 0; i < iv_size; ++i) chain[i] = iv[i];
    pad_encrypt(a, chain, plaintext, out);  // sizes right by construction
    return out;
  }

  // padded_size: the length of the PKCS#7-padded encryption of n bytes.
  static constexpr std::size_t padded_size(std::size_t n) noexcept { return n / block_size * block_size + block_size; }

  // decrypt decrypts and removes PKCS#7 padding. nullopt, with nothing
  // returned, if ciphertext is empty, not a multiple of 16 bytes, or the
  // padding is malformed; the check of the last block takes the same time
  // whatever its contents.
  static std::optional<std::vector<std::uint8_t>> decrypt(std::span<const std::uint8_t, key_size> key,
                                                          std::span<const std::uint8_t, iv_size> iv,
                                                          std::span<const std::uint8_t> ciphertext) {
    return decrypt(key, iv, ciphertext, best_aes_impl());
  }
  static std::optional<std::vector<std::uint8_t>> decrypt(std::span<const std::uint8_t, key_size> key,
                                                          std::span<const std::uint8_t, iv_size> iv,
                                                          std::span<const std::uint8_t> ciphertext,
                                                          aes_impl impl) {
    const std::size_t n = ciphertext.size();
    if (n == 0 || n % block_size != 0) return std::nullopt;
    std::vector<std::uint8_t> out(n);
    if (!decrypt_blocks(key, iv, ciphertext, out, impl)) return std::nullopt;
    const auto keep = unpad(out);
    if (!keep) return std::nullopt;
    out.resize(*keep);
    return out;
  }

  // encrypt_blocks / decrypt_blocks: raw CBC without padding, for formats
  // that pad themselves. false (out zeroed) unless in.size() == out.size() and
  // both are a multiple of 16. in and out may be the same span; no other overlap.
  static bool encrypt_blocks(std::span<const std::uint8_t, key_size> key, std::span<const std::uint8_t, iv_size> iv,
                             std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                             aes_impl impl = best_aes_impl()) noexcept {
    return raw_blocks<false>(key, iv, in, out, impl);
  }
  static bool decrypt_blocks(std::span<const std::uint8_t, key_size> key, std::span<const std::uint8_t, iv_size> iv,
                             std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                             aes_impl impl = best_aes_impl()) noexcept {
    return raw_blocks<true>(key, iv, in, out, impl);
  }

  // ---- chained calls on a kept key ------------------------------------------------

  // The chained objects share one private base (below): the kept key
  // schedule, the chaining value, restart, chain and implementation.
 private:
  class chained {
   public:
    // restart: the next message under the same key, from a new IV.
    void restart(std::span<const std::uint8_t, iv_size> iv) noexcept {
      for (std::size_t i = 0; i < iv_size; ++i) chain_[i] = iv[i];
    }
    // chain: the chaining value, the IV or the last ciphertext block (public).
    std::span<const std::uint8_t, iv_size> chain() const noexcept { return chain_; }
    aes_impl implementation() const noexcept { return aes_.implementation(); }

   protected:
    chained(std::span<const std::uint8_t, key_size> key, std::span<const std::uint8_t, iv_size> iv,
            aes_impl impl) noexcept
        : aes_(key, impl) {
      restart(iv);
    }
    // Moves take the schedule (aes256's move wipes the source's) and the chain.
    chained(chained&&) noexcept = default;
    chained& operator=(chained&&) noexcept = default;
    ~chained() = default;

    aes256 aes_;
    std::array<std::uint8_t, iv_size> chain_{};
  };

 public:
  // encryptor: one CBC encryption under a key expanded once. update() takes
  // whole blocks and continues the chain; finish() pads the last part with
  // PKCS#7 and encrypts it. restart(iv) begins another message under the
  // same key. The kept schedule is wiped on destruction; a move hands it to
  // the new object and wipes the old one's.
  class encryptor : private chained {
   public:
    encryptor(std::span<const std::uint8_t, key_size> key, std::span<const std::uint8_t, iv_size> iv,
              aes_impl impl = best_aes_impl()) noexcept
        : chained(key, iv, impl) {}

    // update: CBC-encrypts whole blocks after everything before. false (out
    // zeroed, chain unchanged) unless in.size() == out.size() and both are a
    // multiple of 16. in and out may be the same span; no other overlap.
    bool update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
      if (!sizes_ok(in, out)) return false;
      encrypt_raw(aes_, chain_, in.data(), out.data(), in.size() / block_size);
      return true;
    }
    // finish: the last part, of any length: pads it with PKCS#7 and encrypts
    // it. false (out zeroed) unless out.size() == padded_size(in.size()). out
    // may start where in starts (in place); no other overlap. The chain then
    // holds the last ciphertext block: restart() before another message.
    bool finish(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
      if (out.size() != padded_size(in.size())) {
        if (!out.empty()) secure_wipe(out.data(), out.size());
        return false;
      }
      pad_encrypt(aes_, chain_, in, out);
      return true;
    }
    using chained::chain;
    using chained::implementation;
    using chained::restart;
  };

  // decryptor: one CBC decryption under a key expanded once. update() takes
  // whole blocks and continues the chain; finish() decrypts the last part
  // and removes the PKCS#7 padding (constant time, as decrypt). The same
  // warning as for decrypt: authenticate the ciphertext first.
  class decryptor : private chained {
   public:
    decryptor(std::span<const std::uint8_t, key_size> key, std::span<const std::uint8_t, iv_size> iv,
              aes_impl impl = best_aes_impl()) noexcept
        : chained(key, iv, impl) {}

    // update: CBC-decrypts whole blocks, raw (no padding removed). false (out
    // zeroed, chain unchanged) unless in.size() == out.size() and both are a
    // multiple of 16. in and out may be the same span; no other overlap.
    bool update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
      if (!sizes_ok(in, out)) return false;
      decrypt_raw(aes_, chain_, in.data(), out.data(), in.size() / block_size);
      return true;
    }
    // finish: the last part of the ciphertext (one or more whole blocks):
    // decrypts it into out (at least in.size() bytes; in place allowed) and
    // returns the plaintext length, the part before the PKCS#7 padding of
    // its last block (the padding bytes are wiped). nullopt, with everything
    // it wrote wiped, if in is empty or not whole blocks, out is too small,
    // or the padding is malformed.
    std::optional<std::size_t> finish(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
      if (in.empty() || in.size() % block_size != 0 || out.size() < in.size()) {
        if (!out.empty()) secure_wipe(out.data(), out.size());
        return std::nullopt;
      }
      const auto o = out.first(in.size());
      decrypt_raw(aes_, chain_, in.data(), o.data(), in.size() / block_size);
      return unpad(o);
    }
    using chained::chain;
    using chained::implementation;
    using chained::restart;
  };

 private:
  static bool sizes_ok(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    if (in.size() == out.size() && in.size() % block_size == 0) return true;
    if (!out.empty()) secure_wipe(out.data(), out.size());
    return false;
  }

  // pad_encrypt: PKCS#7 and CBC; out.size() == padded_size(in.size()), and
  // out starts where in starts or does not overlap it.
  static void pad_encrypt(const aes256& a, std::array<std::uint8_t, iv_size>& chain,
                          std::span<const std::uint8_t> in, std::span<std::uint8_t> out) noexcept {
    const std::size_t full = in.size() - in.size() % block_size;
    std::array<std::uint8_t, block_size> last{};
    const auto pad = static_cast<std::uint8_t>(block_size - (in.size() - full));
    for (std::size_t i = 0; i < block_size; ++i) last[i] = full + i < in.size() ? in[full + i] : pad;
    encrypt_raw(a, chain, in.data(), out.data(), full / block_size);
    encrypt_raw(a, chain, last.data(), out.data() + full, 1);
    secure_wipe(last.data(), last.size());
  }

  // unpad: PKCS#7 on the decrypted `out` (whole blocks, not empty): the last
  // byte p must be 1..16 and the last p bytes all equal p. The length of
  // the plaintext before the padding (the padding wiped), or nullopt with
  // all of out wiped. The check takes the same time whatever the contents.
  static std::optional<std::size_t> unpad(std::span<std::uint8_t> out) noexcept {
    const std::size_t n = out.size();
    std::uint32_t p = out[n - 1];
    using m32 = ct::mask<std::uint32_t>;
    m32 good = m32::is_nonzero(p) & (!m32::less(16, p));
    for (std::uint32_t i = 0; i < block_size; ++i) {
      const m32 in_pad = m32::less(i, p);
      good = good & ((!in_pad) | m32::equal(out[n - 1 - i], p));
    }
    const bool ok = good.declassify();  // the verdict is public
    if (!ok) {
      secure_wipe(out.data(), n);
      return std::nullopt;
    }
    ct::unpoison(&p, sizeof p);  // so is the length of a valid plaintext
    const std::size_t keep = n - p;
    secure_wipe(out.data() + keep, n - keep);
    return keep;
  }

  // raw_blocks: encrypt_blocks / decrypt_blocks behind their one argument check.
  template <bool Decrypt>
  static bool raw_blocks(std::span<const std::uint8_t, key_size> key, std::span<const std::uint8_t, iv_size> iv,
                         std::span<const std::uint8_t> in, std::span<std::uint8_t> out, aes_impl impl) noexcept {
    if (!sizes_ok(in, out)) return false;
    const aes256 a(key, impl);
    std::array<std::uint8_t, iv_size> chain{};
    for (std::size_t i = 0; i < iv_size; ++i) chain[i] = iv[i];
    if constexpr (Decrypt) {
      decrypt_raw(a, chain, in.data(), out.data(), in.size() / block_size);
    } else {
      encrypt_raw(a, chain, in.data(), out.data(), in.size() / block_size);
    }
    return true;
  }

  // encrypt_raw: C_i = E(P_i ^ C_(i-1)), C_0 = chain; chain ends as the last C.
  static void encrypt_raw(const aes256& a, std::array<std::uint8_t, iv_size>& chain, const std::uint8_t* in,
                          std::uint8_t* out, std::size_t blocks) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (a.impl_ != aes_impl::portable) {  // aesni and vaes_avx2: CBC encryption is serial
      detail::aes256_cbc_encrypt_aesni(a.enc_keys(), chain.data(), in, out, blocks);
      return;
    }
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
    if (a.impl_ == aes_impl::armv8) {
      detail::aes256_cbc_encrypt_armv8(a.enc_keys(), chain.data(), in, out, blocks);
      return;
    }
#endif
    std::array<std::uint8_t, 64> buf{};
    for (; blocks != 0; --blocks, in += 16, out += 16) {
      for (std::size_t i = 0; i < 16; ++i) buf[i] = static_cast<std::uint8_t>(in[i] ^ chain[i]);
      detail::aes256_encrypt4_portable(a.bs_, buf.data(), buf.data());
      for (std::size_t i = 0; i < 16; ++i) out[i] = chain[i] = buf[i];
    }
    secure_wipe(buf.data(), buf.size());
  }

  // decrypt_raw: P_i = D(C_i) ^ C_(i-1), four blocks per bitsliced call.
  static void decrypt_raw(const aes256& a, std::array<std::uint8_t, iv_size>& chain, const std::uint8_t* in,
                          std::uint8_t* out, std::size_t blocks) noexcept {
#if E2EE_HAVE_X86_KERNELS
    if (a.impl_ == aes_impl::vaes_avx2) {
      detail::aes256_cbc_decrypt_vaes(a.dec_keys(), chain.data(), in, out, blocks);
      return;
    }
    if (a.impl_ == aes_impl::aesni) {
      detail::aes256_cbc_decrypt_aesni(a.dec_keys(), chain.data(), in, out, blocks);
      return;
    }
#endif
#if E2EE_HAVE_ARM_CRYPTO_KERNELS
    if (a.impl_ == aes_impl::armv8) {
      detail::aes256_cbc_decrypt_armv8(a.dec_keys(), chain.data(), in, out, blocks);
      return;
    }
#endif
    std::array<std::uint8_t, 64> c{}, d{};
    while (blocks != 0) {
      const std::size_t n = blocks < 4 ? blocks : 4;
      for (std::size_t i = 0; i < 16 * n; ++i) c[i] = in[i];
      detail::aes256_decrypt4_portable(a.bs_, c.data(), d.data());
      for (std::size_t i = 0; i < 16; ++i) out[i] = static_cast<std::uint8_t>(d[i] ^ chain[i]);
      for (std::size_t i = 16; i < 16 * n; ++i) out[i] = static_cast<std::uint8_t>(d[i] ^ c[i - 16]);
      for (std::size_t i = 0; i < 16; ++i) chain[i] = c[16 * (n - 1) + i];
      in += 16 * n;
      out += 16 * n;
      blocks -= n;
    }
    secure_wipe(d.data(), d.size());
  }
};

E2EE_NAMESPACE_END
