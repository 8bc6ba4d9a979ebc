// Run-time tests of include/e2ee/core: bytes, ct, secret, error/result,
// os_random, cpu.
#include <array>
#include <cstdint>
#include <limits>
#include <set>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core.hpp>

#include "support/bytes.hpp"
#include "support/kernels.hpp"
#include "support/rng.hpp"

// ---- compile-time properties ----

static_assert(!std::is_copy_constructible_v<e2ee::secret<32>>);
static_assert(!std::is_copy_assignable_v<e2ee::secret<32>>);
static_assert(std::is_nothrow_move_constructible_v<e2ee::secret<32>>);
static_assert(std::is_nothrow_move_assignable_v<e2ee::secret<32>>);
static_assert(e2ee::random_source<e2ee::os_random>);
static_assert(e2ee::random_source<test::rng>);

namespace {

constexpr bool endian_round_trips() {
  std::array<std::uint8_t, 8> b{};
  e2ee::store_be32(b.data(), 0x01020304u);
  if (b[0] != 1 || b[3] != 4 || e2ee::load_be32(b.data()) != 0x01020304u) return false;
  e2ee::store_le32(b.data(), 0x01020304u);
  if (b[0] != 4 || b[3] != 1 || e2ee::load_le32(b.data()) != 0x01020304u) return false;
  e2ee::store_be64(b.data(), 0x0102030405060708u);
  if (b[0] != 1 || b[7] != 8 || e2ee::load_be64(b.data()) != 0x0102030405060708u) return false;
  e2ee::store_le64(b.data(), 0x0102030405060708u);
  if (b[0] != 8 || b[7] != 1 || e2ee::load_le64(b.data()) != 0x0102030405060708u) return false;
  return true;
}
static_assert(endian_round_trips());
static_assert(e2ee::hex<3>("00ff7A") == std::array<std::uint8_t, 3>{0x00, 0xff, 0x7a});

template <class T>
std::vector<T> edge_values() {
  constexpr T max = std::numeric_limits<T>::max();
  constexpr T top = static_cast<T>(T{1} << (sizeof(T) * 8 - 1));
  return {T{0},   T{1},   T{2},   static_cast<T>(top - 1), top, static_cast<T>(top + 1),
          static_cast<T>(max - 1), max, static_cast<T>(0x55), static_cast<T>(0xaa)};
}

}  // namespace

// ---------------------------------------------------------------- bytes

TEST_CASE("core: load/store round trips on random values", "[core][bytes]") {
  test::rng r(1);
  std::array<std::uint8_t, 8> b{};
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t v = r.next();
    const auto v32 = static_cast<std::uint32_t>(v);
    e2ee::store_be32(b.data(), v32);
    REQUIRE(e2ee::load_be32(b.data()) == v32);
    REQUIRE(b[0] == static_cast<std::uint8_t>(v32 >> 24));
    e2ee::store_le32(b.data(), v32);
    REQUIRE(e2ee::load_le32(b.data()) == v32);
    REQUIRE(b[0] == static_cast<std::uint8_t>(v32));
    e2ee::store_be64(b.data(), v);
    REQUIRE(e2ee::load_be64(b.data()) == v);
    REQUIRE(b[0] == static_cast<std::uint8_t>(v >> 56));
    e2ee::store_le64(b.data(), v);
    REQUIRE(e2ee::load_le64(b.data()) == v);
    REQUIRE(b[7] == static_cast<std::uint8_t>(v >> 56));
  }
}

TEST_CASE("core: hex encode and decode", "[core][bytes]") {
  const std::vector<std::uint8_t> all = [] {
    std::vector<std::uint8_t> v(256);
    for (std::size_t i = 0; i < 256; ++i) v[i] = static_cast<std::uint8_t>(i);
    return v;
  }();
  const std::string h = e2ee::to_hex(all);
  REQUIRE(h.size() == 512);
  CHECK(h.substr(0, 8) == "00010203");
  CHECK(h.substr(504) == "fcfdfeff");
  const auto back = e2ee::from_hex(h);
  REQUIRE(back.has_value());
  CHECK(*back == all);

  // Upper case decodes too; output is always lower case.
  const auto upper = e2ee::from_hex("ABCDEF09");
  REQUIRE(upper.has_value());
  CHECK(e2ee::to_hex(*upper) == "abcdef09");

  // Empty string: empty vector, not an error.
  const auto empty = e2ee::from_hex("");
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
  CHECK(e2ee::to_hex({}).empty());
}

