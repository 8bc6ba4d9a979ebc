// tests/test_aes_gcm_kernels.cpp — the GCM kernels against the portable path
// where the kernels have their own code: every length 0..4200 (the stitched
// 128- and 256-byte loops, their tails, the short-message batches), AAD up
// to 300 bytes (grouped GHASH, a feed that fills up), and a 32-bit counter
// that wraps inside a message (inc32 with a non-12-byte nonce), one-shot and
// streamed; encrypt_once / decrypt_once against the key object; one key
// object through many calls of every shape (the powers of H made per call on
// the first, made and kept on the second, read from the cache after), also
// from several threads at once; the short-message path on a set-up key
// (every length 0..300, AAD around 128, cache states, in and out of place).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <thread>
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

TEST_CASE("gcm kernels: long messages (the bulk loop's 32-block groups), equal to portable", "[gcm][kernels][random]") {
  // From 8 KiB on the VAES loop takes two 256-byte chunks per reduction;
  // these lengths end on every remainder class of the pairs and of the tail.
  test::rng r(0x5e9);
  INFO("rng seed " << r.seed());
  std::array<std::uint8_t, 32> key{};
  for (const std::size_t base : {std::size_t{8192} - 256, std::size_t{8192}, std::size_t{16384}, std::size_t{65536}}) {
    for (std::size_t extra = 0; extra <= 560; extra += (base == 8192 ? 16 : 80) + (extra % 3)) {
      r.fill(key);
      const std::size_t n = base + extra;
      const bytes pt = r.bytes(n);
      const bytes aad = r.bytes(r.range(0, 300));
      const bytes nonce = r.bytes(r.below(4) == 0 ? r.range(1, 64) : 12);
      check_all_kernels(key, nonce, aad, pt);
    }
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
    const bytes aad = r.bytes(20);
    check_all_kernels(key, nonce, aad, pt);
    // The streams too: the bulk loops of each kernel (128- and 256-byte
    // chunks) run through the wrap inside one update().
    const bytes want = gcm(key, e2ee::aes_gcm_impl::portable).seal(nonce, aad, pt);
    for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
      INFO("stream, kernel " << test::name(impl) << ", pt " << n);
      const gcm g(key, impl);
      gcm::encryptor e(g, nonce, aad);
      bytes c(n);
      const std::span<const std::uint8_t> in(pt);
      const std::span<std::uint8_t> out(c);
      const std::size_t cut = 4096 + 7;  // chunks start mid-block
      for (std::size_t i = 0; i < n; i += cut) {
        const std::size_t m = std::min(cut, n - i);
        REQUIRE(e.update(in.subspan(i, m), out.subspan(i, m)));
      }
      std::array<std::uint8_t, 16> tag{};
      REQUIRE(e.finish(tag));
      CHECK(std::equal(c.begin(), c.end(), want.begin()));
      CHECK(std::equal(tag.begin(), tag.end(), want.end() - 16));
      gcm::decryptor d(g, nonce, aad);
      bytes p(n);
      REQUIRE(d.update(c, p));
      CHECK(d.finish(tag));
      CHECK(p == pt);
    }
  }
}

// encrypt_once / decrypt_once (a key used for one message): the same bytes
// and verdicts as a key object, on every kernel, through the register-only
// path (12-byte nonce, text and AAD up to 128 bytes) and the fallback beyond.
namespace {
constexpr bool once_spec_case14() {
  const std::array<std::uint8_t, 32> key{};
  const std::array<std::uint8_t, 12> iv{};
  const std::array<std::uint8_t, 16> pt{};
  std::array<std::uint8_t, 16> c{}, t{}, p{};
  const bool enc = gcm::encrypt_once(key, iv, {}, pt, c, t);
  const bool dec = gcm::decrypt_once(key, iv, {}, c, t, p);
  return enc && dec && p == pt && c == e2ee::hex<16>("cea7403d4d606b6e074ec5d3baf39d18") &&
         t == e2ee::hex<16>("d0d1c8a799996bf0265b98b5d48ab919");
}
static_assert(once_spec_case14());
}  // namespace

