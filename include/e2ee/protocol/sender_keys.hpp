// e2ee/protocol/sender_keys.hpp — Signal's Sender Keys for groups
// (SIGNAL.md A6): each member encrypts a group message once, under its own
// sender key, and every other member decrypts it with the copy they received
// in a SenderKeyDistributionMessage (sent to each of them over the 1:1
// sessions of session.hpp).
//
//   seed = HMAC-SHA256(CK, 0x01),  CK' = HMAC-SHA256(CK, 0x02)
//   iv(16) || cipher_key(32) = HKDF-SHA256(no salt, seed, "WhisperGroup", 48)
//   SenderKeyMessage             = 0x33 || protobuf || XEdDSA signature (64)
//   SenderKeyDistributionMessage = 0x33 || protobuf
//
// The crypto is the same in both Signal implementations; the protobuf framing
// differs, and group_framing picks it:
//
//   framing      SenderKeyMessage fields              Distribution fields
//   libsignal_c  1 id, 2 iteration, 3 ciphertext       1 id, 2 iteration, 3 chain key, 4 signing key
//   rust         1 distribution uuid (16 bytes),       1 distribution uuid, 2 chain id, 3 iteration,
//                2 chain id, 3 iteration, 4 ciphertext 4 chain key, 5 signing key
//
// One state machine serves both: a sender key record, stored per
// (sender address, distribution id), holds up to max_sender_key_states
// states selected by their 31-bit chain id (libsignal-protocol-c's `id`).
// With the libsignal_c framing the distribution id is the app's own name for
// the group (the messages do not carry it); with the rust framing it must
// match the one in the message.
//
// Calls, shaped like libsignal's:
//   create_sender_key_distribution(store, name, framing, rng)  our key, made on first use
//   process_sender_key_distribution(store, name, bytes, framing) a member's key
//   group_encrypt(store, name, plaintext, framing, rng)          one message to the group
//   group_decrypt(store, name, bytes, framing)                   one message from `name.sender`
//   rotate_sender_key(store, name, framing, rng)                 a new key, e.g. after removing a member:
//     send its distribution to the remaining members only; the removed one
//     cannot read anything encrypted under it.
//
// Failure semantics as for 1:1 sessions: a call that fails stores nothing,
// so a forged, replayed, truncated or too-far-ahead message changes no record.
// A store may lend its record for the call (sender_key_store_in_place, as
// memory_sender_key_store does): group_encrypt and group_decrypt then work
// on it where it is, with no copy; their only allocation is the output.
//
// Our own states keep the signing key prepared for XEdDSA
// (xeddsa::signing_key, the point A computed once when the state is created
// or loaded): a group message costs one fixed-base multiplication to sign.
// Errors: invalid_message (malformed), invalid_version (version high nibble
// not 3), invalid_signature, duplicate_message, too_many_skipped,
// no_session (no record or no state for the chain id), storage_failure.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <new>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "../cipher/cbc.hpp"
#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/secret.hpp"
#include "../ec/x25519.hpp"
#include "../ec/xeddsa.hpp"
#include "../hash/sha256.hpp"
#include "../kdf/hkdf.hpp"
#include "../mac/hmac.hpp"
#include "keys.hpp"
#include "messages.hpp"
#include "ratchet_keys.hpp"
#include "record_io.hpp"
#include "session.hpp"
#include "wire.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

// Limits (Signal's values). A record keeps at most 5 states (the oldest is
// dropped); a message may be at most 25,000 iterations ahead of its chain
// (Rust libsignal; libsignal-protocol-c allows 2,000); at most 2,000 skipped
// message keys are cached per state, the oldest dropped first.
inline constexpr std::size_t max_sender_key_states = 5;
inline constexpr std::uint32_t max_sender_key_forward_jump = 25'000;
inline constexpr std::size_t max_sender_message_keys = 2'000;

inline constexpr std::uint8_t sender_key_version = 3;
inline constexpr std::uint8_t sender_key_version_byte = (sender_key_version << 4) | sender_key_version;  // 0x33
inline constexpr std::size_t sender_key_signature_size = 64;

using distribution_id = std::array<std::uint8_t, 16>;

enum class group_framing : std::uint8_t { libsignal_c, rust };

// sender_key_name: whose key, for which group.
struct sender_key_name {
  address sender;
  distribution_id distribution{};
  auto operator<=>(const sender_key_name&) const = default;
};