TEST_CASE("core: from_hex rejects malformed input", "[core][bytes]") {
  for (const char* bad : {"0", "abc", "0g", "g0", " 00", "00 ", "0x00", "-1", "zz", "0\n", "\xff\xff"}) {
    INFO("input \"" << bad << "\"");
    CHECK_FALSE(e2ee::from_hex(bad).has_value());
  }
}

// ---------------------------------------------------------------- ct

TEMPLATE_TEST_CASE("core: ct::mask operations on edge values", "[core][ct]", std::uint8_t,
                   std::uint16_t, std::uint32_t, std::uint64_t) {
  using T = TestType;
  using M = e2ee::ct::mask<T>;
  constexpr T ones = static_cast<T>(~T{0});
  CHECK(M::all().value() == ones);
  CHECK(M::none().value() == T{0});
  CHECK(M::all().declassify());
  CHECK_FALSE(M::none().declassify());
  CHECK(M::from_bit(1).value() == ones);
  CHECK(M::from_bit(0).value() == T{0});
  CHECK(M::from_bit(3).value() == ones);  // only bit 0 counts
  CHECK(M::from_bit(2).value() == T{0});
  CHECK((!M::all()).value() == T{0});
  CHECK((M::all() & M::none()).value() == T{0});
  CHECK((M::all() | M::none()).value() == ones);

  const auto values = edge_values<T>();
  for (const T a : values) {
    INFO("a = " << +a);
    CHECK(M::is_zero(a).declassify() == (a == 0));
    CHECK(M::is_nonzero(a).declassify() == (a != 0));
    const T mz = M::is_zero(a).value();
    CHECK((mz == T{0} || mz == ones));
    for (const T b : values) {
      INFO("b = " << +b);
      CHECK(M::equal(a, b).declassify() == (a == b));
      CHECK(M::less(a, b).declassify() == (a < b));
      const T ml = M::less(a, b).value();
      CHECK((ml == T{0} || ml == ones));
      CHECK(M::all().select(a, b) == a);
      CHECK(M::none().select(a, b) == b);
      CHECK(e2ee::ct::select(M::equal(a, b), a, b) == (a == b ? a : b));
      T x = a, y = b;
      e2ee::ct::cswap(M::all(), x, y);
      CHECK((x == b && y == a));
      e2ee::ct::cswap(M::none(), x, y);
      CHECK((x == b && y == a));
    }
  }
}

TEST_CASE("core: ct::less agrees with < on random values", "[core][ct]") {
  test::rng r(2);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t a = r.next(), b = (i & 1) ? r.next() : a + (r.next() & 3) - 2;
    REQUIRE(e2ee::ct::mask<std::uint64_t>::less(a, b).declassify() == (a < b));
    const auto a32 = static_cast<std::uint32_t>(a), b32 = static_cast<std::uint32_t>(b);
    REQUIRE(e2ee::ct::mask<std::uint32_t>::less(a32, b32).declassify() == (a32 < b32));
  }
}

TEST_CASE("core: ct::equal on byte strings", "[core][ct]") {
  std::array<std::uint8_t, 32> a{}, b{};
  for (std::size_t i = 0; i < 32; ++i) a[i] = b[i] = static_cast<std::uint8_t>(i * 7);
  CHECK(e2ee::ct::equal<32>(a, b));
  CHECK(e2ee::ct::equal(std::span<const std::uint8_t>(a), std::span<const std::uint8_t>(b)));
  for (std::size_t i = 0; i < 32; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      b[i] = static_cast<std::uint8_t>(b[i] ^ (1u << bit));
      INFO("byte " << i << " bit " << bit);
      CHECK_FALSE(e2ee::ct::equal<32>(a, b));
      b[i] = static_cast<std::uint8_t>(b[i] ^ (1u << bit));
    }
  }
  // Different lengths never compare equal; empty strings do.
  CHECK_FALSE(e2ee::ct::equal(std::span<const std::uint8_t>(a).first(31), std::span<const std::uint8_t>(b)));
  CHECK(e2ee::ct::equal(std::span<const std::uint8_t>(), std::span<const std::uint8_t>()));
  static_assert(e2ee::ct::equal<3>(std::array<std::uint8_t, 3>{1, 2, 3}, std::array<std::uint8_t, 3>{1, 2, 3}));
  static_assert(!e2ee::ct::equal<3>(std::array<std::uint8_t, 3>{1, 2, 3}, std::array<std::uint8_t, 3>{1, 2, 4}));
}

