// Streaming AES-256-GCM (e2ee::aes256_gcm::encryptor / decryptor) on every
// kernel: the GCM specification's case 16 streamed at compile time; chunks
// split at random points (plaintext lengths 0..4200, AAD 0..300, nonces
// 1..64 bytes) byte-identical to the one-shot portable path; tampering with
// tag, ciphertext, AAD or nonce detected; misuse and the length limits
// refused. Each kernel's one-shot path is also checked against the portable
// one on every length 0..4200.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/aead/aes_gcm.hpp>

#include "support/kernels_aes.hpp"
#include "support/rng.hpp"

namespace {

using gcm = e2ee::aes256_gcm;
using bytes = std::vector<std::uint8_t>;
using cspan = std::span<const std::uint8_t>;

// Compile time (portable path): GCM specification test case 16 streamed in
// uneven pieces, AAD in two calls, then decrypted in two pieces.
constexpr auto tc16_key = e2ee::hex<32>("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
constexpr auto tc16_iv = e2ee::hex<12>("cafebabefacedbaddecaf888");
constexpr auto tc16_aad = e2ee::hex<20>("feedfacedeadbeeffeedfacedeadbeefabaddad2");
constexpr auto tc16_pt = e2ee::hex<60>(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
constexpr auto tc16_ct = e2ee::hex<60>(
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
constexpr auto tc16_tag = e2ee::hex<16>("76fc6ece0f4e1768cddf8853bb2d551b");

constexpr bool streamed_case16() {
  const gcm g(tc16_key);
  const std::span<const std::uint8_t> pt(tc16_pt), aad(tc16_aad);
  std::array<std::uint8_t, 60> c{}, p{};
  const std::span<std::uint8_t> cs(c), ps(p);
  std::array<std::uint8_t, 16> t{};
  gcm::encryptor e(g, tc16_iv);
  bool ok = e.aad(aad.first(7)) && e.aad(aad.subspan(7));
  ok = ok && e.update(pt.first(5), cs.first(5)) && e.update(pt.subspan(5, 40), cs.subspan(5, 40)) &&
       e.update(pt.subspan(45), cs.subspan(45)) && e.finish(t);
  gcm::decryptor d(g, tc16_iv, tc16_aad);
  ok = ok && d.update(cs.first(33), ps.first(33)) && d.update(cs.subspan(33), ps.subspan(33)) && d.finish(t);
  return ok && d.verified() && e.finished() && c == tc16_ct && t == tc16_tag && p == tc16_pt;
}
static_assert(streamed_case16());

// The object must not bind to a temporary key object, nor be copied.
static_assert(!std::is_constructible_v<gcm::encryptor, gcm&&, cspan>);
static_assert(!std::is_constructible_v<gcm::decryptor, gcm&&, cspan, cspan>);
static_assert(std::is_constructible_v<gcm::encryptor, const gcm&, cspan, cspan>);
static_assert(!std::is_copy_constructible_v<gcm::encryptor> && !std::is_copy_assignable_v<gcm::encryptor>);
static_assert(!std::is_copy_constructible_v<gcm::decryptor> && !std::is_copy_assignable_v<gcm::decryptor>);

// chunk: the next piece of a stream of `left` bytes: sometimes empty or a
// few bytes (partial blocks), whole blocks, a few hundred bytes, or all the rest.
std::size_t chunk(test::rng& r, std::size_t left) {
  std::size_t n = 0;
  switch (r.below(5)) {
    case 0: n = r.below(18); break;
    case 1: n = 16 * r.range(1, 12); break;
    case 2: n = r.below(300); break;
    case 3: n = r.below(1200); break;
    default: n = left; break;
  }
  return std::min(n, left);
}

// stream_seal: ciphertext || tag through an encryptor, AAD given to the
// constructor or in random pieces, plaintext in random pieces, sometimes in
// place. Empty if any call fails.
bytes stream_seal(const gcm& g, cspan nonce, cspan aad, cspan pt, test::rng& r) {
  const bool aad_in_ctor = r.below(2) == 0;
  gcm::encryptor e(g, nonce, aad_in_ctor ? aad : cspan{});
  bool ok = true;
  for (std::size_t i = 0; !aad_in_ctor && i < aad.size();) {
    const std::size_t n = chunk(r, aad.size() - i);
    ok = e.aad(aad.subspan(i, n)) && ok;
    i += n;
  }
  bytes out(pt.size() + 16);
  const bool in_place = r.below(2) == 0;
  if (in_place) std::copy(pt.begin(), pt.end(), out.begin());
  for (std::size_t i = 0; i < pt.size();) {
    const std::size_t n = chunk(r, pt.size() - i);
    const std::span<std::uint8_t> o = std::span<std::uint8_t>(out).subspan(i, n);
    ok = e.update(in_place ? cspan(o) : pt.subspan(i, n), o) && ok;
    i += n;
  }
  if (r.below(4) == 0) ok = e.update({}, {}) && ok;  // an empty update changes nothing
  ok = e.finish(std::span<std::uint8_t>(out).last<16>()) && ok;
  if (!ok) out.clear();
  return out;
}

// stream_open: the plaintext of ciphertext || tag through a decryptor in
// random pieces, or nullopt if finish() rejects it.
std::optional<bytes> stream_open(const gcm& g, cspan nonce, cspan aad, cspan sealed, test::rng& r) {
  if (sealed.size() < 16) return std::nullopt;
  const cspan ct = sealed.first(sealed.size() - 16);
  gcm::decryptor d(g, nonce);
  bool ok = true;
  for (std::size_t i = 0; i < aad.size();) {
    const std::size_t n = chunk(r, aad.size() - i);
    ok = d.aad(aad.subspan(i, n)) && ok;
    i += n;
  }
  bytes out(ct.size());
  for (std::size_t i = 0; i < ct.size();) {
    const std::size_t n = chunk(r, ct.size() - i);
    ok = d.update(ct.subspan(i, n), std::span<std::uint8_t>(out).subspan(i, n)) && ok;
    i += n;
  }
  const bool verified = d.finish(sealed.last<16>());
  if (verified != d.verified()) return std::nullopt;
  if (!ok || !verified) return std::nullopt;
  return out;
}

}  // namespace

TEST_CASE("gcm stream: every kernel, random split points, equals one-shot portable (plaintext 0..4200)",
          "[gcm][stream]") {
  test::rng r(0x57e4);
  INFO("rng seed " << r.seed());
  const auto impls = test::available_impls<e2ee::aes_gcm_impl>();
  std::size_t checked = 0;
  for (std::size_t n = 0; n <= 4200; ++n) {
    std::array<std::uint8_t, 32> key{};
    r.fill(key);
    const bytes pt = r.bytes(n);
    const bytes aad = r.bytes((n * 11) % 301);                        // every AAD length 0..300 occurs
    const bytes nonce = r.bytes(n % 4 == 0 ? 1 + (n / 4) % 64 : 12);  // every nonce length 1..64 occurs
    const gcm ref(key, e2ee::aes_gcm_impl::portable);
    const bytes want = ref.seal(nonce, aad, pt);
    REQUIRE(want.size() == n + 16);
    for (const auto impl : impls) {
      const gcm g(key, impl);
      // Keep the assertion count readable: only failures are reported one by one.
      if (impl != e2ee::aes_gcm_impl::portable && g.seal(nonce, aad, pt) != want) {
        INFO("kernel " << test::name(impl) << ", pt " << n << ", aad " << aad.size() << ", nonce " << nonce.size());
        FAIL("one-shot kernel differs from portable");
      }
      if (stream_seal(g, nonce, aad, pt, r) != want) {
        INFO("kernel " << test::name(impl) << ", pt " << n << ", aad " << aad.size() << ", nonce " << nonce.size());
        FAIL("streamed encryption differs from one-shot portable");
      }
      const auto opened = stream_open(g, nonce, aad, want, r);
      if (!opened || *opened != pt) {
        INFO("kernel " << test::name(impl) << ", pt " << n << ", aad " << aad.size() << ", nonce " << nonce.size());
        FAIL("streamed decryption fails");
      }
      ++checked;
    }
  }
  CHECK(checked == 4201 * impls.size());
}

TEST_CASE("gcm stream: AAD 0..300 in pieces and nonces 1..64 on every kernel", "[gcm][stream]") {
  test::rng r(0xaad);
  INFO("rng seed " << r.seed());
  for (std::size_t a = 0; a <= 300; ++a) {
    std::array<std::uint8_t, 32> key{};
    r.fill(key);
    const bytes aad = r.bytes(a), pt = r.bytes(r.range(0, 70));
    const bytes nonce = r.bytes(a <= 64 && a != 0 ? a : 12);
    const bytes want = gcm(key, e2ee::aes_gcm_impl::portable).seal(nonce, aad, pt);
    for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
      INFO("kernel " << test::name(impl) << ", aad " << a << ", pt " << pt.size() << ", nonce " << nonce.size());
      const gcm g(key, impl);
      CHECK(stream_seal(g, nonce, aad, pt, r) == want);
      CHECK(stream_open(g, nonce, aad, want, r) == pt);
    }
  }
}

TEST_CASE("gcm stream: 1 MiB in random pieces on every kernel", "[gcm][stream]") {
  test::rng r(0x1b);
  std::array<std::uint8_t, 32> key{};
  r.fill(key);
  const bytes nonce = r.bytes(12), aad = r.bytes(33), pt = r.bytes(std::size_t{1} << 20);
  const bytes want = gcm(key, e2ee::aes_gcm_impl::portable).seal(nonce, aad, pt);
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    INFO("kernel " << test::name(impl));
    const gcm g(key, impl);
    CHECK(stream_seal(g, nonce, aad, pt, r) == want);
    CHECK(stream_open(g, nonce, aad, want, r) == pt);
    // Byte by byte through the first 100 bytes, then the rest at once.
    gcm::encryptor e(g, nonce, aad);
    bytes out(pt.size() + 16);
    bool ok = true;
    for (std::size_t i = 0; i < 100; ++i)
      ok = e.update(cspan(pt).subspan(i, 1), std::span<std::uint8_t>(out).subspan(i, 1)) && ok;
    ok = e.update(cspan(pt).subspan(100), std::span<std::uint8_t>(out).subspan(100, pt.size() - 100)) && ok;
    CHECK(e.size() == pt.size());
    ok = e.finish(std::span<std::uint8_t>(out).last<16>()) && ok;
    CHECK(ok);
    CHECK(out == want);
  }
}

TEST_CASE("gcm stream: tampering with tag, ciphertext, AAD or nonce is detected on every kernel", "[gcm][stream]") {
  test::rng r(0xbad);
  INFO("rng seed " << r.seed());
  for (const std::size_t n : std::array<std::size_t, 12>{0, 1, 15, 16, 17, 31, 64, 127, 128, 129, 1000, 4097}) {
    std::array<std::uint8_t, 32> key{};
    r.fill(key);
    const bytes pt = r.bytes(n), aad = r.bytes(r.range(1, 40)), nonce = r.bytes(r.below(2) == 0 ? 12 : 20);
    for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
      INFO("kernel " << test::name(impl) << ", pt " << n);
      const gcm g(key, impl);
      const bytes sealed = stream_seal(g, nonce, aad, pt, r);
      REQUIRE(sealed.size() == n + 16);
      REQUIRE(stream_open(g, nonce, aad, sealed, r) == pt);
      for (int trial = 0; trial < 8; ++trial) {
        bytes bad = sealed;  // a bit of the ciphertext (if any) or of the tag
        bad[r.below(bad.size())] ^= static_cast<std::uint8_t>(1u << r.below(8));
        CHECK_FALSE(stream_open(g, nonce, aad, bad, r).has_value());
        // The one-shot path rejects it too and zeroes its output.
        bytes out(n, 0xee);
        CHECK_FALSE(g.decrypt(nonce, aad, cspan(bad).first(n), cspan(bad).last<16>(), out));
        CHECK(out == bytes(n, 0));
      }
      bytes bad_aad = aad;
      bad_aad[r.below(bad_aad.size())] ^= 0x01;
      CHECK_FALSE(stream_open(g, nonce, bad_aad, sealed, r).has_value());
      CHECK_FALSE(stream_open(g, nonce, cspan(aad).first(aad.size() - 1), sealed, r).has_value());
      bytes bad_nonce = nonce;
      bad_nonce[r.below(bad_nonce.size())] ^= 0x80;
      CHECK_FALSE(stream_open(g, bad_nonce, aad, sealed, r).has_value());
      // A truncated ciphertext with the right tag.
      if (n != 0) {
        gcm::decryptor d(g, nonce, aad);
        bytes out(n - 1);
        CHECK(d.update(cspan(sealed).first(n - 1), out));
        CHECK_FALSE(d.finish(cspan(sealed).last<16>()));
        CHECK_FALSE(d.verified());
      }
      // After a failed finish the decryptor refuses further use.
      gcm::decryptor d(g, nonce, aad);
      bytes out(n, 0xee);
      CHECK(d.update(cspan(sealed).first(n), out));
      CHECK(out == pt);
      std::array<std::uint8_t, 16> wrong{};
      CHECK_FALSE(d.finish(wrong));
      CHECK(d.failed());
      CHECK_FALSE(d.verified());
      out.assign(n, 0xee);
      CHECK_FALSE(d.update(cspan(sealed).first(n), out));
      CHECK(out == bytes(n, 0));
      CHECK_FALSE(d.finish(cspan(sealed).last<16>()));
      CHECK_FALSE(d.verified());
    }
  }
}

