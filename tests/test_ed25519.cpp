// Ed25519 (RFC 8032, pure): TEST 1 checked by the compiler; run time: the
// 1,024-line sign.input list (key from seed, byte-identical signature,
// verify), BoringSSL's RFC 8032 file, Wycheproof ed25519_test.json (every
// case counted), scalar arithmetic mod L against a reference, and the edge
// cases of the verification rule documented in ec/ed25519.hpp.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core/bytes.hpp>
#include <e2ee/ec/ed25519.hpp>
#include <e2ee/ec/edwards25519.hpp>
#include <e2ee/ec/scalar25519.hpp>
#include <e2ee/ec/x25519.hpp>

#include "support/bytes.hpp"
#include "support/kernels_x25519.hpp"
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
  E2EE_EVERY_CURVE25519_KERNEL();
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
  E2EE_EVERY_CURVE25519_KERNEL();
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
  E2EE_EVERY_CURVE25519_KERNEL();
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
  E2EE_EVERY_CURVE25519_KERNEL();
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

namespace {

// wnaf_ok: the width-W NAF d of a is one: every digit 0 or odd with
// |d_i| < 2^(W-1), at most one non-zero digit in any W consecutive
// positions, and sum d_i·2^i = a (checked in 32-bit limbs, signed).
template <unsigned W>
bool wnaf_ok(const std::array<std::uint8_t, 32>& a, const ge::naf_digits& d) {
  std::size_t last = 0;
  bool seen = false;
  std::array<std::int64_t, 10> acc{};
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] == 0) continue;
    if (d[i] % 2 == 0 || d[i] >= (1 << (W - 1)) || d[i] <= -(1 << (W - 1))) return false;
    if (seen && i - last < W) return false;
    seen = true;
    last = i;
    acc[i / 32] += std::int64_t{d[i]} * (std::int64_t{1} << (i % 32));
  }
  for (std::size_t j = 0; j + 1 < acc.size(); ++j) {  // carry, floor division by 2^32
    const std::int64_t low = acc[j] & 0xffffffff;
    acc[j + 1] += (acc[j] - low) / (std::int64_t{1} << 32);
    acc[j] = low;
  }
  for (std::size_t j = 0; j < 8; ++j) {
    std::int64_t limb = 0;
    for (std::size_t b = 0; b < 4; ++b) limb |= std::int64_t{a[4 * j + b]} << (8 * b);
    if (acc[j] != limb) return false;
  }
  return acc[8] == 0 && acc[9] == 0;
}

}  // namespace

