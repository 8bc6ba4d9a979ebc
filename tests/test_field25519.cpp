// GF(2^255 - 19) arithmetic (ec/field25519.hpp) against a plain big-integer
// reference written here: random elements and the edges 0, 1, p-1, p, p+1,
// 2^255-1 (non-canonical encodings), and limbs exactly at the tight and loose
// bounds the types promise.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core/bytes.hpp>
#include <e2ee/ec/field25519.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

namespace f = e2ee::detail::f25519;

// ---- reference: unsigned integers of 20 32-bit limbs (640 bits) ----
struct big {
  std::array<std::uint64_t, 20> w{};  // each < 2^32
};

big big_from_bytes(std::span<const std::uint8_t> b) {
  big r;
  for (std::size_t i = 0; i < b.size(); ++i) r.w[i / 4] |= std::uint64_t{b[i]} << (8 * (i % 4));
  return r;
}
big big_add(const big& a, const big& b) {
  big r;
  std::uint64_t c = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const std::uint64_t s = a.w[i] + b.w[i] + c;
    r.w[i] = s & 0xffffffffu;
    c = s >> 32;
  }
  return r;
}
big big_mul(const big& a, const big& b) {  // truncated to 640 bits
  big r;
  for (std::size_t i = 0; i < 20; ++i) {
    std::uint64_t c = 0;
    for (std::size_t j = 0; i + j < 20; ++j) {
      const std::uint64_t s = r.w[i + j] + a.w[i] * b.w[j] + c;  // < 2^64
      r.w[i + j] = s & 0xffffffffu;
      c = s >> 32;
    }
  }
  return r;
}
big big_small(std::uint64_t x) {
  big r;
  r.w[0] = x & 0xffffffffu;
  r.w[1] = x >> 32;
  return r;
}
bool big_ge(const big& a, const big& b) {
  for (std::size_t i = 20; i-- > 0;)
    if (a.w[i] != b.w[i]) return a.w[i] > b.w[i];
  return true;
}
big big_sub(const big& a, const big& b) {  // a >= b
  big r;
  std::int64_t borrow = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    std::int64_t d = static_cast<std::int64_t>(a.w[i]) - static_cast<std::int64_t>(b.w[i]) - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += std::int64_t{1} << 32;
    r.w[i] = static_cast<std::uint64_t>(d);
  }
  return r;
}
const big& prime() {
  static const big p = [] {
    big r;
    for (std::size_t i = 0; i < 8; ++i) r.w[i] = 0xffffffffu;
    r.w[7] = 0x7fffffffu;
    r.w[0] = 0xffffffedu;
    return r;
  }();
  return p;
}
// big_mod_p: a mod p, by folding 2^255 = 19 until the value fits, then one
// conditional subtraction.
big big_mod_p(big a) {
  for (;;) {
    big hi;
    for (std::size_t k = 0; k + 8 < 20; ++k)
      hi.w[k] = ((a.w[7 + k] >> 31) | (a.w[8 + k] << 1)) & 0xffffffffu;
    bool zero = true;
    for (const auto x : hi.w) zero = zero && x == 0;
    if (zero) break;
    big lo;
    for (std::size_t k = 0; k < 8; ++k) lo.w[k] = a.w[k];
    lo.w[7] &= 0x7fffffffu;
    a = big_add(lo, big_mul(hi, big_small(19)));
  }
  while (big_ge(a, prime())) a = big_sub(a, prime());
  return a;
}
std::array<std::uint8_t, 32> big_to_bytes(const big& a) {
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 32; ++i) out[i] = static_cast<std::uint8_t>(a.w[i / 4] >> (8 * (i % 4)));
  return out;
}
// value of limbs (any bound) mod p.
template <f::bound B>
big big_of(const f::fe<B>& a) {
  big r;
  for (std::size_t i = 5; i-- > 0;) {
    r = big_mul(r, big_small(std::uint64_t{1} << 51));
    r = big_add(r, big_small(a.v[i]));
  }
  return big_mod_p(r);
}
big ref_mul(const big& a, const big& b) { return big_mod_p(big_mul(a, b)); }
big ref_add(const big& a, const big& b) { return big_mod_p(big_add(a, b)); }
big ref_sub(const big& a, const big& b) { return big_mod_p(big_sub(big_add(a, prime()), b)); }

std::string hex_of(const big& a) { return test::hex(big_to_bytes(a)); }

// Element builders.
f::tight from_hex(std::string_view h) {
  const auto b = test::unhex(h);
  REQUIRE(b.size() == 32);
  return f::from_bytes(std::span<const std::uint8_t, 32>(b.data(), 32));
}
constexpr std::uint64_t tight_max = (std::uint64_t{9} << 48) - 1;   // < 1.125·2^51
constexpr std::uint64_t loose_max = (std::uint64_t{27} << 48) - 1;  // < 3.375·2^51