// sender_message_key: the key and IV of one group message.
struct sender_message_key {
  std::uint32_t iteration = 0;
  secret<16> iv;
  secret<32> cipher_key;

  sender_message_key clone() const noexcept { return {iteration, iv.clone(), cipher_key.clone()}; }

  // from_seed: the key of iteration `iteration` from its seed HMAC(CK, 0x01):
  // iv(16) || cipher_key(32) = HKDF(no salt, seed, "WhisperGroup", 48).
  static sender_message_key from_seed(std::uint32_t iteration, std::span<const std::uint8_t, 32> seed) noexcept {
    constexpr std::array<std::uint8_t, 12> info{'W', 'h', 'i', 's', 'p', 'e', 'r', 'G', 'r', 'o', 'u', 'p'};
    auto okm = hkdf<sha256>::derive<48>({}, seed, info);
    sender_message_key k{iteration, secret<16>(std::span<const std::uint8_t, 16>(okm.data(), 16)),
                         secret<32>(std::span<const std::uint8_t, 32>(okm.data() + 16, 32))};
    secure_wipe(okm.data(), okm.size());
    return k;
  }
};

// sender_chain_key: the chain key at one iteration. The chain steps are the
// Double Ratchet's (ratchet_keys.hpp chain_key: seed = HMAC(CK, 0x01),
// CK' = HMAC(CK, 0x02)); only the message keys' HKDF info differs.
class sender_chain_key {
 public:
  sender_chain_key(std::span<const std::uint8_t, 32> key, std::uint32_t iteration) noexcept : chain_(key, iteration) {}

  std::uint32_t iteration() const noexcept { return chain_.index(); }
  std::span<const std::uint8_t, 32> key() const noexcept { return chain_.key(); }
  sender_chain_key clone() const noexcept { return sender_chain_key(chain_.clone()); }

  // next: the chain key of the next iteration. Precondition: iteration() is
  // below 2^32 - 1 (callers check; see group_encrypt).
  sender_chain_key next() const noexcept { return sender_chain_key(chain_.next()); }

  // message_key: the message key of this iteration:
  // iv(16) || cipher_key(32) = HKDF(no salt, HMAC(CK, 0x01), "WhisperGroup", 48).
  sender_message_key message_key() const noexcept {
    constexpr std::array<std::uint8_t, 12> info{'W', 'h', 'i', 's', 'p', 'e', 'r', 'G', 'r', 'o', 'u', 'p'};
    auto okm = chain_.message_material<48>(info);
    sender_message_key k{chain_.index(), secret<16>(std::span<const std::uint8_t, 16>(okm.data(), 16)),
                         secret<32>(std::span<const std::uint8_t, 32>(okm.data() + 16, 32))};
    secure_wipe(okm.data(), okm.size());
    return k;
  }

 private:
  explicit sender_chain_key(chain_key c) noexcept : chain_(std::move(c)) {}

  chain_key chain_;
};

// sender_signing_private: the private signing key of one of our own states,
// kept prepared for XEdDSA signing (xeddsa::signing_key: the point A
// computed once, when the state is created or loaded, rather than in every
// signature). It holds the X25519 secret once; x25519_secret() gives the 32
// bytes records store. Wiped on destruction.
using sender_signing_private = xeddsa::signing_key;

