// HMAC-SHA-256 and HMAC-SHA-512 (RFC 2104) on every SHA-2 kernel: NIST CAVP
// HMAC.rsp ([L=32], [L=64], truncated tags), RFC 4231 (external pyca files and
// vectors/, which adds the truncated test case 5), Wycheproof, and random
// keys and messages: incremental against one-shot, every kernel against the
// portable path.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>
#include <e2ee/mac/hmac.hpp>

#include "support/bytes.hpp"
#include "support/kernels.hpp"
#include "support/rng.hpp"
#include "support/rsp.hpp"
#include "support/vectors.hpp"
#include "support/wycheproof.hpp"

namespace {

// RFC 4231 test cases 1 and 2, checked by the compiler (portable path).
constexpr std::array<std::uint8_t, 20> tc1_key{0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                               0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};
constexpr std::array<std::uint8_t, 8> tc1_msg{'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e'};
static_assert(e2ee::hmac<e2ee::sha256>::mac(tc1_key, tc1_msg) ==
              e2ee::hex<32>("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
static_assert(e2ee::hmac<e2ee::sha512>::mac(tc1_key, tc1_msg) ==
              e2ee::hex<64>("87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                            "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"));
constexpr std::array<std::uint8_t, 4> tc2_key{'J', 'e', 'f', 'e'};
static_assert(e2ee::hmac<e2ee::sha256>::verify(
    tc2_key, e2ee::hex<28>("7768617420646f2079612077616e7420666f72206e6f7468696e673f"),
    e2ee::hex<32>("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")));

template <class H>
struct hmac_info;
template <>
struct hmac_info<e2ee::sha256> {
  using impl = e2ee::sha256_impl;
  static constexpr const char* nist_section = "32";
  static constexpr std::size_t nist_count = 225;  // HMAC.rsp [L=32]
  static constexpr const char* rfc_file = "rfc/rfc-4231-sha256.txt";
  static constexpr const char* own = "hmac_sha256.txt";
  static constexpr const char* wycheproof = "hmac_sha256_test.json";
};
template <>
struct hmac_info<e2ee::sha512> {
  using impl = e2ee::sha512_impl;
  static constexpr const char* nist_section = "64";
  static constexpr std::size_t nist_count = 375;  // HMAC.rsp [L=64]
  static constexpr const char* rfc_file = "rfc/rfc-4231-sha512.txt";
  static constexpr const char* own = "hmac_sha512.txt";
  static constexpr const char* wycheproof = "hmac_sha512_test.json";
};

using bytes_view = std::span<const std::uint8_t>;

// incremental: HMAC with the message fed in random pieces.
template <class H>
typename e2ee::hmac<H>::tag incremental(bytes_view key, bytes_view msg, test::rng& r) {
  e2ee::hmac<H> m(key);
  std::size_t off = 0;
  while (off < msg.size()) {
    const std::size_t left = msg.size() - off;
    const std::size_t n = r.below(6) == 0 ? left : r.range(0, left < 200 ? left : 200);
    m.update(msg.subspan(off, n));
    off += n;
  }
  return m.finish();
}

// check_tag: the truncated or full `expected` tag is the prefix of the tag;
// verify accepts it and rejects it with any single bit flipped (first, last byte).
template <class H>
void check_tag(bytes_view key, bytes_view msg, const std::vector<std::uint8_t>& expected) {
  using M = e2ee::hmac<H>;
  REQUIRE(!expected.empty());
  REQUIRE(expected.size() <= M::tag_size);
  const auto full = M::mac(key, msg);
  CHECK(test::hex(full).substr(0, 2 * expected.size()) == test::hex(expected));
  CHECK(M::verify(key, msg, expected));
  auto bad = expected;
  bad.back() ^= 0x01;
  CHECK_FALSE(M::verify(key, msg, bad));
  bad = expected;
  bad.front() ^= 0x80;
  CHECK_FALSE(M::verify(key, msg, bad));
}

}  // namespace

TEMPLATE_TEST_CASE("hmac: NIST CAVP HMAC.rsp on every kernel", "[hmac][nist]", e2ee::sha256, e2ee::sha512) {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  using H = TestType;
  using impl_t = typename hmac_info<H>::impl;
  const auto f = test::rsp::load_external("nist/HMAC.rsp");
  INFO(f.error);
  REQUIRE(f.ok());
  const auto records = f.in_section("L", hmac_info<H>::nist_section);
  REQUIRE(records.size() == hmac_info<H>::nist_count);
  test::rng r(0x4a4d4143);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    std::size_t count = 0, truncated = 0;
    for (const auto* rec : records) {
      INFO("kernel " << test::name(impl) << ", [L=" << hmac_info<H>::nist_section << "] Count = "
                     << rec->get("Count") << " (line " << rec->line << ")");
      const auto key = rec->hex("Key");
      const auto msg = rec->hex("Msg");
      const auto mac = rec->hex("Mac");
      const auto klen = rec->number("Klen");
      const auto tlen = rec->number("Tlen");
      REQUIRE((key && msg && mac && klen && tlen));
      REQUIRE(key->size() == *klen);
      REQUIRE(mac->size() == *tlen);
      check_tag<H>(*key, *msg, *mac);
      CHECK(test::hex(incremental<H>(*key, *msg, r)) == test::hex(e2ee::hmac<H>::mac(*key, *msg)));
      truncated += *tlen < H::digest_size;
      ++count;
    }
    CHECK(count == hmac_info<H>::nist_count);
    CHECK(truncated > 0);  // the file does exercise truncated tags
  }
}

TEMPLATE_TEST_CASE("hmac: RFC 4231 (pyca files) on every kernel", "[hmac][rfc]", e2ee::sha256, e2ee::sha512) {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  using H = TestType;
  using impl_t = typename hmac_info<H>::impl;
  const auto f = test::rsp::load_external(hmac_info<H>::rfc_file);
  INFO(f.error);
  REQUIRE(f.ok());
  REQUIRE(f.records.size() == 6);  // test cases 1-4, 6, 7 (5 is left out upstream)
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    std::size_t count = 0;
    for (const auto& rec : f.records) {
      INFO("kernel " << test::name(impl) << ", record at line " << rec.line);
      const auto key = rec.hex("Key");
      const auto msg = rec.hex("Msg");
      const auto md = rec.hex("MD");
      const auto len = rec.number("Len");
      REQUIRE((key && msg && md && len));
      REQUIRE(msg->size() * 8 == *len);
      REQUIRE(md->size() == H::digest_size);
      check_tag<H>(*key, *msg, *md);
      ++count;
    }
    CHECK(count == 6);
  }
}

TEMPLATE_TEST_CASE("hmac: RFC 4231 test cases 1-7 (vectors/) on every kernel", "[hmac][rfc]", e2ee::sha256,
                   e2ee::sha512) {
  using H = TestType;
  using impl_t = typename hmac_info<H>::impl;
  const auto f = test::rsp::load_own(hmac_info<H>::own);
  INFO(f.error);
  REQUIRE(f.ok());
  REQUIRE(f.records.size() == 7);
  test::rng r(4231);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    std::size_t count = 0, truncated = 0;
    for (const auto& rec : f.records) {
      INFO("kernel " << test::name(impl) << ": " << rec.get("name"));
      const auto key = rec.hex("key");
      const auto data = rec.hex("data");
      const auto mac = rec.hex("mac");
      REQUIRE((key && data && mac));
      check_tag<H>(*key, *data, *mac);
      CHECK(test::hex(incremental<H>(*key, *data, r)).substr(0, 2 * mac->size()) == test::hex(*mac));
      truncated += mac->size() == 16;
      ++count;
    }
    CHECK(count == 7);
    CHECK(truncated == 1);  // test case 5
  }
}

TEMPLATE_TEST_CASE("hmac: Wycheproof on every kernel", "[hmac][wycheproof]", e2ee::sha256, e2ee::sha512) {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  using H = TestType;
  using M = e2ee::hmac<H>;
  using impl_t = typename hmac_info<H>::impl;
  const auto suite = test::wycheproof::load_mac(hmac_info<H>::wycheproof);
  INFO(suite.error);
  REQUIRE(suite.ok());
  REQUIRE(suite.tests.size() == suite.declared_count);
  REQUIRE(suite.declared_count == 174);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    std::size_t valid = 0, invalid = 0;
    for (const auto& t : suite.tests) {
      INFO("kernel " << test::name(impl) << ", tcId " << t.id << " (" << to_string(t.expect) << "): "
                     << t.comment);
      REQUIRE(t.tag_size_bits % 8 == 0);
      const std::size_t tag_bytes = t.tag_size_bits / 8;
      REQUIRE(tag_bytes <= M::tag_size);
      const auto full = M::mac(t.key, t.msg);
      const std::string prefix = test::hex(full).substr(0, 2 * tag_bytes);
      if (t.valid()) {
        REQUIRE(t.tag.size() == tag_bytes);
        CHECK(prefix == test::hex(t.tag));
        CHECK(M::verify(t.key, t.msg, t.tag));
        ++valid;
      } else if (t.invalid()) {
        CHECK_FALSE(M::verify(t.key, t.msg, t.tag));
        ++invalid;
      } else {
        // acceptable: either verdict, but a verified tag must be the real one.
        if (M::verify(t.key, t.msg, t.tag)) CHECK(prefix == test::hex(t.tag));
      }
    }
    CHECK(valid == 66);
    CHECK(invalid == 108);
  }
}

