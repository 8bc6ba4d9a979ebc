// SHA-256, SHA-512, HMAC and HKDF checked by the compiler: FIPS 180-4 examples,
// RFC 4231 test cases 1-2, RFC 5869 A.1. The same values are checked again at
// run time on every kernel. Expected values are the documents' own.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <catch2/catch.hpp>
#include <e2ee/core/bytes.hpp>
#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>
#include <e2ee/kdf/hkdf.hpp>
#include <e2ee/mac/hmac.hpp>

#include "support/kernels.hpp"

namespace {

using e2ee::hex;

// ascii<N>: a string literal's characters (without the terminating NUL) as bytes.
template <std::size_t N>
constexpr std::array<std::uint8_t, N - 1> ascii(const char (&s)[N]) noexcept {
  std::array<std::uint8_t, N - 1> out{};
  for (std::size_t i = 0; i + 1 < N; ++i) out[i] = static_cast<std::uint8_t>(s[i]);
  return out;
}

// FIPS 180-4 examples (NIST "Examples with Intermediate Values", SHA-256 and SHA-512).
constexpr auto msg_abc = ascii("abc");
constexpr auto msg_448 = ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
constexpr auto msg_896 = ascii(
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu");

constexpr auto sha256_abc = hex<32>("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
constexpr auto sha256_448 = hex<32>("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
constexpr auto sha256_896 = hex<32>("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
constexpr auto sha512_abc = hex<64>(
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
constexpr auto sha512_448 = hex<64>(
    "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
    "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445");
constexpr auto sha512_896 = hex<64>(
    "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
    "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");

static_assert(e2ee::sha256::hash(msg_abc) == sha256_abc);
static_assert(e2ee::sha256::hash(msg_448) == sha256_448);
static_assert(e2ee::sha256::hash(msg_896) == sha256_896);
static_assert(e2ee::sha512::hash(msg_abc) == sha512_abc);
static_assert(e2ee::sha512::hash(msg_448) == sha512_448);
static_assert(e2ee::sha512::hash(msg_896) == sha512_896);

// Incremental hashing across a block boundary, at compile time.
constexpr e2ee::sha256::digest sha256_in_pieces() {
  e2ee::sha256 h;
  h.update(std::span(msg_896).first(5));
  h.update(std::span(msg_896).subspan(5, 60));
  h.update(std::span(msg_896).subspan(65));
  return h.finish();
}
static_assert(sha256_in_pieces() == sha256_896);

// RFC 4231, 4.2 (test case 1) and 4.3 (test case 2).
constexpr std::array<std::uint8_t, 20> tc1_key = [] {
  std::array<std::uint8_t, 20> k{};
  for (auto& b : k) b = 0x0b;
  return k;
}();
constexpr auto tc1_data = ascii("Hi There");
constexpr auto tc2_key = ascii("Jefe");
constexpr auto tc2_data = ascii("what do ya want for nothing?");

constexpr auto tc1_sha256 = hex<32>("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
constexpr auto tc2_sha256 = hex<32>("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
constexpr auto tc1_sha512 = hex<64>(
    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
constexpr auto tc2_sha512 = hex<64>(
    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");

static_assert(e2ee::hmac<e2ee::sha256>::mac(tc1_key, tc1_data) == tc1_sha256);
static_assert(e2ee::hmac<e2ee::sha256>::mac(tc2_key, tc2_data) == tc2_sha256);
static_assert(e2ee::hmac<e2ee::sha512>::mac(tc1_key, tc1_data) == tc1_sha512);
static_assert(e2ee::hmac<e2ee::sha512>::mac(tc2_key, tc2_data) == tc2_sha512);
static_assert(e2ee::hmac<e2ee::sha256>::verify(tc2_key, tc2_data, std::span(tc2_sha256).first(16)));

// RFC 5869, A.1 (basic test case with SHA-256).
constexpr std::array<std::uint8_t, 22> a1_ikm = [] {
  std::array<std::uint8_t, 22> k{};
  for (auto& b : k) b = 0x0b;
  return k;
}();
constexpr auto a1_salt = hex<13>("000102030405060708090a0b0c");
constexpr auto a1_info = hex<10>("f0f1f2f3f4f5f6f7f8f9");
constexpr auto a1_prk = hex<32>("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
constexpr auto a1_okm = hex<42>(
    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");

constexpr std::array<std::uint8_t, 32> a1_extract() {
  const auto prk = e2ee::hkdf<e2ee::sha256>::extract(a1_salt, a1_ikm);
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 32; ++i) out[i] = prk.expose()[i];
  return out;
}
constexpr std::array<std::uint8_t, 42> a1_expand() {
  std::array<std::uint8_t, 42> out{};
  e2ee::hkdf<e2ee::sha256>::expand(a1_prk, a1_info, out);
  return out;
}
static_assert(a1_extract() == a1_prk);
static_assert(a1_expand() == a1_okm);
static_assert(e2ee::hkdf<e2ee::sha256>::derive<42>(a1_salt, a1_ikm, a1_info) == a1_okm);

}  // namespace

TEST_CASE("sha2: compile-time vectors hold at run time on every kernel", "[sha2][constexpr]") {
  for (const auto impl : test::available_impls<e2ee::sha256_impl>()) {
    const test::force_impl use(impl);
    REQUIRE(use.selected());
    INFO("sha256 kernel " << test::name(impl));
    CHECK(e2ee::sha256::hash(msg_abc) == sha256_abc);
    CHECK(e2ee::sha256::hash(msg_448) == sha256_448);
    CHECK(e2ee::sha256::hash(msg_896) == sha256_896);
    CHECK(e2ee::hmac<e2ee::sha256>::mac(tc1_key, tc1_data) == tc1_sha256);
    CHECK(e2ee::hmac<e2ee::sha256>::mac(tc2_key, tc2_data) == tc2_sha256);
    CHECK(e2ee::hkdf<e2ee::sha256>::extract(a1_salt, a1_ikm) ==
          e2ee::secret<32>(std::span<const std::uint8_t, 32>(a1_prk)));
    CHECK(e2ee::hkdf<e2ee::sha256>::derive<42>(a1_salt, a1_ikm, a1_info) == a1_okm);
    e2ee::sha256 h;
    CHECK(h.implementation() == impl);
  }
  for (const auto impl : test::available_impls<e2ee::sha512_impl>()) {
    const test::force_impl use(impl);
    REQUIRE(use.selected());
    INFO("sha512 kernel " << test::name(impl));
    CHECK(e2ee::sha512::hash(msg_abc) == sha512_abc);
    CHECK(e2ee::sha512::hash(msg_448) == sha512_448);
    CHECK(e2ee::sha512::hash(msg_896) == sha512_896);
    CHECK(e2ee::hmac<e2ee::sha512>::mac(tc1_key, tc1_data) == tc1_sha512);
    CHECK(e2ee::hmac<e2ee::sha512>::mac(tc2_key, tc2_data) == tc2_sha512);
    e2ee::sha512 h;
    CHECK(h.implementation() == impl);
  }
}
