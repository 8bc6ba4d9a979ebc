// e2ee/core/bytes.hpp — byte spans, endian load/store and hex, all constexpr.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

E2EE_NAMESPACE_BEGIN

using bytes_view = std::span<const std::uint8_t>;
using bytes_span = std::span<std::uint8_t>;

// load_be32 .. store_le64: fixed-width integer <-> bytes. Byte loops keep them
// constexpr; GCC and Clang turn each into one (MOVBE/BSWAP) load or store.
constexpr std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
constexpr std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}
constexpr std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}
constexpr std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  return std::uint64_t{load_le32(p)} | (std::uint64_t{load_le32(p + 4)} << 32);
}
constexpr void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
constexpr void store_be64(std::uint8_t* p, std::uint64_t v) noexcept {
  store_be32(p, static_cast<std::uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<std::uint32_t>(v));
}
constexpr void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}
constexpr void store_le64(std::uint8_t* p, std::uint64_t v) noexcept {
  store_le32(p, static_cast<std::uint32_t>(v));
  store_le32(p + 4, static_cast<std::uint32_t>(v >> 32));
}

namespace detail {
// hex_nibble returns 0..15, or 0xff for a character that is not a hex digit.
// Hex is for public data (vectors, keys shown to users); it branches on input.
constexpr std::uint8_t hex_nibble(char c) noexcept {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  return 0xff;
}
// Not constexpr: reaching it inside hex<N>() makes the constant evaluation
// fail, so bad literal input is a compile error (works with -fno-exceptions).
inline void hex_literal_is_malformed() noexcept {}
}  // namespace detail

// hex<N>("...") decodes exactly 2N hex digits at compile time; a wrong length or
// a non-hex character is a compile error.
template <std::size_t N>
consteval std::array<std::uint8_t, N> hex(std::string_view s) noexcept {
  if (s.size() != 2 * N) detail::hex_literal_is_malformed();
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    const std::uint8_t hi = detail::hex_nibble(s[2 * i]);
    const std::uint8_t lo = detail::hex_nibble(s[2 * i + 1]);
    if (hi > 15 || lo > 15) detail::hex_literal_is_malformed();
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

// from_hex decodes a run-time hex string of any even length; nullopt if the
// length is odd or a character is not a hex digit.
inline std::optional<std::vector<std::uint8_t>> from_hex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint8_t hi = detail::hex_nibble(s[2 * i]);
    const std::uint8_t lo = detail::hex_nibble(s[2 * i + 1]);
    if (hi > 15 || lo > 15) return std::nullopt;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

// to_hex encodes bytes as lower-case hex. For public values only: it is not
// constant time and the result is an ordinary (unwiped) string.
inline std::string to_hex(bytes_view b) {
  constexpr char digits[] = "0123456789abcdef";
  std::string s(2 * b.size(), '\0');
  for (std::size_t i = 0; i < b.size(); ++i) {
    s[2 * i] = digits[b[i] >> 4];
    s[2 * i + 1] = digits[b[i] & 15];
  }
  return s;
}

E2EE_NAMESPACE_END
