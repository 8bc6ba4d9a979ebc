// e2ee/protocol/messages.hpp — Signal's 1:1 wire messages, protocol version 3
// (SIGNAL.md A5):
//
//   SignalMessage       = version || protobuf{1 ratchet_key, 2 counter,
//                         3 previous_counter, 4 ciphertext} || MAC(8)
//   PreKeySignalMessage = version || protobuf{1 pre_key_id?, 2 base_key,
//                         3 identity_key, 4 message, 5 registration_id,
//                         6 signed_pre_key_id}
//
// The MAC is HMAC-SHA256(mac_key, sender_identity(33) || receiver_identity(33)
// || version || protobuf), truncated to 8 bytes and compared in constant time.
//
// Parsing returns views into the caller's buffer (no copy, no allocation) and
// rejects, with error::invalid_message:
// - anything the strict protobuf reader rejects (wire.hpp);
// - a known field with the wrong wire type or present twice;
// - a missing required field (the same fields libsignal-protocol-c requires);
// - a key that is not exactly 33 bytes starting with 0x05;
// - a uint32 field whose value does not fit 32 bits;
// - a message longer than max_message_size.
// A version byte whose high nibble is not 3 is error::invalid_version (the
// reader looks only at the high nibble, as both Signal implementations do:
// libsignal-protocol-c writes 0x33, Rust libsignal 0x34). We write 0x33.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "../core/config.hpp"
#include "../core/ct.hpp"
#include "../core/error.hpp"
#include "../core/secret.hpp"
#include "../hash/sha256.hpp"
#include "../mac/hmac.hpp"
#include "keys.hpp"
#include "wire.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

inline constexpr std::uint8_t message_version = 3;
inline constexpr std::uint8_t message_version_byte = (message_version << 4) | message_version;  // 0x33
inline constexpr std::size_t message_mac_size = 8;
inline constexpr std::size_t mac_key_size = 32;

// max_message_size: the largest serialized message either parser accepts
// (1 MiB). Signal's bodies are short texts; attachments travel separately.
inline constexpr std::size_t max_message_size = std::size_t{1} << 20;

// Signal's message type numbers, shared by libsignal-protocol-c and Rust.
enum class message_type : std::uint8_t { whisper = 2, pre_key = 3 };

struct signal_message_view {
  std::uint8_t version_byte = 0;
  std::array<std::uint8_t, 32> ratchet_key{};  // u-coordinate (the 0x05 is checked and dropped)
  std::uint32_t counter = 0;
  std::uint32_t previous_counter = 0;
  std::span<const std::uint8_t> ciphertext{};
  std::span<const std::uint8_t> authenticated{};  // version || protobuf: what the MAC covers
  std::array<std::uint8_t, message_mac_size> mac{};
};

struct pre_key_signal_message_view {
  std::uint8_t version_byte = 0;
  std::optional<std::uint32_t> pre_key_id{};
  std::uint32_t signed_pre_key_id = 0;
  std::uint32_t registration_id = 0;
  std::array<std::uint8_t, 32> base_key{};
  std::array<std::uint8_t, 32> identity_key{};
  std::span<const std::uint8_t> message{};  // a whole serialized SignalMessage
};

namespace detail {

// field_set tracks which known fields were seen, to reject duplicates.
struct field_set {
  std::uint32_t seen = 0;
  constexpr bool first(std::uint32_t number) noexcept {
    const std::uint32_t bit = std::uint32_t{1} << number;
    const bool fresh = (seen & bit) == 0;
    seen |= bit;
    return fresh;
  }
  constexpr bool has(std::uint32_t number) const noexcept { return (seen >> number) & 1u; }
};

constexpr bool as_uint32(const wire::field& f, std::uint32_t& out) noexcept {
  if (f.type != wire::wire_type::varint || f.value > 0xffffffffu) return false;
  out = static_cast<std::uint32_t>(f.value);
  return true;
}

constexpr bool as_key(const wire::field& f, std::array<std::uint8_t, 32>& out) noexcept {
  if (f.type != wire::wire_type::bytes) return false;
  const auto k = parse_public_key(f.bytes);
  if (!k) return false;
  out = *k;
  return true;
}

constexpr bool version_ok(std::span<const std::uint8_t> in) noexcept { return (in[0] >> 4) == message_version; }

template <class = void>
void signal_mac(std::span<const std::uint8_t, mac_key_size> mac_key,
                std::span<const std::uint8_t, public_key_size> sender_identity,
                std::span<const std::uint8_t, public_key_size> receiver_identity,
                std::span<const std::uint8_t> authenticated,
                std::span<std::uint8_t, message_mac_size> out) noexcept {
  hmac<sha256> m(mac_key);
  m.update(sender_identity);
  m.update(receiver_identity);
  m.update(authenticated);
  auto full = m.finish();
  for (std::size_t i = 0; i < message_mac_size; ++i) out[i] = full[i];
  secure_wipe(full.data(), full.size());
}

}  // namespace detail

