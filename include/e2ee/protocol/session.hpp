// e2ee/protocol/session.hpp — sessions the way an app uses them, shaped like
// libsignal's API: stores, process_pre_key_bundle, encrypt, decrypt.
//
//   protocol::memory_store alice_store(identity, registration_id);      // or your own stores
//   protocol::process_pre_key_bundle(alice_store, bob_address, bundle, rng);
//   auto msg = protocol::encrypt(alice_store, bob_address, plaintext);  // result<encrypted>
//   auto pt  = protocol::decrypt(bob_store, alice_address, msg->type, msg->bytes, rng);
//
// Stores are concepts (below), so an app plugs in its own database; the
// in-memory memory_store implements all of them. Every call loads what it
// needs, works on copies, and stores the result only on success: a failed
// decrypt leaves every store as it was.
//
// Sessions follow SIGNAL.md A3/A4: a session record holds the current state
// and up to 40 archived ones; decryption tries the current state, then the
// archived ones (most recent first), and promotes the one that worked. A
// PreKey message whose base key matches a state already in the record is
// decrypted on that state, so a duplicated PreKey message is handled like
// any other duplicate (error::duplicate_message) and creates no second
// session. Identities are trusted on first use: a different identity key for
// an address with a saved one is error::untrusted_identity.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/secret.hpp"
#include "../ec/xeddsa.hpp"
#include "double_ratchet.hpp"
#include "keys.hpp"
#include "messages.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

inline constexpr std::size_t max_archived_states = 40;

// address: a remote party's name (a ServiceId, a phone number, ...) and device.
struct address {
  std::string name;
  std::uint32_t device_id = 1;
  auto operator<=>(const address&) const = default;
};

struct pre_key_record {
  std::uint32_t id = 0;
  key_pair key;
};

struct signed_pre_key_record {
  std::uint32_t id = 0;
  key_pair key;
  xeddsa::signature signature{};  // XEdDSA by the identity key over serialize_public_key(key.public_key)
  std::uint64_t timestamp = 0;
};

// pre_key_bundle: what a server hands out for one device of a user.
struct pre_key_bundle {
  std::uint32_t registration_id = 0;
  std::uint32_t device_id = 1;
  std::optional<std::uint32_t> pre_key_id{};
  std::optional<std::array<std::uint8_t, 32>> pre_key{};
  std::uint32_t signed_pre_key_id = 0;
  std::array<std::uint8_t, 32> signed_pre_key{};
  xeddsa::signature signed_pre_key_signature{};
  std::array<std::uint8_t, 32> identity_key{};
};

// make_signed_pre_key: a fresh signed prekey with the XEdDSA signature Signal
// puts on it: over its 33-byte serialization, by the identity key.
template <random_source R>
result<signed_pre_key_record> make_signed_pre_key(const key_pair& identity, std::uint32_t id,
                                                  std::uint64_t timestamp, R& rng) {
  auto key = key_pair::generate(rng);
  if (!key) return key.error();
  const auto pub = serialize_public_key(key->public_key);
  auto sig = xeddsa::sign(identity.private_key.expose(), pub, rng);
  if (!sig) return sig.error();
  return signed_pre_key_record{id, std::move(*key), *sig, timestamp};
}

// session_record: the current state and the archived ones, most recent first.
class session_record {
 public:
  session_record() = default;
  session_record(session_record&&) noexcept = default;
  session_record& operator=(session_record&&) noexcept = default;

  session_record clone() const {
    session_record r;
    if (current_) r.current_.emplace(current_->clone());
    for (const auto& s : previous_) r.previous_.push_back(s.clone());
    return r;
  }

  bool has_current() const noexcept { return current_.has_value(); }
  session_state* current() noexcept { return current_ ? &*current_ : nullptr; }
  const session_state* current() const noexcept { return current_ ? &*current_ : nullptr; }
  std::size_t archived_count() const noexcept { return previous_.size(); }

  // promote_new: `s` becomes current; the old current is archived (the
  // oldest archived state is dropped beyond max_archived_states).
  void promote_new(session_state s) {
    if (current_) {
      previous_.push_front(std::move(*current_));
      if (previous_.size() > max_archived_states) previous_.pop_back();
    }
    current_.emplace(std::move(s));
  }

  // promote: makes archived state `s` (a pointer from find_base_key) current,
  // archiving the current one; nothing for the current state or a pointer
  // that is not in this record.
  void promote(const session_state* s) {
    for (auto it = previous_.begin(); it != previous_.end(); ++it) {
      if (&*it != s) continue;
      session_state promoted = std::move(*it);
      previous_.erase(it);
      promote_new(std::move(promoted));
      return;
    }
  }

