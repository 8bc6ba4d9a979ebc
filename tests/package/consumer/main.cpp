// A tiny user of e2ee: FIPS 180-4 "abc" through the umbrella header.
#include <e2ee/e2ee.hpp>

#include <cstdio>
#include <string_view>

// The consumer projects pass the version their build system sees (the CMake
// package's, or the project's): it must be the headers' E2EE_VERSION_STRING.
#ifdef E2EE_EXPECTED_VERSION
static_assert(std::string_view(E2EE_VERSION_STRING) == E2EE_EXPECTED_VERSION,
              "the e2ee version of the build system differs from E2EE_VERSION_STRING");
#endif

int main() {
  constexpr std::string_view msg = "abc";
  const auto d = e2ee::sha256::hash(
      {reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()});
  constexpr auto expected = e2ee::hex<32>("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  if (d != expected) {
    std::puts("e2ee consumer: wrong digest");
    return 1;
  }
  std::puts("e2ee consumer ok");
  return 0;
}