// parse_signal_message: see the top of this file for what is rejected. The
// MAC is only split off here; check it with verify_mac once the keys are
// known.
template <class = void>
result<signal_message_view> parse_signal_message(std::span<const std::uint8_t> in) noexcept {
  if (in.size() < 1 + message_mac_size || in.size() > max_message_size) return error::invalid_message;
  if (!detail::version_ok(in)) return error::invalid_version;
  signal_message_view v;
  v.version_byte = in[0];
  v.authenticated = in.first(in.size() - message_mac_size);
  for (std::size_t i = 0; i < message_mac_size; ++i) v.mac[i] = in[in.size() - message_mac_size + i];

  wire::reader r(v.authenticated.subspan(1));
  detail::field_set seen;
  while (!r.done()) {
    wire::field f;
    if (!r.next(f)) return error::invalid_message;
    if (f.number > 4) continue;  // unknown (e.g. Rust's pq_ratchet, addresses)
    if (!seen.first(f.number)) return error::invalid_message;
    bool ok = false;
    switch (f.number) {
      case 1: ok = detail::as_key(f, v.ratchet_key); break;
      case 2: ok = detail::as_uint32(f, v.counter); break;
      case 3: ok = detail::as_uint32(f, v.previous_counter); break;
      case 4:
        ok = f.type == wire::wire_type::bytes;
        v.ciphertext = f.bytes;
        break;
    }
    if (!ok) return error::invalid_message;
  }
  if (!seen.has(1) || !seen.has(2) || !seen.has(4)) return error::invalid_message;
  return v;
}

// verify_mac: constant-time check of the message's 8-byte MAC.
template <class = void>
bool verify_mac(const signal_message_view& m, std::span<const std::uint8_t, mac_key_size> mac_key,
                std::span<const std::uint8_t, public_key_size> sender_identity,
                std::span<const std::uint8_t, public_key_size> receiver_identity) noexcept {
  std::array<std::uint8_t, message_mac_size> expected{};
  detail::signal_mac(mac_key, sender_identity, receiver_identity, m.authenticated, expected);
  return ct::equal(std::span<const std::uint8_t, message_mac_size>(expected),
                   std::span<const std::uint8_t, message_mac_size>(m.mac));
}

// signal_message_size: the exact serialized size, for reserving.
constexpr std::size_t signal_message_size(std::uint32_t counter, std::uint32_t previous_counter,
                                          std::size_t ciphertext_size) noexcept {
  return 1 + wire::bytes_field_size(1, public_key_size) + wire::varint_field_size(2, counter) +
         wire::varint_field_size(3, previous_counter) + wire::bytes_field_size(4, ciphertext_size) +
         message_mac_size;
}

