// e2ee/protocol/fingerprint.hpp — Signal safety numbers (SIGNAL.md A7): the
// 60-digit number two users read to each other and the scannable (QR) form,
// byte-compatible with libsignal (Rust) and libsignal-protocol-c.
//
// Per party, with pub33 its serialized identity key (0x05 || u):
//   H_1 = SHA-512(0x00 0x00 || pub33 || stable_id || pub33)
//   H_i = SHA-512(H_{i-1} || pub33),  i = 2 .. iterations
// Displayable: the first 30 bytes of H_iterations as six 5-byte big-endian
// numbers, each mod 100000, written as 5 digits: 30 digits per party; the
// two strings are joined with the smaller one (as text) first, so both sides
// show the same 60 digits.
// Scannable: protobuf CombinedFingerprints{1: version, 2: {1: local H[0:32]},
// 3: {1: remote H[0:32]}}. Two scans match when their local is our remote and
// their remote is our local (compared in constant time) and the versions
// agree. Version 1 and 2 differ only in that field (libsignal-protocol-c
// accepts only 1).
//
// Identity keys and stable ids are public, so nothing here is secret; the
// compare is constant time anyway, as a matter of hygiene.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/error.hpp"
#include "../hash/sha512.hpp"
#include "keys.hpp"
#include "wire.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

inline constexpr std::uint32_t fingerprint_default_iterations = 5200;
inline constexpr std::uint32_t fingerprint_max_iterations = 1'000'000;
inline constexpr std::size_t fingerprint_digits = 60;
inline constexpr std::size_t fingerprint_hash_size = 32;  // what the scannable form carries

class fingerprint {
 public:
  // create: both parties' fingerprints. version is the scannable format's
  // version (1 or 2 in Signal today; any value is carried through);
  // iterations must be in 1 .. fingerprint_max_iterations, else
  // error::invalid_argument.
  static result<fingerprint> create(std::uint32_t version, std::uint32_t iterations,
                                    std::string_view local_stable_id,
                                    std::span<const std::uint8_t, public_key_size> local_identity,
                                    std::string_view remote_stable_id,
                                    std::span<const std::uint8_t, public_key_size> remote_identity) {
    if (iterations == 0 || iterations > fingerprint_max_iterations) return error::invalid_argument;
    fingerprint f;
    f.version_ = version;
    const auto local = party_hash(iterations, local_stable_id, local_identity);
    const auto remote = party_hash(iterations, remote_stable_id, remote_identity);
    for (std::size_t i = 0; i < fingerprint_hash_size; ++i) {
      f.local_[i] = local[i];
      f.remote_[i] = remote[i];
    }
    std::array<char, 30> a = digits(local), b = digits(remote);
    const bool local_first = std::string_view(a.data(), a.size()) <= std::string_view(b.data(), b.size());
    const auto& first = local_first ? a : b;
    const auto& second = local_first ? b : a;
    for (std::size_t i = 0; i < 30; ++i) {
      f.display_[i] = first[i];
      f.display_[30 + i] = second[i];
    }
    return f;
  }

  // displayable: the 60 decimal digits, the same on both sides.
  std::string_view displayable() const noexcept { return {display_.data(), display_.size()}; }

  std::uint32_t version() const noexcept { return version_; }

  // scannable: our CombinedFingerprints encoding (what our QR code shows).
  std::vector<std::uint8_t> scannable() const {
    std::vector<std::uint8_t> out;
    const std::size_t logical = wire::bytes_field_size(1, fingerprint_hash_size);
    out.reserve(wire::varint_field_size(1, version_) + 2 * wire::bytes_field_size(2, logical));
    wire::writer w(out);
    w.varint_field(1, version_);
    for (std::uint32_t field = 2; field <= 3; ++field) {
      w.tag(field, wire::wire_type::bytes);
      w.varint(logical);
      w.bytes_field(1, field == 2 ? std::span<const std::uint8_t>(local_) : std::span<const std::uint8_t>(remote_));
    }
    return out;
  }

