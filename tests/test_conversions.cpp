// Ed25519 <-> X25519 key conversions (ec/conversions.hpp): the converted
// public key of an Ed25519 seed equals X25519's public key of the converted
// secret, the way back with the sign bit, and the rejected inputs (invalid
// encodings, small-order points, twist points, non-canonical u).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core/bytes.hpp>
#include <e2ee/ec/conversions.hpp>
#include <e2ee/ec/ed25519.hpp>
#include <e2ee/ec/field25519.hpp>
#include <e2ee/ec/x25519.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

using e2ee::hex;
using key = std::array<std::uint8_t, 32>;

// RFC 8032 TEST 1 public key: to X25519 and back, checked by the compiler.
constexpr auto t1_pk = hex<32>("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
constexpr auto t1_u = e2ee::x25519::from_ed25519_public(t1_pk);
static_assert(t1_u.has_value());
static_assert(e2ee::ed25519::from_x25519_public(*t1_u, t1_pk[31] >> 7) == t1_pk);

template <std::size_t N>
std::array<std::uint8_t, N> random_array(test::rng& r) {
  std::array<std::uint8_t, N> a{};
  (void)r.fill(a);
  return a;
}

// on_curve25519: u^3 + 486662·u^2 + u is a square (u is on Curve25519, not
// on its twist), computed independently of the conversion code.
bool on_curve25519(const key& u_bytes) {
  namespace f = e2ee::detail::f25519;
  const f::tight u = f::from_bytes(u_bytes);
  const f::tight uu = f::square(u);
  const f::tight rhs = f::carry(f::add(f::carry(f::add(f::mul(uu, u), f::mul_small(uu, 486662))), u));
  f::tight root;
  return f::sqrt_ratio(rhs, f::one, root).declassify();
}

// The small-order points of edwards25519 (encodings with both signs where x != 0).
const std::vector<key>& small_order_ed() {
  static const std::vector<key> v{
      hex<32>("0100000000000000000000000000000000000000000000000000000000000000"),  // identity
      hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),  // (0, -1)
      hex<32>("0000000000000000000000000000000000000000000000000000000000000000"),  // (±sqrt(-1), 0)
      hex<32>("0000000000000000000000000000000000000000000000000000000000000080"),
      hex<32>("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  // order 8
      hex<32>("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
      hex<32>("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
      hex<32>("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
  };
  return v;
}

}  // namespace

TEST_CASE("conversions: Ed25519 public key -> X25519 equals X25519 of the converted seed", "[conversions]") {
  test::rng r(0xc0de);
  INFO("seed " << r.seed());
  for (int i = 0; i < 64; ++i) {
    const key seed = random_array<32>(r);
    const auto kp = e2ee::ed25519::key_pair::from_seed(seed);
    const auto u = e2ee::x25519::from_ed25519_public(kp.public_key);
    REQUIRE(u.has_value());
    const auto xs = e2ee::x25519::from_ed25519_seed(seed);
    CHECK(*u == e2ee::x25519::public_key(xs.expose()));
    // The converted secret is clamped already.
    CHECK((xs.expose()[0] & 7) == 0);
    CHECK((xs.expose()[31] & 0xc0) == 0x40);
    // Back, with the sign bit: the same Ed25519 key; with the other sign: -A.
    const unsigned sign = kp.public_key[31] >> 7;
    const auto back = e2ee::ed25519::from_x25519_public(*u, sign);
    REQUIRE(back.has_value());
    CHECK(*back == kp.public_key);
    const auto other = e2ee::ed25519::from_x25519_public(*u, sign ^ 1u);
    REQUIRE(other.has_value());
    key neg = kp.public_key;
    neg[31] ^= 0x80;
    CHECK(*other == neg);
    // Agreement through the converted keys works like any X25519 pair.
    const key peer = random_array<32>(r);
    const auto s1 = e2ee::x25519::shared_secret(xs.expose(), e2ee::x25519::public_key(peer));
    const auto s2 = e2ee::x25519::shared_secret(peer, *u);
    REQUIRE(s1.has_value());
    REQUIRE(s2.has_value());
    CHECK(*s1 == *s2);
  }
}

TEST_CASE("conversions: X25519 public key -> Ed25519 -> X25519", "[conversions]") {
  test::rng r(0xd00d);
  for (int i = 0; i < 64; ++i) {
    const key u = e2ee::x25519::public_key(random_array<32>(r));
    for (unsigned sign = 0; sign < 2; ++sign) {
      const auto ed = e2ee::ed25519::from_x25519_public(u, sign);
      REQUIRE(ed.has_value());
      CHECK((*ed)[31] >> 7 == sign);
      const auto u2 = e2ee::x25519::from_ed25519_public(*ed);
      REQUIRE(u2.has_value());
      CHECK(*u2 == u);
    }
  }
}

TEST_CASE("conversions: invalid and small-order inputs", "[conversions]") {
  SECTION("Ed25519 small-order points -> nullopt") {
    for (const key& p : small_order_ed()) {
      INFO(test::hex(p));
      CHECK_FALSE(e2ee::x25519::from_ed25519_public(p).has_value());
    }
  }
  SECTION("Ed25519 invalid encodings -> nullopt") {
    // y = p (non-canonical 0), y = 2^255 - 1, x = 0 with sign 1 (y = 1), and
    // a y with no x (y = 2 is not on the curve: checked through ed25519 decoding).
    const key y_p = hex<32>("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    const key y_max = hex<32>("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    const key one_neg = hex<32>("0100000000000000000000000000000000000000000000000000000000000080");
    for (const key& p : {y_p, y_max, one_neg}) CHECK_FALSE(e2ee::x25519::from_ed25519_public(p).has_value());
    int rejected_not_on_curve = 0;
    for (std::uint8_t y = 2; y < 40; ++y) {
      key enc{};
      enc[0] = y;
      e2ee::detail::ed25519::p3 pt{};
      const bool decodes = e2ee::detail::ed25519::decode_vartime(enc, pt);
      CHECK(e2ee::x25519::from_ed25519_public(enc).has_value() == decodes);
      if (!decodes) ++rejected_not_on_curve;
    }
    CHECK(rejected_not_on_curve > 0);
  }
  SECTION("X25519 small-order u -> nullopt (both signs)") {
    const std::array<key, 4> small{
        key{}, key{1}, hex<32>("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        hex<32>("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")};
    for (const key& u : small)
      for (unsigned sign = 0; sign < 2; ++sign) {
        INFO(test::hex(u) << " sign " << sign);
        CHECK_FALSE(e2ee::ed25519::from_x25519_public(u, sign).has_value());
      }
  }
  SECTION("X25519 non-canonical u, u = -1, bit 255 set, bad sign argument -> nullopt") {
    const key p_minus_1 = hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    const key p = hex<32>("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    const key p_plus_9 = hex<32>("f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    key nine_high{9};
    nine_high[31] = 0x80;
    for (const key& u : {p_minus_1, p, p_plus_9, nine_high})
      CHECK_FALSE(e2ee::ed25519::from_x25519_public(u).has_value());
    CHECK(e2ee::ed25519::from_x25519_public(e2ee::x25519::base_point).has_value());
    CHECK_FALSE(e2ee::ed25519::from_x25519_public(e2ee::x25519::base_point, 2).has_value());
  }
  SECTION("X25519 u -> Ed25519 succeeds exactly for large-order points on the curve (not the twist)") {
    int on = 0, off = 0;
    for (std::uint8_t small_u = 2; small_u < 64; ++small_u) {
      key u{};
      u[0] = small_u;
      const bool curve = on_curve25519(u);
      INFO("u = " << int{small_u});
      CHECK(e2ee::ed25519::from_x25519_public(u).has_value() == curve);
      ++(curve ? on : off);
    }
    CHECK(on > 0);
    CHECK(off > 0);
  }
  SECTION("the base point: u = 9 <-> the Ed25519 base point") {
    const auto b = e2ee::ed25519::from_x25519_public(e2ee::x25519::base_point);
    REQUIRE(b.has_value());
    CHECK(test::hex(*b) == "5866666666666666666666666666666666666666666666666666666666666666");
  }
}