TEST_CASE("gcm encrypt_once / decrypt_once: every kernel equals the key object", "[gcm][kernels][once]") {
  test::rng r(0x0ce);
  INFO("rng seed " << r.seed());
  std::size_t checked = 0;
  for (std::size_t n = 0; n <= 300; ++n) {
    std::array<std::uint8_t, 32> key{};
    r.fill(key);
    const bytes pt = r.bytes(n);
    const bytes aad = r.bytes(n % 3 == 0 ? r.range(0, 300) : r.range(0, 140));
    const bytes nonce = r.bytes(r.below(5) == 0 ? r.range(1, 40) : 12);
    const bytes want = gcm(key, e2ee::aes_gcm_impl::portable).seal(nonce, aad, pt);
    REQUIRE(want.size() == n + 16);
    const std::span<const std::uint8_t> want_ct = std::span<const std::uint8_t>(want).first(n);
    const auto want_tag = std::span<const std::uint8_t>(want).last<16>();
    for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
      INFO("kernel " << test::name(impl) << ", pt " << n << ", aad " << aad.size() << ", nonce " << nonce.size());
      bytes buf = pt;  // in place
      std::array<std::uint8_t, 16> tag{};
      REQUIRE(gcm::encrypt_once(key, nonce, aad, buf, buf, tag, impl));
      CHECK(std::equal(buf.begin(), buf.end(), want_ct.begin()));
      CHECK(std::equal(tag.begin(), tag.end(), want_tag.begin()));
      bytes out(n, 0xaa);
      CHECK(gcm::decrypt_once(key, nonce, aad, want_ct, want_tag, out, impl));
      CHECK(out == pt);
      CHECK(gcm::decrypt_once(key, nonce, aad, buf, tag, buf, impl));  // in place
      CHECK(buf == pt);
      std::array<std::uint8_t, 16> bad{};
      std::copy(want_tag.begin(), want_tag.end(), bad.begin());
      bad[n % 16] ^= 0x40;
      bytes forged(n, 0xee);
      CHECK_FALSE(gcm::decrypt_once(key, nonce, aad, want_ct, bad, forged, impl));
      CHECK(forged == bytes(n, 0));
      if (n != 0) {
        bytes c = bytes(want_ct.begin(), want_ct.end());
        c[n / 2] ^= 1;
        CHECK_FALSE(gcm::decrypt_once(key, nonce, aad, c, want_tag, forged, impl));
      }
      ++checked;
    }
  }
  // The default overloads take the best kernel; errors as the key object's.
  std::array<std::uint8_t, 32> key{};
  const bytes pt = r.bytes(40), nonce = r.bytes(12);
  bytes c(40), p(40), shorter(39, 0x55);
  std::array<std::uint8_t, 16> t{};
  REQUIRE(gcm::encrypt_once(key, nonce, {}, pt, c, t));
  CHECK(gcm::decrypt_once(key, nonce, {}, c, t, p));
  CHECK(p == pt);
  CHECK_FALSE(gcm::encrypt_once(key, {}, {}, pt, c, t));  // empty nonce
  CHECK(c == bytes(40, 0));
  CHECK(t == std::array<std::uint8_t, 16>{});
  CHECK_FALSE(gcm::encrypt_once(key, nonce, {}, pt, shorter, t));  // output of the wrong size
  CHECK(shorter == bytes(39, 0));
  CHECK(checked == 301 * test::available_impls<e2ee::aes_gcm_impl>().size());
}

// One key object, many calls of every shape (short and long texts, the two
// x86 kernels' paths, encrypt and decrypt), each equal to the portable path.
// The x86 kernels make the powers of H per call on the first call, make and
// keep them on the second (a decrypt in some rounds, an encrypt in others,
// each with a short or a long text), and read them from then on.
TEST_CASE("gcm kernels: a key object's first, second and later calls agree", "[gcm][kernels]") {
  test::rng r(0x90e5);
  INFO("rng seed " << r.seed());
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    if (impl == e2ee::aes_gcm_impl::portable) continue;
    for (int round = 0; round < 8; ++round) {
      std::array<std::uint8_t, 32> key{};
      r.fill(key);
      const gcm ref(key, e2ee::aes_gcm_impl::portable);
      const gcm g(key, impl);
      for (int call = 0; call < 12; ++call) {
        // Short (128-bit kernel, one group of at most 8 blocks) and long
        // (stitched loops, 16 powers) messages alternate.
        const std::size_t n = (call + round) % 2 == 0 ? r.range(0, 130) : r.range(250, 1200);
        const bytes pt = r.bytes(n), aad = r.bytes(r.below(3) == 0 ? r.range(0, 300) : r.range(0, 20));
        const bytes nonce = r.bytes(r.below(4) == 0 ? r.range(1, 64) : 12);
        INFO("kernel " << test::name(impl) << ", call " << call << ", pt " << n << ", aad " << aad.size());
        const bytes want = ref.seal(nonce, aad, pt);
        if ((call + round / 2) % 3 == 1) {
          bytes out(n);
          CHECK(g.decrypt(nonce, aad, std::span<const std::uint8_t>(want).first(n),
                          std::span<const std::uint8_t>(want).subspan(n).first<16>(), out));
          CHECK(out == pt);
        } else {
          CHECK(g.seal(nonce, aad, pt) == want);
        }
      }
    }
  }
}

