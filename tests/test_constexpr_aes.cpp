// FIPS-197 Appendix C.3 decryption, checked by the compiler on the portable
// path (test_aes.cpp checks the encryption at compile time, test_aes_gcm.cpp
// the GCM specification's cases 13-16 both ways). These used to be
// static_asserts in the headers, which made every user's translation unit
// pay for them; the tests are where compile-time vectors belong.
#include <array>
#include <cstdint>

#include <catch2/catch.hpp>

#include <e2ee/cipher/aes.hpp>

namespace {

constexpr auto c3_key = e2ee::hex<32>("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
constexpr auto c3_pt = e2ee::hex<16>("00112233445566778899aabbccddeeff");
constexpr auto c3_ct = e2ee::hex<16>("8ea2b7ca516745bfeafc49904b496089");

constexpr std::array<std::uint8_t, 16> decrypt_at_compile_time() {
  const e2ee::aes256 a(c3_key);
  std::array<std::uint8_t, 16> out{};
  a.decrypt_block(c3_ct, out);
  return out;
}
static_assert(decrypt_at_compile_time() == c3_pt);

}  // namespace

TEST_CASE("AES-256 FIPS-197 C.3 decryption at compile time and at run time agree", "[aes][constexpr]") {
  constexpr auto at_compile_time = decrypt_at_compile_time();
  const e2ee::aes256 a(c3_key);
  std::array<std::uint8_t, 16> at_run_time{};
  a.decrypt_block(c3_ct, at_run_time);
  CHECK(at_run_time == at_compile_time);
  CHECK(at_run_time == c3_pt);
}
