// e2ee/protocol/migration.hpp — moving an app off libsignal-protocol-c
// without resetting its conversations: its stored records, in its protobuf
// format (LocalStorageProtocol.proto), imported into e2ee's records.
//
// import_libsignal_c_sender_key_record: the bytes libsignal-protocol-c hands
// its sender key store (sender_key_record_serialize):
//
//   SenderKeyRecordStructure { repeated SenderKeyStateStructure states = 1; }  newest first
//   SenderKeyStateStructure  { uint32 senderKeyId = 1;
//                              SenderChainKey   { uint32 iteration = 1; bytes seed = 2; } = 2;
//                              SenderSigningKey { bytes public = 1; bytes private = 2; } = 3;
//                              repeated SenderMessageKey { uint32 iteration = 1; bytes seed = 2; } = 4; }
//
// Chain keys and message-key seeds are 32 bytes, the public signing key 33
// (0x05 prefix), the private one 32 (present only in our own states). The
// imported record works with group_encrypt / group_decrypt (framing
// group_framing::libsignal_c) exactly where the C record left off. Anything
// malformed, a missing field, a wrong length, more than
// max_sender_key_states states or max_sender_message_keys cached keys, is
// error::invalid_message; nothing is half-imported.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/secret.hpp"
#include "keys.hpp"
#include "messages.hpp"
#include "sender_keys.hpp"
#include "wire.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

namespace detail {

// A nested {1: uint32, 2: bytes(32)} message (SenderChainKey, SenderMessageKey).
inline bool parse_iteration_seed(std::span<const std::uint8_t> in, std::uint32_t& iteration,
                                 std::span<const std::uint8_t>& seed) noexcept {
  wire::reader r(in);
  field_set seen;
  wire::field f;
  while (!r.done()) {
    if (!r.next(f)) return false;
    if (f.number != 1 && f.number != 2) continue;
    if (!seen.first(f.number)) return false;
    if (f.number == 1) {
      if (!as_uint32(f, iteration)) return false;
    } else {
      if (f.type != wire::wire_type::bytes || f.bytes.size() != 32) return false;
      seed = f.bytes;
    }
  }
  return seen.has(1) && seen.has(2);
}

inline std::optional<sender_key_state> import_sender_key_state(std::span<const std::uint8_t> in) {
  wire::reader r(in);
  field_set seen;
  wire::field f;
  std::uint32_t id = 0, chain_iteration = 0;
  std::span<const std::uint8_t> chain_seed, signing_public, signing_private;
  std::deque<sender_message_key> cached;
  while (!r.done()) {
    if (!r.next(f)) return std::nullopt;
    if (f.number < 1 || f.number > 4) continue;
    if (f.number != 4 && !seen.first(f.number)) return std::nullopt;
    seen.seen |= 1u << f.number;
    switch (f.number) {
      case 1:
        if (!as_uint32(f, id)) return std::nullopt;
        break;
      case 2:
        if (f.type != wire::wire_type::bytes || !parse_iteration_seed(f.bytes, chain_iteration, chain_seed))
          return std::nullopt;
        break;
      case 3: {
        if (f.type != wire::wire_type::bytes) return std::nullopt;
        wire::reader k(f.bytes);
        field_set ks;
        wire::field g;
        while (!k.done()) {
          if (!k.next(g)) return std::nullopt;
          if (g.number != 1 && g.number != 2) continue;
          if (!ks.first(g.number) || g.type != wire::wire_type::bytes) return std::nullopt;
          (g.number == 1 ? signing_public : signing_private) = g.bytes;
        }
        if (!ks.has(1)) return std::nullopt;
        break;
      }
      default: {  // 4: a cached message key
        std::uint32_t it = 0;
        std::span<const std::uint8_t> seed;
        if (f.type != wire::wire_type::bytes || !parse_iteration_seed(f.bytes, it, seed)) return std::nullopt;
        if (cached.size() == max_sender_message_keys) return std::nullopt;
        cached.push_back(sender_message_key::from_seed(it, seed.first<32>()));
        break;
      }
    }
  }
  if (!seen.has(1) || !seen.has(2) || !seen.has(3)) return std::nullopt;
  const auto pub = parse_public_key(signing_public);
  if (!pub || (!signing_private.empty() && signing_private.size() != 32)) return std::nullopt;
  sender_key_state s{id, sender_chain_key(chain_seed.first<32>(), chain_iteration), *pub, std::nullopt,
                     std::move(cached)};
  if (!signing_private.empty()) s.signing_private.emplace(signing_private.first<32>());
  return s;
}

}  // namespace detail

inline result<sender_key_record> import_libsignal_c_sender_key_record(std::span<const std::uint8_t> in) {
  if (in.size() > max_message_size * 64) return error::invalid_message;
  wire::reader r(in);
  wire::field f;
  std::vector<sender_key_state> states;
  while (!r.done()) {
    if (!r.next(f)) return error::invalid_message;
    if (f.number != 1) continue;
    if (f.type != wire::wire_type::bytes || states.size() == max_sender_key_states) return error::invalid_message;
    auto s = detail::import_sender_key_state(f.bytes);
    if (!s) return error::invalid_message;
    states.push_back(std::move(*s));
  }
  sender_key_record record;
  // add() puts each state in front: oldest first keeps the record's order.
  for (auto it = states.rbegin(); it != states.rend(); ++it) record.add(std::move(*it));
  if (record.state_count() != states.size()) return error::invalid_message;  // a chain id twice
  return record;
}

}  // namespace protocol
E2EE_NAMESPACE_END
