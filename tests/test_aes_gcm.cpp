// AES-256-GCM (e2ee::aes256_gcm) on every kernel: the GCM specification's
// AES-256 test cases (compile time and vectors/aes256_gcm.txt), NIST CAVP
// gcmEncryptExtIV256 and gcmDecrypt256 (every case, all IV and tag lengths),
// Wycheproof aes_gcm (256-bit keys), Signal's GCM vector, the argument and
// length checks, and every kernel against the portable path on random inputs.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/aead/aes_gcm.hpp>

#include "support/bytes.hpp"
#include "support/json.hpp"
#include "support/kernels_aes.hpp"
#include "support/rng.hpp"
#include "support/rsp.hpp"
#include "support/vectors.hpp"
#include "support/wycheproof.hpp"

namespace {

using gcm = e2ee::aes256_gcm;
using bytes = std::vector<std::uint8_t>;

// GCM specification test cases 13-16 (AES-256, 12-byte nonces; McGrew and
// Viega, "The Galois/Counter Mode of Operation", appendix B; also
// vectors/aes256_gcm.txt), checked by the compiler on the portable path:
// encrypt, decrypt, and a forged tag that must be rejected with the output
// zeroed. Case 14 is also asserted in aead/aes_gcm.hpp itself.
template <std::size_t IV, std::size_t A, std::size_t P>
constexpr bool spec_case(const std::array<std::uint8_t, 32>& key, const std::array<std::uint8_t, IV>& iv,
                         const std::array<std::uint8_t, A>& aad, const std::array<std::uint8_t, P>& pt,
                         const std::array<std::uint8_t, P>& want_ct, const std::array<std::uint8_t, 16>& want_tag) {
  const gcm g(key);
  std::array<std::uint8_t, P> c{}, p{};
  std::array<std::uint8_t, 16> t{};
  const bool enc = g.encrypt(iv, aad, pt, c, t);
  const bool dec = g.decrypt(iv, aad, c, t, p);
  const bool right = enc && dec && c == want_ct && t == want_tag && p == pt;
  t[P % 16] ^= 1;
  for (auto& b : p) b = 0xee;
  const bool forged = g.decrypt(iv, aad, c, t, p);
  return right && !forged && p == std::array<std::uint8_t, P>{};
}

constexpr std::array<std::uint8_t, 32> zero_key{};
constexpr std::array<std::uint8_t, 12> zero_iv{};
constexpr std::array<std::uint8_t, 0> no_bytes{};
static_assert(spec_case(zero_key, zero_iv, no_bytes, no_bytes, no_bytes,
                        e2ee::hex<16>("530f8afbc74536b9a963b4f1c4cb738b")));
static_assert(spec_case(zero_key, zero_iv, no_bytes, std::array<std::uint8_t, 16>{},
                        e2ee::hex<16>("cea7403d4d606b6e074ec5d3baf39d18"),
                        e2ee::hex<16>("d0d1c8a799996bf0265b98b5d48ab919")));

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
static_assert(spec_case(tc16_key, tc16_iv, no_bytes,
                        e2ee::hex<64>("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                                      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"),
                        e2ee::hex<64>("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                                      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"),
                        e2ee::hex<16>("b094dac5d93471bdec1a502270e3cc6c")));
static_assert(spec_case(tc16_key, tc16_iv, tc16_aad, tc16_pt, tc16_ct, tc16_tag));

template <std::size_t N>
std::array<std::uint8_t, N> fixed(const bytes& v) {
  if (v.size() != N) throw std::runtime_error("field of wrong size " + std::to_string(v.size()));
  std::array<std::uint8_t, N> a{};
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

bytes field(const test::rsp::record& rec, std::string_view key) {
  auto v = rec.hex(key);
  if (!v) throw std::runtime_error("record at line " + std::to_string(rec.line) + ": no hex field " + std::string(key));
  return std::move(*v);
}

struct sealed_parts {
  bool ok = false;
  bytes ct;
  std::array<std::uint8_t, 16> tag{};
};
sealed_parts encrypt(const gcm& g, const bytes& iv, const bytes& aad, const bytes& pt) {
  sealed_parts s;
  s.ct.resize(pt.size());
  s.ok = g.encrypt(iv, aad, pt, s.ct, s.tag);
  return s;
}

// check_case: one known-answer case on kernel impl: encrypt, decrypt (with a
// truncated tag when tag.size() < 16), in place, seal/open, and a forgery.
void check_case(e2ee::aes_gcm_impl impl, const bytes& key, const bytes& iv, const bytes& aad, const bytes& pt,
                const bytes& ct, const bytes& tag) {
  const gcm g(fixed<32>(key), impl);
  REQUIRE(g.implementation() == impl);
  const auto e = encrypt(g, iv, aad, pt);
  REQUIRE(e.ok);
  CHECK(test::hex(e.ct) == test::hex(ct));
  CHECK(test::hex(std::span<const std::uint8_t>(e.tag).first(tag.size())) == test::hex(tag));
  bytes out(ct.size(), 0xee);
  CHECK(g.decrypt_truncated_tag(iv, aad, ct, tag, out));
  CHECK(test::hex(out) == test::hex(pt));
  if (tag.size() == 16) {
    bytes inplace = ct;
    CHECK(g.decrypt(iv, aad, inplace, fixed<16>(tag), inplace));
    CHECK(inplace == pt);
    bytes sealed = ct;
    sealed.insert(sealed.end(), tag.begin(), tag.end());
    CHECK(g.seal(iv, aad, pt) == sealed);
    const auto opened = g.open(iv, aad, sealed);
    REQUIRE(opened.has_value());
    CHECK(*opened == pt);
    sealed[sealed.size() / 2] ^= 0x20;
    CHECK_FALSE(g.open(iv, aad, sealed).has_value());
  }
  bytes bad_tag = tag;
  bad_tag.back() ^= 0x80;
  CHECK_FALSE(g.decrypt_truncated_tag(iv, aad, ct, bad_tag, out));
  CHECK(out == bytes(ct.size(), 0));
}

}  // namespace

TEST_CASE("gcm: kernel selection follows E2EE_CPU_DISABLE", "[gcm][kernels]") {
  const auto impls = test::available_impls<e2ee::aes_gcm_impl>();
  REQUIRE_FALSE(impls.empty());
  CHECK(impls.front() == e2ee::aes_gcm_impl::portable);
  for (const auto impl : impls) {
    INFO("forced kernel " << test::name(impl));
    const test::force_impl<e2ee::aes_gcm_impl> use(impl);
    CHECK(use.selected());
    CHECK(gcm(tc16_key).implementation() == impl);
    CHECK(gcm(tc16_key, impl).implementation() == impl);
  }
  {
    const test::force_cpu none("all");
    CHECK(e2ee::best_aes_gcm_impl() == e2ee::aes_gcm_impl::portable);
    CHECK(gcm(tc16_key).implementation() == e2ee::aes_gcm_impl::portable);
  }
  e2ee::cpu::feature_set f;
  CHECK(e2ee::best_aes_gcm_impl(f) == e2ee::aes_gcm_impl::portable);
#if E2EE_HAVE_X86_KERNELS
  f.aesni = f.pclmulqdq = f.sse41 = true;
  CHECK(e2ee::best_aes_gcm_impl(f) == e2ee::aes_gcm_impl::aesni_clmul);
  CHECK(e2ee::best_aes_gcm_impl(e2ee::cpu::mask_disabled(f, "pclmulqdq")) == e2ee::aes_gcm_impl::portable);
  CHECK(e2ee::best_aes_gcm_impl(e2ee::cpu::mask_disabled(f, "aesni")) == e2ee::aes_gcm_impl::portable);
#endif
  for (const auto i : e2ee::all_aes_gcm_impls) CHECK_FALSE(e2ee::to_string(i).empty());
}

TEST_CASE("gcm: specification test cases 13-18 (vectors/) on every kernel", "[gcm][spec]") {
  const auto f = test::rsp::load_own("aes256_gcm.txt");
  INFO(f.error);
  REQUIRE(f.ok());
  REQUIRE(f.records.size() == 6);
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    std::size_t count = 0;
    for (const auto& rec : f.records) {
      INFO("kernel " << test::name(impl) << ": " << rec.get("name"));
      check_case(impl, field(rec, "key"), field(rec, "iv"), field(rec, "aad"), field(rec, "pt"), field(rec, "ct"),
                 field(rec, "tag"));
      ++count;
    }
    CHECK(count == 6);
  }
}