TEST_CASE("ed25519: width-w NAF digits rebuild the scalar", "[ed25519]") {
  test::rng r(0x7a7f);
  INFO("seed " << r.seed());
  std::vector<std::array<std::uint8_t, 32>> scalars;
  scalars.push_back({});                  // 0
  scalars.push_back(order_bytes);         // L
  std::array<std::uint8_t, 32> x{};
  x.fill(0xff);
  scalars.push_back(x);                   // 2^256 - 1: the carries run off the top
  x.fill(0);
  x[0] = 1;
  scalars.push_back(x);
  for (int i = 0; i < 2000; ++i) {
    for (auto& b : x) b = static_cast<std::uint8_t>(r.next());
    if (i % 3 == 1)  // runs of ones and zeros, and word boundaries
      for (std::size_t j = 0; j < 32; ++j) x[j] = (r.next() & 1) != 0 ? 0xff : 0;
    if (i % 3 == 2)
      for (std::size_t j = 0; j < 32; ++j)
        if (r.next() % 4 != 0) x[j] = 0;
    scalars.push_back(x);
  }
  for (const auto& a : scalars) {
    INFO(test::hex(a));
    REQUIRE(wnaf_ok<4>(a, ge::wnaf_vartime<4>(a)));
    REQUIRE(wnaf_ok<5>(a, ge::wnaf_vartime<5>(a)));
    REQUIRE(wnaf_ok<6>(a, ge::wnaf_vartime<6>(a)));
    REQUIRE(wnaf_ok<8>(a, ge::wnaf_vartime<8>(a)));
    std::size_t calls = 0, nonzero = 0;  // wnaf_each_vartime: the same digits, once each
    const ge::naf_digits d = ge::wnaf_vartime<5>(a);
    ge::wnaf_each_vartime<5>(a, [&](std::size_t i, std::int8_t v) {
      ++calls;
      CHECK(d[i] == v);
    });
    for (const auto v : d) nonzero += v != 0 ? 1 : 0;
    REQUIRE(calls == nonzero);
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
  E2EE_EVERY_CURVE25519_KERNEL();
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

// ---------------------------------------------------------------------------
// Fixed-base comb, X25519 public key through the comb, verification-rule edge
// cases for single and batch verification, batches with bad signatures.

namespace {

// RFC 7748 6.1: Alice's key pair, checked by the compiler (comb + map to u).
constexpr auto alice_sk = hex<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
constexpr auto alice_pk = hex<32>("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
static_assert(e2ee::x25519::public_key(alice_sk) == alice_pk);

using bytes32 = std::array<std::uint8_t, 32>;
using sig64 = std::array<std::uint8_t, 64>;

// A deterministic random source that can be told to fail.
struct failing_rng {
  bool fill(std::span<std::uint8_t> out) noexcept {
    for (auto& b : out) b = 0;
    return false;
  }
};

// torsion: the eight points of order dividing 8, T[j] = j·Q for a point Q
// of order 8 found as [L]P for a decoded P (no literal tables).
std::array<ge::p3, 8> torsion() {
  constexpr bytes32 zero{};
  for (std::uint8_t y0 = 2;; ++y0) {
    bytes32 e{};
    e[0] = y0;
    ge::p3 p{};
    if (!ge::decode_vartime(e, p)) continue;
    const ge::p3 q = ge::double_scalarmult_vartime(order_bytes, p, zero);  // [L]P
    if (ge::is_identity_vartime(ge::dbl3(ge::dbl3(q)))) continue;           // order < 8
    std::array<ge::p3, 8> t{};
    t[0] = ge::identity;
    for (std::size_t j = 1; j < 8; ++j) t[j] = ge::add(t[j - 1], q);
    return t;
  }
}

// sign_raw: R || S with S = r + k·s mod L and k = H(R_enc || A_enc || msg),
// for chosen scalars and chosen (possibly odd) encodings of A and R.
sig64 sign_raw(const bytes32& s, const bytes32& r, const bytes32& r_enc, const bytes32& a_enc,
               std::span<const std::uint8_t> msg) {
  const auto k = ed::detail::hash_mod_l(r_enc, a_enc, msg);
  const auto big_s = sc::to_bytes(sc::muladd(k, sc::reduce(s), sc::reduce(r)));
  sig64 out{};
  for (std::size_t i = 0; i < 32; ++i) {
    out[i] = r_enc[i];
    out[32 + i] = big_s[i];
  }
  return out;
}

sig64 join(const bytes32& r, const bytes32& s) {
  sig64 out{};
  for (std::size_t i = 0; i < 32; ++i) {
    out[i] = r[i];
    out[32 + i] = s[i];
  }
  return out;
}

// non_canonical: the encoding of y + p (y in 0..18, so y + p < 2^255) with
// the given sign bit.
bytes32 non_canonical(std::uint8_t y, std::uint8_t sign) {
  bytes32 e{};
  unsigned carry = y;
  // p = 2^255 - 19: bytes ed ff .. ff 7f
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned pb = i == 0 ? 0xedu : (i == 31 ? 0x7fu : 0xffu);
    const unsigned v = pb + carry;
    e[i] = static_cast<std::uint8_t>(v);
    carry = v >> 8;
  }
  e[31] = static_cast<std::uint8_t>(e[31] | (sign << 7));
  return e;
}

// batch_verdicts: verify_batch on {x} alone and on x hidden among valid
// signatures (at position pos), with and without a report; every answer
// must equal the single verdict.
struct honest_set {
  std::vector<sig64> sigs;
  std::vector<bytes32> pks;
  std::vector<std::vector<std::uint8_t>> msgs;
};
const honest_set& honest(std::size_t n = 70) {
  static const honest_set h = [n] {
    honest_set s;
    test::rng r(0x68307431);
    for (std::size_t i = 0; i < n; ++i) {
      bytes32 seed{};
      r.fill(seed);
      const auto kp = ed::key_pair::from_seed(seed);
      s.msgs.push_back(r.bytes(r.range(0, 100)));
      s.pks.push_back(kp.public_key);
      s.sigs.push_back(ed::sign(kp, s.msgs.back()));
    }
    return s;
  }();
  return h;
}

void check_single_equals_batch(const sig64& sig, const bytes32& pk, std::span<const std::uint8_t> msg,
                               test::rng& r) {
  const bool single = ed::verify(sig, pk, msg);
  const ed::signed_message one{sig, pk, msg};
  CHECK(ed::verify_batch(std::span<const ed::signed_message>(&one, 1), r) == single);
  const auto& h = honest();
  std::vector<ed::signed_message> items;
  const std::size_t n = r.range(2, 40);
  const std::size_t pos = r.below(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (i == pos) items.push_back(one);
    else items.push_back({h.sigs[i], h.pks[i], h.msgs[i]});
  }
  CHECK(ed::verify_batch(items, r) == single);
  std::unique_ptr<bool[]> valid(new bool[n]);
  CHECK(ed::verify_batch(items, std::span<bool>(valid.get(), n), r) == single);
  for (std::size_t i = 0; i < n; ++i) CHECK(valid[i] == (i == pos ? single : true));
}

}  // namespace

TEST_CASE("ed25519: comb scalarmult_base equals the windowed ladder", "[ed25519][comb]") {
  const auto window = ge::make_window_table(ge::base_point);
  test::rng r(0x636f6d62);
  std::vector<bytes32> scalars;
  scalars.push_back(bytes32{});                                                                     // 0
  scalars.push_back(hex<32>("0100000000000000000000000000000000000000000000000000000000000000"));  // 1
  scalars.push_back(hex<32>("ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"));  // L-1
  scalars.push_back(order_bytes);                                                                   // L
  scalars.push_back(hex<32>("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));  // 2^255-1
  scalars.push_back(hex<32>("8888888888888888888888888888888888888888888888888888888888888808"));  // all +8 digits
  for (int i = 0; i < 200; ++i) {
    bytes32 s{};
    r.fill(s);
    s[31] &= 0x7f;
    scalars.push_back(s);
  }
  for (const auto& s : scalars) {
    INFO(test::hex(s));
    CHECK(ge::encode(ge::scalarmult_base(s)) == ge::encode(ge::scalarmult(window, s)));
    CHECK(ge::encode(ge::scalarmult_base(s)) ==
          ge::encode(ge::double_scalarmult_vartime(bytes32{}, ge::base_point, s)));
  }
  CHECK(ge::is_identity_vartime(ge::scalarmult_base(order_bytes)));
  // The table's rows are (j+1)·256^i·B.
  ge::p3 row = ge::base_point;
  for (std::size_t i = 0; i < 32; ++i) {
    ge::p3 m = row;
    for (std::size_t j = 0; j < 8; ++j) {
      const auto& n = ge::comb_table[i][j];
      const ge::p3 viaz = ge::to_p3(ge::madd(ge::identity, n));
      CHECK(ge::encode(viaz) == ge::encode(m));
      m = ge::add(m, row);
    }
    for (int d = 0; d < 8; ++d) row = ge::dbl3(row);
  }
}

TEST_CASE("x25519: public_key through the comb equals scalarmult(k, 9)", "[x25519][ed25519][comb]") {
  E2EE_EVERY_CURVE25519_KERNEL();
  test::rng r(0x78323535);
  for (int i = 0; i < 300; ++i) {
    bytes32 k{};
    r.fill(k);
    if (i == 0) k.fill(0);
    if (i == 1) k.fill(0xff);
    INFO(test::hex(k));
    CHECK(e2ee::x25519::public_key(k) == e2ee::x25519::scalarmult(k, e2ee::x25519::base_point));
  }
}

TEST_CASE("ed25519: rule edge cases, single verify == batch verify", "[ed25519][rule][batch]") {
  E2EE_EVERY_CURVE25519_KERNEL();
  test::rng r(0x72756c65);
  const auto t = torsion();
  std::array<bytes32, 8> t_enc{};
  for (std::size_t j = 0; j < 8; ++j) t_enc[j] = ge::encode(t[j]);
  // The known encoding of a point of order 8 is among them (a fact, not ours).
  const auto known8 = hex<32>("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05");
  CHECK(std::find(t_enc.begin(), t_enc.end(), known8) != t_enc.end());
  const std::vector<std::uint8_t> msg{'e', 'd', 'g', 'e'};
  const bytes32 zero{};
  std::size_t cases = 0;

  SECTION("small-order A and R, S = 0: valid under the cofactored equation") {
    for (std::size_t i = 0; i < 8; ++i)
      for (std::size_t j = 0; j < 8; ++j) {
        const sig64 sig = join(t_enc[j], zero);
        CHECK(ed::verify(sig, t_enc[i], msg));
        check_single_equals_batch(sig, t_enc[i], msg, r);
        ++cases;
      }
    CHECK(cases == 64);
  }
  SECTION("small-order A: valid iff [8](SB - R) = O, whatever the message") {
    const bytes32 s = hex<32>("0500000000000000000000000000000000000000000000000000000000000000");
    for (std::size_t i = 0; i < 8; ++i) {
      const sig64 sig = join(ge::encode(ge::scalarmult_base(s)), s);  // R = 5B, S = 5: SB - R = O
      CHECK(ed::verify(sig, t_enc[i], msg));  // [8](O - k·T) = O: valid for any small-order A
      check_single_equals_batch(sig, t_enc[i], msg, r);
      auto bad = sig;
      bad[32] = 6;  // S = 6: SB - R = B, not small order
      CHECK_FALSE(ed::verify(bad, t_enc[i], msg));
      check_single_equals_batch(bad, t_enc[i], msg, r);
    }
  }
  SECTION("mixed-order A and R signed honestly: valid (cofactored), batch agrees") {
    for (std::size_t j = 0; j < 8; ++j) {
      bytes32 s{}, rr{};
      r.fill(s);
      r.fill(rr);
      s[31] &= 0x0f;
      rr[31] &= 0x0f;
      const bytes32 a_mixed = ge::encode(ge::add(ge::scalarmult_base(s), t[j]));
      const bytes32 a_pure = ge::encode(ge::scalarmult_base(s));
      const bytes32 r_mixed = ge::encode(ge::add(ge::scalarmult_base(rr), t[(j + 3) % 8]));
      const bytes32 r_pure = ge::encode(ge::scalarmult_base(rr));
      for (const auto& [ae, re] : {std::pair{a_mixed, r_pure}, std::pair{a_pure, r_mixed}, std::pair{a_mixed, r_mixed}}) {
        const sig64 sig = sign_raw(s, rr, re, ae, msg);
        CHECK(ed::verify(sig, ae, msg));
        check_single_equals_batch(sig, ae, msg, r);
        sig64 bad = sig;
        bad[33] ^= 0x01;  // S changed by 2^8 (still < L): invalid
        CHECK_FALSE(ed::verify(bad, ae, msg));
        check_single_equals_batch(bad, ae, msg, r);
        ++cases;
      }
    }
    CHECK(cases == 24);
  }
  SECTION("non-canonical encodings of A and R (y >= p, x = 0 with sign 1): rejected") {
    // A = identity, R = identity, S = 0 is valid canonically; every other
    // encoding of the same points is rejected.
    const bytes32 id = t_enc[0];
    const sig64 good = join(id, zero);
    CHECK(ed::verify(good, id, msg));
    std::vector<bytes32> odd;
    for (std::uint8_t y = 0; y < 19; ++y)
      for (std::uint8_t sign = 0; sign < 2; ++sign) odd.push_back(non_canonical(y, sign));
    auto id_neg = id;
    id_neg[31] |= 0x80;  // x = 0, sign 1
    odd.push_back(id_neg);
    auto minus_one = hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");  // (0,-1), sign 1
    odd.push_back(minus_one);
    std::size_t decodable_if_reduced = 0;
    for (const auto& e : odd) {
      INFO(test::hex(e));
      ge::p3 p{};
      CHECK_FALSE(ge::decode_vartime(e, p));
      // the same y reduced mod p: does it name a curve point at all?
      bytes32 reduced = e2ee::detail::f25519::to_bytes(e2ee::detail::f25519::from_bytes(e));
      if (ge::decode_vartime(reduced, p)) ++decodable_if_reduced;
      const sig64 as_r = join(e, zero);
      CHECK_FALSE(ed::verify(as_r, id, msg));
      check_single_equals_batch(as_r, id, msg, r);
      CHECK_FALSE(ed::verify(good, e, msg));
      check_single_equals_batch(good, e, msg, r);
    }
    CHECK(decodable_if_reduced > 0);
  }
  SECTION("S >= L, S = L, S = 0") {
    const auto& h = honest();
    for (std::size_t i = 0; i < 8; ++i) {
      const sig64& sig = h.sigs[i];
      sig64 s_plus_l = sig, s_eq_l = sig, s_zero = sig, s_max = sig;
      unsigned carry = 0;
      for (std::size_t b = 0; b < 32; ++b) {
        const unsigned v = s_plus_l[32 + b] + order_bytes[b] + carry;
        s_plus_l[32 + b] = static_cast<std::uint8_t>(v);
        carry = v >> 8;
        s_eq_l[32 + b] = order_bytes[b];
        s_zero[32 + b] = 0;
        s_max[32 + b] = 0xff;
      }
      for (const sig64* x : {&s_plus_l, &s_eq_l, &s_zero, &s_max}) {
        CHECK_FALSE(ed::verify(*x, h.pks[i], h.msgs[i]));
        check_single_equals_batch(*x, h.pks[i], h.msgs[i], r);
      }
    }
  }
  SECTION("random mutations of valid signatures") {
    const auto& h = honest();
    for (int it = 0; it < 200; ++it) {
      const std::size_t i = r.below(h.sigs.size());
      sig64 sig = h.sigs[i];
      bytes32 pk = h.pks[i];
      switch (r.below(4)) {
        case 0: sig[r.below(64)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
        case 1: pk[r.below(32)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
        case 2: r.fill(std::span<std::uint8_t>(sig.data(), 32)); break;  // random R
        default: for (std::size_t b = 0; b < 32; ++b) sig[b] = t_enc[r.below(8)][b]; break;  // small-order R
      }
      check_single_equals_batch(sig, pk, h.msgs[i], r);
    }
  }
}

TEST_CASE("ed25519: verify_batch, 1..70 signatures with random bad ones identified", "[ed25519][batch]") {
  E2EE_EVERY_CURVE25519_KERNEL();
  const auto& h = honest();
  test::rng r(0x62617463);
  std::size_t bad_total = 0;
  for (std::size_t n = 1; n <= 70; ++n) {
    INFO("n = " << n);
    std::vector<sig64> sigs(h.sigs.begin(), h.sigs.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<bytes32> pks(h.pks.begin(), h.pks.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<std::vector<std::uint8_t>> msgs(h.msgs.begin(), h.msgs.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<bool> want(n, true);
    const std::size_t bad = n % 3 == 0 ? 0 : r.below(std::min<std::size_t>(n, 4) + 1);
    for (std::size_t b = 0; b < bad; ++b) {
      const std::size_t i = r.below(n);
      switch (r.below(4)) {
        case 0: sigs[i][r.below(64)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
        case 1: msgs[i].push_back(0); break;
        case 2:  // another signer's key
          if (n > 1) pks[i] = pks[(i + 1) % n];
          else sigs[i][0] ^= 1;
          break;
        default: sigs[i][63] = 0x10; break;  // S >= L
      }
    }
    std::vector<ed::signed_message> items;
    for (std::size_t i = 0; i < n; ++i) {
      want[i] = ed::verify(sigs[i], pks[i], msgs[i]);
      items.push_back({sigs[i], pks[i], msgs[i]});
    }
    bool all = true;
    for (std::size_t i = 0; i < n; ++i) all = all && want[i];
    bad_total += static_cast<std::size_t>(std::count(want.begin(), want.end(), false));
    CHECK(ed::verify_batch(items, r) == all);
    CHECK(ed::verify_batch(items) == all);  // os_random
    std::unique_ptr<bool[]> valid(new bool[n]);
    CHECK(ed::verify_batch(items, std::span<bool>(valid.get(), n), r) == all);
    for (std::size_t i = 0; i < n; ++i) CHECK(valid[i] == want[i]);
    // A failing random source: verdicts still exact (one by one).
    failing_rng fr;
    CHECK(ed::verify_batch(items, fr) == all);
    for (std::size_t i = 0; i < n; ++i) valid[i] = !want[i];
    CHECK(ed::verify_batch(items, std::span<bool>(valid.get(), n), fr) == all);
    for (std::size_t i = 0; i < n; ++i) CHECK(valid[i] == want[i]);
  }
  CHECK(bad_total > 20);
  // Empty batch; report span of the wrong size.
  CHECK(ed::verify_batch(std::span<const ed::signed_message>()));
  const ed::signed_message one{h.sigs[0], h.pks[0], h.msgs[0]};
  std::array<bool, 2> two{true, true};
  CHECK_FALSE(ed::verify_batch(std::span<const ed::signed_message>(&one, 1), two));
  CHECK(two == std::array<bool, 2>{false, false});
}
