// Scalars modulo L (ec/scalar25519.hpp): the half-size decomposition that
// verification uses (reduce_basis_vartime: u ≡ v·k mod L with u < 2^126,
// 0 < |v| < 2^127), for random scalars and edge values, checked with the
// module's own multiplication mod L.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include <e2ee/core/bytes.hpp>
#include <e2ee/ec/scalar25519.hpp>

#include "support/rng.hpp"

namespace {

namespace sc = e2ee::detail::sc25519;
using bytes32 = std::array<std::uint8_t, 32>;

bool is_zero(const bytes32& b) {
  for (const auto x : b)
    if (x != 0) return false;
  return true;
}

// check: u ≡ ±|v|·k (mod L) and the size bounds.
void check_half_size(const bytes32& k) {
  const sc::half_size h = sc::reduce_basis_vartime(k);
  for (std::size_t j = 16; j < 32; ++j) {
    REQUIRE(h.u[j] == 0);
    REQUIRE(h.v[j] == 0);
  }
  REQUIRE((h.u[15] & 0xc0) == 0);  // u < 2^126
  REQUIRE((h.v[15] & 0x80) == 0);  // |v| < 2^127
  REQUIRE_FALSE(is_zero(h.v));
  const sc::scalar vk = sc::mul(sc::from_bytes(h.v), sc::from_bytes(k));  // |v|·k mod L
  const sc::scalar u = sc::reduce(h.u);
  if (h.v_negative) REQUIRE(is_zero(sc::to_bytes(sc::add(vk, u))));  // -|v|·k ≡ u
  else REQUIRE(sc::to_bytes(vk) == sc::to_bytes(u));
}

}  // namespace

TEST_CASE("scalar25519: half-size decomposition u ≡ v·k (mod L), edge values", "[ed25519][scalar]") {
  std::vector<bytes32> edge;
  edge.push_back(bytes32{});                                                                         // 0: u = 0, v = 1
  edge.push_back(e2ee::hex<32>("0100000000000000000000000000000000000000000000000000000000000000"));  // 1
  edge.push_back(e2ee::hex<32>("ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"));  // L - 1
  edge.push_back(e2ee::hex<32>("ebd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"));  // L - 2
  edge.push_back(e2ee::hex<32>("0000000000000000000000000000004000000000000000000000000000000000"));  // 2^126
  edge.push_back(e2ee::hex<32>("ffffffffffffffffffffffffffffff3f00000000000000000000000000000000"));  // 2^126 - 1
  edge.push_back(e2ee::hex<32>("0000000000000000000000000000000000000000000000000000000000000010"));  // 2^252
  edge.push_back(e2ee::hex<32>("0000000000000000000000000000000001000000000000000000000000000000"));  // 2^128
  edge.push_back(e2ee::hex<32>("f6e97a2e8d31092c6bce7b51ef7c6f0a00000000000000000000000000000008"));  // (L - 1)/2
  const auto zero = sc::reduce_basis_vartime(edge[0]);
  CHECK(is_zero(zero.u));
  CHECK(zero.v[0] == 1);
  CHECK_FALSE(zero.v_negative);
  for (std::size_t i = 0; i < edge.size(); ++i) {
    INFO("edge " << i);
    check_half_size(edge[i]);
  }
  // compile time too
  static_assert(sc::reduce_basis_vartime(std::array<std::uint8_t, 32>{5}).v[0] == 1);
}

TEST_CASE("scalar25519: half-size decomposition u ≡ v·k (mod L), random scalars", "[ed25519][scalar]") {
  test::rng r(0x1a77);
  INFO("seed " << r.seed());
  std::size_t negative = 0;
  for (int i = 0; i < 5000; ++i) {
    std::array<std::uint8_t, 64> wide{};
    r.fill(wide);
    const bytes32 k = sc::to_bytes(sc::reduce_wide(wide));
    check_half_size(k);
    if (sc::reduce_basis_vartime(k).v_negative) ++negative;
  }
  CHECK(negative > 1000);  // both signs occur
  CHECK(negative < 4000);
}

namespace {

// check_half_size_exact: when ok, v odd, u < 2^130, |v| < 2^128, and
// u ≡ ±|v|·k modulo 8 and modulo L (so modulo 8L). Returns ok.
bool check_half_size_exact(const bytes32& k) {
  const sc::half_size_exact h = sc::reduce_basis_8l_vartime(k);
  if (!h.ok) return false;
  for (std::size_t j = 16; j < 32; ++j) {
    REQUIRE(h.u[j] == 0 + (j == 16 ? (h.u[16] & 3) : 0));  // u < 2^130
    REQUIRE(h.v[j] == 0);                                  // |v| < 2^128
  }
  REQUIRE((h.v[0] & 1) == 1);
  const sc::scalar vk = sc::mul(sc::from_bytes(h.v), sc::from_bytes(k));
  const sc::scalar u = sc::reduce(h.u);
  const unsigned low = static_cast<unsigned>(h.v[0] * k[0]) & 7u;  // |v|·k mod 8
  if (h.v_negative) {
    REQUIRE(is_zero(sc::to_bytes(sc::add(vk, u))));
    REQUIRE(((low + h.u[0]) & 7u) == 0);
  } else {
    REQUIRE(sc::to_bytes(vk) == sc::to_bytes(u));
    REQUIRE((low & 7u) == (h.u[0] & 7u));
  }
  return true;
}

}  // namespace

TEST_CASE("scalar25519: exact half-size decomposition u ≡ v·k (mod 8L), v odd", "[xeddsa][scalar]") {
  const std::vector<bytes32> edge{
      bytes32{}, e2ee::hex<32>("0100000000000000000000000000000000000000000000000000000000000000"),
      e2ee::hex<32>("0200000000000000000000000000000000000000000000000000000000000000"),
      e2ee::hex<32>("0800000000000000000000000000000000000000000000000000000000000000"),
      e2ee::hex<32>("ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"),
      e2ee::hex<32>("0000000000000000000000000000000001000000000000000000000000000000"),
      e2ee::hex<32>("ffffffffffffffffffffffffffffffff00000000000000000000000000000000"),
      e2ee::hex<32>("0000000000000000000000000000000000000000000000000000000000000010")};
  for (std::size_t i = 0; i < edge.size(); ++i) {
    INFO("edge " << i);
    (void)check_half_size_exact(edge[i]);
  }
  CHECK(sc::reduce_basis_8l_vartime(bytes32{}).ok);
  test::rng r(0x81a77);
  INFO("seed " << r.seed());
  std::size_t ok = 0, negative = 0;
  constexpr int n = 20000;
  for (int i = 0; i < n; ++i) {
    std::array<std::uint8_t, 64> wide{};
    r.fill(wide);
    const bytes32 k = sc::to_bytes(sc::reduce_wide(wide));
    if (check_half_size_exact(k)) ++ok;
    if (sc::reduce_basis_8l_vartime(k).v_negative) ++negative;
  }
  WARN("exact half-size reduction: " << ok << " of " << n << " ok");
  CHECK(ok > n * 93 / 100);  // the fallback is rare (about 5 %)
  CHECK(negative > n / 5);
  static_assert(sc::reduce_basis_8l_vartime(std::array<std::uint8_t, 32>{5}).ok);
}
