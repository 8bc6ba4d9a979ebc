// e2ee/kdf/hkdf.hpp — HKDF (RFC 5869) over e2ee::sha256 or e2ee::sha512.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/config.hpp"
#include "../core/secret.hpp"
#include "../hash/sha2_common.hpp"
#include "../mac/hmac.hpp"

E2EE_NAMESPACE_BEGIN

// hkdf<H>: extract-then-expand key derivation (RFC 5869). Nothing allocates;
// lengths are public, salt, ikm, prk and output may be secret.
template <class H>
struct hkdf {
  static constexpr std::size_t hash_size = H::digest_size;
  static constexpr std::size_t max_output = 255 * H::digest_size;  // RFC 5869, 2.3

  // extract returns PRK = HMAC-H(salt, ikm) (RFC 5869, 2.2). An empty salt
  // means HashLen zero bytes, as the RFC specifies.
  static constexpr secret<hash_size> extract(std::span<const std::uint8_t> salt,
                                             std::span<const std::uint8_t> ikm) noexcept {
    secret<hash_size> prk;
    extract_into(salt, ikm, prk.writable().data());
    return prk;
  }

  // expand fills `out` with OKM = T(1) || T(2) || ... (RFC 5869, 2.3), where
  // T(i) = HMAC-H(prk, T(i-1) || info || i). The prk's pad blocks are
  // compressed once; each T(i) then costs two compressions while T(i-1), info
  // and the counter fit one block (info up to 22 bytes for SHA-256, 46 for
  // SHA-512). Returns false, with `out` zeroed, if out.size() > max_output or
  // prk is empty. The RFC asks for a prk of at least HashLen bytes: pass
  // extract()'s output.
  static constexpr bool expand(std::span<const std::uint8_t> prk, std::span<const std::uint8_t> info,
                               std::span<std::uint8_t> out) noexcept {
    if (out.size() > max_output || prk.empty()) {
      detail::sha2_zero(out.data(), out.size());
      return false;
    }
    if (out.empty()) return true;
    if (!std::is_constant_evaluated() && prk.size() <= block_size &&
        info.size() <= H::hkdf_info_capacity) {
      auto impl = H::default_impl();  // not const (see hmac::mac_one_block)
      if (H::hkdf_expand_short(impl, prk, info, out)) return true;
    }
    hmac<H> m(prk);
    // T(i-1) || info || i fits the final block. Written so that no sum can
    // wrap: the bound then holds for info.size() on every path the compiler
    // sees (a wrapping sum let g++ 12 -O3 see an impossible huge info and
    // warn -Warray-bounds in every caller that inlines expand).
    if (info.size() < H::final_block_capacity - hash_size) {
      expand_short_info(m, info, out);
    } else {
      expand_any_info(m, info, out);
    }
    return true;
  }

  // derive returns N bytes of expand(extract(salt, ikm), info).
  template <std::size_t N>
  static constexpr std::array<std::uint8_t, N> derive(std::span<const std::uint8_t> salt,
                                                      std::span<const std::uint8_t> ikm,
                                                      std::span<const std::uint8_t> info) noexcept {
    static_assert(N <= max_output, "HKDF output is limited to 255 * HashLen bytes");
    std::array<std::uint8_t, N> okm{};
    if constexpr (N != 0) {
      if (!std::is_constant_evaluated() && salt.size() <= block_size &&
          ikm.size() <= H::final_block_capacity && info.size() <= H::hkdf_info_capacity) {
        auto impl = H::default_impl();  // not const (see hmac::mac_one_block)
        if (H::hkdf_short(impl, salt, ikm, info, okm)) return okm;
      }
    }
    std::array<std::uint8_t, hash_size> prk;
    extract_into(salt, ikm, prk.data());
    expand(prk, info, okm);
    e2ee::wipe(prk);
    return okm;
  }

 private:
  static constexpr std::size_t block_size = H::block_size;

  static constexpr void extract_into(std::span<const std::uint8_t> salt,
                                     std::span<const std::uint8_t> ikm, std::uint8_t* prk) noexcept {
    const std::array<std::uint8_t, hash_size> zeros{};
    hmac<H> m(salt.empty() ? std::span<const std::uint8_t>(zeros) : salt);
    m.update(ikm);
    m.finish_into(prk);
  }

  // expand_short_info: T(i-1) || info || i and the padding fit one block, so
  // the block is built once and each T(i) only rewrites T and the counter
  // before the two compressions (inner from the key's ipad state, outer).
  static constexpr void expand_short_info(const hmac<H>& m, std::span<const std::uint8_t> info,
                                          std::span<std::uint8_t> out) noexcept {
    auto impl = m.inner_.impl_;
    std::array<std::uint8_t, block_size> block;
    // T(1) = HMAC(prk, info || 0x01)
    detail::sha2_copy(block.data(), info.data(), info.size());
    block[info.size()] = 1;
    H::pad_final(block.data(), info.size() + 1, block_size + info.size() + 1);
    std::array<std::uint8_t, hash_size> t;
    H::hmac_final_block(impl, m.ipad_state_, block.data(), m.opad_state_, t.data());
    // T(i) = HMAC(prk, T(i-1) || info || i), i >= 2
    const std::size_t used = hash_size + info.size() + 1;
    detail::sha2_copy(block.data() + hash_size, info.data(), info.size());
    H::pad_final(block.data(), used, block_size + used);
    std::size_t done = 0;
    for (std::uint8_t i = 2;; ++i) {
      const std::size_t n = out.size() - done < hash_size ? out.size() - done : hash_size;
      detail::sha2_copy(out.data() + done, t.data(), n);
      done += n;
      if (done == out.size()) break;
      detail::sha2_copy(block.data(), t.data(), hash_size);
      block[used - 1] = i;
      H::hmac_final_block(impl, m.ipad_state_, block.data(), m.opad_state_, t.data());
    }
    e2ee::wipe(t);
    e2ee::wipe(block);
  }

  // expand_any_info: the general case, streaming T(i-1), info and i through
  // the HMAC object.
  static constexpr void expand_any_info(hmac<H>& m, std::span<const std::uint8_t> info,
                                        std::span<std::uint8_t> out) noexcept {
    std::array<std::uint8_t, hash_size> t;
    std::size_t done = 0;
    for (std::uint8_t i = 1; done < out.size(); ++i) {
      if (i > 1) m.update(t);
      m.update(info);
      m.update(std::span<const std::uint8_t, 1>(&i, 1));
      m.finish_into(t.data());
      const std::size_t n = out.size() - done < hash_size ? out.size() - done : hash_size;
      detail::sha2_copy(out.data() + done, t.data(), n);
      done += n;
    }
    e2ee::wipe(t);
  }
};

E2EE_NAMESPACE_END
