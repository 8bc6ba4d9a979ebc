// e2ee/protocol/keys.hpp — Signal's public-key serialization (SIGNAL.md A1):
// 33 bytes, the type byte 0x05 ("DJB") followed by the X25519 u-coordinate,
// little-endian. That 33-byte form is what every signature, MAC and
// fingerprint in the protocol covers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "../core/config.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

inline constexpr std::uint8_t djb_key_type = 0x05;
inline constexpr std::size_t public_key_size = 33;

using serialized_public_key = std::array<std::uint8_t, public_key_size>;

// serialize_public_key: 0x05 || u.
constexpr serialized_public_key serialize_public_key(std::span<const std::uint8_t, 32> u) noexcept {
  serialized_public_key out{};
  out[0] = djb_key_type;
  for (std::size_t i = 0; i < 32; ++i) out[i + 1] = u[i];
  return out;
}

// parse_public_key: the u-coordinate of a serialized key. Exactly 33 bytes
// with type 0x05 are accepted; anything else (another type byte, a short key,
// trailing bytes, which Rust libsignal tolerates with a warning) is nullopt.
constexpr std::optional<std::array<std::uint8_t, 32>> parse_public_key(std::span<const std::uint8_t> s) noexcept {
  if (s.size() != public_key_size || s[0] != djb_key_type) return std::nullopt;
  std::array<std::uint8_t, 32> u{};
  for (std::size_t i = 0; i < 32; ++i) u[i] = s[i + 1];
  return u;
}

}  // namespace protocol
E2EE_NAMESPACE_END