TEMPLATE_TEST_CASE("hmac: incremental equals one-shot and every kernel equals portable",
                   "[hmac][random]", e2ee::sha256, e2ee::sha512) {
  using H = TestType;
  using M = e2ee::hmac<H>;
  using impl_t = typename hmac_info<H>::impl;
  test::rng r(0x686d6163);
  INFO("rng seed " << r.seed());
  // Key lengths 0..2 blocks + 1 (short, block-sized and hashed keys), random
  // message lengths up to 3 blocks.
  struct input {
    std::vector<std::uint8_t> key, msg;
  };
  std::vector<input> inputs;
  for (std::size_t klen = 0; klen <= 2 * H::block_size + 1; ++klen)
    inputs.push_back({r.bytes(klen), r.bytes(r.range(0, 3 * H::block_size + 1))});
  for (std::size_t mlen = 0; mlen <= 3 * H::block_size + 1; ++mlen)
    inputs.push_back({r.bytes(r.range(0, 2 * H::block_size)), r.bytes(mlen)});

  std::vector<typename M::tag> reference;
  {
    const test::force_impl<impl_t> portable(impl_t::portable);
    REQUIRE(portable.selected());
    for (const auto& in : inputs) reference.push_back(M::mac(in.key, in.msg));
  }
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    REQUIRE(use.selected());
    std::size_t checked = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto& in = inputs[i];
      INFO("kernel " << test::name(impl) << ", key " << in.key.size() << " bytes, message " << in.msg.size()
                     << " bytes");
      const std::string expected = test::hex(reference[i]);
      REQUIRE(test::hex(M::mac(in.key, in.msg)) == expected);
      REQUIRE(test::hex(incremental<H>(in.key, in.msg, r)) == expected);
      REQUIRE(M::verify(in.key, in.msg, reference[i]));
      ++checked;
    }
    CHECK(checked == inputs.size());
  }
}