// One key object used from several threads at once, from its first call on
// (aes256_gcm's contract: all members are const): whoever fills the powers
// cache, every call uses either its own powers or the published ones.
TEST_CASE("gcm kernels: one key object from four threads at once", "[gcm][kernels]") {
  test::rng r(0x7417);
  INFO("rng seed " << r.seed());
  struct job {
    bytes nonce, aad, pt, want;
  };
  std::vector<job> jobs(64);
  std::array<std::uint8_t, 32> key{};
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    INFO("kernel " << test::name(impl));
    for (int round = 0; round < 20; ++round) {
      r.fill(key);
      const gcm ref(key, e2ee::aes_gcm_impl::portable);
      for (auto& j : jobs) {
        j.nonce = r.bytes(12);
        j.aad = r.bytes(r.range(0, 40));
        j.pt = r.bytes(r.below(2) == 0 ? r.range(0, 100) : r.range(200, 700));
        j.want = ref.seal(j.nonce, j.aad, j.pt);
      }
      const gcm g(key, impl);
      std::array<int, 4> bad{};
      std::vector<std::thread> threads;
      for (std::size_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
          for (std::size_t i = t; i < jobs.size() + t; ++i) {
            const job& j = jobs[i % jobs.size()];
            if (g.seal(j.nonce, j.aad, j.pt) != j.want) ++bad[t];
          }
        });
      }
      for (auto& th : threads) th.join();
      CHECK(bad == std::array<int, 4>{});
    }
  }
}

// A fresh key object's first call makes the powers of H in registers, only
// as many as the message needs; with 97..128 bytes of AAD (7 or 8 AAD
// blocks) the AAD needs more powers than a short text does. Every AAD length
// from 96 to 129 with texts around the block and kernel boundaries, each on
// a new object, encrypt and decrypt, against the portable path.
TEST_CASE("gcm kernels: a fresh key object's first call with 96..129 bytes of AAD", "[gcm][kernels][short]") {
  test::rng r(0xaad0);
  INFO("rng seed " << r.seed());
  const std::size_t text_lengths[] = {0, 1, 15, 16, 17, 31, 32, 63, 64, 65, 97, 112, 127, 128, 129};
  std::array<std::uint8_t, 32> key{};
  r.fill(key);
  const gcm ref(key, e2ee::aes_gcm_impl::portable);
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    if (impl == e2ee::aes_gcm_impl::portable) continue;
    for (std::size_t a = 96; a <= 129; ++a) {
      for (const std::size_t n : text_lengths) {
        INFO("kernel " << test::name(impl) << ", pt " << n << ", aad " << a);
        const bytes pt = r.bytes(n), aad = r.bytes(a), nonce = r.bytes(12);
        const bytes want = ref.seal(nonce, aad, pt);
        const std::span<const std::uint8_t> want_ct = std::span<const std::uint8_t>(want).first(n);
        const std::span<const std::uint8_t, 16> want_tag = std::span<const std::uint8_t>(want).subspan(n).first<16>();
        const gcm enc(key, impl);
        bytes out(n, 0xaa);
        std::array<std::uint8_t, 16> tag{};
        REQUIRE(enc.encrypt(nonce, aad, pt, out, tag));
        CHECK(std::equal(out.begin(), out.end(), want_ct.begin()));
        CHECK(std::equal(tag.begin(), tag.end(), want_tag.begin()));
        const gcm dec(key, impl);
        bytes back(n, 0xaa);
        CHECK(dec.decrypt(nonce, aad, want_ct, want_tag, back));
        CHECK(back == pt);
      }
    }
  }
}