namespace detail {

// owned_ptr: the one owner of a heap object, as std::unique_ptr (which
// would cost this header <memory>): move-only, deletes it when destroyed.
template <class T>
class owned_ptr {
 public:
  owned_ptr() noexcept = default;
  owned_ptr(owned_ptr&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  owned_ptr& operator=(owned_ptr&& o) noexcept {
    if (this != &o) reset(std::exchange(o.p_, nullptr));
    return *this;
  }
  ~owned_ptr() { delete p_; }
  void reset(T* p) noexcept {
    delete p_;
    p_ = p;
  }
  T* operator->() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  bool operator!=(std::nullptr_t) const noexcept { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

// sender_key_state: one chain of one sender. signing_private is present only
// in our own states. signing_key is what records and distribution messages
// carry.
//
// verify() gives xeddsa::verify's verdict. A state that verifies more than
// once in memory (a store that lends its records, such as
// memory_sender_key_store) prepares its key at the second verification
// (xeddsa::verifying_key: about 140k cycles once, then about 64k per
// verification instead of about 118k) and keeps it on the heap (about 6 KB,
// only for states that receive). A state loaded for a single message (a store
// that only offers load/store) verifies directly and prepares nothing. The
// prepared key is a cache: it is not serialized, clone() does not copy it, and
// a state's signing_key is not changed afterwards (a new key is a new state).
template <class = protocol::deferred>
struct sender_key_state {
  sender_key_state(std::uint32_t id, sender_chain_key c, const std::array<std::uint8_t, 32>& signing_public,
                   std::optional<sender_signing_private> signing_secret = std::nullopt,
                   std::deque<sender_message_key> cached_keys = {}) noexcept
      : chain_id(id),
        chain(std::move(c)),
        signing_key(signing_public),
        signing_private(std::move(signing_secret)),
        cached(std::move(cached_keys)) {}

  std::uint32_t chain_id = 0;
  sender_chain_key chain;
  std::array<std::uint8_t, 32> signing_key{};  // X25519 u-coordinate, used with XEdDSA
  std::optional<sender_signing_private> signing_private{};
  std::deque<sender_message_key> cached{};  // skipped keys, oldest first

  // verify: the XEdDSA signature `sig` of `msg` under signing_key (the same
  // verdict as xeddsa::verify(signing_key, msg, sig)).
  bool verify(std::span<const std::uint8_t> msg, std::span<const std::uint8_t, 64> sig) noexcept {
    if (verifier_) return verifier_->verify(msg, sig);
    if (verifications_ == 0 || unpreparable_) {
      verifications_ = 1;
      return xeddsa::verify(signing_key, msg, sig);
    }
    const auto prepared = xeddsa::verifying_key::from_x25519(signing_key);
    if (!prepared) {  // no signature verifies under this key (xeddsa::verify agrees)
      unpreparable_ = true;
      return false;
    }
    verifier_.reset(new (std::nothrow) xeddsa::verifying_key(*prepared));
    return verifier_ ? verifier_->verify(msg, sig) : xeddsa::verify(signing_key, msg, sig);
  }
  // prepared: whether verify() now uses a prepared key.
  bool prepared() const noexcept { return verifier_ != nullptr; }

  sender_key_state clone() const {
    sender_key_state s(chain_id, chain.clone(), signing_key);
    if (signing_private) s.signing_private.emplace(signing_private->clone());
    for (const auto& k : cached) s.cached.push_back(k.clone());
    return s;
  }

 private:
  owned_ptr<const xeddsa::verifying_key> verifier_{};
  std::uint8_t verifications_ = 0;
  bool unpreparable_ = false;
};

}  // namespace detail

using sender_key_state = detail::sender_key_state<>;

namespace detail {

// sender_key_record: the states of one (sender, distribution), newest first.
template <class State = protocol::sender_key_state>
class sender_key_record {
 public:
  sender_key_record() = default;
  sender_key_record(sender_key_record&&) noexcept = default;
  sender_key_record& operator=(sender_key_record&&) noexcept = default;

  sender_key_record clone() const {
    sender_key_record r;
    for (const auto& s : states_) r.states_.push_back(s.clone());
    return r;
  }

  bool empty() const noexcept { return states_.empty(); }
  std::size_t state_count() const noexcept { return states_.size(); }
  State* newest() noexcept { return states_.empty() ? nullptr : &states_.front(); }
  const State* newest() const noexcept { return states_.empty() ? nullptr : &states_.front(); }

  State* find(std::uint32_t chain_id) noexcept {
    for (auto& s : states_)
      if (s.chain_id == chain_id) return &s;
    return nullptr;
  }

  // add: `s` becomes the newest state. A state with the same chain id and
  // signing key is kept as it is (a repeated distribution message must not
  // rewind the chain) and moved to the front; one with the same chain id but
  // another signing key is replaced. Beyond max_sender_key_states the oldest
  // state is dropped.
  void add(State s) {
    for (auto it = states_.begin(); it != states_.end(); ++it) {
      if (it->chain_id != s.chain_id) continue;
      if (it->signing_key == s.signing_key) {
        std::rotate(states_.begin(), it, it + 1);
        return;
      }
      states_.erase(it);
      break;
    }
    states_.insert(states_.begin(), std::move(s));
    if (states_.size() > max_sender_key_states) states_.pop_back();
  }

  void clear() noexcept { states_.clear(); }

  // serialize: "e2sk" || format (1) || states || SHA-256 of all before it
  // (record_io.hpp). Holds private keys (own states): store it sealed.
  // deserialize rejects anything that is not exactly such a string
  // (error::invalid_message, or error::invalid_version for another format)
  // and never half-loads.
  std::vector<std::uint8_t> serialize() const {
    std::size_t n = 1;
    for (const auto& s : states_)
      n += 4 + 4 + 32 + 32 + 1 + (s.signing_private ? 32 : 0) + 2 + s.cached.size() * (4 + 16 + 32);
    detail::record_writer w(magic, format, n);
    w.put8(static_cast<std::uint8_t>(states_.size()));
    for (const auto& s : states_) {
      w.put32(s.chain_id);
      w.put32(s.chain.iteration());
      w.put(s.chain.key());
      w.put(s.signing_key);
      w.put8(s.signing_private ? 1 : 0);
      if (s.signing_private) w.put(s.signing_private->x25519_secret());
      w.put16(static_cast<std::uint16_t>(s.cached.size()));
      for (const auto& k : s.cached) {
        w.put32(k.iteration);
        w.put(k.iv.expose());
        w.put(k.cipher_key.expose());
      }
    }
    return w.finish();
  }

  static result<sender_key_record> deserialize(std::span<const std::uint8_t> in) {
    auto r = detail::record_reader::open(in, magic, format);
    if (!r) return r.error();
    const std::size_t count = r->take8();
    if (!r->ok() || count > max_sender_key_states) return error::invalid_message;
    sender_key_record out;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint32_t chain_id = r->take32(), iteration = r->take32();
      const auto chain = r->take<32>();
      std::array<std::uint8_t, 32> signing_public{};
      r->take_into(signing_public);
      const std::uint8_t has_private = r->take8();
      if (!r->ok() || has_private > 1) return error::invalid_message;
      State s{chain_id, sender_chain_key(chain, iteration), signing_public};
      if (has_private == 1) {
        const auto priv = r->take<32>();
        if (!r->ok()) return error::invalid_message;
        s.signing_private.emplace(priv);
      }
      const std::size_t cached = r->take16();
      if (!r->ok() || cached > max_sender_message_keys) return error::invalid_message;
      for (std::size_t k = 0; k < cached; ++k) {
        const std::uint32_t it = r->take32();
        const auto iv = r->take<16>();
        const auto key = r->take<32>();
        if (!r->ok()) return error::invalid_message;
        s.cached.push_back({it, secret<16>(iv), secret<32>(key)});
      }
      out.states_.push_back(std::move(s));
    }
    if (!r->done()) return error::invalid_message;
    return out;
  }

 private:
  static constexpr std::array<std::uint8_t, 4> magic{'e', '2', 's', 'k'};
  static constexpr std::uint8_t format = 1;

  std::vector<State> states_{};  // newest first (at most max_sender_key_states)
};

}  // namespace detail

using sender_key_record = detail::sender_key_record<>;

// ---- wire ----------------------------------------------------------------------

struct sender_key_message_view {
  std::optional<distribution_id> distribution{};  // rust framing only
  std::uint32_t chain_id = 0;                      // libsignal-protocol-c: `id`
  std::uint32_t iteration = 0;
  std::span<const std::uint8_t> ciphertext{};
  std::span<const std::uint8_t> signed_part{};  // version || protobuf: what the signature covers
  xeddsa::signature signature{};
};

struct sender_key_distribution_view {
  std::optional<distribution_id> distribution{};  // rust framing only
  std::uint32_t chain_id = 0;
  std::uint32_t iteration = 0;
  std::span<const std::uint8_t> chain_key{};  // exactly 32 bytes
  std::array<std::uint8_t, 32> signing_key{};
};

namespace detail {

// The field numbers of each framing.
struct sender_key_fields {
  std::uint32_t distribution, chain_id, iteration, payload, signing_key;
};
constexpr sender_key_fields message_fields(group_framing f) noexcept {
  return f == group_framing::rust ? sender_key_fields{1, 2, 3, 4, 0} : sender_key_fields{0, 1, 2, 3, 0};
}
constexpr sender_key_fields distribution_fields(group_framing f) noexcept {
  return f == group_framing::rust ? sender_key_fields{1, 2, 3, 4, 5} : sender_key_fields{0, 1, 2, 3, 4};
}

template <class = void>
result<void> sender_key_version_ok(std::span<const std::uint8_t> in, std::size_t min_size) noexcept {
  if (in.size() < min_size || in.size() > max_message_size) return error::invalid_message;
  if ((in[0] >> 4) != sender_key_version) return error::invalid_version;
  return {};
}

// parse_sender_key_fields: the protobuf body of either message. A known
// field twice or with the wrong wire type, a missing field, a uuid that is not
// 16 bytes: error::invalid_message. `payload` is the ciphertext or the chain
// key; the caller checks its size.
template <class = void>
bool parse_sender_key_fields(std::span<const std::uint8_t> body, const sender_key_fields& n,
                             std::optional<distribution_id>& distribution, std::uint32_t& chain_id,
                             std::uint32_t& iteration, std::span<const std::uint8_t>& payload,
                             std::array<std::uint8_t, 32>* signing_key) noexcept {
  wire::reader r(body);
  field_set seen;
  wire::field f;
  while (!r.done()) {
    if (!r.next(f)) return false;
    const std::uint32_t k = f.number;
    const bool known = (n.distribution != 0 && k == n.distribution) || k == n.chain_id || k == n.iteration ||
                       k == n.payload || (n.signing_key != 0 && k == n.signing_key);
    if (!known) continue;
    if (!seen.first(k)) return false;
    if (n.distribution != 0 && k == n.distribution) {
      if (f.type != wire::wire_type::bytes || f.bytes.size() != 16) return false;
      distribution.emplace();
      std::copy(f.bytes.begin(), f.bytes.end(), distribution->begin());
    } else if (k == n.chain_id) {
      if (!as_uint32(f, chain_id)) return false;
    } else if (k == n.iteration) {
      if (!as_uint32(f, iteration)) return false;
    } else if (k == n.payload) {
      if (f.type != wire::wire_type::bytes) return false;
      payload = f.bytes;
    } else if (!as_key(f, *signing_key)) {
      return false;
    }
  }
  if (n.distribution != 0 && !seen.has(n.distribution)) return false;
  if (n.signing_key != 0 && !seen.has(n.signing_key)) return false;
  return seen.has(n.chain_id) && seen.has(n.iteration) && seen.has(n.payload);
}

template <class = void>
void write_sender_key_fields(wire::writer& w, const sender_key_fields& n, const distribution_id& distribution,
                             std::uint32_t chain_id, std::uint32_t iteration,
                             std::span<const std::uint8_t> payload,
                             const std::array<std::uint8_t, 32>* signing_key) {
  if (n.distribution != 0) w.bytes_field(n.distribution, distribution);
  w.varint_field(n.chain_id, chain_id);
  w.varint_field(n.iteration, iteration);
  w.bytes_field(n.payload, payload);
  if (n.signing_key != 0) w.bytes_field(n.signing_key, serialize_public_key(*signing_key));
}

}  // namespace detail

// parse_sender_key_message: a SenderKeyMessage in `framing`, as views into
// `in` (no copy). The signature is not checked here (group_decrypt does).
template <class = void>
result<sender_key_message_view> parse_sender_key_message(std::span<const std::uint8_t> in,
                                                         group_framing framing) noexcept {
  if (auto v = detail::sender_key_version_ok(in, 1 + sender_key_signature_size); !v) return v.error();
  sender_key_message_view m;
  const auto body = in.subspan(1, in.size() - 1 - sender_key_signature_size);
  if (!detail::parse_sender_key_fields(body, detail::message_fields(framing), m.distribution, m.chain_id,
                                       m.iteration, m.ciphertext, nullptr))
    return error::invalid_message;
  m.signed_part = in.first(in.size() - sender_key_signature_size);
  std::copy(in.end() - sender_key_signature_size, in.end(), m.signature.begin());
  return m;
}

// parse_sender_key_distribution: a SenderKeyDistributionMessage in `framing`.
template <class = void>
result<sender_key_distribution_view> parse_sender_key_distribution(std::span<const std::uint8_t> in,
                                                                   group_framing framing) noexcept {
  if (auto v = detail::sender_key_version_ok(in, 1); !v) return v.error();
  sender_key_distribution_view d;
  if (!detail::parse_sender_key_fields(in.subspan(1), detail::distribution_fields(framing), d.distribution,
                                       d.chain_id, d.iteration, d.chain_key, &d.signing_key) ||
      d.chain_key.size() != 32)
    return error::invalid_message;
  return d;
}

// ---- store ---------------------------------------------------------------------

template <class S>
concept sender_key_store = requires(S& s, const sender_key_name& n, sender_key_record r) {
  { s.load_sender_key(n) } -> std::same_as<std::optional<sender_key_record>>;
  { s.store_sender_key(n, std::move(r)) } -> std::convertible_to<bool>;
};

// sender_key_store_in_place: an optional capability of a sender key store,
// as session_store_in_place is for sessions: s.with_sender_key(n, f) calls
// f(sender_key_record*) exactly once, with the record stored for `n` or
// nullptr. f may change the record in place and returns true if it did
// (false only when the record is exactly as it was); the store persists a
// changed record before with_sender_key returns, and returns false only if
// that failed (the call then reports storage_failure). group_encrypt and
// group_decrypt change a lent record only once the message was signed or
// verified and decrypted, so a failed call leaves it as it was. Stores
// without the capability work through load_sender_key / store_sender_key.
template <class S>
concept sender_key_store_in_place =
    sender_key_store<S> && requires(S& s, const sender_key_name& n, bool (*f)(sender_key_record*)) {
      { s.with_sender_key(n, f) } -> std::convertible_to<bool>;
    };

namespace detail {

// memory_sender_key_store: sender key records in memory, for tests and demos.
template <class Record = protocol::sender_key_record>
class memory_sender_key_store {
 public:
  std::optional<Record> load_sender_key(const sender_key_name& n) const { return records_.load(n); }
  bool store_sender_key(const sender_key_name& n, Record r) { return records_.store(n, std::move(r)); }
  // with_sender_key: sender_key_store_in_place; the record is changed where
  // it is stored, so there is nothing to persist (always true).
  template <class F>
  bool with_sender_key(const sender_key_name& n, F&& f) { return records_.lend(n, std::forward<F>(f)); }