// serialize_signal_message: appends version || protobuf || MAC to out (which
// it reserves exactly, so one allocation at most). Fields in number order,
// as both Signal implementations emit them. version_byte must have 3 in its
// high nibble; 0x33 is what libsignal-protocol-c writes, 0x34 what Rust does.
template <class = void>
void serialize_signal_message(std::span<const std::uint8_t, 32> ratchet_key, std::uint32_t counter,
                              std::uint32_t previous_counter, std::span<const std::uint8_t> ciphertext,
                              std::span<const std::uint8_t, mac_key_size> mac_key,
                              std::span<const std::uint8_t, public_key_size> sender_identity,
                              std::span<const std::uint8_t, public_key_size> receiver_identity,
                              std::vector<std::uint8_t>& out,
                              std::uint8_t version_byte = message_version_byte) {
  const std::size_t start = out.size();
  out.reserve(start + signal_message_size(counter, previous_counter, ciphertext.size()));
  wire::writer w(out);
  w.byte(version_byte);
  w.bytes_field(1, serialize_public_key(ratchet_key));
  w.varint_field(2, counter);
  w.varint_field(3, previous_counter);
  w.bytes_field(4, ciphertext);
  std::array<std::uint8_t, message_mac_size> mac{};
  detail::signal_mac(mac_key, sender_identity, receiver_identity,
                     std::span<const std::uint8_t>(out).subspan(start), mac);
  w.raw(mac);
}

// parse_pre_key_signal_message: the outer PreKey message. Its inner message
// is returned as bytes; parse it with parse_signal_message.
template <class = void>
result<pre_key_signal_message_view> parse_pre_key_signal_message(std::span<const std::uint8_t> in) noexcept {
  if (in.empty() || in.size() > max_message_size) return error::invalid_message;
  if (!detail::version_ok(in)) return error::invalid_version;
  pre_key_signal_message_view v;
  v.version_byte = in[0];
  wire::reader r(in.subspan(1));
  detail::field_set seen;
  while (!r.done()) {
    wire::field f;
    if (!r.next(f)) return error::invalid_message;
    if (f.number > 6) continue;  // unknown (e.g. v4's Kyber fields)
    if (!seen.first(f.number)) return error::invalid_message;
    bool ok = false;
    std::uint32_t n = 0;
    switch (f.number) {
      case 1:
        ok = detail::as_uint32(f, n);
        v.pre_key_id = n;
        break;
      case 2: ok = detail::as_key(f, v.base_key); break;
      case 3: ok = detail::as_key(f, v.identity_key); break;
      case 4:
        ok = f.type == wire::wire_type::bytes;
        v.message = f.bytes;
        break;
      case 5: ok = detail::as_uint32(f, v.registration_id); break;
      case 6: ok = detail::as_uint32(f, v.signed_pre_key_id); break;
    }
    if (!ok) return error::invalid_message;
  }
  if (!seen.has(2) || !seen.has(3) || !seen.has(4) || !seen.has(6)) return error::invalid_message;
  return v;
}

struct pre_key_signal_message_fields {
  std::optional<std::uint32_t> pre_key_id{};
  std::uint32_t signed_pre_key_id = 0;
  std::uint32_t registration_id = 0;
  std::span<const std::uint8_t, 32> base_key;
  std::span<const std::uint8_t, 32> identity_key;
  std::span<const std::uint8_t> message;  // a serialized SignalMessage
  std::uint8_t version_byte = message_version_byte;
};

constexpr std::size_t pre_key_signal_message_size(const pre_key_signal_message_fields& m) noexcept {
  return 1 + (m.pre_key_id ? wire::varint_field_size(1, *m.pre_key_id) : 0) +
         2 * wire::bytes_field_size(2, public_key_size) + wire::bytes_field_size(4, m.message.size()) +
         wire::varint_field_size(5, m.registration_id) + wire::varint_field_size(6, m.signed_pre_key_id);
}

// serialize_pre_key_signal_message: appends version || protobuf to out.
template <class = void>
void serialize_pre_key_signal_message(const pre_key_signal_message_fields& m,
                                      std::vector<std::uint8_t>& out) {
  out.reserve(out.size() + pre_key_signal_message_size(m));
  wire::writer w(out);
  w.byte(m.version_byte);
  if (m.pre_key_id) w.varint_field(1, *m.pre_key_id);
  w.bytes_field(2, serialize_public_key(m.base_key));
  w.bytes_field(3, serialize_public_key(m.identity_key));
  w.bytes_field(4, m.message);
  w.varint_field(5, m.registration_id);
  w.varint_field(6, m.signed_pre_key_id);
}

}  // namespace protocol
E2EE_NAMESPACE_END