// edge and random elements, as tight field elements plus their reference.
std::vector<f::tight> sample_elements(test::rng& r) {
  std::vector<f::tight> out;
  const char* edges[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",  // 0
      "0100000000000000000000000000000000000000000000000000000000000000",  // 1
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p-1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p (= 0)
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p+1 (= 1)
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // 2^255-1 (= 18)
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // top bit ignored
      "1300000000000000000000000000000000000000000000000000000000000000",  // 19
      "0000000000000000000000000000000000000000000000000000000000000040",  // 2^254
  };
  for (const char* e : edges) out.push_back(from_hex(e));
  out.push_back(f::tight{{tight_max, tight_max, tight_max, tight_max, tight_max}});
  out.push_back(f::tight{{0, tight_max, 0, tight_max, 0}});
  out.push_back(f::tight{{f::mask51, f::mask51, f::mask51, f::mask51, f::mask51}});
  for (int i = 0; i < 200; ++i) {
    std::array<std::uint8_t, 32> b{};
    r.fill(b);
    out.push_back(f::from_bytes(b));
  }
  for (int i = 0; i < 50; ++i) {  // random limbs anywhere up to the tight bound
    f::tight t;
    for (auto& x : t.v) x = r.below(tight_max + 1);
    out.push_back(t);
  }
  return out;
}

}  // namespace

// Compile time: 2·3 = 6, (p-1)^2 = 1, inverse of 2 times 2 = 1.
static_assert(f::to_bytes(f::mul(f::tight{{2, 0, 0, 0, 0}}, f::tight{{3, 0, 0, 0, 0}})) ==
              f::to_bytes(f::tight{{6, 0, 0, 0, 0}}));
static_assert(f::to_bytes(f::square(f::carry(f::neg(f::one)))) == f::to_bytes(f::one));
static_assert(f::to_bytes(f::mul(f::invert(f::tight{{2, 0, 0, 0, 0}}), f::tight{{2, 0, 0, 0, 0}})) ==
              f::to_bytes(f::one));

