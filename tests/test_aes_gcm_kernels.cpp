// tests/test_aes_gcm_kernels.cpp — the GCM kernels against the portable path
// where the kernels have their own code: every length 0..4200 (the stitched
// 128- and 256-byte loops, their tails, the short-message batches), AAD up
// to 300 bytes (grouped GHASH, a feed that fills up), and a 32-bit counter
// that wraps inside a message (inc32 with a non-12-byte nonce).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/aead/aes_gcm.hpp>
#include <e2ee/cipher/aes.hpp>

#include "support/kernels_aes.hpp"
#include "support/rng.hpp"

namespace {

using gcm = e2ee::aes256_gcm;
using bytes = std::vector<std::uint8_t>;

// check_all_kernels: seal on every kernel equals the portable seal; decrypt
// in place restores the plaintext; a flipped tag bit is rejected.
void check_all_kernels(const std::array<std::uint8_t, 32>& key, const bytes& nonce, const bytes& aad,
                       const bytes& pt) {
  const gcm ref(key, e2ee::aes_gcm_impl::portable);
  const bytes want = ref.seal(nonce, aad, pt);
  REQUIRE(want.size() == pt.size() + 16);
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    if (impl == e2ee::aes_gcm_impl::portable) continue;
    INFO("kernel " << test::name(impl) << ", pt " << pt.size() << ", aad " << aad.size() << ", nonce "
                   << nonce.size());
    const gcm g(key, impl);
    bytes buf = pt;
    std::array<std::uint8_t, 16> tag{};
    REQUIRE(g.encrypt(nonce, aad, buf, buf, tag));
    CHECK(std::equal(buf.begin(), buf.end(), want.begin()));
    CHECK(std::equal(tag.begin(), tag.end(), want.end() - 16));
    CHECK(g.decrypt(nonce, aad, buf, tag, buf));
    CHECK(buf == pt);
    tag[pt.size() % 16] ^= 4;
    bytes out(pt.size(), 0xee);
    CHECK_FALSE(g.decrypt(nonce, aad, std::span<const std::uint8_t>(want).first(pt.size()), tag, out));
    CHECK(out == bytes(pt.size(), 0));
  }
}

}  // namespace

TEST_CASE("gcm kernels: every length 0..4200, AAD 0..300, equal to portable", "[gcm][kernels][random]") {
  test::rng r(0x7a3e);
  INFO("rng seed " << r.seed());
  std::array<std::uint8_t, 32> key{};
  r.fill(key);
  for (std::size_t n = 0; n <= 4200; ++n) {
    if (n % 97 == 0) r.fill(key);
    const bytes pt = r.bytes(n);
    const bytes aad = r.bytes(n % 5 == 0 ? r.range(0, 300) : r.range(0, 40));
    const bytes nonce = r.bytes(r.below(4) == 0 ? r.range(1, 64) : 12);
    check_all_kernels(key, nonce, aad, pt);
  }
}

TEST_CASE("gcm kernels: the 32-bit counter wraps inside a message", "[gcm][kernels]") {
  // With a 16-byte nonce J0 = GHASH_H(nonce || 0^64 || [128]_64): search for a
  // nonce whose counter word is within 4096 of 2^32, so a 70,000-byte message
  // runs its counter through the wrap (inc32 works modulo 2^32).
  test::rng r(0x1c2);
  std::array<std::uint8_t, 32> key{};
  r.fill(key);
  std::array<std::uint8_t, 16> zero{}, hb{};
  e2ee::aes256(key, e2ee::aes_impl::portable).encrypt_block(zero, hb);
  const e2ee::detail::gf128 h = e2ee::detail::gf128_load(hb.data());
  bytes nonce(16);
  std::uint32_t ctr = 0;
  for (int tries = 0; tries < (1 << 24); ++tries) {
    r.fill(nonce);
    e2ee::detail::gf128 y{};
    e2ee::detail::ghash_portable(h, y, nonce.data(), nonce.size());
    e2ee::detail::ghash_lengths(h, y, 0, nonce.size());
    std::array<std::uint8_t, 16> j0{};
    e2ee::detail::gf128_store(y, j0.data());
    ctr = e2ee::load_be32(j0.data() + 12);
    if (ctr >= 0xffffffffu - 4096u) break;
  }
  INFO("counter word of J0 " << ctr);
  REQUIRE(ctr >= 0xffffffffu - 4096u);
  for (const std::size_t n : {std::size_t{70000}, std::size_t{70001}, std::size_t{65536 + 255}}) {
    const bytes pt = r.bytes(n);
    check_all_kernels(key, nonce, r.bytes(20), pt);
  }
}