  // find_base_key: the state (current or archived) set up by the PreKey
  // message with this base key, or nullptr.
  session_state* find_base_key(const std::array<std::uint8_t, 32>& base) noexcept {
    if (current_ && current_->alice_base_key() == base) return &*current_;
    for (auto& s : previous_)
      if (s.alice_base_key() == base) return &s;
    return nullptr;
  }

  // decrypt: tries the current state, then the archived ones; the state that
  // decrypts becomes current. The error reported is the current state's (or
  // no_session if there is none).
  template <random_source R>
  result<std::vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> message, R& rng) {
    if (!current_) return error::no_session;
    auto r = current_->decrypt(message, rng);
    if (r) return r;
    for (auto it = previous_.begin(); it != previous_.end(); ++it) {
      auto p = it->decrypt(message, rng);
      if (!p) continue;
      session_state promoted = std::move(*it);
      previous_.erase(it);
      promote_new(std::move(promoted));
      return p;
    }
    return r.error();
  }

  // serialize / deserialize: "e2sr" || format (1) || current flag || states
  // as length-prefixed session_state records. Holds private keys: store it
  // sealed. deserialize rejects anything malformed and never half-loads.
  std::vector<std::uint8_t> serialize() const {
    std::vector<std::uint8_t> out{'e', '2', 's', 'r', 1, static_cast<std::uint8_t>(current_ ? 1 : 0),
                                  static_cast<std::uint8_t>(previous_.size())};
    const auto put = [&](const session_state& s) {
      const auto b = s.serialize();
      std::array<std::uint8_t, 4> n{};
      store_le32(n.data(), static_cast<std::uint32_t>(b.size()));
      out.insert(out.end(), n.begin(), n.end());
      out.insert(out.end(), b.begin(), b.end());
    };
    if (current_) put(*current_);
    for (const auto& s : previous_) put(s);
    return out;
  }

  static result<session_record> deserialize(std::span<const std::uint8_t> in) {
    if (in.size() < 7 || in[0] != 'e' || in[1] != '2' || in[2] != 's' || in[3] != 'r') return error::invalid_message;
    if (in[4] != 1) return error::invalid_version;
    if (in[5] > 1 || in[6] > max_archived_states) return error::invalid_message;
    session_record r;
    std::size_t pos = 7;
    const std::size_t states = std::size_t{in[5]} + in[6];
    for (std::size_t i = 0; i < states; ++i) {
      if (in.size() - pos < 4) return error::invalid_message;
      const std::size_t n = load_le32(in.data() + pos);
      pos += 4;
      if (n > in.size() - pos) return error::invalid_message;
      auto s = session_state::deserialize(in.subspan(pos, n));
      if (!s) return s.error();
      pos += n;
      if (i == 0 && in[5] == 1) {
        r.current_.emplace(std::move(*s));
      } else {
        r.previous_.push_back(std::move(*s));
      }
    }
    if (pos != in.size()) return error::invalid_message;
    return r;
  }

 private:
  std::optional<session_state> current_{};
  std::deque<session_state> previous_{};  // most recent first
};

// ---- store concepts -------------------------------------------------------------

template <class S>
concept identity_key_store = requires(S& s, const address& a, std::span<const std::uint8_t, 32> key) {
  { s.identity_key_pair() } -> std::convertible_to<const key_pair&>;
  { s.local_registration_id() } -> std::convertible_to<std::uint32_t>;
  // trusted on first use: true if no key is saved for `a` or it equals `key`
  { s.is_trusted_identity(a, key) } -> std::convertible_to<bool>;
  { s.save_identity(a, key) } -> std::convertible_to<bool>;  // false: storage failure
};

template <class S>
concept pre_key_store = requires(S& s, std::uint32_t id) {
  { s.load_pre_key(id) } -> std::convertible_to<const pre_key_record*>;  // nullptr if absent
  { s.remove_pre_key(id) } -> std::convertible_to<bool>;
};

template <class S>
concept signed_pre_key_store = requires(S& s, std::uint32_t id) {
  { s.load_signed_pre_key(id) } -> std::convertible_to<const signed_pre_key_record*>;
};

template <class S>
concept session_store = requires(S& s, const address& a, session_record r) {
  { s.load_session(a) } -> std::convertible_to<std::optional<session_record>>;
  { s.store_session(a, std::move(r)) } -> std::convertible_to<bool>;  // false: storage failure
};