TEST_CASE("gcm stream: misuse is refused, not undefined", "[gcm][stream][limits]") {
  const std::array<std::uint8_t, 32> key{9};
  const std::array<std::uint8_t, 12> nonce{3};
  const std::array<std::uint8_t, 40> pt{4, 5, 6};
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    INFO("kernel " << test::name(impl));
    const gcm g(key, impl);
    std::array<std::uint8_t, 40> c{};
    std::array<std::uint8_t, 16> t{}, t1{};
    REQUIRE(g.encrypt(nonce, {}, pt, c, t1));

    // update and finish after finish.
    {
      gcm::encryptor e(g, nonce);
      CHECK_FALSE(e.finished());
      CHECK(e.update(pt, c));
      CHECK(e.size() == 40);
      CHECK(e.finish(t));
      CHECK(t == t1);
      CHECK(e.finished());
      CHECK(e.size() == 0);
      c.fill(0xee);
      CHECK_FALSE(e.update(pt, c));
      CHECK(c == std::array<std::uint8_t, 40>{});
      CHECK(e.failed());
      t.fill(0xee);
      CHECK_FALSE(e.finish(t));
      CHECK(t == std::array<std::uint8_t, 16>{});
    }
    // aad() after update() fails the stream.
    {
      gcm::encryptor e(g, nonce);
      CHECK(e.update(std::span(pt).first(3), std::span(c).first(3)));
      CHECK_FALSE(e.aad(pt));
      CHECK(e.failed());
      CHECK_FALSE(e.update(std::span(pt).subspan(3), std::span(c).subspan(3)));
      t.fill(0xee);
      CHECK_FALSE(e.finish(t));
      CHECK(t == std::array<std::uint8_t, 16>{});
    }
    // Output of the wrong size.
    {
      gcm::encryptor e(g, nonce);
      c.fill(0xee);
      CHECK_FALSE(e.update(pt, std::span(c).first(39)));
      CHECK(c == [] {
        std::array<std::uint8_t, 40> x{};
        x[39] = 0xee;
        return x;
      }());
      CHECK(e.failed());
      CHECK_FALSE(e.finish(t));
    }
    // Empty nonce: failed from the start.
    {
      gcm::encryptor e(g, {});
      CHECK(e.failed());
      c.fill(0xee);
      CHECK_FALSE(e.update(pt, c));
      CHECK(c == std::array<std::uint8_t, 40>{});
      CHECK_FALSE(e.finish(t));
      gcm::decryptor d(g, {});
      CHECK_FALSE(d.finish(t1));
      CHECK_FALSE(d.verified());
    }
    // Decryptor: finish twice; the second call fails and revokes verified().
    {
      gcm::decryptor d(g, nonce);
      std::array<std::uint8_t, 40> p{};
      CHECK_FALSE(d.verified());
      REQUIRE(g.encrypt(nonce, {}, pt, c, t1));
      CHECK(d.update(c, p));
      CHECK(d.finish(t1));
      CHECK(d.verified());
      CHECK(p == pt);
      CHECK_FALSE(d.finish(t1));
      CHECK_FALSE(d.verified());
    }
    // Only AAD, no text (GMAC): equals the one-shot tag.
    {
      gcm::encryptor e(g, nonce);
      CHECK(e.aad(pt));
      CHECK(e.finish(t));
      std::array<std::uint8_t, 0> none{};
      REQUIRE(g.encrypt(nonce, pt, none, none, t1));
      CHECK(t == t1);
    }
  }
}

