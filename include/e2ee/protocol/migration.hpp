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
//
// import_libsignal_c_session_record: the bytes libsignal-protocol-c hands
// its session store (session_record_serialize), as a session_record
// (session.hpp) that continues the conversation where C left off:
//
//   RecordStructure  { SessionStructure currentSession = 1;
//                      repeated SessionStructure previousSessions = 2; }    newest first
//   SessionStructure { uint32 sessionVersion = 1; bytes localIdentityPublic = 2;
//                      bytes remoteIdentityPublic = 3; bytes rootKey = 4;
//                      uint32 previousCounter = 5; Chain senderChain = 6;
//                      repeated Chain receiverChains = 7;                   oldest first
//                      PendingKeyExchange = 8 (legacy, ignored);
//                      PendingPreKey { uint32 preKeyId = 1; bytes baseKey = 2;
//                                      int32 signedPreKeyId = 3; } pendingPreKey = 9;
//                      uint32 remoteRegistrationId = 10; uint32 localRegistrationId = 11;
//                      bool needsRefresh = 12 (ignored); bytes aliceBaseKey = 13; }
//   Chain            { bytes senderRatchetKey = 1; bytes senderRatchetKeyPrivate = 2;
//                      ChainKey { uint32 index = 1; bytes key = 2; } chainKey = 3;
//                      repeated MessageKey { uint32 index = 1; bytes cipherKey = 2;
//                                            bytes macKey = 3; bytes iv = 4; } messageKeys = 4; }
//
// Everything a state holds comes over: identities, root key, the sending
// ratchet key pair and chain, every receiving chain with its cached
// (skipped) message keys, the previous counter, the unacknowledged PreKey
// data (so the next message is still PreKey-wrapped), registration ids and
// Alice's base key (duplicate PreKey detection). Rules:
// - session version 3 only (error::invalid_version otherwise: C's version 2
//   sessions, or a Rust v4 one);
// - a state with no keys at all (what C leaves after archiving the current
//   state by hand) is no state: an empty current session imports as "no
//   current session", an empty archived one is dropped;
// - public keys are 33 bytes with 0x05, secrets exactly 32 bytes (IVs 16);
//   a known field twice, with the wrong wire type or missing is
//   error::invalid_message; unknown fields (a newer writer's) are skipped;
// - limits as C's, which are e2ee's: at most max_archived_states archived
//   states, max_receiver_chains receiving chains, max_skipped_keys cached
//   keys per chain (more is error::invalid_message). Over all chains C keeps
//   up to 5 x 2,000 keys, e2ee at most max_total_skipped_keys: beyond it the
//   oldest chain's oldest keys are dropped, as e2ee itself would;
// - a cached key at or above its chain's index, the same index twice in a
//   chain, or the same ratchet key on two receiving chains is
//   error::invalid_message; a sending ratchet public key that is not the
//   private key's is error::invalid_key;
// - input above max_import_size is error::invalid_message.
// The importer does not know the local identity: check
// record.current()->local_identity() against the app's identity key, and
// save the remote identity (remote_identity()) in the identity store.
// Nothing is half-imported; every secret copied on the way is wiped.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/secret.hpp"
#include "../ec/x25519.hpp"
#include "double_ratchet.hpp"
#include "keys.hpp"
#include "messages.hpp"
#include "sender_keys.hpp"
#include "session.hpp"
#include "wire.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