TEST_CASE("gcm: NIST CAVP gcmEncryptExtIV256 on every kernel", "[gcm][nist]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto f = test::rsp::load_external("nist/gcmEncryptExtIV256.rsp");
  INFO(f.error);
  REQUIRE(f.ok());
  const auto records = f.with_field("Key");
  REQUIRE(records.size() == 7875);
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    std::size_t count = 0, iv8 = 0, iv96 = 0, iv1024 = 0, truncated = 0;
    for (const auto* rec : records) {
      INFO("kernel " << test::name(impl) << ", line " << rec->line);
      const auto iv = field(*rec, "IV"), tag = field(*rec, "Tag");
      REQUIRE(rec->param_number("IVlen") == 8 * iv.size());
      REQUIRE(rec->param_number("Taglen") == 8 * tag.size());
      check_case(impl, field(*rec, "Key"), iv, field(*rec, "AAD"), field(*rec, "PT"), field(*rec, "CT"), tag);
      ++count;
      iv8 += iv.size() == 1;
      iv96 += iv.size() == 12;
      iv1024 += iv.size() == 128;
      truncated += tag.size() < 16;
    }
    CHECK(count == 7875);
    CHECK(iv8 == 2625);
    CHECK(iv96 == 2625);
    CHECK(iv1024 == 2625);
    CHECK(truncated == 6750);
  }
}