TEST_CASE("core: ct::cswap on byte strings", "[core][ct]") {
  std::array<std::uint8_t, 17> a{}, b{};
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<std::uint8_t>(i);
    b[i] = static_cast<std::uint8_t>(0xf0 | i);
  }
  const auto a0 = a, b0 = b;
  e2ee::ct::cswap(e2ee::ct::mask<std::uint8_t>::none(), a, b);
  CHECK((a == a0 && b == b0));
  e2ee::ct::cswap(e2ee::ct::mask<std::uint8_t>::all(), a, b);
  CHECK((a == b0 && b == a0));
  e2ee::ct::cswap(e2ee::ct::mask<std::uint8_t>::from_bit(1), a, b);
  CHECK((a == a0 && b == b0));
}

// ---------------------------------------------------------------- secret

TEST_CASE("core: secret wipes on move and compares in constant time", "[core][secret]") {
  std::array<std::uint8_t, 32> raw{};
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i + 1);
  const std::array<std::uint8_t, 32> zero{};

  e2ee::secret<32> a(raw);
  CHECK(test::bytes(a.expose()) == test::bytes(raw));
  CHECK(e2ee::secret<32>::size == 32);

  SECTION("clone is an equal, independent copy") {
    e2ee::secret<32> c = a.clone();
    CHECK(c == a);
    CHECK(test::bytes(c.expose()) == test::bytes(raw));
    c.writable()[0] ^= 1;
    CHECK_FALSE(c == a);
    CHECK(test::bytes(a.expose()) == test::bytes(raw));
  }
  SECTION("move construction wipes the source") {
    e2ee::secret<32> b(std::move(a));
    CHECK(test::bytes(b.expose()) == test::bytes(raw));
    CHECK(test::bytes(a.expose()) == test::bytes(zero));  // NOLINT(bugprone-use-after-move)
  }
  SECTION("move assignment wipes the source; self-move keeps the value") {
    e2ee::secret<32> b;
    CHECK(test::bytes(b.expose()) == test::bytes(zero));  // default: zeros
    b = std::move(a);
    CHECK(test::bytes(b.expose()) == test::bytes(raw));
    CHECK(test::bytes(a.expose()) == test::bytes(zero));  // NOLINT(bugprone-use-after-move)
    e2ee::secret<32>& alias = b;
    b = std::move(alias);
    CHECK(test::bytes(b.expose()) == test::bytes(raw));
  }
  SECTION("equality differs on every byte") {
    for (std::size_t i = 0; i < 32; ++i) {
      e2ee::secret<32> c = a.clone();
      c.writable()[i] ^= 0x80;
      INFO("byte " << i);
      CHECK_FALSE(c == a);
    }
  }
}

TEST_CASE("core: wipe and secure_wipe zero memory", "[core][secret]") {
  std::array<std::uint8_t, 100> buf{};
  buf.fill(0xa5);
  e2ee::secure_wipe(buf.data(), 50);
  for (std::size_t i = 0; i < 50; ++i) REQUIRE(buf[i] == 0);
  for (std::size_t i = 50; i < 100; ++i) REQUIRE(buf[i] == 0xa5);
  struct pod {
    std::uint64_t a;
    std::uint32_t b[3];
  } p{~0ull, {1, 2, 3}};
  e2ee::wipe(p);
  CHECK(p.a == 0);
  CHECK((p.b[0] == 0 && p.b[1] == 0 && p.b[2] == 0));
  e2ee::secure_wipe(buf.data(), 0);  // n = 0 is fine
}