template <class S>
concept protocol_store = identity_key_store<S> && pre_key_store<S> && signed_pre_key_store<S> && session_store<S>;

// memory_store: every store in memory; for tests, demos and as a model.
class memory_store {
 public:
  memory_store(key_pair identity, std::uint32_t registration_id) noexcept
      : identity_(std::move(identity)), registration_id_(registration_id) {}

  const key_pair& identity_key_pair() const noexcept { return identity_; }
  std::uint32_t local_registration_id() const noexcept { return registration_id_; }
  bool is_trusted_identity(const address& a, std::span<const std::uint8_t, 32> key) const {
    const auto it = identities_.find(a);
    return it == identities_.end() || std::equal(key.begin(), key.end(), it->second.begin());
  }
  bool save_identity(const address& a, std::span<const std::uint8_t, 32> key) {
    std::array<std::uint8_t, 32> k{};
    std::copy(key.begin(), key.end(), k.begin());
    identities_[a] = k;
    return true;
  }
  // replace_identity: the user accepted a changed key (after comparing
  // safety numbers).
  void replace_identity(const address& a, std::span<const std::uint8_t, 32> key) { (void)save_identity(a, key); }

  const pre_key_record* load_pre_key(std::uint32_t id) const {
    const auto it = pre_keys_.find(id);
    return it == pre_keys_.end() ? nullptr : &it->second;
  }
  bool remove_pre_key(std::uint32_t id) {
    pre_keys_.erase(id);
    return true;
  }
  void store_pre_key(pre_key_record r) {
    const auto id = r.id;
    pre_keys_.insert_or_assign(id, std::move(r));
  }
  std::size_t pre_key_count() const noexcept { return pre_keys_.size(); }

  const signed_pre_key_record* load_signed_pre_key(std::uint32_t id) const {
    const auto it = signed_pre_keys_.find(id);
    return it == signed_pre_keys_.end() ? nullptr : &it->second;
  }
  void store_signed_pre_key(signed_pre_key_record r) {
    const auto id = r.id;
    signed_pre_keys_.insert_or_assign(id, std::move(r));
  }
  bool remove_signed_pre_key(std::uint32_t id) {
    signed_pre_keys_.erase(id);
    return true;
  }

  std::optional<session_record> load_session(const address& a) const {
    const auto it = sessions_.find(a);
    if (it == sessions_.end()) return std::nullopt;
    return it->second.clone();
  }
  bool store_session(const address& a, session_record r) {
    sessions_.insert_or_assign(a, std::move(r));
    return true;
  }

 private:
  key_pair identity_;
  std::uint32_t registration_id_;
  std::map<address, std::array<std::uint8_t, 32>> identities_;
  std::map<std::uint32_t, pre_key_record> pre_keys_;
  std::map<std::uint32_t, signed_pre_key_record> signed_pre_keys_;
  std::map<address, session_record> sessions_;
};
static_assert(protocol_store<memory_store>);

// ---- the user API -----------------------------------------------------------------

// process_pre_key_bundle: Alice starts a session with `remote` from its
// bundle. Checks the signed prekey's XEdDSA signature
// (error::invalid_signature) and the identity (error::untrusted_identity),
// runs X3DH and stores the new session as current (archiving an old one).
template <protocol_store Store, random_source R>
result<void> process_pre_key_bundle(Store& store, const address& remote, const pre_key_bundle& bundle, R& rng) {
  const auto spk = serialize_public_key(bundle.signed_pre_key);
  if (!xeddsa::verify(bundle.identity_key, spk, bundle.signed_pre_key_signature)) return error::invalid_signature;
  if (!store.is_trusted_identity(remote, bundle.identity_key)) return error::untrusted_identity;
  if (bundle.pre_key.has_value() != bundle.pre_key_id.has_value()) return error::invalid_argument;
  auto base = key_pair::generate(rng);
  if (!base) return base.error();
  std::optional<std::span<const std::uint8_t, 32>> opk;
  if (bundle.pre_key) opk = std::span<const std::uint8_t, 32>(*bundle.pre_key);
  auto state = session_state::initialize_alice(store.identity_key_pair(), *base, bundle.identity_key,
                                               bundle.signed_pre_key, opk, rng);
  if (!state) return state.error();
  state->set_pending_pre_key({bundle.pre_key_id, bundle.signed_pre_key_id, base->public_key},
                             store.local_registration_id());
  state->set_remote_registration_id(bundle.registration_id);
  auto record = store.load_session(remote);
  session_record r = record ? std::move(*record) : session_record{};
  r.promote_new(std::move(*state));
  if (!store.save_identity(remote, bundle.identity_key)) return error::storage_failure;
  if (!store.store_session(remote, std::move(r))) return error::storage_failure;
  return {};
}