TEST_CASE("gcm: NIST CAVP gcmDecrypt256 on every kernel (FAIL cases rejected)", "[gcm][nist]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto f = test::rsp::load_external("nist/gcmDecrypt256.rsp");
  INFO(f.error);
  REQUIRE(f.ok());
  const auto records = f.with_field("Key");
  REQUIRE(records.size() == 7875);
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    std::size_t pass = 0, fail = 0;
    for (const auto* rec : records) {
      INFO("kernel " << test::name(impl) << ", line " << rec->line);
      const gcm g(fixed<32>(field(*rec, "Key")), impl);
      const auto iv = field(*rec, "IV"), ct = field(*rec, "CT"), aad = field(*rec, "AAD"), tag = field(*rec, "Tag");
      bytes out(ct.size(), 0xee);
      const bool ok = g.decrypt_truncated_tag(iv, aad, ct, tag, out);
      if (rec->has_token("FAIL")) {
        CHECK_FALSE(ok);
        CHECK(out == bytes(ct.size(), 0));
        ++fail;
      } else {
        CHECK(ok);
        CHECK(test::hex(out) == rec->get("PT"));
        ++pass;
      }
    }
    CHECK(fail == 3919);
    CHECK(pass == 7875 - 3919);
  }
}

TEST_CASE("gcm: Wycheproof aes_gcm (256-bit keys) on every kernel", "[gcm][wycheproof]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto suite = test::wycheproof::load_aead("aes_gcm_test.json");
  INFO(suite.error);
  REQUIRE(suite.ok());
  REQUIRE(suite.tests.size() == suite.declared_count);
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    std::size_t valid = 0, invalid = 0, empty_iv = 0;
    for (const auto& t : suite.tests) {
      if (t.key_size_bits != 256) continue;
      INFO("kernel " << test::name(impl) << ", tcId " << t.id << ": " << t.comment);
      REQUIRE(t.tag_size_bits == 128);
      const gcm g(fixed<32>(t.key), impl);
      bytes out(t.ct.size(), 0xee);
      const bool ok = g.decrypt(t.iv, t.aad, t.ct, fixed<16>(t.tag), out);
      if (t.iv.empty()) {
        // Zero-length nonces are refused (SP 800-38D: len(IV) >= 1 bit).
        CHECK_FALSE(ok);
        const auto e = encrypt(g, t.iv, t.aad, t.msg);
        CHECK_FALSE(e.ok);
        CHECK(e.tag == std::array<std::uint8_t, 16>{});
        CHECK(e.ct == bytes(t.msg.size(), 0));
        CHECK(g.seal(t.iv, t.aad, t.msg).empty());
        ++empty_iv;
      }
      if (t.valid()) {
        check_case(impl, t.key, t.iv, t.aad, t.msg, t.ct, t.tag);
        CHECK(ok);
        ++valid;
      } else {
        REQUIRE(t.invalid());
        CHECK_FALSE(ok);
        CHECK(out == bytes(t.ct.size(), 0));
        ++invalid;
      }
    }
    CHECK(valid == 76);
    CHECK(invalid == 29);
    CHECK(empty_iv == 2);
  }
}

TEST_CASE("gcm: Signal vector (shared/vectors/signal/aes.json) on every kernel", "[gcm][signal]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto text = test::vectors::read_file(test::vectors::external("signal/aes.json"));
  REQUIRE(text.has_value());
  const auto doc = test::json::parse(*text);
  REQUIRE(doc.ok());
  const auto* c = doc.root->find("aes_256_gcm_smoke");
  REQUIRE(c != nullptr);
  auto hexf = [&](std::string_view key) {
    const auto* v = c->find(key);
    REQUIRE(v != nullptr);
    REQUIRE(v->as_string() != nullptr);
    return test::unhex(*v->as_string());
  };
  const auto key = hexf("key"), nonce = hexf("nonce"), input = hexf("input"), ad = hexf("ad"),
             output = hexf("output");
  REQUIRE(output.size() == input.size() + 16);  // ciphertext || tag
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    INFO("kernel " << test::name(impl));
    const gcm g(fixed<32>(key), impl);
    CHECK(test::hex(g.seal(nonce, ad, input)) == test::hex(output));
    const auto opened = g.open(nonce, ad, output);
    REQUIRE(opened.has_value());
    CHECK(*opened == input);
  }
}

