// tests/ct/ct_common.hpp — what the constant-time programs (ct_check, ct_aes,
// ct_curve25519) share: poisoning helpers, a check counter and deterministic
// input patterns. See ct_check.cpp for how the check works.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include <e2ee/core/ct.hpp>

namespace ctcheck {

using bytes = std::vector<std::uint8_t>;
using cspan = std::span<const std::uint8_t>;

struct counters {
  const char* program = "ct";
  int checks = 0;
  int failures = 0;
};
inline counters& state() {
  static counters c;
  return c;
}

// expect records one check; a failure is printed with the program's name.
inline void expect(bool ok, const std::string& what) {
  ++state().checks;
  if (!ok) {
    ++state().failures;
    std::fprintf(stderr, "%s: FAILED: %s\n", state().program, what.c_str());
  }
}

// report prints the totals; main returns its result.
inline int report() {
  std::printf("%s: %d checks, %d failed\n", state().program, state().checks, state().failures);
  return state().failures == 0 ? 0 : 1;
}

inline void poison(cspan b) { e2ee::ct::poison(b.data(), b.size()); }
inline void unpoison(cspan b) { e2ee::ct::unpoison(b.data(), b.size()); }
// publish: the value becomes public here, before anything branches on it.
template <class T>
void publish(T& x) {
  e2ee::ct::unpoison(&x, sizeof x);
}

// fill_pattern: deterministic bytes (xorshift32) from a seed.
inline void fill_pattern(std::span<std::uint8_t> out, std::uint32_t seed) {
  std::uint32_t x = seed * 2654435761u + 1u;
  for (auto& v : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v = static_cast<std::uint8_t>(x >> 24);
  }
}
inline bytes pattern(std::size_t n, std::uint32_t seed) {
  bytes b(n);
  fill_pattern(b, seed);
  return b;
}
template <std::size_t N>
std::array<std::uint8_t, N> pattern(std::uint32_t seed) {
  std::array<std::uint8_t, N> b{};
  fill_pattern(b, seed);
  return b;
}

}  // namespace ctcheck