TEST_CASE("field25519: encode/decode, canonical form", "[field25519]") {
  // p encodes as 0, 2^255-1 as 18, bit 255 ignored on decode.
  CHECK(test::hex(f::to_bytes(from_hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))) ==
        "0000000000000000000000000000000000000000000000000000000000000000");
  CHECK(test::hex(f::to_bytes(from_hex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))) ==
        "1200000000000000000000000000000000000000000000000000000000000000");
  CHECK(test::hex(f::to_bytes(from_hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"))) ==
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  const auto canon = [](std::string_view h) {
    const auto b = test::unhex(h);
    return f::is_canonical(std::span<const std::uint8_t, 32>(b.data(), 32));
  };
  CHECK(canon("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));       // p-1
  CHECK_FALSE(canon("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));  // p
  CHECK_FALSE(canon("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));  // 2^255-1
  CHECK(canon("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));       // bit 255 ignored
  test::rng r(0x66323535);
  for (int i = 0; i < 1000; ++i) {
    std::array<std::uint8_t, 32> b{};
    r.fill(b);
    const auto e = f::to_bytes(f::from_bytes(b));
    auto masked = b;
    masked[31] &= 0x7f;
    const big ref = big_mod_p(big_from_bytes(masked));
    INFO(test::hex(b));
    CHECK(test::hex(e) == hex_of(ref));
    b[31] &= 0x7f;
    CHECK(f::is_canonical(b) == (e == b));
  }
}

TEST_CASE("field25519: add/sub/mul/square/mul_small against a big-integer reference", "[field25519]") {
  test::rng r(0x6d756c31);
  const auto xs = sample_elements(r);
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const f::tight& a = xs[i];
    const big ra = big_of(a);
    CHECK(test::hex(f::to_bytes(a)) == hex_of(ra));
    CHECK(hex_of(big_of(f::square(a))) == hex_of(ref_mul(ra, ra)));
    CHECK(hex_of(big_of(f::carry(f::neg(a)))) == hex_of(ref_sub(big{}, ra)));
    CHECK(hex_of(big_of(f::mul_small(a, 121665))) == hex_of(ref_mul(ra, big_small(121665))));
    for (std::size_t k = 0; k < 8; ++k) {
      const f::tight& b = xs[(i * 7 + k * 31 + 3) % xs.size()];
      const big rb = big_of(b);
      INFO("a = " << hex_of(ra) << ", b = " << hex_of(rb));
      const f::loose s = f::add(a, b);
      const f::loose d = f::sub(a, b);
      CHECK(hex_of(big_of(s)) == hex_of(ref_add(ra, rb)));
      CHECK(hex_of(big_of(d)) == hex_of(ref_sub(ra, rb)));
      CHECK(hex_of(big_of(f::mul(a, b))) == hex_of(ref_mul(ra, rb)));
      // loose operands straight into mul/square (no carry in between).
      CHECK(hex_of(big_of(f::mul(s, d))) == hex_of(ref_mul(ref_add(ra, rb), ref_sub(ra, rb))));
      CHECK(hex_of(big_of(f::square(d))) == hex_of(ref_mul(ref_sub(ra, rb), ref_sub(ra, rb))));
      CHECK(hex_of(big_of(f::carry(s))) == hex_of(ref_add(ra, rb)));
      ++pairs;
    }
  }
  CHECK(pairs == 8 * xs.size());
}

TEST_CASE("field25519: limbs at the tight and loose bounds", "[field25519]") {
  const f::tight t{{tight_max, tight_max, tight_max, tight_max, tight_max}};
  const f::loose l{{loose_max, loose_max, loose_max, loose_max, loose_max}};
  const big rt = big_of(t), rl = big_of(l);
  CHECK(hex_of(big_of(f::mul(l, l))) == hex_of(ref_mul(rl, rl)));
  CHECK(hex_of(big_of(f::square(l))) == hex_of(ref_mul(rl, rl)));
  CHECK(hex_of(big_of(f::mul(l, t))) == hex_of(ref_mul(rl, rt)));
  CHECK(hex_of(big_of(f::mul_small(l, 0xffffffffu))) == hex_of(ref_mul(rl, big_small(0xffffffffu))));
  CHECK(hex_of(big_of(f::carry(l))) == hex_of(rl));
  // The outputs are tight again (the types' promise), and sub of a maximal
  // tight from zero does not underflow.
  const f::tight m = f::mul(l, l);
  for (const auto x : m.v) CHECK(x <= tight_max);
  const f::loose z = f::sub(f::zero, t);
  for (const auto x : z.v) CHECK(x <= loose_max);
  CHECK(hex_of(big_of(z)) == hex_of(ref_sub(big{}, rt)));
  const f::loose s = f::add(t, t);
  for (const auto x : s.v) CHECK(x <= loose_max);
}

TEST_CASE("field25519: invert, pow22523, sqrt_ratio", "[field25519]") {
  test::rng r(0x696e7631);
  const auto xs = sample_elements(r);
  for (const auto& a : xs) {
    const big ra = big_of(a);
    INFO("a = " << hex_of(ra));
    const f::tight inv = f::invert(a);
    if (hex_of(ra) == hex_of(big{})) {
      CHECK(hex_of(big_of(inv)) == hex_of(big{}));
    } else {
      CHECK(hex_of(big_of(f::mul(a, inv))) == hex_of(big_small(1)));
    }
    // a^((p-5)/8·8 + 5) = a^p = a.
    const f::tight q = f::pow22523(a);
    const f::tight q8 = f::square_n(q, 3);
    const f::tight a5 = f::mul(f::square_n(a, 2), a);
    CHECK(hex_of(big_of(f::mul(q8, a5))) == hex_of(ra));
    // sqrt_ratio(a^2·v, v) recovers |a|; (non-square)/1 is rejected.
    const f::tight v = f::carry(f::add(a, f::one));
    if (hex_of(big_of(v)) != hex_of(big{})) {
      f::tight root;
      const auto ok = f::sqrt_ratio(f::mul(f::square(a), v), v, root);
      CHECK(ok.declassify());
      CHECK(f::is_negative(root) == 0);
      CHECK(test::hex(f::to_bytes(root)) == test::hex(f::to_bytes(f::abs(a))));
    }
  }
  // 2 is not a square mod p (p = 5 mod 8).
  f::tight root;
  CHECK_FALSE(f::sqrt_ratio(f::tight{{2, 0, 0, 0, 0}}, f::one, root).declassify());
  CHECK(hex_of(big_of(f::square(f::sqrt_m1))) == hex_of(ref_sub(big{}, big_small(1))));
}

TEST_CASE("field25519: cswap, cmov, equal by mask", "[field25519]") {
  using mask = e2ee::ct::mask<std::uint64_t>;
  const f::tight a{{1, 2, 3, 4, 5}}, b{{6, 7, 8, 9, 10}};
  f::tight x = a, y = b;
  f::cswap(x, y, mask::from_bit(0));
  CHECK((x.v == a.v && y.v == b.v));
  f::cswap(x, y, mask::from_bit(1));
  CHECK((x.v == b.v && y.v == a.v));
  f::cmov(x, a, mask::from_bit(0));
  CHECK(x.v == b.v);
  f::cmov(x, a, mask::from_bit(1));
  CHECK(x.v == a.v);
  CHECK(f::equal_mask(from_hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), f::zero).declassify());
  CHECK_FALSE(f::equal_mask(a, b).declassify());
  CHECK(f::is_zero_mask(f::carry(f::sub(a, a))).declassify());
}

// ---- the MULX/ADX kernel (detail/x86/field25519_mulx.hpp) against the portable field ----
#if E2EE_HAVE_X86_KERNELS
#include <e2ee/detail/x86/field25519_mulx.hpp>
#include <e2ee/ec/x25519.hpp>

namespace {

namespace m = e2ee::detail::f25519_mulx;

// to_portable: the fe64 value v (any 256-bit value) as a portable element:
// v = (v mod 2^255) + 2^255·top = (v mod 2^255) + 19·top (mod p).
f::tight to_portable(const m::fe64& a) {
  std::array<std::uint8_t, 32> b{};
  for (std::size_t i = 0; i < 32; ++i) b[i] = static_cast<std::uint8_t>(a.v[i / 8] >> (8 * (i % 8)));
  const std::uint64_t top = a.v[3] >> 63;
  return f::carry(f::add(f::from_bytes(b), f::tight{{19 * top, 0, 0, 0, 0}}));
}

constexpr std::uint64_t ones = ~std::uint64_t{0};
constexpr std::uint64_t top63 = 0x7fffffffffffffffULL;

// Edge values as 4x64 limbs: 0, 1, 2, 19, 37, 38, p-1, p, p+1, 2p-1, 2p, 2p+1,
// 2p+37 = 2^256-1, 2^255-1, 2^255, 2^256-38, 2^256-19, and limb patterns.
std::vector<m::fe64> kernel_edges() {
  const std::uint64_t p0 = 0xffffffffffffffedULL;
  std::vector<m::fe64> e = {
      {{0, 0, 0, 0}},           {{1, 0, 0, 0}},        {{2, 0, 0, 0}},          {{19, 0, 0, 0}},
      {{37, 0, 0, 0}},          {{38, 0, 0, 0}},       {{p0 - 1, ones, ones, top63}},   // p - 1
      {{p0, ones, ones, top63}},                                                      // p
      {{p0 + 1, ones, ones, top63}},                                                  // p + 1
      {{0xffffffffffffffdaULL - 1, ones, ones, ones}},                                // 2p - 1
      {{0xffffffffffffffdaULL, ones, ones, ones}},                                    // 2p
      {{0xffffffffffffffdbULL, ones, ones, ones}},                                    // 2p + 1
      {{ones, ones, ones, ones}},                                                     // 2^256 - 1
      {{ones, ones, ones, top63}},                                                    // 2^255 - 1
      {{0, 0, 0, std::uint64_t{1} << 63}},                                            // 2^255
      {{ones - 37, ones, ones, ones}},                                                // 2^256 - 38
      {{ones - 18, ones, ones, ones}},                                                // 2^256 - 19
      {{ones, 0, ones, 0}},     {{0, ones, 0, ones}},  {{ones, 0, 0, 0}},       {{0, 0, 0, ones}},
      {{std::uint64_t{1} << 51, 0, 0, 0}},            {{0, 0, 0, std::uint64_t{1} << 62}},
  };
  return e;
}

bool same(const m::fe64& got, const f::tight& want) { return m::to_bytes(got) == f::to_bytes(want); }

e2ee::ct::mask<std::uint64_t> ct_all() { return e2ee::ct::mask<std::uint64_t>::all(); }
e2ee::ct::mask<std::uint64_t> ct_none() { return e2ee::ct::mask<std::uint64_t>::none(); }

}  // namespace

TEST_CASE("field25519 mulx_adx: edge inputs against the portable field", "[field25519][mulx_adx]") {
  if (!e2ee::supported(e2ee::x25519_impl::mulx_adx)) {
    WARN("CPU without BMI2/ADX (or disabled): mulx_adx field kernel not tested");
    return;
  }
  const auto edges = kernel_edges();
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const m::fe64& a = edges[i];
    const f::tight pa = to_portable(a);
    INFO("edge " << i);
    CHECK(m::to_bytes(a) == f::to_bytes(pa));
    CHECK(f::is_canonical(m::to_bytes(a)));
    m::fe64 r;
    m::sqr(r, a);
    CHECK(same(r, f::square(pa)));
    m::mul_small(r, a, 121666);
    CHECK(same(r, f::mul_small(pa, 121666)));
    m::invert(r, a);
    CHECK(same(r, f::invert(pa)));
    for (std::size_t j = 0; j < edges.size(); ++j) {
      INFO("with edge " << j);
      const m::fe64& b = edges[j];
      const f::tight pb = to_portable(b);
      m::mul(r, a, b);
      CHECK(same(r, f::mul(pa, pb)));
      m::add(r, a, b);
      CHECK(same(r, f::carry(f::add(pa, pb))));
      m::sub(r, a, b);
      CHECK(same(r, f::carry(f::sub(pa, pb))));
    }
  }
  // sqr_n (one asm loop, the value kept in registers) against n separate
  // squarings and against the portable field, on every edge, in place too.
  for (std::size_t i = 0; i < edges.size(); ++i) {
    INFO("sqr_n, edge " << i);
    for (const int n : {1, 2, 3, 5, 50}) {
      m::fe64 want = edges[i], got;
      f::tight pw = to_portable(edges[i]);
      for (int k = 0; k < n; ++k) {
        m::sqr(want, want);
        pw = f::square(pw);
      }
      m::sqr_n(got, edges[i], n);
      CHECK(got.v == want.v);
      CHECK(same(got, pw));
      got = edges[i];
      m::sqr_n(got, got, n);
      CHECK(got.v == want.v);
    }
  }
  // Aliasing: r = a·a through mul(r, r, r), and add/sub in place.
  m::fe64 x{{ones, ones, ones, ones}};
  const f::tight px = to_portable(x);
  m::mul(x, x, x);
  CHECK(same(x, f::square(px)));
}

TEST_CASE("field25519 mulx_adx: random values and long chains against the portable field",
          "[field25519][mulx_adx]") {
  if (!e2ee::supported(e2ee::x25519_impl::mulx_adx)) {
    WARN("CPU without BMI2/ADX (or disabled): mulx_adx field kernel not tested");
    return;
  }
  test::rng r(0x6d756c78);
  INFO("seed " << r.seed());
  const auto edges = kernel_edges();
  const auto random_fe = [&] {
    m::fe64 a;
    for (auto& w : a.v) w = r.next();
    // Sometimes a limb at 0 or 2^64 - 1, or an edge value.
    const std::uint64_t pick = r.below(8);
    if (pick == 0) a.v[r.below(4)] = ones;
    if (pick == 1) a.v[r.below(4)] = 0;
    if (pick == 2) a = edges[r.below(edges.size())];
    return a;
  };
  for (int i = 0; i < 2000; ++i) {
    const m::fe64 a = random_fe(), b = random_fe();
    const f::tight pa = to_portable(a), pb = to_portable(b);
    m::fe64 t;
    m::mul(t, a, b);
    REQUIRE(same(t, f::mul(pa, pb)));
    m::sqr(t, a);
    REQUIRE(same(t, f::square(pa)));
    m::add(t, a, b);
    REQUIRE(same(t, f::carry(f::add(pa, pb))));
    m::sub(t, a, b);
    REQUIRE(same(t, f::carry(f::sub(pa, pb))));
    m::mul_small(t, a, 121666);
    REQUIRE(same(t, f::mul_small(pa, 121666)));
    REQUIRE(m::to_bytes(a) == f::to_bytes(pa));
  }
  // A long random walk: every result is fed back as an input, so partially
  // reduced outputs (anything below 2^256) are inputs too.
  m::fe64 x = random_fe(), y = random_fe();
  f::tight px = to_portable(x), py = to_portable(y);
  for (int i = 0; i < 20000; ++i) {
    switch (r.below(5)) {
      case 0: m::mul(x, x, y); px = f::mul(px, py); break;
      case 1: m::sqr(y, x); py = f::square(px); break;
      case 2: m::add(x, x, y); px = f::carry(f::add(px, py)); break;
      case 3: m::sub(y, x, y); py = f::carry(f::sub(px, py)); break;
      default: m::mul_small(x, y, 121666); px = f::mul_small(py, 121666); break;
    }
    if (i % 97 == 0) {
      y = random_fe();
      py = to_portable(y);
    }
    REQUIRE(same(x, px));
    REQUIRE(same(y, py));
  }
  for (int i = 0; i < 50; ++i) {
    const m::fe64 a = random_fe();
    m::fe64 inv;
    m::invert(inv, a);
    REQUIRE(same(inv, f::invert(to_portable(a))));
  }
}

TEST_CASE("field25519 mulx_adx: from_bytes masks bit 255, to_bytes is canonical", "[field25519][mulx_adx]") {
  // from_bytes/to_bytes are plain C++: tested whatever the CPU.
  std::array<std::uint8_t, 32> b{};
  b.fill(0xff);  // 2^256 - 1 -> 2^255 - 1 = p + 18 -> 18
  CHECK(m::to_bytes(m::from_bytes(b)) == f::to_bytes(f::from_bytes(b)));
  CHECK(m::to_bytes(m::from_bytes(b))[0] == 18);
  test::rng r(0x62797465);
  for (int i = 0; i < 1000; ++i) {
    r.fill(b);
    if (i % 4 == 0) {  // values close to p
      for (std::size_t j = 1; j < 31; ++j) b[j] = 0xff;
      b[31] = static_cast<std::uint8_t>(0x7f | (b[31] & 0x80));
    }
    const auto got = m::to_bytes(m::from_bytes(b));
    CHECK(got == f::to_bytes(f::from_bytes(b)));
    CHECK(f::is_canonical(got));
  }
}

TEST_CASE("field25519 mulx_adx: neg, cmov, cneg, is_zero, equal, sign, pow22523, sqrt_ratio, conversions",
          "[field25519][mulx_adx]") {
  // from_portable is constexpr: the constants the Edwards kernel uses.
  static_assert(m::from_portable(f::one).v[0] == 1 && m::from_portable(f::one).v[3] == 0);
  // to_f25519 and from_portable are plain C++ (no MULX): tested on every CPU.
  for (const auto& a : kernel_edges()) {
    CHECK(f::to_bytes(m::to_f25519(a)) == m::to_bytes(a));
    const m::fe64 back = m::from_portable(to_portable(a));
    CHECK(back.v == m::reduce(a).v);  // canonical limbs
  }
  if (!e2ee::supported(e2ee::x25519_impl::mulx_adx)) {
    WARN("CPU without BMI2/ADX (or disabled): mulx_adx field kernel not tested");
    return;
  }
  const auto all = ct_all();
  const auto none = ct_none();
  test::rng r(0x73717274);
  INFO("seed " << r.seed());
  std::vector<m::fe64> values = kernel_edges();
  for (int i = 0; i < 400; ++i) {
    m::fe64 a;
    for (auto& w : a.v) w = r.next();
    if (i % 4 == 1) a.v[3] &= top63;
    if (i % 4 == 2) {  // a square (its root known), or a square times -1
      m::fe64 s;
      m::sqr(s, a);
      a = s;
    }
    values.push_back(a);
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    const m::fe64& a = values[i];
    const f::tight pa = to_portable(a);
    INFO("value " << i);
    m::fe64 t;
    m::neg(t, a);
    REQUIRE(same(t, f::carry(f::neg(pa))));
    REQUIRE(m::is_zero_mask(a).declassify() == f::is_zero_mask(pa).declassify());
    REQUIRE(m::is_negative(a) == f::is_negative(pa));
    REQUIRE(m::from_portable(pa).v == m::reduce(a).v);
    REQUIRE(f::to_bytes(m::to_f25519(a)) == f::to_bytes(pa));
    t = a;
    m::cneg(t, all);
    REQUIRE(same(t, f::carry(f::neg(pa))));
    t = a;
    m::cneg(t, none);
    REQUIRE(t.v == a.v);
    m::pow22523(t, a);
    REQUIRE(same(t, f::pow22523(pa)));
    const m::fe64& b = values[(i * 7 + 3) % values.size()];
    const f::tight pb = to_portable(b);
    REQUIRE(m::equal_mask(a, b).declassify() == f::equal_mask(pa, pb).declassify());
    REQUIRE(m::equal_mask(a, a).declassify());
    t = a;
    m::cmov(t, b, none);
    REQUIRE(t.v == a.v);
    m::cmov(t, b, all);
    REQUIRE(t.v == b.v);
    // sqrt_ratio(u, v): same verdict and root (v != 0 is its precondition).
    if (!f::is_zero_mask(pb).declassify()) {
      m::fe64 root;
      f::tight proot;
      const bool ok = m::sqrt_ratio(a, b, root).declassify();
      REQUIRE(ok == f::sqrt_ratio(pa, pb, proot).declassify());
      if (ok) REQUIRE(same(root, proot));
      // u/1 for a = s^2: a square, root s or -s (the non-negative one).
      const bool sq = m::sqrt_ratio(a, m::one, root).declassify();
      REQUIRE(sq == f::sqrt_ratio(pa, f::one, proot).declassify());
      if (sq) {
        REQUIRE(same(root, proot));
        REQUIRE(m::is_negative(root) == 0);
      }
    }
  }
  // Equal values in different representations: x, x + p, x + 2p.
  const std::uint64_t p0 = 0xffffffffffffffedULL;
  const m::fe64 p{{p0, ones, ones, top63}};
  const m::fe64 zero_p2{{0xffffffffffffffdaULL, ones, ones, ones}};  // 2p
  CHECK(m::is_zero_mask(p).declassify());
  CHECK(m::is_zero_mask(zero_p2).declassify());
  CHECK(m::equal_mask(p, m::zero).declassify());
  CHECK(m::equal_mask(m::fe64{{p0 + 1, ones, ones, top63}}, m::one).declassify());
  CHECK_FALSE(m::equal_mask(m::fe64{{p0 - 1, ones, ones, top63}}, m::zero).declassify());
  // sqrt(-1)^2 = -1.
  m::fe64 t;
  m::sqr(t, m::sqrt_m1);
  m::add(t, t, m::one);
  CHECK(m::is_zero_mask(t).declassify());
}
TEST_CASE("field25519 mulx_adx: the one-block ladder against single steps and the portable step",
          "[field25519][mulx_adx][x25519]") {
  if (!e2ee::supported(e2ee::x25519_impl::mulx_adx)) {
    WARN("CPU without BMI2/ADX (or disabled): mulx_adx ladder not tested");
    return;
  }
  // ladder() is the one asm block (ladder_asm) outside AddressSanitizer
  // builds; ladder_step() is the same step from the one-operation blocks, so
  // the limbs must agree exactly, and the values with the portable step.
  test::rng r(0x6c616464);
  INFO("seed " << r.seed());
  const auto edges = kernel_edges();
  const auto random_fe = [&] {
    m::fe64 a;
    for (auto& w : a.v) w = r.next();
    const std::uint64_t pick = r.below(6);
    if (pick == 0) a.v[r.below(4)] = ones;
    if (pick == 1) a = edges[r.below(edges.size())];
    return a;
  };
  namespace xl = e2ee::x25519::detail;
  for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{17}, std::size_t{255}}) {
    for (int round = 0; round < (n == 255 ? 8 : 60); ++round) {
      INFO("n " << n << ", round " << round);
      m::ladder_state s;
      s.x2 = random_fe();
      s.z2 = random_fe();
      s.x3 = random_fe();
      s.z3 = random_fe();
      s.x1 = random_fe();
      std::vector<std::uint64_t> masks(n);
      for (auto& mk : masks) mk = r.below(2) ? ones : 0;
      m::ladder_state want = s;
      xl::ladder_state ps{to_portable(s.x2), to_portable(s.z2), to_portable(s.x3), to_portable(s.z3)};
      const f::tight px1 = to_portable(s.x1);
      for (std::size_t i = 0; i < n; ++i) {
        m::ladder_step(want, masks[i]);
        const auto mk = masks[i] ? ct_all() : ct_none();
        f::cswap(ps.x2, ps.x3, mk);
        f::cswap(ps.z2, ps.z3, mk);
        xl::ladder_step(ps, px1);
      }
      m::ladder(s, masks.data(), n);
      REQUIRE(s.x2.v == want.x2.v);
      REQUIRE(s.z2.v == want.z2.v);
      REQUIRE(s.x3.v == want.x3.v);
      REQUIRE(s.z3.v == want.z3.v);
      REQUIRE(s.x1.v == want.x1.v);
      REQUIRE(same(s.x2, ps.x2));
      REQUIRE(same(s.z2, ps.z2));
      REQUIRE(same(s.x3, ps.x3));
      REQUIRE(same(s.z3, ps.z3));
    }
  }
}

// The AVX-512 IFMA exponentiation (eight lanes) against the MULX/ADX one
// element at a time, for every lane count 1..8, on edge and random values;
// and pow22523_xn (which takes the IFMA path when the CPU has it) against
// the same.
TEST_CASE("field25519 ifma: pow22523 on eight lanes against the MULX field", "[field25519][mulx_adx][ifma]") {
  if (!e2ee::supported(e2ee::x25519_impl::mulx_adx)) {
    WARN("CPU without BMI2/ADX (or disabled): the IFMA reference is not available");
    return;
  }
  namespace fi = e2ee::detail::f25519_ifma;
  test::rng r(0x1f3a);
  INFO("seed " << r.seed());
  std::vector<m::fe64> values = kernel_edges();
  for (int i = 0; i < 300; ++i) {
    m::fe64 a;
    for (auto& w : a.v) w = r.next();
    if (i % 3 == 1) a.v[3] &= top63;
    if (i % 5 == 2) a.v[r.below(4)] = 0;
    values.push_back(a);
  }
  const bool ifma = e2ee::cpu::features().avx512ifma;
  if (!ifma) WARN("CPU without AVX-512 IFMA (or disabled): only pow22523_xn's MULX path tested");
  std::size_t next = 0;
  for (int round = 0; round < 120; ++round) {
    const std::size_t n = 1 + static_cast<std::size_t>(round) % 8;
    std::array<m::fe64, 8> in{};
    std::array<fi::words, 8> w{};
    for (std::size_t j = 0; j < n; ++j) {
      in[j] = values[next++ % values.size()];
      w[j] = m::reduce(in[j]).v;
    }
    std::array<m::fe64, 8> want{};
    for (std::size_t j = 0; j < n; ++j) m::pow22523(want[j], in[j]);
    if (ifma) {
      fi::pow22523_x8(w.data(), w.data(), n);
      for (std::size_t j = 0; j < n; ++j) {
        INFO("round " << round << ", lane " << j << " of " << n);
        m::fe64 got;
        got.v = w[j];
        REQUIRE(m::to_bytes(got) == m::to_bytes(want[j]));
      }
    }
    m::fe64xn<8> x8{};
    m::fe64xn<3> x3{};
    m::fe64xn<2> x2{};
    for (std::size_t j = 0; j < 8; ++j) x8[j] = in[j];
    for (std::size_t j = 0; j < 3; ++j) x3[j] = in[j];
    for (std::size_t j = 0; j < 2; ++j) x2[j] = in[j];
    m::pow22523_xn(x8, x8);
    m::pow22523_xn(x3, x3);
    m::pow22523_xn(x2, x2);
    for (std::size_t j = 0; j < 8; ++j) {
      m::fe64 one_elem;
      m::pow22523(one_elem, in[j]);
      REQUIRE(m::to_bytes(x8[j]) == m::to_bytes(one_elem));
      if (j < 3) REQUIRE(m::to_bytes(x3[j]) == m::to_bytes(one_elem));
      if (j < 2) REQUIRE(m::to_bytes(x2[j]) == m::to_bytes(one_elem));
    }
  }
}

// mul and sqr on limbs at the bound the carry step leaves (2^51 + 2^15 - 1,
// and mixtures with 0 and 2^51 - 1): VPMADD52 reads only 52 bits of a lane,
// so a limb past that would be cut silently. The input's value is taken by
// store (which accepts limbs below 2^52) and the results compared with the
// MULX field.
namespace {
// The IFMA operations are always-inline functions for AVX-512 IFMA targets:
// called from a function compiled for that target.
[[gnu::target("avx512f,avx512ifma")]] void ifma_mul_sqr(e2ee::detail::f25519_ifma::fe51x8& prod,
                                                       e2ee::detail::f25519_ifma::fe51x8& sq,
                                                       const e2ee::detail::f25519_ifma::fe51x8& a,
                                                       const e2ee::detail::f25519_ifma::fe51x8& b) {
  e2ee::detail::f25519_ifma::mul(prod, a, b);
  e2ee::detail::f25519_ifma::sqr(sq, a);
}
}  // namespace

TEST_CASE("field25519 ifma: mul and sqr with limbs at their bound", "[field25519][mulx_adx][ifma]") {
  if (!e2ee::supported(e2ee::x25519_impl::mulx_adx) || !e2ee::cpu::features().avx512ifma) {
    WARN("CPU without BMI2/ADX or AVX-512 IFMA (or disabled): IFMA mul/sqr not tested");
    return;
  }
  namespace fi = e2ee::detail::f25519_ifma;
  constexpr std::uint64_t top = (std::uint64_t{1} << 51) + (std::uint64_t{1} << 15) - 1;
  constexpr std::uint64_t full = (std::uint64_t{1} << 51) - 1;
  test::rng r(0xb0b);
  INFO("seed " << r.seed());
  for (int round = 0; round < 64; ++round) {
    alignas(64) std::array<std::array<std::uint64_t, 8>, 5> la{}, lb{};
    for (std::size_t i = 0; i < 5; ++i)
      for (std::size_t j = 0; j < 8; ++j) {
        const std::uint64_t pick = (r.next() >> 3) % 4;
        la[i][j] = round == 0 ? top : pick == 0 ? top : pick == 1 ? full : pick == 2 ? 0 : r.next() % (top + 1);
        lb[i][j] = round == 0 ? top : (r.next() >> 5) % 2 == 0 ? top : r.next() % (top + 1);
      }
    fi::fe51x8 a, b, prod, sq;
    for (std::size_t i = 0; i < 5; ++i) {
      __builtin_memcpy(&a.l[i], la[i].data(), 64);
      __builtin_memcpy(&b.l[i], lb[i].data(), 64);
    }
    ifma_mul_sqr(prod, sq, a, b);
    std::array<fi::words, 8> wa{}, wb{}, wp{}, ws{};
    fi::store(wa.data(), a, 8);
    fi::store(wb.data(), b, 8);
    fi::store(wp.data(), prod, 8);
    fi::store(ws.data(), sq, 8);
    for (std::size_t j = 0; j < 8; ++j) {
      INFO("round " << round << ", lane " << j);
      m::fe64 xa, xb, want_p, want_s, got_p, got_s;
      xa.v = wa[j];
      xb.v = wb[j];
      m::mul(want_p, xa, xb);
      m::sqr(want_s, xa);
      got_p.v = wp[j];
      got_s.v = ws[j];
      REQUIRE(m::to_bytes(got_p) == m::to_bytes(want_p));
      REQUIRE(m::to_bytes(got_s) == m::to_bytes(want_s));
    }
  }
}

#endif  // E2EE_HAVE_X86_KERNELS
