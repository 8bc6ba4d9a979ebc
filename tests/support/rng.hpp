// tests/support/rng.hpp — a seeded, deterministic random source for tests.
//
// xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64: fast,
// reproducible on every platform, NOT cryptographic. It satisfies
// e2ee::random_source, so APIs that take a random source can be given one,
// and tests print the seed so a failure can be replayed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <e2ee/core/random.hpp>

namespace test {

class rng {
 public:
  explicit rng(std::uint64_t seed = 0x243f6a8885a308d3u) noexcept : seed_(seed) {
    std::uint64_t x = seed;
    for (auto& w : s_) w = splitmix64(x);
  }

  std::uint64_t seed() const noexcept { return seed_; }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // below(n): uniform in [0, n) (n > 0), by rejection so there is no bias.
  std::uint64_t below(std::uint64_t n) noexcept {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    for (;;) {
      const std::uint64_t x = next();
      if (x < limit) return x % n;
    }
  }
  // range(lo, hi): uniform in [lo, hi].
  std::size_t range(std::size_t lo, std::size_t hi) noexcept {
    return lo + static_cast<std::size_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  // fill: e2ee::random_source; never fails.
  bool fill(std::span<std::uint8_t> out) noexcept {
    std::size_t i = 0;
    while (i < out.size()) {
      std::uint64_t w = next();
      for (int k = 0; k < 8 && i < out.size(); ++k, ++i) {
        out[i] = static_cast<std::uint8_t>(w);
        w >>= 8;
      }
    }
    return true;
  }

  std::vector<std::uint8_t> bytes(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    fill(v);
    return v;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  static constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  }
  std::uint64_t seed_;
  std::uint64_t s_[4];
};

static_assert(e2ee::random_source<rng>);

}  // namespace test