// The short-message path on a key object (12-byte nonce, text and AAD of at
// most 128 bytes: detail::gcm_short_clmul, 2, 5 or 9 AES blocks) and the
// lengths just past it: a fresh object's first call (powers made in the
// call), the call that fills the powers cache, and calls that read it; in
// place and out of place; a forged tag fails and zeroes the output, a
// truncated tag is checked.
TEST_CASE("gcm kernels: short messages on a set-up key, every length 0..300 and AAD around 128", "[gcm][kernels][short]") {
  test::rng r(0x5407);
  INFO("rng seed " << r.seed());
  const std::size_t aad_lengths[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 112, 113, 127, 128, 129, 144, 200};
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    if (impl == e2ee::aes_gcm_impl::portable) continue;
    std::array<std::uint8_t, 32> key{};
    r.fill(key);
    const gcm ref(key, e2ee::aes_gcm_impl::portable);
    const gcm warm(key, impl);
    for (std::size_t n = 0; n <= 300; ++n) {
      const std::size_t a = n % 3 == 0 ? aad_lengths[r.below(std::size(aad_lengths))] : (n % 3 == 1 ? 0 : r.range(0, 40));
      const bytes pt = r.bytes(n), aad = r.bytes(a), nonce = r.bytes(r.below(8) == 0 ? r.range(1, 20) : 12);
      INFO("kernel " << test::name(impl) << ", pt " << n << ", aad " << a << ", nonce " << nonce.size());
      const bytes want = ref.seal(nonce, aad, pt);
      const std::span<const std::uint8_t> want_ct = std::span<const std::uint8_t>(want).first(n);
      const std::span<const std::uint8_t, 16> want_tag = std::span<const std::uint8_t>(want).subspan(n).first<16>();
      // A fresh object: its first call (powers made in the call), its second
      // (fills the cache) and a third (reads it), alternating directions.
      const gcm fresh(key, impl);
      bytes out(n, 0xaa);
      std::array<std::uint8_t, 16> tag{};
      if (n % 2 == 0) {
        REQUIRE(fresh.encrypt(nonce, aad, pt, out, tag));
        CHECK(std::equal(out.begin(), out.end(), want_ct.begin()));
        CHECK(std::equal(tag.begin(), tag.end(), want_tag.begin()));
      } else {
        CHECK(fresh.decrypt(nonce, aad, want_ct, want_tag, out));
        CHECK(out == pt);
      }
      CHECK(fresh.seal(nonce, aad, pt) == want);
      CHECK(fresh.seal(nonce, aad, pt) == want);
      // The warm object (cache filled): out of place, then in place.
      std::fill(out.begin(), out.end(), std::uint8_t{0xaa});
      REQUIRE(warm.encrypt(nonce, aad, pt, out, tag));
      CHECK(std::equal(out.begin(), out.end(), want_ct.begin()));
      CHECK(std::equal(tag.begin(), tag.end(), want_tag.begin()));
      bytes buf = pt;
      REQUIRE(warm.encrypt(nonce, aad, buf, buf, tag));
      CHECK(buf == out);
      CHECK(warm.decrypt(nonce, aad, buf, tag, buf));
      CHECK(buf == pt);
      bytes dec(n, 0xaa);
      CHECK(warm.decrypt(nonce, aad, want_ct, want_tag, dec));
      CHECK(dec == pt);
      // A truncated tag (12 bytes) verifies; a forged one fails and zeroes.
      CHECK(warm.decrypt_truncated_tag(nonce, aad, want_ct, want_tag.first(12), dec));
      CHECK(dec == pt);
      std::array<std::uint8_t, 16> bad{};
      std::copy(want_tag.begin(), want_tag.end(), bad.begin());
      bad[r.below(16)] ^= static_cast<std::uint8_t>(1u << r.below(8));
      std::fill(dec.begin(), dec.end(), std::uint8_t{0xaa});
      CHECK_FALSE(warm.decrypt(nonce, aad, want_ct, bad, dec));
      CHECK(dec == bytes(n, 0));
      buf.assign(want_ct.begin(), want_ct.end());
      CHECK_FALSE(warm.decrypt(nonce, aad, buf, bad, buf));
      CHECK(buf == bytes(n, 0));
      if (n != 0) {  // a flipped ciphertext bit
        bytes c2(want_ct.begin(), want_ct.end());
        c2[r.below(n)] ^= 0x10;
        CHECK_FALSE(warm.decrypt(nonce, aad, c2, want_tag, dec));
        CHECK(dec == bytes(n, 0));
      }
      if (!aad.empty()) {  // a flipped AAD bit
        bytes a2 = aad;
        a2[r.below(a2.size())] ^= 0x01;
        CHECK_FALSE(warm.decrypt(nonce, a2, want_ct, want_tag, dec));
      }
    }
  }
}