namespace detail {

// A nested {1: uint32, 2: bytes(32)} message (SenderChainKey, SenderMessageKey).
template <class = void>
bool parse_iteration_seed(std::span<const std::uint8_t> in, std::uint32_t& iteration,
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

template <class = void>
std::optional<protocol::sender_key_state> import_sender_key_state(std::span<const std::uint8_t> in) {
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

template <class = void>
result<sender_key_record> import_libsignal_c_sender_key_record(std::span<const std::uint8_t> in) {
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

// max_import_size: the largest record an importer reads (a C session record
// at its limits, 41 states of 5 chains of 2,000 keys, is about 40 MB).
inline constexpr std::size_t max_import_size = std::size_t{64} << 20;

namespace detail {

// ---- libsignal-protocol-c session records: views into the input --------------

struct c_message_key {
  std::uint32_t index = 0;
  std::span<const std::uint8_t> cipher_key{}, mac_key{}, iv{};
};

struct c_chain {
  std::span<const std::uint8_t> ratchet_key{}, ratchet_private{};
  bool has_chain_key = false;
  std::uint32_t index = 0;
  std::span<const std::uint8_t> key{};
  std::vector<c_message_key> message_keys{};  // oldest first
  std::size_t dropped = 0;                    // oldest keys left out (the total bound)
};

struct c_session {
  field_set seen;
  std::uint32_t version = 2;  // C's default when the field is absent
  std::span<const std::uint8_t> local_identity{}, remote_identity{}, root_key{}, alice_base_key{};
  std::uint32_t previous_counter = 0, remote_registration_id = 0, local_registration_id = 0;
  c_chain sender{};
  std::vector<c_chain> receivers{};  // oldest first, as C keeps them
  bool has_pending = false;
  std::optional<std::uint32_t> pending_pre_key_id{};
  std::uint32_t pending_signed_pre_key_id = 0;
  std::span<const std::uint8_t> pending_base_key{};

  // empty: C's fresh state (only version, counters, ids, needsRefresh).
  bool empty() const noexcept {
    for (const std::uint32_t n : {2u, 3u, 4u, 6u, 7u, 9u, 13u})
      if (seen.has(n)) return false;
    return true;
  }
};

inline bool c_bytes(const wire::field& f, std::size_t size, std::span<const std::uint8_t>& out) noexcept {
  if (f.type != wire::wire_type::bytes || f.bytes.size() != size) return false;
  out = f.bytes;
  return true;
}

// int32 on the wire: a negative value is a 10-byte sign-extended varint.
inline bool c_int32(const wire::field& f, std::uint32_t& out) noexcept {
  if (f.type != wire::wire_type::varint) return false;
  if (f.value > 0x7fffffffu && f.value < 0xffffffff80000000u) return false;
  out = static_cast<std::uint32_t>(f.value);
  return true;
}

template <class = void>
bool parse_c_message_key(std::span<const std::uint8_t> in, c_message_key& k) noexcept {
  wire::reader r(in);
  field_set seen;
  wire::field f;
  while (!r.done()) {
    if (!r.next(f)) return false;
    if (f.number < 1 || f.number > 4) continue;  // Rust's seed (5) and the like
    if (!seen.first(f.number)) return false;
    bool ok = false;
    switch (f.number) {
      case 1: ok = as_uint32(f, k.index); break;
      case 2: ok = c_bytes(f, 32, k.cipher_key); break;
      case 3: ok = c_bytes(f, 32, k.mac_key); break;
      default: ok = c_bytes(f, 16, k.iv); break;
    }
    if (!ok) return false;
  }
  return seen.has(1) && seen.has(2) && seen.has(3) && seen.has(4);
}

template <class = void>
bool parse_c_chain(std::span<const std::uint8_t> in, c_chain& c) {
  wire::reader r(in);
  field_set seen;
  wire::field f;
  while (!r.done()) {
    if (!r.next(f)) return false;
    if (f.number < 1 || f.number > 4) continue;
    if (f.number != 4 && !seen.first(f.number)) return false;
    switch (f.number) {
      case 1:
        if (!c_bytes(f, public_key_size, c.ratchet_key) || c.ratchet_key[0] != djb_key_type) return false;
        break;
      case 2:
        if (!c_bytes(f, 32, c.ratchet_private)) return false;
        break;
      case 3: {
        if (f.type != wire::wire_type::bytes) return false;
        wire::reader k(f.bytes);
        field_set ks;
        wire::field g;
        while (!k.done()) {
          if (!k.next(g)) return false;
          if (g.number != 1 && g.number != 2) continue;
          if (!ks.first(g.number)) return false;
          if (g.number == 1 ? !as_uint32(g, c.index) : !c_bytes(g, 32, c.key)) return false;
        }
        if (!ks.has(1) || !ks.has(2)) return false;
        c.has_chain_key = true;
        break;
      }
      default: {  // 4: a cached message key
        c_message_key k;
        if (f.type != wire::wire_type::bytes || c.message_keys.size() == max_skipped_keys ||
            !parse_c_message_key(f.bytes, k))
          return false;
        c.message_keys.push_back(k);
        break;
      }
    }
  }
  return true;
}

template <class = void>
bool parse_c_pending(std::span<const std::uint8_t> in, c_session& s) noexcept {
  wire::reader r(in);
  field_set seen;
  wire::field f;
  while (!r.done()) {
    if (!r.next(f)) return false;
    if (f.number < 1 || f.number > 3) continue;
    if (!seen.first(f.number)) return false;
    bool ok = false;
    switch (f.number) {
      case 1: {
        std::uint32_t id = 0;
        ok = as_uint32(f, id);
        s.pending_pre_key_id = id;
        break;
      }
      case 2: ok = c_bytes(f, public_key_size, s.pending_base_key) && s.pending_base_key[0] == djb_key_type; break;
      default: ok = c_int32(f, s.pending_signed_pre_key_id); break;
    }
    if (!ok) return false;
  }
  return seen.has(2) && seen.has(3);
}

template <class = void>
bool parse_c_session(std::span<const std::uint8_t> in, c_session& s) {
  wire::reader r(in);
  wire::field f;
  while (!r.done()) {
    if (!r.next(f)) return false;
    if (f.number < 1 || f.number > 13) continue;
    if (f.number != 7 && !s.seen.first(f.number)) return false;
    s.seen.seen |= std::uint32_t{1} << f.number;
    bool ok = false;
    switch (f.number) {
      case 1: ok = as_uint32(f, s.version); break;
      case 2: ok = c_bytes(f, public_key_size, s.local_identity) && s.local_identity[0] == djb_key_type; break;
      case 3: ok = c_bytes(f, public_key_size, s.remote_identity) && s.remote_identity[0] == djb_key_type; break;
      case 4: ok = c_bytes(f, 32, s.root_key); break;
      case 5: ok = as_uint32(f, s.previous_counter); break;
      case 6: ok = f.type == wire::wire_type::bytes && parse_c_chain(f.bytes, s.sender); break;
      case 7:
        ok = f.type == wire::wire_type::bytes && s.receivers.size() < max_receiver_chains;
        if (ok) {
          s.receivers.emplace_back();
          ok = parse_c_chain(f.bytes, s.receivers.back());
        }
        break;
      case 8: ok = f.type == wire::wire_type::bytes; break;  // legacy key exchange: not carried over
      case 9: ok = f.type == wire::wire_type::bytes && parse_c_pending(f.bytes, s); break;
      case 10: ok = as_uint32(f, s.remote_registration_id); break;
      case 11: ok = as_uint32(f, s.local_registration_id); break;
      case 12: ok = f.type == wire::wire_type::varint && f.value <= 1; break;
      default: ok = c_bytes(f, public_key_size, s.alice_base_key) && s.alice_base_key[0] == djb_key_type; break;
    }
    if (!ok) return false;
  }
  s.has_pending = s.seen.has(9);
  return true;
}

// check_c_session: the rules a v3 state must meet (see the top of the file)
// beyond its syntax; applies the total bound on cached keys.
template <class = void>
result<void> check_c_session(c_session& s) {
  if (s.version != 3) return error::invalid_version;
  for (const std::uint32_t n : {2u, 3u, 4u, 6u})
    if (!s.seen.has(n)) return error::invalid_message;
  const c_chain& send = s.sender;
  if (send.ratchet_key.empty() || send.ratchet_private.empty() || !send.has_chain_key || !send.message_keys.empty())
    return error::invalid_message;
  std::vector<std::uint32_t> indices;
  std::size_t total = 0;
  for (std::size_t i = 0; i < s.receivers.size(); ++i) {
    const c_chain& c = s.receivers[i];
    if (c.ratchet_key.empty() || !c.ratchet_private.empty() || !c.has_chain_key) return error::invalid_message;
    for (std::size_t j = 0; j < i; ++j)
      if (std::equal(c.ratchet_key.begin(), c.ratchet_key.end(), s.receivers[j].ratchet_key.begin()))
        return error::invalid_message;
    indices.clear();
    for (const auto& k : c.message_keys) {
      if (k.index >= c.index) return error::invalid_message;
      indices.push_back(k.index);
    }
    std::sort(indices.begin(), indices.end());
    if (std::adjacent_find(indices.begin(), indices.end()) != indices.end()) return error::invalid_message;
    total += c.message_keys.size();
  }
  // e2ee's total bound: the oldest chain's oldest keys go first.
  for (auto& c : s.receivers) {
    const std::size_t drop = std::min(c.message_keys.size(), total > max_total_skipped_keys ? total - max_total_skipped_keys : 0);
    c.dropped = drop;
    total -= drop;
  }
  // The sending ratchet key pair must be a pair.
  auto priv = x25519::detail::clamp(send.ratchet_private.first<32>());
  const auto pub = x25519::public_key(priv);
  secure_wipe(priv.data(), priv.size());
  if (!std::equal(pub.begin(), pub.end(), send.ratchet_key.begin() + 1)) return error::invalid_key;
  return {};
}

// e2ee_state: the state built from its parts (session_state::from_parts).
// C records have no time stamps: the cached keys and the pending PreKey get
// "time unknown" (0), as in a format-1 e2ee record.
template <class = void>
result<session_state> e2ee_state(const c_session& s) {
  const auto copy = [](std::span<const std::uint8_t> from, auto& to) { std::copy(from.begin(), from.end(), to.begin()); };
  session_state::parts p;
  copy(s.local_identity, p.local_identity);
  copy(s.remote_identity, p.remote_identity);
  p.root = secret<32>(s.root_key.first<32>());
  auto priv = x25519::detail::clamp(s.sender.ratchet_private.first<32>());
  p.sender_ratchet.private_key = secret<32>(priv);
  secure_wipe(priv.data(), priv.size());
  copy(s.sender.ratchet_key.subspan(1), p.sender_ratchet.public_key);
  p.sender_chain_key = secret<32>(s.sender.key.first<32>());
  p.sender_chain_index = s.sender.index;
  p.previous_counter = s.previous_counter;
  p.local_registration_id = s.local_registration_id;
  p.remote_registration_id = s.remote_registration_id;
  if (!s.alice_base_key.empty()) copy(s.alice_base_key.subspan(1), p.alice_base_key);
  if (s.has_pending) {
    pending_pre_key pending;
    pending.pre_key_id = s.pending_pre_key_id;
    pending.signed_pre_key_id = s.pending_signed_pre_key_id;
    copy(s.pending_base_key.subspan(1), pending.base_key);
    p.pending = pending;
  }
  p.receivers.reserve(s.receivers.size());
  for (auto c = s.receivers.rbegin(); c != s.receivers.rend(); ++c) {  // e2ee keeps the newest first
    session_state::receiver_chain chain{{}, chain_key(c->key.first<32>(), c->index), {}, {}};
    copy(c->ratchet_key.subspan(1), chain.their_ratchet_key);
    chain.skipped.reserve(c->message_keys.size() - c->dropped);
    for (std::size_t i = c->dropped; i < c->message_keys.size(); ++i) {
      const auto& k = c->message_keys[i];
      chain.skipped.push_back({k.index,
                               signal_v3::message_key{secret<32>(k.cipher_key.first<32>()),
                                                      secret<32>(k.mac_key.first<32>()), secret<16>(k.iv.first<16>())},
                               0});
    }
    p.receivers.push_back(std::move(chain));
  }
  return session_state::from_parts(std::move(p));
}

}  // namespace detail

template <class = void>
result<session_record> import_libsignal_c_session_record(std::span<const std::uint8_t> in) {
  if (in.size() > max_import_size) return error::invalid_message;
  // The record's sessions, current first.
  wire::reader r(in);
  wire::field f;
  std::optional<std::span<const std::uint8_t>> current;
  std::vector<std::span<const std::uint8_t>> previous;
  while (!r.done()) {
    if (!r.next(f)) return error::invalid_message;
    if (f.number != 1 && f.number != 2) continue;
    if (f.type != wire::wire_type::bytes) return error::invalid_message;
    if (f.number == 1) {
      if (current) return error::invalid_message;
      current = f.bytes;
    } else {
      if (previous.size() == max_archived_states) return error::invalid_message;
      previous.push_back(f.bytes);
    }
  }

  // Each non-empty state built from its parts, then the record of them.
  std::optional<session_state> current_state;
  std::vector<session_state> previous_states;
  const auto convert = [&](std::span<const std::uint8_t> bytes, bool is_current) -> result<void> {
    detail::c_session s;
    if (!detail::parse_c_session(bytes, s)) return error::invalid_message;
    if (s.empty()) return {};
    if (auto ok = detail::check_c_session(s); !ok) return ok.error();
    auto state = detail::e2ee_state(s);
    if (!state) return error::invalid_message;  // cannot happen for what was checked above
    if (is_current) {
      current_state.emplace(std::move(*state));
    } else {
      previous_states.push_back(std::move(*state));
    }
    return {};
  };
  if (current) {
    if (auto ok = convert(*current, true); !ok) return ok.error();
  }
  for (const auto& p : previous) {
    if (auto ok = convert(p, false); !ok) return ok.error();
  }
  return session_record(basic_session_record<signal_v3>::from_states(std::move(current_state), std::move(previous_states)));
}

}  // namespace protocol
E2EE_NAMESPACE_END