// ---------------------------------------------------------------- error / result

TEST_CASE("core: every error has a distinct, non-empty description", "[core][error]") {
  std::set<std::string> seen;
  const auto first = static_cast<int>(e2ee::error::invalid_argument);
  const auto last = static_cast<int>(e2ee::error::storage_failure);
  REQUIRE(first == 1);
  for (int v = first; v <= last; ++v) {
    const auto e = static_cast<e2ee::error>(v);
    const std::string s(e2ee::to_string(e));
    INFO("error value " << v << ": " << s);
    CHECK_FALSE(s.empty());
    CHECK(s != "unknown error");
    CHECK(seen.insert(s).second);
  }
  CHECK_FALSE(e2ee::to_string(static_cast<e2ee::error>(0)).empty());
  CHECK_FALSE(e2ee::to_string(static_cast<e2ee::error>(250)).empty());
}

TEST_CASE("core: result holds a value or an error", "[core][error]") {
  e2ee::result<int> ok = 42;
  REQUIRE(ok.has_value());
  REQUIRE(static_cast<bool>(ok));
  CHECK(*ok == 42);
  CHECK(ok.value() == 42);
  *ok = 7;
  CHECK(ok.value() == 7);

  const e2ee::result<int> bad = e2ee::error::invalid_mac;
  REQUIRE_FALSE(bad.has_value());
  CHECK_FALSE(static_cast<bool>(bad));
  CHECK(bad.error() == e2ee::error::invalid_mac);

  e2ee::result<std::vector<std::uint8_t>> v = std::vector<std::uint8_t>{1, 2, 3};
  REQUIRE(v);
  CHECK(v->size() == 3);
  const std::vector<std::uint8_t> moved = std::move(v).value();
  CHECK(moved.size() == 3);

  e2ee::result<std::string> s = std::string("text");
  CHECK(*s == "text");
  CHECK(s->size() == 4);

  const e2ee::result<void> done;
  CHECK(done.has_value());
  const e2ee::result<void> failed = e2ee::error::invalid_state;
  CHECK_FALSE(failed.has_value());
  CHECK(failed.error() == e2ee::error::invalid_state);

  constexpr e2ee::result<int> c = 5;
  static_assert(c.has_value() && *c == 5);
}

// ---------------------------------------------------------------- os_random

TEST_CASE("core: os_random fills buffers, draws differ", "[core][random]") {
  const e2ee::os_random rnd;
  std::array<std::uint8_t, 64> a{}, b{};
  REQUIRE(rnd.fill(a));
  REQUIRE(rnd.fill(b));
  const std::array<std::uint8_t, 64> zero{};
  CHECK(a != zero);  // probability 2^-512 of a false failure
  CHECK(a != b);
  CHECK(rnd.fill(std::span<std::uint8_t>()));  // empty span: fine

  // One byte at a time: every one of 4096 draws lands, and not all alike.
  std::set<int> seen;
  for (int i = 0; i < 4096; ++i) {
    std::uint8_t x = 0;
    REQUIRE(rnd.fill(std::span<std::uint8_t>(&x, 1)));
    seen.insert(x);
  }
  CHECK(seen.size() > 200);
}

TEST_CASE("core: os_random fills a buffer larger than one getrandom call", "[core][random]") {
  // getrandom returns at most 32 MiB - 1 per call; 33 MiB needs a second one.
  std::vector<std::uint8_t> big(33u << 20, 0);
  REQUIRE(e2ee::os_random{}.fill(big));
  // Each 64 KiB slice, including the tail past the first call, was written.
  for (std::size_t off = 0; off < big.size(); off += 1u << 16) {
    std::size_t nonzero = 0;
    for (std::size_t i = off; i < off + 256; ++i) nonzero += big[i] != 0;
    INFO("offset " << off);
    REQUIRE(nonzero > 200);
  }
  std::size_t tail_nonzero = 0;
  for (std::size_t i = big.size() - 256; i < big.size(); ++i) tail_nonzero += big[i] != 0;
  CHECK(tail_nonzero > 200);
}

// ---------------------------------------------------------------- cpu