 private:
  detail::stored_records<sender_key_name, Record> records_;
};

}  // namespace detail

using memory_sender_key_store = detail::memory_sender_key_store<>;
static_assert(sender_key_store<memory_sender_key_store> && sender_key_store_in_place<memory_sender_key_store>);

// ---- calls ---------------------------------------------------------------------

namespace detail {

template <random_source R>
result<protocol::sender_key_state> new_sender_key_state(R& rng) {
  std::array<std::uint8_t, 4> id{};
  secret<32> chain;
  if (!rng.fill(id) || !rng.fill(chain.writable())) return error::random_failure;
  auto signing = key_pair::generate(rng);
  if (!signing) return signing.error();
  sender_key_state s{load_le32(id.data()) >> 1, sender_chain_key(chain.expose(), 0), signing->public_key,
                     std::nullopt, {}};
  s.signing_private.emplace(std::move(signing->private_key));
  return s;
}

template <class = void>
std::vector<std::uint8_t> distribution_bytes(const protocol::sender_key_state& s, const distribution_id& distribution,
                                                    group_framing framing) {
  const auto n = distribution_fields(framing);
  std::vector<std::uint8_t> out;
  out.reserve(1 + (n.distribution ? wire::bytes_field_size(n.distribution, 16) : 0) +
              wire::varint_field_size(n.chain_id, s.chain_id) +
              wire::varint_field_size(n.iteration, s.chain.iteration()) + wire::bytes_field_size(n.payload, 32) +
              wire::bytes_field_size(n.signing_key, public_key_size));
  out.push_back(sender_key_version_byte);
  wire::writer w(out);
  write_sender_key_fields(w, n, distribution, s.chain_id, s.chain.iteration(), s.chain.key(), &s.signing_key);
  return out;
}

template <sender_key_store S>
result<void> save_sender_key(S& store, const sender_key_name& name, protocol::sender_key_record r) {
  if (!store.store_sender_key(name, std::move(r))) return error::storage_failure;
  return {};
}

// with_stored_sender_key: with_stored_record (session.hpp) on the sender
// key record stored for `name`: in place if the store lends it
// (sender_key_store_in_place), else through load_sender_key /
// store_sender_key. false: storage failure.
template <sender_key_store S, class F>
bool with_stored_sender_key(S& store, const sender_key_name& name, F&& f) {
  return with_stored_record<sender_key_store_in_place<S>>(
      store, [&](auto& s, auto&& g) { return s.with_sender_key(name, std::forward<decltype(g)>(g)); },
      [&](auto& s) { return s.load_sender_key(name); },
      [&](auto& s, protocol::sender_key_record&& r) { return s.store_sender_key(name, std::move(r)); }, std::forward<F>(f));
}

}  // namespace detail

// create_sender_key_distribution: the distribution message for our own
// sender key under `name` (name.sender is our own address), creating the key
// on first use: a random 31-bit chain id, a random chain key at iteration 0
// and a fresh signing key pair. Send the result to each member over the 1:1
// session with them.
template <sender_key_store S, random_source R>
result<std::vector<std::uint8_t>> create_sender_key_distribution(S& store, const sender_key_name& name,
                                                                 group_framing framing, R& rng) {
  auto loaded = store.load_sender_key(name);
  sender_key_record record = loaded ? std::move(*loaded) : sender_key_record{};
  const protocol::sender_key_state* own = record.newest();
  if (own == nullptr || !own->signing_private) {
    auto s = detail::new_sender_key_state(rng);
    if (!s) return s.error();
    record.clear();
    record.add(std::move(*s));
    auto bytes = detail::distribution_bytes(*record.newest(), name.distribution, framing);
    if (auto ok = detail::save_sender_key(store, name, std::move(record)); !ok) return ok.error();
    return bytes;
  }
  return detail::distribution_bytes(*own, name.distribution, framing);
}

// rotate_sender_key: replaces our sender key under `name` with a new one and
// returns its distribution message. After removing a member, send it to the
// remaining members only: the removed member holds no key for anything sent
// after this.
template <sender_key_store S, random_source R>
result<std::vector<std::uint8_t>> rotate_sender_key(S& store, const sender_key_name& name, group_framing framing,
                                                    R& rng) {
  auto s = detail::new_sender_key_state(rng);
  if (!s) return s.error();
  sender_key_record record;
  record.add(std::move(*s));
  auto bytes = detail::distribution_bytes(*record.newest(), name.distribution, framing);
  if (auto ok = detail::save_sender_key(store, name, std::move(record)); !ok) return ok.error();
  return bytes;
}

// process_sender_key_distribution: stores the sender key that name.sender
// distributed. With the rust framing the message's distribution id must equal
// name.distribution (else error::invalid_message).
template <sender_key_store S>
result<void> process_sender_key_distribution(S& store, const sender_key_name& name,
                                             std::span<const std::uint8_t> bytes, group_framing framing) {
  const auto d = parse_sender_key_distribution(bytes, framing);
  if (!d) return d.error();
  if (d->distribution && *d->distribution != name.distribution) return error::invalid_message;
  auto loaded = store.load_sender_key(name);
  sender_key_record record = loaded ? std::move(*loaded) : sender_key_record{};
  record.add(sender_key_state{d->chain_id,
                              sender_chain_key(std::span<const std::uint8_t, 32>(d->chain_key.data(), 32), d->iteration),
                              d->signing_key, std::nullopt, {}});
  return detail::save_sender_key(store, name, std::move(record));
}

// group_encrypt: one group message under our sender key `name` (created with
// create_sender_key_distribution first, else error::no_session). The
// ciphertext is written straight into the message, which is signed with the
// state's prepared signing key; with an in-place store the message is the
// only allocation.
template <sender_key_store S, random_source R>
result<std::vector<std::uint8_t>> group_encrypt(S& store, const sender_key_name& name,
                                                std::span<const std::uint8_t> plaintext, group_framing framing,
                                                R& rng) {
  result<std::vector<std::uint8_t>> out = error::no_session;
  const bool stored = detail::with_stored_sender_key(store, name, [&](sender_key_record* record) {
    protocol::sender_key_state* s = record ? record->newest() : nullptr;
    if (s == nullptr || !s->signing_private) return false;
    if (s->chain.iteration() == 0xffffffffu) {  // chain exhausted: rotate
      out = error::invalid_state;
      return false;
    }
    const auto mk = s->chain.message_key();
    const std::size_t body_size = aes256_cbc::padded_size(plaintext.size());
    const auto n = detail::message_fields(framing);
    std::vector<std::uint8_t> m;
    m.reserve(1 + (n.distribution ? wire::bytes_field_size(n.distribution, 16) : 0) +
              wire::varint_field_size(n.chain_id, s->chain_id) + wire::varint_field_size(n.iteration, mk.iteration) +
              wire::bytes_field_size(n.payload, body_size) + sender_key_signature_size);
    m.push_back(sender_key_version_byte);
    wire::writer w(m);
    // The fields in write_sender_key_fields' order, the payload (last) as its
    // tag and length followed by the ciphertext in place.
    if (n.distribution != 0) w.bytes_field(n.distribution, name.distribution);
    w.varint_field(n.chain_id, s->chain_id);
    w.varint_field(n.iteration, mk.iteration);
    w.tag(n.payload, wire::wire_type::bytes);
    w.varint(body_size);
    const std::size_t at = m.size();
    m.resize(at + body_size);
    aes256_cbc::encryptor cbc(mk.cipher_key.expose(), mk.iv.expose());
    (void)cbc.finish(plaintext, std::span(m).subspan(at));  // sizes right by construction
    const auto sig = s->signing_private->sign(m, rng);
    if (!sig) {
      out = sig.error();
      return false;
    }
    w.raw(*sig);
    s->chain = s->chain.next();
    out = std::move(m);
    return true;
  });
  if (!stored) return error::storage_failure;
  return out;
}

// group_decrypt: a group message from name.sender. The record is changed
// (keys consumed, chain advanced) only when the signature verified and the
// body decrypted.
template <sender_key_store S>
result<std::vector<std::uint8_t>> group_decrypt(S& store, const sender_key_name& name,
                                                std::span<const std::uint8_t> bytes, group_framing framing) {
  const auto m = parse_sender_key_message(bytes, framing);
  if (!m) return m.error();
  if (m->distribution && *m->distribution != name.distribution) return error::no_session;
  result<std::vector<std::uint8_t>> out = error::no_session;
  const bool stored = detail::with_stored_sender_key(store, name, [&](sender_key_record* record) {
    protocol::sender_key_state* s = record ? record->find(m->chain_id) : nullptr;
    if (s == nullptr) return false;
    if (!s->verify(m->signed_part, m->signature)) {
      out = error::invalid_signature;
      return false;
    }

    // The key, derived without touching the state; committed below on success.
    const std::uint32_t index = s->chain.iteration();
    std::optional<sender_message_key> key;
    auto cached_at = s->cached.end();
    std::vector<sender_message_key> skipped;
    std::optional<sender_chain_key> advanced;
    if (m->iteration < index) {
      cached_at = std::find_if(s->cached.begin(), s->cached.end(),
                               [&](const sender_message_key& k) { return k.iteration == m->iteration; });
      if (cached_at == s->cached.end()) {
        out = error::duplicate_message;
        return false;
      }
      key.emplace(cached_at->clone());
    } else {
      if (m->iteration - index > max_sender_key_forward_jump) {
        out = error::too_many_skipped;
        return false;
      }
      if (m->iteration == 0xffffffffu) {  // no next chain key to move to
        out = error::invalid_message;
        return false;
      }
      // Only the newest max_sender_message_keys skipped keys can survive the
      // commit, so older ones are not derived at all.
      const std::uint32_t keep_from = m->iteration - index > max_sender_message_keys
                                          ? m->iteration - std::uint32_t{max_sender_message_keys}
                                          : index;
      if (m->iteration > index) {
        sender_chain_key c = s->chain.clone();
        skipped.reserve(m->iteration - keep_from);
        while (c.iteration() < m->iteration) {
          if (c.iteration() >= keep_from) skipped.push_back(c.message_key());
          c = c.next();
        }
        key.emplace(c.message_key());
        advanced.emplace(c.next());
      } else {  // the next message in order: no skipped key, no copy of the chain
        key.emplace(s->chain.message_key());
        advanced.emplace(s->chain.next());
      }
    }
    auto plaintext = aes256_cbc::decrypt(key->cipher_key.expose(), key->iv.expose(), m->ciphertext);
    if (!plaintext) {
      out = error::invalid_message;
      return false;
    }

    if (advanced) {
      for (auto& k : skipped) s->cached.push_back(std::move(k));
      while (s->cached.size() > max_sender_message_keys) s->cached.pop_front();
      s->chain = std::move(*advanced);
    } else {
      s->cached.erase(cached_at);
    }
    out = std::move(*plaintext);
    return true;
  });
  if (!stored) return error::storage_failure;
  return out;
}

}  // namespace protocol
E2EE_NAMESPACE_END