TEST_CASE("gcm stream: SP 800-38D length limits", "[gcm][stream][limits]") {
  // The limits cannot be reached in a test (64 GiB of text); the check itself
  // is one function, tested at the edges.
  using s = e2ee::detail::gcm_stream;
  constexpr std::uint64_t max_text = gcm::max_plaintext_size, max_aad = gcm::max_aad_size;
  STATIC_REQUIRE(max_text == (std::uint64_t{1} << 36) - 32);
  STATIC_REQUIRE(s::within(0, max_text, max_text));
  STATIC_REQUIRE(!s::within(0, max_text + 1, max_text));
  STATIC_REQUIRE(s::within(max_text - 16, 16, max_text));
  STATIC_REQUIRE(!s::within(max_text - 16, 17, max_text));
  STATIC_REQUIRE(s::within(max_text, 0, max_text));
  STATIC_REQUIRE(!s::within(max_text, 1, max_text));
  STATIC_REQUIRE(!s::within(1, ~std::uint64_t{0}, max_text));  // no wrap-around
  STATIC_REQUIRE(s::within(max_aad - 1, 1, max_aad));
  STATIC_REQUIRE(!s::within(max_aad, 1, max_aad));
}

// Several updates of 8 KiB or more through one stream (vaes_avx2 makes
// H^17..H^32 on the first and keeps them for the others), mixed with short
// and odd-sized ones, in both directions; a stream object of only short
// updates; each equals the one-shot portable result.
TEST_CASE("gcm stream: many long updates (the stream keeps H^17..H^32) on every kernel", "[gcm][stream]") {
  test::rng r(0x4b17);
  INFO("rng seed " << r.seed());
  std::array<std::uint8_t, 32> key{};
  r.fill(key);
  const std::size_t pieces[] = {8192, 100, 16384 + 17, 3, 9000, 8191, 40000, 8192, 13};
  std::size_t total = 0;
  for (const std::size_t p : pieces) total += p;
  const bytes nonce = r.bytes(12), aad = r.bytes(20), pt = r.bytes(total);
  const bytes want = gcm(key, e2ee::aes_gcm_impl::portable).seal(nonce, aad, pt);
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    INFO("kernel " << test::name(impl));
    const gcm g(key, impl);
    for (int round = 0; round < 2; ++round) {  // a second stream on the same key object
      gcm::encryptor e(g, nonce, aad);
      gcm::decryptor d(g, nonce, aad);
      bytes out(total + 16), back(total);
      bool ok = true;
      std::size_t at = 0;
      for (const std::size_t p : pieces) {
        ok = e.update(cspan(pt).subspan(at, p), std::span<std::uint8_t>(out).subspan(at, p)) && ok;
        at += p;
      }
      ok = e.finish(std::span<std::uint8_t>(out).last<16>()) && ok;
      CHECK(ok);
      CHECK(out == want);
      at = 0;
      for (const std::size_t p : pieces) {
        ok = d.update(cspan(want).subspan(at, p), std::span<std::uint8_t>(back).subspan(at, p)) && ok;
        at += p;
      }
      CHECK(ok);
      CHECK(d.finish(cspan(want).last<16>()));
      CHECK(back == pt);
    }
    // Only short updates.
    const bytes small = r.bytes(3000);
    const bytes want_small = gcm(key, e2ee::aes_gcm_impl::portable).seal(nonce, aad, small);
    gcm::encryptor e(g, nonce, aad);
    bytes out(small.size() + 16);
    bool ok = true;
    for (std::size_t at = 0; at < small.size(); at += 300)
      ok = e.update(cspan(small).subspan(at, 300), std::span<std::uint8_t>(out).subspan(at, 300)) && ok;
    ok = e.finish(std::span<std::uint8_t>(out).last<16>()) && ok;
    CHECK(ok);
    CHECK(out == want_small);
  }
}
