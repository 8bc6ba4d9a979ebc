// Ed25519 (RFC 8032, pure): TEST 1 checked by the compiler; run time: the
// 1,024-line sign.input list (key from seed, byte-identical signature,
// verify), BoringSSL's RFC 8032 file, Wycheproof ed25519_test.json (every
// case counted), scalar arithmetic mod L against a reference, and the edge
// cases of the verification rule documented in ec/ed25519.hpp.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core/bytes.hpp>
#include <e2ee/ec/ed25519.hpp>
#include <e2ee/ec/edwards25519.hpp>
#include <e2ee/ec/scalar25519.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"
#include "support/rsp.hpp"
#include "support/vectors.hpp"
#include "support/wycheproof.hpp"

namespace {

using e2ee::hex;
namespace ed = e2ee::ed25519;
namespace sc = e2ee::detail::sc25519;
namespace ge = e2ee::detail::ed25519;

// RFC 8032 7.1 TEST 1 (empty message), checked by the compiler: key pair
// from the seed, the signature, and its verification. Each is its own
// constant evaluation (clang's default -fconstexpr-steps is 1,048,576; one
// fixed-base multiplication plus hashing fits, two in one evaluation do not).
constexpr auto t1_seed = hex<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
constexpr auto t1_pk = hex<32>("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
constexpr auto t1_sig = hex<64>(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe2465"
    "5141438e7a100b");
constexpr auto t1_kp = ed::key_pair::from_seed(t1_seed);
static_assert(t1_kp.public_key == t1_pk);
static_assert(ed::sign(t1_kp, {}) == t1_sig);
static_assert(ed::verify(t1_sig, t1_pk, {}));

template <std::size_t N>
std::array<std::uint8_t, N> fixed(const std::vector<std::uint8_t>& v) {
  REQUIRE(v.size() == N);
  std::array<std::uint8_t, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = v[i];
  return a;
}

// verify_any: the verdict for a signature of any length (wrong lengths are
// rejected before the fixed-extent API is reached).
bool verify_any(const std::vector<std::uint8_t>& sig, const std::vector<std::uint8_t>& pk,
                const std::vector<std::uint8_t>& msg) {
  if (sig.size() != 64 || pk.size() != 32) return false;
  return ed::verify(fixed<64>(sig), fixed<32>(pk), msg);
}

// split a line on ':'.
std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = s.find(sep, start);
    if (p == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, p - start));
    start = p + 1;
  }
}

// bytes of a BoringSSL file_test value: hex, or "text" in quotes.
std::vector<std::uint8_t> boring_value(const std::string& v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return test::ascii(v.substr(1, v.size() - 2));
  return test::unhex(v);
}

// L as bytes, and L + x for small x.
constexpr auto order_bytes = hex<32>("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

}  // namespace

TEST_CASE("ed25519: sign.input, 1,024 lines (keygen, sign, verify)", "[ed25519][rfc]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto text = test::vectors::read_file(test::vectors::external("rfc/sign.input"));
  REQUIRE(text.has_value());
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < text->size()) {
    std::size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    const std::string_view line(text->data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    const auto fields = split(line, ':');
    REQUIRE(fields.size() == 5);  // sk||pk : pk : msg : sig||msg : (empty)
    INFO("line " << lines + 1);
    const auto skpk = test::unhex(fields[0]);
    const auto pk = test::unhex(fields[1]);
    const auto msg = test::unhex(fields[2]);
    const auto sigmsg = test::unhex(fields[3]);
    REQUIRE(skpk.size() == 64);
    REQUIRE(sigmsg.size() == 64 + msg.size());
    const auto seed = fixed<32>(std::vector<std::uint8_t>(skpk.begin(), skpk.begin() + 32));
    const auto kp = ed::key_pair::from_seed(seed);
    CHECK(test::hex(kp.public_key) == test::hex(pk));
    CHECK(test::hex(std::vector<std::uint8_t>(skpk.begin() + 32, skpk.end())) == test::hex(pk));
    const auto sig = ed::sign(kp, msg);
    CHECK(test::hex(sig) == test::hex(std::vector<std::uint8_t>(sigmsg.begin(), sigmsg.begin() + 64)));
    CHECK(ed::verify(sig, kp.public_key, msg));
    // a flipped message bit (or, for the empty message, a flipped S bit) fails.
    auto bad_msg = msg;
    auto bad_sig = sig;
    if (bad_msg.empty()) {
      bad_sig[40] ^= 0x01;
    } else {
      bad_msg[lines % bad_msg.size()] ^= 0x20;
    }
    CHECK_FALSE(ed::verify(bad_sig, kp.public_key, bad_msg));
    ++lines;
  }
  CHECK(lines == 1024);
}

