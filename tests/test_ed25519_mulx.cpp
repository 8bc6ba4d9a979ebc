// The edwards25519 group on the MULX/ADX field (detail/x86/edwards25519_mulx.hpp)
// against the portable group (ec/edwards25519.hpp): fixed-base multiplication
// (comb) for random and edge scalars, encoding, the Montgomery u of the X25519
// public key, strict and lenient decoding of random and edge encodings, the
// point formulas, cofactor and identity checks, the double-scalar
// multiplication of verification, and whole verifications with both groups.
// The public API on both kernels is covered by the vector tests
// (test_ed25519.cpp, test_xeddsa.cpp: E2EE_EVERY_CURVE25519_KERNEL).
#include <e2ee/core/config.hpp>

#if E2EE_HAVE_X86_KERNELS

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core/bytes.hpp>
#include <e2ee/detail/x86/edwards25519_mulx.hpp>
#include <e2ee/ec/curve25519_kernels.hpp>
#include <e2ee/ec/ed25519.hpp>
#include <e2ee/ec/x25519.hpp>

#include "support/bytes.hpp"
#include "support/kernels_x25519.hpp"
#include "support/rng.hpp"

namespace {

using e2ee::hex;
namespace pg = e2ee::detail::ed25519;
namespace gm = e2ee::detail::ed25519_mulx;
namespace f = e2ee::detail::f25519;
namespace fm = e2ee::detail::f25519_mulx;
using bytes32 = std::array<std::uint8_t, 32>;

bool have_mulx() {
  if (e2ee::supported(e2ee::x25519_impl::mulx_adx)) return true;
  WARN("CPU without BMI2/ADX (or disabled): MULX/ADX Edwards kernel not tested");
  return false;
}

bool have_avx2() {
  if (e2ee::cpu::features().avx2) return true;
  WARN("CPU without AVX2 (or disabled): AVX2 comb selection not tested");
  return false;
}

// Edge scalars: 0, 1, 2, L-1, L, L+1, 2^252, 2^255-1, all bytes 0x80, and a
// clamped value with every other bit set.
std::vector<bytes32> edge_scalars() {
  std::vector<bytes32> e;
  e.push_back(bytes32{});
  e.push_back(hex<32>("0100000000000000000000000000000000000000000000000000000000000000"));
  e.push_back(hex<32>("0200000000000000000000000000000000000000000000000000000000000000"));
  e.push_back(hex<32>("ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"));  // L - 1
  e.push_back(hex<32>("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"));  // L
  e.push_back(hex<32>("eed3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"));  // L + 1
  e.push_back(hex<32>("0000000000000000000000000000000000000000000000000000000000000010"));  // 2^252
  e.push_back(hex<32>("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));  // 2^255 - 1
  bytes32 b{};
  b.fill(0x80);
  b[31] = 0x40;
  e.push_back(b);
  b.fill(0x55);
  b[0] = 0x50;
  b[31] = 0x55;
  e.push_back(b);
  return e;
}

// Small-order points (encodings): identity, (0, -1), and the order-4 and
// order-8 points (RFC 8032 / Wycheproof lists), and a mixed-order one.
std::vector<bytes32> small_order_encodings() {
  return {hex<32>("0100000000000000000000000000000000000000000000000000000000000000"),
          hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
          hex<32>("0000000000000000000000000000000000000000000000000000000000000000"),
          hex<32>("0000000000000000000000000000000000000000000000000000000000000080"),
          hex<32>("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
          hex<32>("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
          hex<32>("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
          hex<32>("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa")};
}

bytes32 random32(test::rng& r) {
  bytes32 b{};
  r.fill(b);
  return b;
}

bytes32 encode_portable(const gm::p3& p) { return pg::encode(gm::to_portable(p)); }

}  // namespace

TEST_CASE("ed25519 mulx_adx: tables and constants are the portable ones", "[ed25519][mulx_adx]") {
  // Converted by the compiler; plain data, checked on every CPU.
  for (std::size_t i = 0; i < 32; ++i)
    for (std::size_t j = 0; j < 8; ++j) {
      const auto& a = gm::comb_table[i][j];
      const auto& b = pg::comb_table[i][j];
      REQUIRE(fm::to_bytes(a.y_plus_x) == f::to_bytes(b.y_plus_x));
      REQUIRE(fm::to_bytes(a.y_minus_x) == f::to_bytes(b.y_minus_x));
      REQUIRE(fm::to_bytes(a.xy2d) == f::to_bytes(b.xy2d));
    }
  for (std::size_t j = 0; j < 64; ++j)
    REQUIRE(fm::to_bytes(gm::base_naf_table[j].xy2d) == f::to_bytes(pg::base_naf_table[j].xy2d));
  CHECK(fm::to_bytes(gm::curve_d) == f::to_bytes(pg::curve_d));
  CHECK(fm::to_bytes(gm::curve_2d) == f::to_bytes(pg::curve_2d));
  CHECK(fm::to_bytes(gm::base_point.y) == f::to_bytes(pg::base_point.y));
}

TEST_CASE("ed25519 mulx_adx: fixed-base comb, encode and Montgomery u against portable", "[ed25519][mulx_adx]") {
  if (!have_mulx()) return;
  test::rng r(0xc0b);
  INFO("seed " << r.seed());
  std::vector<bytes32> scalars = edge_scalars();
  for (int i = 0; i < 200; ++i) {
    bytes32 s = random32(r);
    s[31] = static_cast<std::uint8_t>(s[31] & 0x7f);  // precondition: < 2^255
    if (i % 2 == 0) {  // clamped, as keys are
      s[0] = static_cast<std::uint8_t>(s[0] & 248u);
      s[31] = static_cast<std::uint8_t>(s[31] | 64u);
    }
    scalars.push_back(s);
  }
  for (std::size_t i = 0; i < scalars.size(); ++i) {
    INFO("scalar " << i << " " << test::hex(scalars[i]));
    const gm::p3 a = gm::scalarmult_base(scalars[i], false);
    const pg::p3 b = pg::scalarmult_base(scalars[i]);
    const bytes32 enc = pg::encode(b);
    REQUIRE(gm::encode(a) == enc);
    if (have_avx2()) {  // the AVX2 comb gives the same X, Y, Z, T modulo p
      const gm::p3 v = gm::scalarmult_base(scalars[i], true);
      REQUIRE(fm::to_bytes(v.x) == fm::to_bytes(a.x));
      REQUIRE(fm::to_bytes(v.y) == fm::to_bytes(a.y));
      REQUIRE(fm::to_bytes(v.z) == fm::to_bytes(a.z));
      REQUIRE(fm::to_bytes(v.t) == fm::to_bytes(a.t));
      REQUIRE(gm::encode(v) == enc);
    }
    REQUIRE(encode_portable(a) == enc);
    // the X25519 public key: u = (Z + Y)/(Z - Y)
    const f::tight u = f::mul(f::carry(f::add(b.z, b.y)), f::invert(f::carry(f::sub(b.z, b.y))));
    REQUIRE(gm::montgomery_u(a) == f::to_bytes(u));
  }
  // the dispatchers agree with both, and x25519::public_key with the ladder
  for (std::size_t i = 0; i < 40; ++i) {
    const bytes32& s = scalars[i];
    const bytes32 want = pg::encode(pg::scalarmult_base(s));
    {
      const test::force_impl<e2ee::x25519_impl> use(e2ee::x25519_impl::portable);
      REQUIRE(pg::scalarmult_base_encoded(s) == want);
      REQUIRE(e2ee::x25519::public_key(s) == e2ee::x25519::scalarmult(e2ee::x25519_impl::portable, s,
                                                                       e2ee::x25519::base_point));
    }
    REQUIRE(pg::scalarmult_base_encoded(s) == want);
    REQUIRE(e2ee::x25519::public_key(s) ==
            e2ee::x25519::scalarmult(e2ee::x25519_impl::portable, s, e2ee::x25519::base_point));
  }
}

TEST_CASE("ed25519 mulx_adx: the comb step madd_to_p3 equals to_p3 of madd", "[ed25519][mulx_adx]") {
  if (!have_mulx()) return;
  // every row, every digit in [-8, 8], the scalar selection (no exchange of
  // Z and T), from a random point, with garbage in the temporaries (the
  // AVX2 selection's exchanged entries: the test below)
  test::rng r(0x3a7);
  INFO("seed " << r.seed());
  bytes32 k = random32(r);
  k[31] = static_cast<std::uint8_t>(k[31] & 0x7f);
  const gm::p3 p = gm::scalarmult_base(k, false);
  for (std::size_t i = 0; i < 32; ++i)
    for (int d = -8; d <= 8; ++d) {
      INFO("row " << i << " digit " << d);
      const gm::niels q = gm::select(gm::comb_table[i], static_cast<std::int8_t>(d));
      const gm::p3 want = gm::to_p3(gm::madd(p, q));
      gm::comb_state s;
      for (fm::fe64& t : s.tmp) t.v.fill(0xa5a5a5a5a5a5a5a5ULL);
      s.acc = p;
      s.q = q;
      s.swap_zt = 0;
      gm::madd_to_p3(s);
      REQUIRE(fm::to_bytes(s.acc.x) == fm::to_bytes(want.x));
      REQUIRE(fm::to_bytes(s.acc.y) == fm::to_bytes(want.y));
      REQUIRE(fm::to_bytes(s.acc.z) == fm::to_bytes(want.z));
      REQUIRE(fm::to_bytes(s.acc.t) == fm::to_bytes(want.t));
    }
}

TEST_CASE("ed25519 mulx_adx: AVX2 comb selection equals the scalar one, and its dispatch",
          "[ed25519][mulx_adx][avx2]") {
  if (!have_mulx()) return;
  if (have_avx2()) {
    // every row, every digit in [-8, 8], into an output holding garbage:
    // select_avx2 gives |d|·P with y+x and y-x exchanged when d < 0 and the
    // sign mask; madd_to_p3 then adds d·P (compared modulo p with
    // madd of the scalar selection, from a random point)
    test::rng r(0x5e1);
    INFO("seed " << r.seed());
    bytes32 k = random32(r);
    k[31] = static_cast<std::uint8_t>(k[31] & 0x7f);
    const gm::p3 p = gm::scalarmult_base(k, false);
    for (std::size_t i = 0; i < 32; ++i)
      for (int d = -8; d <= 8; ++d) {
        INFO("row " << i << " digit " << d);
        const gm::niels want = gm::select(gm::comb_table[i], static_cast<std::int8_t>(d));
        const gm::niels mag = gm::select(gm::comb_table[i], static_cast<std::int8_t>(d < 0 ? -d : d));
        gm::niels got{};
        got.y_plus_x.v.fill(0x5a5a5a5a5a5a5a5aULL);
        got.xy2d.v.fill(~0ULL);
        const std::uint64_t neg = gm::select_avx2(got, gm::comb_table[i], static_cast<std::int8_t>(d));
        REQUIRE(neg == (d < 0 ? ~0ULL : 0ULL));
        REQUIRE(got.y_plus_x.v == want.y_plus_x.v);
        REQUIRE(got.y_minus_x.v == want.y_minus_x.v);
        REQUIRE(got.xy2d.v == mag.xy2d.v);
        const gm::p3 a = gm::to_p3(gm::madd(p, want));
        gm::comb_state s;
        for (fm::fe64& t : s.tmp) t.v.fill(0xa5a5a5a5a5a5a5a5ULL);
        s.acc = p;
        s.q = got;
        s.swap_zt = neg;
        gm::madd_to_p3(s);
        const gm::p3 b = s.acc;
        REQUIRE(fm::to_bytes(a.x) == fm::to_bytes(b.x));
        REQUIRE(fm::to_bytes(a.y) == fm::to_bytes(b.y));
        REQUIRE(fm::to_bytes(a.z) == fm::to_bytes(b.z));
        REQUIRE(fm::to_bytes(a.t) == fm::to_bytes(b.t));
      }
  }
  // the default argument follows the CPU features: with AVX2 disabled the
  // public calls take the scalar selection and still give the right keys
  test::rng r(0xa2);
  INFO("seed " << r.seed());
  for (const char* disable : {"avx2", ""}) {
    const test::force_cpu use(disable);
    INFO("E2EE_CPU_DISABLE=" << disable);
    if (!e2ee::supported(e2ee::x25519_impl::mulx_adx)) continue;
    for (int i = 0; i < 20; ++i) {
      bytes32 s = random32(r);
      s[31] = static_cast<std::uint8_t>(s[31] & 0x7f);
      REQUIRE(pg::scalarmult_base_encoded(s) == pg::encode(pg::scalarmult_base(s)));
      REQUIRE(e2ee::x25519::public_key(s) ==
              e2ee::x25519::scalarmult(e2ee::x25519_impl::portable, s, e2ee::x25519::base_point));
    }
  }
}

TEST_CASE("ed25519 mulx_adx: decoding random and edge encodings against portable", "[ed25519][mulx_adx]") {
  if (!have_mulx()) return;
  test::rng r(0xdec0de);
  INFO("seed " << r.seed());
  std::vector<bytes32> encs = small_order_encodings();
  // non-canonical y = p .. 2^255 - 1 with both sign bits, and p - 1
  for (unsigned k = 0; k < 19; ++k)
    for (unsigned sign = 0; sign < 2; ++sign) {
      bytes32 e{};
      e.fill(0xff);
      e[0] = static_cast<std::uint8_t>(0xed + k);
      e[31] = static_cast<std::uint8_t>(0x7f | (sign << 7));
      encs.push_back(e);
    }
  encs.push_back(hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
  for (int i = 0; i < 300; ++i) {
    encs.push_back(random32(r));                                         // about half are points
    encs.push_back(pg::encode(pg::scalarmult_base(random32(r))));        // points of order L
  }
  std::size_t decoded = 0;
  for (std::size_t i = 0; i < encs.size(); ++i) {
    INFO("encoding " << test::hex(encs[i]));
    pg::p3 a{};
    gm::p3 b{};
    const bool ok_p = pg::decode_vartime(encs[i], a);
    const bool ok_m = gm::decode_vartime(encs[i], b);
    REQUIRE(ok_p == ok_m);
    if (!ok_p) continue;
    ++decoded;
    REQUIRE(gm::encode(b) == pg::encode(a));
    REQUIRE(gm::is_identity_vartime(b) == pg::is_identity_vartime(a));
    const gm::p3 b8 = gm::mul_by_cofactor(b);
    const pg::p3 a8 = pg::mul_by_cofactor(a);
    REQUIRE(gm::is_identity_vartime(b8) == pg::is_identity_vartime(a8));
    REQUIRE(gm::encode(b8) == pg::encode(a8));
    // the lenient decoding (XEdDSA's) of a field element y
    gm::p3 c{};
    bytes32 y = encs[i];
    y[31] = static_cast<std::uint8_t>(y[31] & 0x7f);
    REQUIRE(gm::decode_point_vartime(fm::from_bytes(y), std::uint64_t{encs[i][31]} >> 7, false, c));
    REQUIRE(gm::encode(c) == pg::encode(a));
  }
  CHECK(decoded > 300);
  // decode2_vartime (both square roots interleaved) against two single decodings
  for (std::size_t i = 0; i < encs.size(); ++i) {
    const bytes32& ea = encs[i];
    const bytes32& eb = encs[(i * 13 + 7) % encs.size()];
    INFO("pair " << test::hex(ea) << " " << test::hex(eb));
    gm::p3 a{}, b{}, a1{}, b1{};
    bool ok_a = false, ok_b = false;
    gm::decode2_vartime(ea, eb, a, b, ok_a, ok_b);
    REQUIRE(ok_a == gm::decode_vartime(ea, a1));
    REQUIRE(ok_b == gm::decode_vartime(eb, b1));
    if (ok_a) REQUIRE(gm::encode(a) == gm::encode(a1));
    if (ok_b) REQUIRE(gm::encode(b) == gm::encode(b1));
    pg::p3 pa{}, pb{};
    bool pok_a = false, pok_b = false;
    pg::decode2_vartime(ea, eb, pa, pb, pok_a, pok_b);
    REQUIRE(pok_a == ok_a);
    REQUIRE(pok_b == ok_b);
  }
  // decode_xn_vartime (eight square roots interleaved) against single decodings
  for (std::size_t i = 0; i + 8 <= encs.size(); i += 5) {
    std::array<std::span<const std::uint8_t, 32>, 8> s{encs[i], encs[i + 1], encs[i + 2], encs[i + 3],
                                                        encs[i + 4], encs[i + 5], encs[i + 6], encs[i + 7]};
    std::array<gm::p3, 8> pts{};
    std::array<bool, 8> ok{};
    gm::decode_xn_vartime(s, pts, ok);
    std::array<pg::p3, 8> ppts{};
    std::array<bool, 8> pok{};
    pg::decode_xn_vartime(s, ppts, pok);
    for (std::size_t j = 0; j < 8; ++j) {
      INFO("encoding " << test::hex(encs[i + j]));
      gm::p3 one{};
      REQUIRE(ok[j] == gm::decode_vartime(encs[i + j], one));
      REQUIRE(pok[j] == ok[j]);
      if (ok[j]) REQUIRE(gm::encode(pts[j]) == gm::encode(one));
    }
  }
  // x = 0 with the sign bit: strict rejects, lenient gives x = 0
  const auto neg_zero = hex<32>("0100000000000000000000000000000000000000000000000000000000000080");
  gm::p3 c{};
  CHECK_FALSE(gm::decode_vartime(neg_zero, c));
  CHECK(gm::decode_point_vartime(fm::one, 1, false, c));
  CHECK(gm::is_identity_vartime(c));
}

TEST_CASE("ed25519 mulx_adx: point formulas and double-scalar multiplication against portable",
          "[ed25519][mulx_adx]") {
  if (!have_mulx()) return;
  test::rng r(0xd5b);
  INFO("seed " << r.seed());
  std::vector<bytes32> points = small_order_encodings();
  for (int i = 0; i < 60; ++i) points.push_back(pg::encode(pg::scalarmult_base(random32(r))));
  // a mixed-order point: a large-order point plus one of order 8
  {
    pg::p3 a{}, t{};
    REQUIRE(pg::decode_vartime(points.back(), a));
    REQUIRE(pg::decode_vartime(small_order_encodings()[4], t));
    points.push_back(pg::encode(pg::add(a, t)));
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    INFO("point " << i);
    pg::p3 pa{};
    gm::p3 ma{};
    REQUIRE(pg::decode_vartime(points[i], pa));
    REQUIRE(gm::decode_vartime(points[i], ma));
    const std::size_t j = (i * 5 + 1) % points.size();
    pg::p3 pb{};
    gm::p3 mb{};
    REQUIRE(pg::decode_vartime(points[j], pb));
    REQUIRE(gm::decode_vartime(points[j], mb));
    // add / sub (cached), madd / msub (niels), dbl, neg
    REQUIRE(gm::encode(gm::to_p3(gm::add(ma, gm::to_cached(mb)))) == pg::encode(pg::to_p3(pg::add(pa, pg::to_cached(pb)))));
    REQUIRE(gm::encode(gm::to_p3(gm::sub(ma, gm::to_cached(mb)))) == pg::encode(pg::to_p3(pg::sub(pa, pg::to_cached(pb)))));
    REQUIRE(gm::encode(gm::to_p3(gm::add(ma, gm::to_cached(ma)))) == pg::encode(pg::dbl3(pa)));
    REQUIRE(gm::encode(gm::dbl3(ma)) == pg::encode(pg::dbl3(pa)));
    REQUIRE(gm::encode(gm::neg(ma)) == pg::encode(pg::neg(pa)));
    const std::size_t row = i % 32, col = i % 8;
    REQUIRE(gm::encode(gm::to_p3(gm::madd(ma, gm::comb_table[row][col]))) ==
            pg::encode(pg::to_p3(pg::madd(pa, pg::comb_table[row][col]))));
    REQUIRE(gm::encode(gm::to_p3(gm::msub(ma, gm::comb_table[row][col]))) ==
            pg::encode(pg::to_p3(pg::msub(pa, pg::comb_table[row][col]))));
    // selection from a comb row, every digit
    for (int d = -8; d <= 8; ++d) {
      const auto sm = gm::select(gm::comb_table[row], static_cast<std::int8_t>(d));
      const auto sp = pg::select(pg::comb_table[row], static_cast<std::int8_t>(d));
      REQUIRE(fm::to_bytes(sm.y_plus_x) == f::to_bytes(sp.y_plus_x));
      REQUIRE(fm::to_bytes(sm.y_minus_x) == f::to_bytes(sp.y_minus_x));
      REQUIRE(fm::to_bytes(sm.xy2d) == f::to_bytes(sp.xy2d));
    }
    // the in-place steps of verify_batch's multi-scalar multiplication and
    // its tables, against the portable operations
    {
      gm::p1p1 mr = gm::dbl(gm::to_p2(ma));
      pg::p1p1 pr = pg::dbl(pg::to_p2(pa));
      for (int step = 0; step < 4; ++step) {
        const bool neg = step % 2 == 1;
        gm::straus_add_vartime(mr, gm::to_cached(mb), neg);
        pg::straus_add_vartime(pr, pg::to_cached(pb), neg);
        REQUIRE(gm::encode(gm::to_p3(mr)) == pg::encode(pg::to_p3(pr)));
        gm::straus_dbl_vartime(mr);
        pg::straus_dbl_vartime(pr);
        REQUIRE(gm::encode(gm::to_p3(mr)) == pg::encode(pg::to_p3(pr)));
      }
      // straus_add_vartime on a niels entry and straus_digit_vartime (both tables,
      // every sign) against the portable p1p1 ± Q, as the single
      // verification loops use them
      const auto tb = pg::odd_multiples<8>(pb);
      const auto mtb = gm::odd_multiples<8>(mb);
      for (int step = 0; step < 8; ++step) {
        INFO("step " << step);
        const bool neg = step % 2 == 1;
        const std::size_t e = (i * 7 + static_cast<std::size_t>(step) * 13) % 64;
        gm::straus_add_vartime(mr, gm::base_naf_table[e], neg);
        pr = neg ? pg::msub(pg::to_p3(pr), pg::base_naf_table[e]) : pg::madd(pg::to_p3(pr), pg::base_naf_table[e]);
        REQUIRE(gm::encode(gm::to_p3(mr)) == pg::encode(pg::to_p3(pr)));
        const auto d = static_cast<std::int8_t>(neg ? -(2 * (step % 8) + 1) : 2 * ((step + 3) % 8) + 1);
        gm::straus_digit_vartime(mr, mtb, d);
        pr = pg::add_digit_vartime(pg::to_p3(pr), tb, d);
        REQUIRE(gm::encode(gm::to_p3(mr)) == pg::encode(pg::to_p3(pr)));
        const auto db = static_cast<std::int8_t>(neg ? -static_cast<int>(2 * e + 1) : static_cast<int>(2 * e + 1));
        gm::straus_digit_vartime(mr, gm::base_naf_table, db);
        pr = pg::add_digit_vartime(pg::to_p3(pr), pg::base_naf_table, db);
        REQUIRE(gm::encode(gm::to_p3(mr)) == pg::encode(pg::to_p3(pr)));
        gm::straus_dbl_vartime(mr);
        pg::straus_dbl_vartime(pr);
      }
      // the accumulator's starting value is O
      gm::p1p1 id = gm::straus_identity;
      gm::straus_dbl_vartime(id);
      REQUIRE(gm::is_identity_vartime(gm::to_p3(id)));
      gm::straus_digit_vartime(id, mtb, 1);
      REQUIRE(gm::encode(gm::to_p3(id)) == pg::encode(pb));
      std::array<gm::cached, 8> mt{};
      gm::odd_multiples_into(ma, std::span(mt));
      const auto pt = pg::odd_multiples<8>(pa);
      const auto mt_value = gm::odd_multiples<8>(ma);
      for (std::size_t k = 0; k < 8; ++k) {
        INFO("odd multiple " << 2 * k + 1);
        REQUIRE(fm::to_bytes(mt[k].y_plus_x) == f::to_bytes(pt[k].y_plus_x));
        REQUIRE(fm::to_bytes(mt[k].y_minus_x) == f::to_bytes(pt[k].y_minus_x));
        REQUIRE(fm::to_bytes(mt[k].z) == f::to_bytes(pt[k].z));
        REQUIRE(fm::to_bytes(mt[k].t2d) == f::to_bytes(pt[k].t2d));
        REQUIRE(fm::to_bytes(mt_value[k].t2d) == f::to_bytes(pt[k].t2d));
      }
    }
    // a·A + b·B, random and edge scalars (up to 2^256 - 1)
    for (int k = 0; k < 3; ++k) {
      bytes32 a = random32(r), b = random32(r);
      if (k == 1) a = edge_scalars()[i % edge_scalars().size()];
      if (k == 2) b.fill(0xff);
      REQUIRE(gm::encode(gm::double_scalarmult_vartime(a, ma, b)) ==
              pg::encode(pg::double_scalarmult_vartime(a, pa, b)));
    }
  }
  const bytes32 zero{};
  gm::p3 b{};
  REQUIRE(gm::decode_vartime(points.back(), b));
  CHECK(gm::is_identity_vartime(gm::double_scalarmult_vartime(zero, b, zero)));
}

TEST_CASE("ed25519 mulx_adx: verify on both groups gives the same verdicts", "[ed25519][mulx_adx]") {
  if (!have_mulx()) return;
  namespace ed = e2ee::ed25519;
  test::rng r(0x5e7);
  INFO("seed " << r.seed());
  std::size_t accepted = 0;
  for (int i = 0; i < 150; ++i) {
    const auto kp = ed::key_pair::from_seed(random32(r));
    std::array<std::uint8_t, 40> msg{};
    r.fill(msg);
    auto sig = ed::sign(kp, msg);
    auto pk = kp.public_key;
    switch (i % 5) {  // mutations: none, a bit of R, of S, of A, R/A replaced by small-order points
      case 1: sig[r.below(32)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 2: sig[32 + r.below(32)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 3: pk[r.below(32)] ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 4: {
        const auto so = small_order_encodings();
        const auto& e = so[r.below(so.size())];
        for (std::size_t j = 0; j < 32; ++j) (i % 2 ? sig[j] : pk[j]) = e[j];
        break;
      }
      default: break;
    }
    const bool vp = ed::detail::verify_with<pg::group>(sig, pk, msg);
    const bool vm = ed::detail::verify_with<gm::group>(sig, pk, msg);
    REQUIRE(vp == vm);
    REQUIRE(ed::verify(sig, pk, msg) == vp);
    if (vp) ++accepted;
  }
  CHECK(accepted >= 30);
}

TEST_CASE("ed25519 mulx_adx: half-size cofactored check against the direct equation", "[ed25519][mulx_adx]") {
  if (!have_mulx()) return;
  namespace sc = e2ee::detail::sc25519;
  test::rng r(0xc0f);
  INFO("seed " << r.seed());
  const auto so = small_order_encodings();
  std::size_t holds = 0;
  for (int i = 0; i < 120; ++i) {
    INFO("case " << i);
    // A = a·B + T1, R = x·B + T2 (T1, T2 of small order or none); k random or
    // an edge value; S = k·a + x mod L makes the cofactored equation hold,
    // whatever the torsion; every third case breaks it by changing S.
    std::array<std::uint8_t, 64> wide{};
    r.fill(wide);
    const sc::scalar a = sc::reduce_wide(wide);
    r.fill(wide);
    const sc::scalar x = sc::reduce_wide(wide);
    r.fill(wide);
    bytes32 k = sc::to_bytes(sc::reduce_wide(wide));
    if (i % 10 == 7) k = bytes32{};
    if (i % 10 == 8) k = edge_scalars()[3];  // L - 1
    pg::p3 pa = pg::scalarmult_base(sc::to_bytes(a));
    pg::p3 pr = pg::scalarmult_base(sc::to_bytes(x));
    pg::p3 t{};
    if (i % 4 != 0) {
      REQUIRE(pg::decode_vartime(so[r.below(so.size())], t));
      pa = pg::add(pa, t);
    }
    if (i % 3 != 0) {
      REQUIRE(pg::decode_vartime(so[r.below(so.size())], t));
      pr = pg::add(pr, t);
    }
    if (i % 11 == 5) pa = pg::identity;
    bytes32 s = sc::to_bytes(sc::muladd(sc::from_bytes(k), a, x));
    if (i % 11 == 5) s = sc::to_bytes(x);
    if (i % 3 == 2) s = sc::to_bytes(sc::add(sc::from_bytes(s), sc::reduce(edge_scalars()[1])));
    const bool direct = pg::cofactored_check_vartime(k, pa, pr, s);
    const bool half = gm::cofactored_check_vartime(k, gm::from_portable(pa), gm::from_portable(pr), s);
    REQUIRE(direct == half);
    REQUIRE(direct == (i % 3 != 2));
    if (half) ++holds;
  }
  CHECK(holds == 80);
}

TEST_CASE("f25519 mulx_adx: inversion by divsteps equals the portable Fermat inversion", "[ed25519][mulx_adx]") {
  if (!have_mulx()) return;
  test::rng r(0x1ab);
  INFO("seed " << r.seed());
  // 0, 1, 2, p - 1, p, p + 1, 2p, 2^255 - 1, 2^256 - 1, single words, random
  std::vector<fm::fe64> xs;
  const fm::fe64 p{{0xffffffffffffffedULL, ~0ULL, ~0ULL, 0x7fffffffffffffffULL}};
  xs.push_back(fm::zero);
  xs.push_back(fm::one);
  xs.push_back(fm::fe64{{2, 0, 0, 0}});
  xs.push_back(fm::fe64{{p.v[0] - 1, p.v[1], p.v[2], p.v[3]}});
  xs.push_back(p);
  xs.push_back(fm::fe64{{p.v[0] + 1, p.v[1], p.v[2], p.v[3]}});
  xs.push_back(fm::fe64{{0xffffffffffffffdaULL, ~0ULL, ~0ULL, ~0ULL}});
  xs.push_back(fm::fe64{{~0ULL, ~0ULL, ~0ULL, 0x7fffffffffffffffULL}});
  xs.push_back(fm::fe64{{~0ULL, ~0ULL, ~0ULL, ~0ULL}});
  for (std::size_t w = 0; w < 4; ++w) {
    fm::fe64 x{};
    x.v[w] = 1;
    xs.push_back(x);
    x.v[w] = ~0ULL;
    xs.push_back(x);
  }
  for (int i = 0; i < 3000; ++i) {
    fm::fe64 x{};
    for (auto& w : x.v) w = r.next();
    if (i % 3 == 0) x.v[3] >>= 1;
    if (i % 5 == 0) x.v[3] = x.v[2] = 0;
    xs.push_back(x);
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    INFO("value " << i);
    fm::fe64 a{}, c = xs[i];
    fm::invert(a, xs[i]);
    const f::tight expected = f::invert(fm::to_f25519(xs[i]));  // Fermat, portable
    REQUIRE(fm::to_bytes(a) == f::to_bytes(expected));
    fm::invert(c, c);  // in place
    REQUIRE(fm::to_bytes(c) == fm::to_bytes(a));
  }
}

#endif  // E2EE_HAVE_X86_KERNELS