  // compare: checks the other party's scanned encoding against ours. true if
  // it matches; false if it does not (a different key, or a scan of the
  // wrong conversation); error::invalid_version if the versions differ;
  // error::invalid_message if the bytes are not a well-formed
  // CombinedFingerprints with 32-byte hashes.
  result<bool> compare(std::span<const std::uint8_t> theirs) const noexcept {
    std::uint32_t version = 0;
    std::array<std::uint8_t, fingerprint_hash_size> their_local{}, their_remote{};
    if (!parse(theirs, version, their_local, their_remote)) return error::invalid_message;
    if (version != version_) return error::invalid_version;
    const auto m = ct::equal_mask(their_local.data(), remote_.data(), fingerprint_hash_size) &
                   ct::equal_mask(their_remote.data(), local_.data(), fingerprint_hash_size);
    return m.declassify();
  }

 private:
  fingerprint() = default;

  static std::array<std::uint8_t, 64> party_hash(std::uint32_t iterations, std::string_view stable_id,
                                                 std::span<const std::uint8_t, public_key_size> key) noexcept {
    sha512 h;
    constexpr std::array<std::uint8_t, 2> format{0, 0};
    h.update(format);
    h.update(key);
    h.update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(stable_id.data()),
                                           stable_id.size()));
    h.update(key);
    auto d = h.finish();
    for (std::uint32_t i = 1; i < iterations; ++i) {
      h.update(d);
      h.update(key);
      d = h.finish();
    }
    return d;
  }

  static std::array<char, 30> digits(std::span<const std::uint8_t, 64> h) noexcept {
    std::array<char, 30> out{};
    for (std::size_t chunk = 0; chunk < 6; ++chunk) {
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < 5; ++i) v = (v << 8) | h[chunk * 5 + i];
      v %= 100000;
      for (std::size_t i = 5; i-- > 0;) {
        out[chunk * 5 + i] = static_cast<char>('0' + v % 10);
        v /= 10;
      }
    }
    return out;
  }

  // parse: CombinedFingerprints with a version and both 32-byte hashes, each
  // present once; unknown fields are skipped as protobuf allows.
  static bool parse(std::span<const std::uint8_t> in, std::uint32_t& version,
                    std::array<std::uint8_t, fingerprint_hash_size>& local,
                    std::array<std::uint8_t, fingerprint_hash_size>& remote) noexcept {
    wire::reader r(in);
    unsigned seen = 0;
    while (!r.done()) {
      wire::field f;
      if (!r.next(f)) return false;
      if (f.number > 3) continue;
      const unsigned bit = 1u << f.number;
      if (seen & bit) return false;
      seen |= bit;
      if (f.number == 1) {
        if (f.type != wire::wire_type::varint || f.value > 0xffffffffu) return false;
        version = static_cast<std::uint32_t>(f.value);
      } else if (f.type != wire::wire_type::bytes || !parse_logical(f.bytes, f.number == 2 ? local : remote)) {
        return false;
      }
    }
    return seen == 0b1110;
  }

  static bool parse_logical(std::span<const std::uint8_t> in,
                            std::array<std::uint8_t, fingerprint_hash_size>& out) noexcept {
    wire::reader r(in);
    bool have = false;
    while (!r.done()) {
      wire::field f;
      if (!r.next(f)) return false;
      if (f.number != 1) continue;
      if (have || f.type != wire::wire_type::bytes || f.bytes.size() != fingerprint_hash_size) return false;
      for (std::size_t i = 0; i < fingerprint_hash_size; ++i) out[i] = f.bytes[i];
      have = true;
    }
    return have;
  }

  std::uint32_t version_ = 0;
  std::array<std::uint8_t, fingerprint_hash_size> local_{}, remote_{};
  std::array<char, fingerprint_digits> display_{};
};

}  // namespace protocol
E2EE_NAMESPACE_END