TEST_CASE("ed25519: BoringSSL RFC 8032 file", "[ed25519][rfc]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto f = test::rsp::load_external("rfc/boringssl_evp_ed25519_tests.txt");
  INFO(f.error);
  REQUIRE(f.ok());
  struct keys {
    std::string name;
    std::vector<std::uint8_t> priv, pub;
  };
  std::vector<keys> ks;
  std::size_t key_blocks = 0, key_checked = 0, signs = 0, sign_ok = 0, sign_na = 0, verifies = 0, verify_ok = 0,
              verify_bad = 0, verify_na = 0;
  const auto find_key = [&](std::string_view n) -> const keys* {
    for (const auto& k : ks)
      if (k.name == n) return &k;
    return nullptr;
  };
  for (const auto& rec : f.records) {
    INFO("line " << rec.line);
    if (rec.has("Key")) {
      ++key_blocks;
      keys k{rec.get("Key"), {}, {}};
      if (rec.has("RawPrivate")) k.priv = test::unhex(rec.get("RawPrivate"));
      if (rec.has("RawPublic")) k.pub = test::unhex(rec.get("RawPublic"));
      if (!k.priv.empty()) {  // blocks without raw keys test DER parsing (not ours)
        REQUIRE(k.pub.size() == 32);
        CHECK(test::hex(ed::key_pair::from_seed(fixed<32>(k.priv)).public_key) == test::hex(k.pub));
        ++key_checked;
      }
      ks.push_back(std::move(k));
    } else if (rec.has("SignMessage") || rec.has("Sign")) {
      ++signs;
      const std::string who = rec.has("Sign") ? rec.get("Sign") : rec.get("SignMessage");
      if (rec.has("Sign") || rec.has("Error")) {  // prehash, digest or public-only: no such API
        ++sign_na;
        continue;
      }
      const auto slash = who.find('/');
      REQUIRE(slash != std::string::npos);
      REQUIRE(who.substr(slash) == "/Private");
      const keys* k = find_key(who.substr(0, slash));
      REQUIRE(k != nullptr);
      const auto kp = ed::key_pair::from_seed(fixed<32>(k->priv));
      CHECK(test::hex(ed::sign(kp, boring_value(rec.get("Input")))) == rec.get("Output"));
      ++sign_ok;
    } else if (rec.has("VerifyMessage") || rec.has("Verify")) {
      ++verifies;
      if (rec.has("Verify")) {  // prehash: no such API
        ++verify_na;
        continue;
      }
      const keys* k = find_key(rec.get("VerifyMessage"));
      REQUIRE(k != nullptr);
      const bool ok = verify_any(test::unhex(rec.get("Output")), k->pub, boring_value(rec.get("Input")));
      if (rec.has("Error")) {
        CHECK_FALSE(ok);
        ++verify_bad;
      } else {
        CHECK(ok);
        ++verify_ok;
      }
    }
  }
  CHECK(key_blocks == 8);
  CHECK(key_checked == 6);
  CHECK(signs == 8);
  CHECK(sign_ok == 5);
  CHECK(sign_na == 3);
  CHECK(verifies == 8);
  CHECK(verify_ok == 5);
  CHECK(verify_bad == 2);
  CHECK(verify_na == 1);
}

TEST_CASE("ed25519: Wycheproof ed25519_test.json, every case", "[ed25519][wycheproof]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto suite = test::wycheproof::load_eddsa_verify("ed25519_test.json");
  INFO(suite.error);
  REQUIRE(suite.ok());
  REQUIRE(suite.tests.size() == suite.declared_count);
  REQUIRE(suite.declared_count == 151);
  std::size_t valid = 0, invalid = 0;
  for (const auto& t : suite.tests) {
    INFO("tcId " << t.id << ": " << t.comment);
    const bool ok = verify_any(t.sig, t.public_key, t.msg);
    REQUIRE(!t.acceptable());  // the file has no acceptable cases
    if (t.valid()) {
      CHECK(ok);
      ++valid;
    } else {
      CHECK_FALSE(ok);
      ++invalid;
    }
  }
  CHECK(valid == 88);
  CHECK(invalid == 63);
}

