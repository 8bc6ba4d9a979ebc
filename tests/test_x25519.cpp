// X25519 (RFC 7748): the RFC's vectors (compile time and run time, 1 and
// 1,000 iterations; 1,000,000 as a hidden slow test), Project Wycheproof
// x25519_test.json (every case), Signal's x25519.json, and random agreement,
// each on every kernel the CPU has (test::force_impl: the default functions
// then pick it); every kernel against the portable ladder on random and edge
// inputs (u = 0, 1, p-1, p, p+1, 2^255-1, 2^256-1, bit 255 set).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core/bytes.hpp>
#include <e2ee/ec/field25519.hpp>
#include <e2ee/ec/x25519.hpp>

#include "support/bytes.hpp"
#include "support/json.hpp"
#include "support/kernels_x25519.hpp"
#include "support/rng.hpp"
#include "support/rsp.hpp"
#include "support/vectors.hpp"
#include "support/wycheproof.hpp"

namespace {

using e2ee::hex;
using key = e2ee::x25519::key;

// RFC 7748 5.2, first vector, and the iterated test after one iteration
// (k = u = 9): checked by the compiler.
constexpr auto rfc_k = hex<32>("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
constexpr auto rfc_u = hex<32>("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
constexpr auto rfc_r = hex<32>("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
static_assert(e2ee::x25519::scalarmult(rfc_k, rfc_u) == rfc_r);
static_assert(e2ee::x25519::scalarmult(e2ee::x25519::base_point, e2ee::x25519::base_point) ==
              hex<32>("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));

key to_key(const std::vector<std::uint8_t>& v) {
  REQUIRE(v.size() == 32);
  key k{};
  for (std::size_t i = 0; i < 32; ++i) k[i] = v[i];
  return k;
}

// iterate: RFC 7748 5.2, (k, u) <- (X25519(k, u), k), n times.
key iterate(key k, key u, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) {
    const key r = e2ee::x25519::scalarmult(k, u);
    u = k;
    k = r;
  }
  return k;
}

void run_own_iterated(std::uint64_t max_iterations, std::uint64_t min_iterations, std::size_t expect_count) {
  const auto f = test::rsp::load_own("x25519.txt");
  INFO(f.error);
  REQUIRE(f.ok());
  std::size_t count = 0;
  for (const auto* rec : f.with_field("scalar")) {
    const auto n = rec->number("iterations");
    REQUIRE(n.has_value());
    if (*n > max_iterations || *n < min_iterations) continue;
    INFO(rec->get("name"));
    const key got = iterate(to_key(*rec->hex("scalar")), to_key(*rec->hex("u")), *n);
    CHECK(test::hex(got) == rec->get("out"));
    ++count;
  }
  CHECK(count == expect_count);
}

// kernels: every X25519 kernel this CPU runs (portable always).
std::vector<e2ee::x25519_impl> kernels() { return test::available_impls<e2ee::x25519_impl>(); }

}  // namespace

TEST_CASE("x25519: RFC 7748 5.2 vectors, 1 and 1,000 iterations (vectors/), every kernel", "[x25519][rfc]") {
  for (const auto impl : kernels()) {
    const test::force_impl use(impl);
    REQUIRE(use.selected());
    INFO("kernel " << test::name(impl));
    run_own_iterated(1000, 0, 4);
  }
}

TEST_CASE("x25519: RFC 7748 5.2, 1,000,000 iterations (slow), every kernel", "[.x25519_slow]") {
  for (const auto impl : kernels()) {
    const test::force_impl use(impl);
    REQUIRE(use.selected());
    INFO("kernel " << test::name(impl));
    run_own_iterated(1000000, 1000000, 1);
  }
}

TEST_CASE("x25519: kernel selection", "[x25519][kernel]") {
  CHECK(e2ee::to_string(e2ee::x25519_impl::portable) == "portable");
  CHECK(e2ee::to_string(e2ee::x25519_impl::mulx_adx) == "mulx_adx");
  e2ee::cpu::feature_set none{};
  CHECK(e2ee::best_x25519_impl(none) == e2ee::x25519_impl::portable);
  CHECK(e2ee::supported(e2ee::x25519_impl::portable, none));
  CHECK_FALSE(e2ee::supported(e2ee::x25519_impl::mulx_adx, none));
  e2ee::cpu::feature_set both{};
  both.bmi2 = both.adx = true;
  CHECK(e2ee::best_x25519_impl(both) ==
        (E2EE_HAVE_X86_KERNELS ? e2ee::x25519_impl::mulx_adx : e2ee::x25519_impl::portable));
  both.adx = false;  // BMI2 alone is not enough
  CHECK(e2ee::best_x25519_impl(both) == e2ee::x25519_impl::portable);
  {
    const test::force_cpu off("bmi2");
    CHECK(e2ee::best_x25519_impl() == e2ee::x25519_impl::portable);
  }
  {
    const test::force_cpu off("adx");
    CHECK(e2ee::best_x25519_impl() == e2ee::x25519_impl::portable);
  }
  // The forced overloads in constant evaluation run the portable ladder.
  static_assert(e2ee::x25519::scalarmult(e2ee::x25519_impl::mulx_adx, rfc_k, rfc_u) == rfc_r);
  if (E2EE_HAVE_X86_KERNELS && e2ee::cpu::detect().bmi2 && e2ee::cpu::detect().adx) {
    CHECK(e2ee::best_x25519_impl(e2ee::cpu::detect()) == e2ee::x25519_impl::mulx_adx);
  }
}

TEST_CASE("x25519: RFC 7748 6.1 Diffie-Hellman (vectors/)", "[x25519][rfc]") {
  const auto f = test::rsp::load_own("x25519.txt");
  INFO(f.error);
  REQUIRE(f.ok());
  const auto recs = f.with_field("alice_private");
  REQUIRE(recs.size() == 1);
  const auto& rec = *recs[0];
  for (const auto impl : kernels()) {
  const test::force_impl use(impl);
  REQUIRE(use.selected());
  INFO("kernel " << test::name(impl));
  const key a = to_key(*rec.hex("alice_private")), b = to_key(*rec.hex("bob_private"));
  CHECK(test::hex(e2ee::x25519::scalarmult(a, e2ee::x25519::base_point)) == rec.get("alice_public"));
  CHECK(test::hex(e2ee::x25519::public_key(a)) == rec.get("alice_public"));
  CHECK(test::hex(e2ee::x25519::public_key(b)) == rec.get("bob_public"));
  const auto s1 = e2ee::x25519::shared_secret(a, to_key(*rec.hex("bob_public")));
  const auto s2 = e2ee::x25519::shared_secret(b, to_key(*rec.hex("alice_public")));
  REQUIRE(s1.has_value());
  REQUIRE(s2.has_value());
  CHECK(test::hex(*s1) == rec.get("shared"));
  CHECK(test::hex(*s2) == rec.get("shared"));
  }
}

TEST_CASE("x25519: RFC 7748 pyca file", "[x25519][rfc]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto f = test::rsp::load_external("rfc/rfc7748.txt");
  INFO(f.error);
  REQUIRE(f.ok());
  REQUIRE(f.records.size() == 3);
  for (const auto impl : kernels()) {
    INFO("kernel " << test::name(impl));
    for (const auto& rec : f.records) {
      INFO("COUNT = " << rec.get("COUNT"));
      const key got =
          e2ee::x25519::scalarmult(impl, to_key(*rec.hex("INPUT_SCALAR")), to_key(*rec.hex("INPUT_U")));
      CHECK(test::hex(got) == rec.get("OUTPUT_U"));
    }
  }
}

TEST_CASE("x25519: Wycheproof x25519_test.json, every case", "[x25519][wycheproof]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto suite = test::wycheproof::load_xdh("x25519_test.json");
  INFO(suite.error);
  REQUIRE(suite.ok());
  REQUIRE(suite.tests.size() == suite.declared_count);
  REQUIRE(suite.declared_count == 518);
  for (const auto impl : kernels()) {
  const test::force_impl use(impl);
  REQUIRE(use.selected());
  INFO("kernel " << test::name(impl));
  std::size_t zero = 0, matched = 0;
  for (const auto& t : suite.tests) {
    INFO("tcId " << t.id << ": " << t.comment);
    REQUIRE(t.curve == "curve25519");
    REQUIRE(t.expect != test::wycheproof::result::invalid);  // the file has none
    const key sk = to_key(t.private_key), pk = to_key(t.public_key);
    const auto got = e2ee::x25519::shared_secret(sk, pk);
    const key raw = e2ee::x25519::scalarmult(sk, pk);
    CHECK(test::hex(raw) == test::hex(t.shared));  // the raw function matches every case
    CHECK(e2ee::x25519::scalarmult(impl, sk, pk) == raw);
    CHECK(e2ee::x25519::shared_secret(impl, sk, pk) == got);
    if (t.has_flag("ZeroSharedSecret")) {
      CHECK(t.acceptable());
      CHECK_FALSE(got.has_value());  // our policy: all-zero output is rejected
      ++zero;
    } else {
      REQUIRE(got.has_value());
      CHECK(test::hex(*got) == test::hex(t.shared));
      ++matched;
    }
  }
  CHECK(zero == 31);
  CHECK(matched == 487);
  }
}

TEST_CASE("x25519: Signal x25519.json", "[x25519][signal]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto text = test::vectors::read_file(test::vectors::external("signal/x25519.json"));
  REQUIRE(text.has_value());
  const auto parsed = test::json::parse(*text);
  INFO(parsed.error);
  REQUIRE(parsed.ok());
  const auto& root = *parsed.root;
  const auto str = [](const test::json::value& o, std::string_view k) {
    const auto* v = o.find(k);
    REQUIRE(v != nullptr);
    REQUIRE(v->as_string() != nullptr);
    return *v->as_string();
  };
  // 33-byte wire keys: 0x05 || u.
  const auto wire_u = [](const std::string& h) {
    const auto b = test::unhex(h);
    REQUIRE(b.size() == 33);
    REQUIRE(b[0] == 0x05);
    return to_key(std::vector<std::uint8_t>(b.begin() + 1, b.end()));
  };
  for (const auto impl : kernels()) {
    const test::force_impl use(impl);
    REQUIRE(use.selected());
    INFO("kernel " << test::name(impl));
    const auto* ag = root.find("agreement");
    REQUIRE(ag != nullptr);
    const key a = to_key(test::unhex(str(*ag, "alice_private"))), b = to_key(test::unhex(str(*ag, "bob_private")));
    const key apub = wire_u(str(*ag, "alice_public")), bpub = wire_u(str(*ag, "bob_public"));
    CHECK(e2ee::x25519::public_key(a) == apub);
    CHECK(e2ee::x25519::public_key(b) == bpub);
    CHECK(e2ee::x25519::scalarmult(a, e2ee::x25519::base_point) == apub);
    const auto s1 = e2ee::x25519::shared_secret(a, bpub), s2 = e2ee::x25519::shared_secret(b, apub);
    REQUIRE(s1.has_value());
    REQUIRE(s2.has_value());
    CHECK(test::hex(*s1) == str(*ag, "shared"));
    CHECK(test::hex(*s2) == str(*ag, "shared"));
  }
  {
    // We clamp (RFC 7748, Rust libsignal): public_key matches rust_public.
    // c_public (libsignal-protocol-c, unclamped scalar) is not reproducible
    // through the RFC function and is only checked to differ.
    const auto* cd = root.find("clamping_divergence");
    REQUIRE(cd != nullptr);
    const auto* cases = cd->find("cases");
    REQUIRE((cases != nullptr && cases->as_array() != nullptr));
    std::size_t n = 0;
    for (const auto& c : *cases->as_array()) {
      const key sk = to_key(test::unhex(str(c, "private")));
      CHECK(e2ee::x25519::public_key(sk) == wire_u(str(c, "rust_public")));
      for (const auto impl : kernels()) {
        INFO("kernel " << test::name(impl));
        CHECK(e2ee::x25519::scalarmult(impl, sk, e2ee::x25519::base_point) == wire_u(str(c, "rust_public")));
      }
      CHECK(e2ee::x25519::public_key(sk) != wire_u(str(c, "c_public")));
      ++n;
    }
    CHECK(n == 2);
  }
  {
    // public_key_range: the range half of libsignal's is_canonical (u < p,
    // bit 255 clear), which field25519::is_canonical plus the top-bit test
    // gives; the torsion half is not part of these cases.
    const auto* pr = root.find("public_key_range");
    REQUIRE(pr != nullptr);
    const auto* cases = pr->find("cases");
    REQUIRE((cases != nullptr && cases->as_array() != nullptr));
    std::size_t n = 0;
    for (const auto& c : *cases->as_array()) {
      const key u = to_key(test::unhex(str(c, "u")));
      const auto* in_range = c.find("in_range");
      REQUIRE((in_range != nullptr && in_range->as_bool().has_value()));
      INFO(str(c, "why"));
      const bool ours = (u[31] & 0x80) == 0 && e2ee::detail::f25519::is_canonical(u);
      CHECK(ours == *in_range->as_bool());
      ++n;
    }
    CHECK(n == 23);
  }
}

TEST_CASE("x25519: random agreement, clamping, bit 255 of u, every kernel", "[x25519]") {
  for (const auto impl : kernels()) {
  const test::force_impl use(impl);
  REQUIRE(use.selected());
  INFO("kernel " << test::name(impl));
  test::rng r(0x78323535);
  for (int i = 0; i < 64; ++i) {
    key a{}, b{};
    r.fill(a);
    r.fill(b);
    const key pa = e2ee::x25519::public_key(a), pb = e2ee::x25519::public_key(b);
    const auto s1 = e2ee::x25519::shared_secret(a, pb), s2 = e2ee::x25519::shared_secret(b, pa);
    REQUIRE(s1.has_value());
    REQUIRE(s2.has_value());
    CHECK(*s1 == *s2);
    // clamping: the bits clamping overwrites do not matter.
    key a2 = a;
    a2[0] = static_cast<std::uint8_t>(a2[0] ^ 7);
    a2[31] = static_cast<std::uint8_t>(a2[31] ^ 0xc0);
    CHECK(e2ee::x25519::public_key(a2) == pa);
    // bit 255 of u is ignored.
    key pb2 = pb;
    pb2[31] = static_cast<std::uint8_t>(pb2[31] ^ 0x80);
    CHECK(e2ee::x25519::scalarmult(a, pb2) == *s1);
  }
  // u = 0 and u = 1 (small order): nullopt.
  key a{};
  r.fill(a);
  CHECK_FALSE(e2ee::x25519::shared_secret(a, key{}).has_value());
  CHECK_FALSE(e2ee::x25519::shared_secret(a, key{1}).has_value());
  }
}

TEST_CASE("x25519: every kernel against the portable ladder, random and edge inputs", "[x25519][kernel]") {
  using e2ee::x25519_impl;
  // u-coordinates at the edges (little endian): 0, 1, 9, p-1, p, p+1, p+18 =
  // 2^255-1, 2^256-1 (bit 255 masked: = 2^255-1), 2^255 (masked: 0), limbs
  // of all ones or zeros, and values with only the top or bottom bits set.
  std::vector<key> us;
  const auto near_p = [](int delta, bool bit255) {
    key k{};
    k.fill(0xff);
    k[31] = bit255 ? 0xff : 0x7f;
    k[0] = static_cast<std::uint8_t>(0xed + delta);
    return k;
  };
  us.push_back(key{});
  us.push_back(key{1});
  us.push_back(key{9});
  for (int d = -1; d <= 18; ++d) {
    us.push_back(near_p(d, false));
    us.push_back(near_p(d, true));
  }
  {
    key k{};
    k[31] = 0x80;  // 2^255: masked to 0
    us.push_back(k);
    k.fill(0);
    for (std::size_t i = 0; i < 8; ++i) k[i] = 0xff;  // 2^64 - 1
    us.push_back(k);
    k.fill(0);
    for (std::size_t i = 24; i < 32; ++i) k[i] = 0xff;  // top limb all ones
    us.push_back(k);
    k.fill(0);
    k[31] = 0x40;  // 2^254
    us.push_back(k);
  }
  test::rng r(0x6b65726e);
  INFO("seed " << r.seed());
  std::vector<key> scalars;
  for (int i = 0; i < 4; ++i) {
    key s{};
    r.fill(s);
    scalars.push_back(s);
  }
  key s_ones{};
  s_ones.fill(0xff);
  scalars.push_back(s_ones);
  scalars.push_back(key{});
  for (const auto impl : kernels()) {
    if (impl == x25519_impl::portable) continue;
    INFO("kernel " << test::name(impl));
    for (std::size_t i = 0; i < us.size(); ++i) {
      for (const key& s : scalars) {
        INFO("edge u #" << i << " = " << test::hex(us[i]) << ", scalar " << test::hex(s));
        CHECK(e2ee::x25519::scalarmult(impl, s, us[i]) == e2ee::x25519::scalarmult(x25519_impl::portable, s, us[i]));
      }
    }
    for (int i = 0; i < 300; ++i) {
      key s{}, u{};
      r.fill(s);
      r.fill(u);
      INFO("scalar " << test::hex(s) << " u " << test::hex(u));
      REQUIRE(e2ee::x25519::scalarmult(impl, s, u) == e2ee::x25519::scalarmult(x25519_impl::portable, s, u));
      REQUIRE(e2ee::x25519::shared_secret(impl, s, u) ==
              e2ee::x25519::shared_secret(x25519_impl::portable, s, u));
    }
  }
}