namespace detail {
inline std::span<const std::uint8_t, 32> identity_u(const serialized_public_key& k) noexcept {
  return std::span<const std::uint8_t, 32>(k.data() + 1, 32);
}
}  // namespace detail

// encrypt: the next message to `remote` on the current session
// (error::no_session if there is none; error::untrusted_identity if the
// session's identity is no longer the trusted one for `remote`, e.g. after
// replace_identity).
template <class Store>
  requires session_store<Store> && identity_key_store<Store>
result<session_state::encrypted> encrypt(Store& store, const address& remote, std::span<const std::uint8_t> plaintext) {
  auto record = store.load_session(remote);
  if (!record || !record->has_current()) return error::no_session;
  if (!store.is_trusted_identity(remote, detail::identity_u(record->current()->remote_identity())))
    return error::untrusted_identity;
  auto out = record->current()->encrypt(plaintext);
  if (!store.store_session(remote, std::move(*record))) return error::storage_failure;
  return out;
}

namespace detail {

template <protocol_store Store, random_source R>
result<std::vector<std::uint8_t>> decrypt_pre_key(Store& store, const address& remote,
                                                  std::span<const std::uint8_t> bytes, R& rng) {
  const auto m = parse_pre_key_signal_message(bytes);
  if (!m) return m.error();
  if (!store.is_trusted_identity(remote, m->identity_key)) return error::untrusted_identity;
  auto loaded = store.load_session(remote);
  session_record record = loaded ? std::move(*loaded) : session_record{};
  // A state already built from this base key: a duplicate (or a later
  // PreKey-wrapped message of the same session).
  if (auto* existing = record.find_base_key(m->base_key)) {
    auto pt = existing->decrypt(m->message, rng);
    if (!pt) return pt.error();
    record.promote(existing);  // the state that decrypted becomes current, as on the whisper path
    if (!store.store_session(remote, std::move(record))) return error::storage_failure;
    return pt;
  }
  const auto* spk = store.load_signed_pre_key(m->signed_pre_key_id);
  if (!spk) return error::invalid_key;
  const pre_key_record* opk = nullptr;
  if (m->pre_key_id) {
    opk = store.load_pre_key(*m->pre_key_id);
    if (!opk) return error::invalid_key;
  }
  auto state = session_state::initialize_bob(store.identity_key_pair(), spk->key, opk ? &opk->key : nullptr,
                                             m->identity_key, m->base_key);
  if (!state) return state.error();
  state->set_remote_registration_id(m->registration_id);
  auto pt = state->decrypt(m->message, rng);
  if (!pt) return pt.error();
  record.promote_new(std::move(*state));
  if (!store.save_identity(remote, m->identity_key)) return error::storage_failure;
  if (!store.store_session(remote, std::move(record))) return error::storage_failure;
  if (m->pre_key_id && !store.remove_pre_key(*m->pre_key_id)) return error::storage_failure;
  return pt;
}

}  // namespace detail

// decrypt: a message from `remote` of Signal type `type` (whisper or pre_key).
template <protocol_store Store, random_source R>
result<std::vector<std::uint8_t>> decrypt(Store& store, const address& remote, message_type type,
                                          std::span<const std::uint8_t> bytes, R& rng) {
  if (type == message_type::pre_key) return detail::decrypt_pre_key(store, remote, bytes, rng);
  if (type != message_type::whisper) return error::invalid_message;
  auto record = store.load_session(remote);
  if (!record) return error::no_session;
  auto pt = record->decrypt(bytes, rng);
  if (!pt) return pt.error();
  // The state that decrypted (now current) must belong to the identity
  // trusted now: a late message of a session whose identity was replaced is
  // refused, and nothing is stored.
  if (!store.is_trusted_identity(remote, detail::identity_u(record->current()->remote_identity()))) {
    secure_wipe(pt->data(), pt->size());
    return error::untrusted_identity;
  }
  if (!store.store_session(remote, std::move(*record))) return error::storage_failure;
  return pt;
}

}  // namespace protocol
E2EE_NAMESPACE_END
