// tests/support/bytes.hpp — small byte helpers for tests (hex in, hex out).
//
// Failures print hex strings, so tests compare test::hex(got) with the
// expected hex rather than byte vectors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <e2ee/core/bytes.hpp>

namespace test {

using byte_vector = std::vector<std::uint8_t>;

// bytes: any contiguous range of uint8_t as a vector.
inline byte_vector bytes(std::span<const std::uint8_t> s) { return byte_vector(s.begin(), s.end()); }

// unhex decodes a hex literal written in a test; malformed text throws
// (Catch reports it as a failure of the test that wrote it).
inline byte_vector unhex(std::string_view s) {
  auto b = e2ee::from_hex(s);
  if (!b) throw std::invalid_argument("malformed hex in test: " + std::string(s));
  return std::move(*b);
}

inline std::string hex(std::span<const std::uint8_t> s) { return e2ee::to_hex(s); }

inline byte_vector ascii(std::string_view s) { return byte_vector(s.begin(), s.end()); }

// repeat: `n` copies of `unit` back to back.
inline byte_vector repeat(std::span<const std::uint8_t> unit, std::size_t n) {
  byte_vector out(unit.size() * n);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = unit[i % unit.size()];
  return out;
}

}  // namespace test