TEST_CASE("gcm: argument checks on every kernel", "[gcm][limits]") {
  const std::array<std::uint8_t, 32> key{7};
  const std::array<std::uint8_t, 12> nonce{1};
  const std::array<std::uint8_t, 40> pt{2};
  for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
    INFO("kernel " << test::name(impl));
    const gcm g(key, impl);
    std::array<std::uint8_t, 40> c{};
    std::array<std::uint8_t, 16> t{};
    // Output of the wrong size: false, outputs zeroed.
    std::array<std::uint8_t, 39> short_out{};
    short_out.fill(5);
    t.fill(5);
    CHECK_FALSE(g.encrypt(nonce, {}, pt, short_out, t));
    CHECK(short_out == std::array<std::uint8_t, 39>{});
    CHECK(t == std::array<std::uint8_t, 16>{});
    // Empty nonce: false.
    CHECK_FALSE(g.encrypt({}, {}, pt, c, t));
    CHECK(g.seal({}, {}, pt).empty());
    // Round trip, then decrypt with a wrong output size and truncated tags.
    REQUIRE(g.encrypt(nonce, {}, pt, c, t));
    std::array<std::uint8_t, 40> p{};
    CHECK_FALSE(g.decrypt(nonce, {}, c, t, std::span<std::uint8_t>(p).first(39)));
    CHECK(g.decrypt(nonce, {}, c, t, p));
    CHECK(p == pt);
    for (std::size_t n = 0; n <= 17; ++n) {
      std::array<std::uint8_t, 17> tag17{};
      std::copy(t.begin(), t.end(), tag17.begin());
      const bool allowed = n == 4 || n == 8 || (n >= 12 && n <= 16);
      INFO("tag length " << n);
      CHECK(g.decrypt_truncated_tag(nonce, {}, c, std::span<const std::uint8_t>(tag17).first(n), p) == allowed);
    }
    CHECK_FALSE(g.open(nonce, {}, std::span<const std::uint8_t>(c).first(15)).has_value());
    // Empty plaintext and AAD: a tag only.
    const auto s = g.seal(nonce, {}, {});
    CHECK(s.size() == 16);
    const auto o = g.open(nonce, {}, s);
    REQUIRE(o.has_value());
    CHECK(o->empty());
  }
  CHECK(gcm::max_plaintext_size == (std::uint64_t{1} << 36) - 32);
}

TEST_CASE("gcm: every kernel equals portable on random inputs", "[gcm][random]") {
  test::rng r(0x6c3);
  INFO("rng seed " << r.seed());
  for (std::size_t n = 0; n <= 600; ++n) {
    std::array<std::uint8_t, 32> key{};
    r.fill(key);
    const auto pt = r.bytes(n);
    const auto aad = r.bytes(r.range(0, 100));
    const auto nonce = r.bytes(r.below(3) == 0 ? r.range(1, 64) : 12);
    const gcm ref(key, e2ee::aes_gcm_impl::portable);
    const auto want = ref.seal(nonce, aad, pt);
    REQUIRE(want.size() == n + 16);
    for (const auto impl : test::available_impls<e2ee::aes_gcm_impl>()) {
      INFO("kernel " << test::name(impl) << ", pt " << n << ", aad " << aad.size() << ", nonce " << nonce.size());
      const gcm g(key, impl);
      CHECK(g.seal(nonce, aad, pt) == want);
      // In place.
      bytes buf = pt;
      std::array<std::uint8_t, 16> tag{};
      REQUIRE(g.encrypt(nonce, aad, buf, buf, tag));
      CHECK(std::equal(buf.begin(), buf.end(), want.begin()));
      CHECK(std::equal(tag.begin(), tag.end(), want.end() - 16));
      CHECK(g.decrypt(nonce, aad, buf, tag, buf));
      CHECK(buf == pt);
      // Tampering anywhere (ciphertext, tag, AAD, nonce) is rejected.
      auto bad = want;
      bad[r.below(bad.size())] ^= static_cast<std::uint8_t>(1u << r.below(8));
      CHECK_FALSE(g.open(nonce, aad, bad).has_value());
      if (!aad.empty()) {
        auto bad_aad = aad;
        bad_aad[r.below(bad_aad.size())] ^= 1;
        CHECK_FALSE(g.open(nonce, bad_aad, want).has_value());
      }
      auto bad_nonce = nonce;
      bad_nonce[r.below(bad_nonce.size())] ^= 0x40;
      CHECK_FALSE(g.open(bad_nonce, aad, want).has_value());
    }
  }
}