TEST_CASE("ed25519: verification rule edge cases", "[ed25519]") {
  const auto kp = ed::key_pair::from_seed(hex<32>("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
  const std::array<std::uint8_t, 3> msg{1, 2, 3};
  const auto sig = ed::sign(kp, msg);
  REQUIRE(ed::verify(sig, kp.public_key, msg));

  SECTION("S + L (same value mod L) is rejected: S >= L") {
    auto bad = sig;
    unsigned carry = 0;
    for (std::size_t i = 0; i < 32; ++i) {
      const unsigned s = bad[32 + i] + order_bytes[i] + carry;
      bad[32 + i] = static_cast<std::uint8_t>(s);
      carry = s >> 8;
    }
    REQUIRE(carry == 0);  // S < L < 2^253, so S + L < 2^254
    CHECK_FALSE(ed::verify(bad, kp.public_key, msg));
  }
  SECTION("S = L exactly is rejected") {
    auto bad = sig;
    for (std::size_t i = 0; i < 32; ++i) bad[32 + i] = order_bytes[i];
    CHECK_FALSE(ed::verify(bad, kp.public_key, msg));
  }
  SECTION("non-canonical public key y (y + p) is rejected") {
    // y = 1 (identity, x = 0) has the non-canonical encoding p + 1.
    const auto nc = hex<32>("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    ge::p3 pt{};
    CHECK_FALSE(ge::decode_vartime(nc, pt));
    const auto canon = hex<32>("0100000000000000000000000000000000000000000000000000000000000000");
    CHECK(ge::decode_vartime(canon, pt));
    CHECK(ge::is_identity_vartime(pt));
  }
  SECTION("x = 0 with the sign bit set is rejected") {
    const auto neg_zero = hex<32>("0100000000000000000000000000000000000000000000000000000000000080");
    ge::p3 pt{};
    CHECK_FALSE(ge::decode_vartime(neg_zero, pt));
  }
  SECTION("a y with no x is rejected") {
    auto pk = kp.public_key;
    std::size_t rejected = 0;
    for (int i = 0; i < 16; ++i) {
      pk[0] = static_cast<std::uint8_t>(pk[0] + 1);
      ge::p3 pt{};
      if (!ge::decode_vartime(pk, pt)) {
        ++rejected;
        CHECK_FALSE(ed::verify(sig, pk, msg));
      }
    }
    CHECK(rejected > 0);  // about half of all y are not on the curve
  }
  SECTION("small-order public key with identity R and S = 0 verifies (cofactored rule)") {
    // A = (0, -1) of order 2, R = identity, S = 0: [8](0·B - k·A - R) = O.
    const auto a = hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    std::array<std::uint8_t, 64> s{};
    s[0] = 1;  // R = encoding of the identity (y = 1)
    CHECK(ed::verify(s, a, msg));
  }
}

TEST_CASE("ed25519: decode/encode round trip of multiples of B", "[ed25519]") {
  ge::p3 p = ge::base_point;
  for (int i = 0; i < 64; ++i) {
    const auto e = ge::encode(p);
    ge::p3 q{};
    REQUIRE(ge::decode_vartime(e, q));
    CHECK(ge::encode(q) == e);
    p = ge::add(p, ge::dbl3(p));  // 3p
  }
}

TEST_CASE("ed25519: scalar arithmetic mod L", "[ed25519]") {
  // reduce_wide of known values: L -> 0, L + 5 -> 5, 2^512 - 1 -> reference.
  std::array<std::uint8_t, 64> w{};
  for (std::size_t i = 0; i < 32; ++i) w[i] = order_bytes[i];
  CHECK(test::hex(sc::to_bytes(sc::reduce_wide(w))) == std::string(64, '0'));
  w[0] = static_cast<std::uint8_t>(w[0] + 5);
  CHECK(test::hex(sc::to_bytes(sc::reduce_wide(w))) ==
        "0500000000000000000000000000000000000000000000000000000000000000");
  w.fill(0xff);
  // (2^512 - 1) mod L, computed with Python: pow(2,512,L) - 1.
  CHECK(test::hex(sc::to_bytes(sc::reduce_wide(w))) ==
        "000f9c44e31106a447938568a71b0ed065bef517d273ecce3d9a307c1b419903");
  CHECK(sc::is_canonical(hex<32>("ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")));  // L-1
  CHECK_FALSE(sc::is_canonical(order_bytes));
  CHECK_FALSE(sc::is_canonical(hex<32>("0000000000000000000000000000000000000000000000000000000000000020")));
  // muladd against small numbers: 3·5 + 7 = 22; (L-1)·(L-1) + 0 = 1.
  auto small = [](std::uint8_t v) {
    std::array<std::uint8_t, 32> b{};
    b[0] = v;
    return sc::from_bytes(b);
  };
  CHECK(sc::to_bytes(sc::muladd(small(3), small(5), small(7)))[0] == 22);
  const auto lm1 = sc::reduce(hex<32>("ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"));
  CHECK(test::hex(sc::to_bytes(sc::muladd(lm1, lm1, small(0)))) ==
        "0100000000000000000000000000000000000000000000000000000000000000");
}

TEST_CASE("ed25519: random keys, sign/verify, tampering", "[ed25519]") {
  test::rng r(0x65643235);
  for (int i = 0; i < 32; ++i) {
    std::array<std::uint8_t, 32> seed{};
    r.fill(seed);
    const auto kp = ed::key_pair::from_seed(seed);
    CHECK(test::hex(kp.seed()) == test::hex(seed));
    const auto msg = r.bytes(r.range(0, 300));
    const auto sig = ed::sign(kp, msg);
    CHECK(ed::verify(sig, kp.public_key, msg));
    auto bad = sig;
    bad[r.below(64)] ^= static_cast<std::uint8_t>(1u << r.below(8));
    CHECK_FALSE(ed::verify(bad, kp.public_key, msg));
    auto pk = kp.public_key;
    pk[r.below(31)] ^= 0x04;
    CHECK_FALSE(ed::verify(sig, pk, msg));
  }
}