namespace {

e2ee::cpu::feature_set all_features() {
  e2ee::cpu::feature_set f;
  for (const auto& e : e2ee::cpu::feature_set::names()) f.*e.member = true;
  return f;
}
bool same(const e2ee::cpu::feature_set& a, const e2ee::cpu::feature_set& b) {
  for (const auto& e : e2ee::cpu::feature_set::names())
    if (a.*e.member != b.*e.member) return false;
  return true;
}

}  // namespace

TEST_CASE("core: cpu::mask_disabled parses E2EE_CPU_DISABLE lists", "[core][cpu]") {
  using e2ee::cpu::mask_disabled;
  const auto full = all_features();
  INFO("full: " << full.to_string());

  SECTION("empty list changes nothing") {
    CHECK(same(mask_disabled(full, ""), full));
    CHECK(same(mask_disabled(full, " , ,"), full));
  }
  SECTION("all clears everything") {
    const auto none = mask_disabled(full, "all");
    CHECK(same(none, e2ee::cpu::feature_set{}));
    CHECK(none.to_string() == "none");
    CHECK(same(mask_disabled(full, "shani, all"), e2ee::cpu::feature_set{}));
    CHECK(same(mask_disabled(full, " all "), e2ee::cpu::feature_set{}));
  }
  SECTION("every name clears exactly its feature and its dependants") {
    for (const auto& e : e2ee::cpu::feature_set::names()) {
      INFO("disable " << e.name);
      const auto f = mask_disabled(full, e.name);
      CHECK_FALSE(f.*e.member);
    }
    const auto f = mask_disabled(full, "shani");
    auto expect = full;
    expect.shani = false;
    CHECK(same(f, expect));
  }
  SECTION("lists with spaces; unknown names ignored") {
    const auto f = mask_disabled(full, " shani ,  bmi2,nonsense,,AVX2 ,adx");
    auto expect = full;
    expect.shani = expect.bmi2 = expect.adx = false;  // names are case-sensitive: AVX2 is unknown
    CHECK(same(f, expect));
    CHECK(same(mask_disabled(full, "sha,avx3,foo"), full));
  }
  SECTION("disabling avx clears every feature that needs YMM registers") {
    const auto f = mask_disabled(full, "avx");
    CHECK_FALSE(f.avx);
    CHECK_FALSE(f.avx2);
    CHECK_FALSE(f.vaes);
    CHECK_FALSE(f.vpclmulqdq);
    CHECK_FALSE(f.avx512);
    CHECK_FALSE(f.avx512ifma);
    CHECK(f.aesni);
    CHECK(f.pclmulqdq);
    CHECK(f.shani);
    CHECK(f.bmi2);
    CHECK(f.adx);
  }
  SECTION("other dependencies") {
    auto f = mask_disabled(full, "avx2");
    CHECK((f.avx && !f.avx2 && !f.avx512 && !f.avx512ifma && f.vaes));
    f = mask_disabled(full, "avx512");
    CHECK((f.avx2 && !f.avx512 && !f.avx512ifma));
    f = mask_disabled(full, "sse41");
    CHECK_FALSE(f.shani);
    f = mask_disabled(full, "neon");
    CHECK((!f.arm_aes && !f.arm_pmull && !f.arm_sha2 && !f.arm_sha512));
  }
}

TEST_CASE("core: cpu::features follows E2EE_CPU_DISABLE after refresh", "[core][cpu]") {
  const auto hw = e2ee::cpu::detect();
  INFO("detected: " << hw.to_string());
  // detect() never reports a feature whose prerequisite is missing.
  CHECK(same(e2ee::cpu::detail::apply_dependencies(hw), hw));
  {
    const test::force_cpu all("all");
    CHECK(same(e2ee::cpu::features(), e2ee::cpu::feature_set{}));
  }
  {
    const test::force_cpu shani("shani");
    CHECK_FALSE(e2ee::cpu::features().shani);
    CHECK(e2ee::cpu::features().avx2 == hw.avx2);
    CHECK(e2ee::cpu::features().aesni == hw.aesni);
  }
  {
    const test::force_cpu nothing("");
    CHECK(same(e2ee::cpu::features(), hw));
  }
}
