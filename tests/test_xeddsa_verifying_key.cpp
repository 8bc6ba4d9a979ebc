// xeddsa::verifying_key (ec/xeddsa.hpp): an X25519 public key converted
// once for repeated verification. Its verdict must be xeddsa::verify's on
// every input: Signal's xeddsa.json with every single-bit change, random
// signatures with every kind of tampering, the edge keys (small order,
// non-canonical aliases, u = -1, twist points), and mixed-order keys with
// signatures whose R carries torsion (where the exact, cofactorless check
// matters), on every kernel and across kernels. from_x25519 must return
// nullopt exactly for the keys under which no signature verifies.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core/bytes.hpp>
#include <e2ee/ec/conversions.hpp>
#include <e2ee/ec/edwards25519.hpp>
#include <e2ee/ec/scalar25519.hpp>
#include <e2ee/ec/x25519.hpp>
#include <e2ee/ec/xeddsa.hpp>

#include "support/bytes.hpp"
#include "support/json.hpp"
#include "support/kernels_x25519.hpp"
#include "support/rng.hpp"
#include "support/vectors.hpp"

namespace {

using e2ee::hex;
namespace xeddsa = e2ee::xeddsa;
namespace ge = e2ee::detail::ed25519;
namespace sc = e2ee::detail::sc25519;
using key = std::array<std::uint8_t, 32>;
using sig_t = xeddsa::signature;
using bytes = std::vector<std::uint8_t>;

template <std::size_t N>
std::array<std::uint8_t, N> random_array(test::rng& r) {
  std::array<std::uint8_t, N> a{};
  (void)r.fill(a);
  return a;
}

template <std::size_t N>
std::array<std::uint8_t, N> fixed(const bytes& v) {
  REQUIRE(v.size() == N);
  std::array<std::uint8_t, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = v[i];
  return a;
}

std::string str(const test::json::value& o, std::string_view k) {
  const auto* v = o.find(k);
  REQUIRE(v != nullptr);
  REQUIRE(v->as_string() != nullptr);
  return *v->as_string();
}

key wire_key(const std::string& h) {
  const auto b = test::unhex(h);
  REQUIRE(b.size() == 33);
  return fixed<32>(bytes(b.begin() + 1, b.end()));
}

// same_verdict: the prepared key (or its absence) agrees with xeddsa::verify;
// returns the verdict.
bool same_verdict(const std::optional<xeddsa::verifying_key>& vk, const key& pub, std::span<const std::uint8_t> msg,
                  const sig_t& sig) {
  const bool want = xeddsa::verify(pub, msg, sig);
  if (!vk) {
    REQUIRE_FALSE(want);
    return false;
  }
  REQUIRE(vk->x25519_public() == pub);
  REQUIRE(vk->verify(msg, sig) == want);
  return want;
}

// Little-endian constants.
constexpr auto order_l = hex<32>("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
constexpr auto p_minus_1 = hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");

key add32(const key& a, const key& b) {
  key r{};
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned t = a[i] + b[i] + carry;
    r[i] = static_cast<std::uint8_t>(t);
    carry = t >> 8;
  }
  return r;
}

// torsion8: T[j] = j·Q for a point Q of order 8, found as [L]P of a decoded P.
std::array<ge::p3, 8> torsion8() {
  constexpr key zero{};
  for (std::uint8_t y0 = 2;; ++y0) {
    key e{};
    e[0] = y0;
    ge::p3 p{};
    if (!ge::decode_vartime(e, p)) continue;
    const ge::p3 q = ge::double_scalarmult_vartime(order_l, p, zero);  // [L]P
    if (ge::is_identity_vartime(ge::dbl3(ge::dbl3(q)))) continue;       // order < 8
    std::array<ge::p3, 8> t{};
    t[0] = ge::identity;
    for (std::size_t j = 1; j < 8; ++j) t[j] = ge::add(t[j - 1], q);
    return t;
  }
}

// Encodings with special y (small order, x = 0 with sign 1, y >= p aliases),
// used as R and as u.
std::vector<key> special() {
  return {hex<32>("0100000000000000000000000000000000000000000000000000000000000000"),
          hex<32>("0100000000000000000000000000000000000000000000000000000000000080"),
          hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
          hex<32>("0000000000000000000000000000000000000000000000000000000000000000"),
          hex<32>("0000000000000000000000000000000000000000000000000000000000000080"),
          hex<32>("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
          hex<32>("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
          hex<32>("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
          hex<32>("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
          hex<32>("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex<32>("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex<32>("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")};
}

}  // namespace

TEST_CASE("xeddsa verifying_key: Signal xeddsa.json, every bit flip", "[xeddsa][verifying_key][signal]") {
  E2EE_EVERY_CURVE25519_KERNEL();
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto text = test::vectors::read_file(test::vectors::external("signal/xeddsa.json"));
  REQUIRE(text.has_value());
  const auto parsed = test::json::parse(*text);
  REQUIRE(parsed.ok());
  const auto& root = *parsed.root;
  std::vector<std::array<std::string, 3>> cases;  // public, message, signature
  const auto* vv = root.find("verify_vector");
  REQUIRE(vv != nullptr);
  cases.push_back({str(*vv, "public"), str(*vv, "message"), str(*vv, "signature")});
  const auto* list = root.find("deterministic_signatures")->find("cases");
  REQUIRE(list != nullptr);
  for (const auto& c : *list->as_array()) cases.push_back({str(c, "public"), str(c, "message"), str(c, "signature")});
  CHECK(cases.size() == 5);
  for (const auto& c : cases) {
    const key pub = wire_key(c[0]);
    const bytes msg = test::unhex(c[1]);
    const sig_t sig = fixed<64>(test::unhex(c[2]));
    const auto vk = xeddsa::verifying_key::from_x25519(pub);
    REQUIRE(vk.has_value());
    CHECK(vk->verify(msg, sig));
    for (std::size_t bit = 0; bit < 512; ++bit) {
      sig_t bad = sig;
      bad[bit / 8] = static_cast<std::uint8_t>(bad[bit / 8] ^ (1u << (bit % 8)));
      CHECK_FALSE(same_verdict(vk, pub, msg, bad));
    }
    bytes longer = msg;
    longer.push_back(0);
    CHECK_FALSE(same_verdict(vk, pub, longer, sig));
  }
}

TEST_CASE("xeddsa verifying_key: random and tampered signatures", "[xeddsa][verifying_key]") {
  E2EE_EVERY_CURVE25519_KERNEL();
  test::rng r(0x7e51f1);
  INFO("seed " << r.seed());
  const auto sr = special();
  std::size_t accepted = 0, none = 0;
  for (int i = 0; i < 300; ++i) {
    INFO("case " << i);
    const key k = random_array<32>(r);
    key pub = e2ee::x25519::public_key(k);
    const bytes msg = r.bytes(static_cast<std::size_t>(r.below(200)));
    sig_t sig = xeddsa::sign(k, msg, random_array<64>(r));
    switch (i % 12) {
      case 1: sig[r.below(32)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 2: sig[32 + r.below(32)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 3: pub[r.below(32)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 4: sig[63] ^= 0x80; break;
      case 5: {
        const auto& e = sr[r.below(sr.size())];
        for (std::size_t j = 0; j < 32; ++j) sig[j] = e[j];
        break;
      }
      case 6: pub = sr[r.below(sr.size())]; break;
      case 7: {  // s + L (accepted when < 2^253, as Signal), or s with bits 253/254
        key s{};
        for (std::size_t j = 0; j < 32; ++j) s[j] = sig[32 + j];
        const std::uint8_t sign = static_cast<std::uint8_t>(s[31] & 0x80u);
        s[31] &= 0x7f;
        s = (i % 24 == 7) ? add32(s, order_l) : s;
        for (std::size_t j = 0; j < 32; ++j) sig[32 + j] = s[j];
        sig[63] = static_cast<std::uint8_t>(sig[63] | sign | ((i % 24 == 7) ? 0 : 0x20));
        break;
      }
      case 8: pub[31] |= 0x80; break;  // bit 255 ignored
      case 9: {                        // a random u: on the curve or on the twist
        pub = random_array<32>(r);
        break;
      }
      default: break;
    }
    const auto vk = xeddsa::verifying_key::from_x25519(pub);
    if (!vk) ++none;
    if (same_verdict(vk, pub, msg, sig)) ++accepted;
  }
  CHECK(accepted >= 100);
  CHECK(none >= 5);  // random u on the twist
}

TEST_CASE("xeddsa verifying_key: edge keys; nullopt exactly where nothing verifies", "[xeddsa][verifying_key]") {
  E2EE_EVERY_CURVE25519_KERNEL();
  test::rng r(0xed6e);
  std::vector<key> keys = special();
  for (std::uint8_t small = 0; small < 20; ++small) {
    key u{};
    u[0] = small;
    keys.push_back(u);
    keys.push_back(add32(u, add32(p_minus_1, key{1})));  // u + p (taken mod p)
  }
  key high = p_minus_1;
  high[31] |= 0x80;
  keys.push_back(high);
  key ff{};
  ff.fill(0xff);
  keys.push_back(ff);
  std::size_t prepared = 0;
  for (const key& pub : keys) {
    INFO("u " << test::hex(pub));
    const auto vk = xeddsa::verifying_key::from_x25519(pub);
    // Where a key is refused, the reason must be one xeddsa::verify rejects
    // every signature for: u = -1 or no point (checked on the portable field).
    const e2ee::detail::f25519::tight u = e2ee::detail::f25519::from_bytes(pub);
    const bool minus_one = xeddsa::detail::is_minus_one_vartime(u);
    ge::p3 a{};
    const bool has_point =
        !minus_one && xeddsa::detail::decode_point_vartime(xeddsa::detail::edwards_y_from_montgomery_u(u), 0, a);
    CHECK(vk.has_value() == has_point);
    if (vk) ++prepared;
    // Signatures R = enc(s·B) verify under small-order A for about half of
    // the messages; random signatures never do. Same verdicts both ways.
    key s = random_array<32>(r);
    s[31] &= 0x0f;
    const auto rb = ge::encode(ge::scalarmult_base(s));
    for (std::uint8_t m = 0; m < 16; ++m) {
      const bytes msg{m};
      sig_t sig{};
      for (std::size_t j = 0; j < 32; ++j) {
        sig[j] = rb[j];
        sig[32 + j] = s[j];
      }
      sig[63] = static_cast<std::uint8_t>(sig[63] | ((m & 1) << 7));
      (void)same_verdict(vk, pub, msg, sig);
      (void)same_verdict(vk, pub, msg, random_array<64>(r));
    }
  }
  CHECK(prepared >= 10);
  CHECK_FALSE(xeddsa::verifying_key::from_x25519(p_minus_1).has_value());
  CHECK_FALSE(xeddsa::verifying_key::from_x25519(high).has_value());
  CHECK(xeddsa::verifying_key::from_x25519(key{}).has_value());  // u = 0: (0, -1), order 2
}

TEST_CASE("xeddsa verifying_key: mixed-order keys, torsion in R (exact verdicts)", "[xeddsa][verifying_key]") {
  E2EE_EVERY_CURVE25519_KERNEL();
  // A = a·B + T_j, R = r·B + T_k, s = r + h·a: s·B - h·A = R - T_k - h·T_j,
  // so the signature is valid exactly when T_k = -h·T_j, i.e. k ≡ -h·j (mod 8).
  const auto t = torsion8();
  test::rng r(0x70551);
  INFO("seed " << r.seed());
  std::size_t valid = 0, checked = 0;
  for (std::size_t j = 0; j < 8; ++j) {
    for (int n = 0; n < 6; ++n) {
      key a = random_array<32>(r);
      a[31] &= 0x0f;
      const ge::p3 pa = ge::add(ge::scalarmult_base(a), t[j]);
      const auto a_enc = ge::encode(pa);
      const auto u = e2ee::x25519::from_ed25519_public(a_enc);
      if (!u) continue;  // the identity has no u
      const auto vk = xeddsa::verifying_key::from_x25519(*u);
      REQUIRE(vk.has_value());
      for (int m = 0; m < 8; ++m) {
        const bytes msg = r.bytes(static_cast<std::size_t>(1 + r.below(80)));
        key rs = random_array<32>(r);
        rs[31] &= 0x0f;
        // First the hash needs R: pick k, then see whether it is the valid one.
        const std::size_t k = static_cast<std::size_t>(r.below(8));
        const auto r_enc = ge::encode(ge::add(ge::scalarmult_base(rs), t[k]));
        const auto h = sc::to_bytes(xeddsa::detail::hash_mod_l(r_enc, a_enc, msg, {}));
        const auto s = sc::to_bytes(sc::muladd(sc::from_bytes(h), sc::from_bytes(a), sc::from_bytes(rs)));
        sig_t sig{};
        for (std::size_t i = 0; i < 32; ++i) {
          sig[i] = r_enc[i];
          sig[32 + i] = s[i];
        }
        sig[63] = static_cast<std::uint8_t>(sig[63] | (a_enc[31] & 0x80u));
        const bool expect = ((k + (h[0] & 7u) * j) % 8) == 0;
        INFO("j " << j << " k " << k << " h mod 8 " << (h[0] & 7));
        CHECK(same_verdict(vk, *u, msg, sig) == expect);
        ++checked;
        if (expect) ++valid;
        // Each torsion R' = R + T_d (d != 0) flips a valid verdict to invalid.
        const std::size_t d = 1 + static_cast<std::size_t>(r.below(7));
        const auto r2 = ge::encode(ge::add(ge::add(ge::scalarmult_base(rs), t[k]), t[d]));
        sig_t sig2 = sig;
        for (std::size_t i = 0; i < 32; ++i) sig2[i] = r2[i];
        (void)same_verdict(vk, *u, msg, sig2);
      }
    }
  }
  CHECK(checked >= 300);
  CHECK(valid >= 20);
}

TEST_CASE("xeddsa verifying_key: prepared on one kernel, used on another", "[xeddsa][verifying_key]") {
  const auto impls = test::available_impls<e2ee::x25519_impl>();
  test::rng r(0xc0de);
  for (int i = 0; i < 16; ++i) {
    const key k = random_array<32>(r);
    const key pub = e2ee::x25519::public_key(k);
    const bytes msg = r.bytes(50);
    sig_t sig = xeddsa::sign(k, msg, random_array<64>(r));
    if (i % 2 == 1) sig[static_cast<std::size_t>(r.below(64))] ^= 4;
    for (const auto made : impls) {
      std::optional<xeddsa::verifying_key> vk;
      {
        const test::force_impl<e2ee::x25519_impl> f(made);
        REQUIRE(f.selected());
        vk = xeddsa::verifying_key::from_x25519(pub);
      }
      REQUIRE(vk.has_value());
      for (const auto used : impls) {
        const test::force_impl<e2ee::x25519_impl> f(used);
        REQUIRE(f.selected());
        CHECK(vk->verify(msg, sig) == xeddsa::verify(pub, msg, sig));
        CHECK(vk->verify(msg, sig) == (i % 2 == 0));
      }
    }
  }
}