TEMPLATE_TEST_CASE("hmac: object reuse, copies, verify edge cases", "[hmac]", e2ee::sha256, e2ee::sha512) {
  using H = TestType;
  using M = e2ee::hmac<H>;
  using impl_t = typename hmac_info<H>::impl;
  test::rng r(99);
  const auto key = r.bytes(32), a = r.bytes(100), b = r.bytes(37);
  for (const impl_t impl : test::available_impls<impl_t>()) {
    const test::force_impl<impl_t> use(impl);
    INFO("kernel " << test::name(impl));
    M m(key);
    m.update(a);
    const auto t1 = m.finish();
    CHECK(t1 == M::mac(key, a));
    m.update(a);  // finish leaves the object ready for a new message, same key
    CHECK(m.finish() == t1);
    CHECK(m.finish() == M::mac(key, {}));

    M x(key);
    x.update(a);
    M y = x;
    x.update(b);
    std::vector<std::uint8_t> ab(a);
    ab.insert(ab.end(), b.begin(), b.end());
    CHECK(x.finish() == M::mac(key, ab));
    CHECK(y.finish() == t1);

    // verify: every truncation length 1..tag_size accepted; empty or too long rejected.
    for (std::size_t n = 1; n <= M::tag_size; ++n)
      CHECK(M::verify(key, a, std::span<const std::uint8_t>(t1).first(n)));
    CHECK_FALSE(M::verify(key, a, {}));
    std::vector<std::uint8_t> longer(t1.begin(), t1.end());
    longer.push_back(0);
    CHECK_FALSE(M::verify(key, a, longer));
    CHECK_FALSE(M::verify(key, b, t1));
    // A key longer than the block is its hash (RFC 2104, 2).
    const auto long_key = r.bytes(H::block_size + 1);
    const auto hashed = H::hash(long_key);
    CHECK(M::mac(long_key, a) == M::mac(hashed, a));
  }
}
