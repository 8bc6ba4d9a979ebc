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
// needs and changes the stored session only on success: a failed encrypt or
// decrypt leaves every store as it was. A session store may lend its record
// for the call (session_store_in_place, as memory_store does): encrypt and
// decrypt then work on it in place, with no copy of the record, and
// encrypt's only allocation is the output.
//
// Both suites run through the same calls: session_options::suite picks the
// suite of a session process_pre_key_bundle starts (signal_v3 by default,
// or modern, optionally with header encryption); encrypt and decrypt follow
// the record's suite. A record holds sessions of one suite only, and each
// suite's messages and records are refused by the other. Time is an
// argument too (session_options::now): with it, encrypt refuses a session
// unanswered for max_unacknowledged_session_age and cached skipped keys
// expire after max_skipped_key_age; nothing here reads a clock.
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

#include <algorithm>
#include <array>
#include "../detail/chrono.hpp"  // std::chrono (not all of <chrono>)
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
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

// basic_session_record<Suite>: one suite's sessions with a remote party:
// the current state and the archived ones, most recent first.
template <class Suite>
class basic_session_record {
 public:
  using state = basic_session_state<Suite>;

  basic_session_record() = default;
  basic_session_record(basic_session_record&&) noexcept = default;
  basic_session_record& operator=(basic_session_record&&) noexcept = default;

  basic_session_record clone() const {
    basic_session_record r;
    if (current_) r.current_.emplace(current_->clone());
    r.previous_.reserve(previous_.size());
    for (const auto& s : previous_) r.previous_.push_back(s.clone());
    return r;
  }

  // from_states: a record of these states (the archived ones most recent
  // first, at most max_archived_states: more are dropped, oldest first).
  static basic_session_record from_states(std::optional<state> current, std::vector<state> previous) {
    basic_session_record r;
    r.current_ = std::move(current);
    if (previous.size() > max_archived_states)
      previous.erase(previous.begin() + static_cast<std::ptrdiff_t>(max_archived_states), previous.end());
    r.previous_ = std::move(previous);
    return r;
  }

  bool has_current() const noexcept { return current_.has_value(); }
  state* current() noexcept { return current_ ? &*current_ : nullptr; }
  const state* current() const noexcept { return current_ ? &*current_ : nullptr; }
  std::size_t archived_count() const noexcept { return previous_.size(); }

  // promote_new: `s` becomes current; the old current is archived (the
  // oldest archived state is dropped beyond max_archived_states).
  void promote_new(state s) {
    if (current_) {
      previous_.insert(previous_.begin(), std::move(*current_));
      if (previous_.size() > max_archived_states) previous_.pop_back();
    }
    current_.emplace(std::move(s));
  }

  // promote: makes archived state `s` (a pointer from find_base_key) current,
  // archiving the current one; nothing for the current state or a pointer
  // that is not in this record.
  void promote(const state* s) {
    for (auto it = previous_.begin(); it != previous_.end(); ++it)
      if (&*it == s) return promote_archived(it);
  }

  // find_base_key: the state (current or archived) set up by the PreKey
  // message with this base key, or nullptr.
  state* find_base_key(const std::array<std::uint8_t, 32>& base) noexcept {
    if (current_ && current_->alice_base_key() == base) return &*current_;
    for (auto& s : previous_)
      if (s.alice_base_key() == base) return &s;
    return nullptr;
  }

  // decrypt: tries the current state, then the archived ones; the state that
  // decrypts becomes current. The error reported is the current state's (or
  // no_session if there is none), except that when the current state only
  // says invalid_mac (the message is not its), the first archived state's
  // other error is reported: a replayed message of an archived session is
  // duplicate_message, as in libsignal. `now` as in
  // basic_session_state::decrypt.
  template <random_source R>
  result<std::vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> message, R& rng) {
    return decrypt_with([&](state& s) { return s.decrypt(message, rng); });
  }
  template <random_source R>
  result<std::vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> message, R& rng,
                                            std::chrono::sys_seconds now) {
    return decrypt_with([&](state& s) { return s.decrypt(message, rng, now); });
  }

  // decrypt_with: decrypt as above with try_state(state&) ->
  // result<std::vector<std::uint8_t>> trying one state (which it must leave
  // unchanged on error), e.g. basic_session_state::decrypt_checked.
  template <class F>
  result<std::vector<std::uint8_t>> decrypt_with(F&& try_state) {
    if (!current_) return error::no_session;
    auto r = try_state(*current_);
    if (r) return r;
    error reported = r.error();
    for (auto it = previous_.begin(); it != previous_.end(); ++it) {
      auto p = try_state(*it);
      if (!p) {
        if (reported == error::invalid_mac) reported = p.error();
        continue;
      }
      promote_archived(it);
      return p;
    }
    return reported;
  }

  // serialize / deserialize: Suite::session_record_magic ("e2sr" for
  // signal_v3, "e2mr" for modern) || format (1) || current flag || archived
  // count || states as length-prefixed state records. Holds private keys:
  // store it sealed. deserialize rejects anything malformed (another
  // suite's record included) and never half-loads.
  std::vector<std::uint8_t> serialize() const {
    const auto& m = Suite::session_record_magic;
    std::vector<std::uint8_t> out{m[0], m[1], m[2], m[3], 1, static_cast<std::uint8_t>(current_ ? 1 : 0),
                                  static_cast<std::uint8_t>(previous_.size())};
    const auto put = [&](const state& s) {
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

  static result<basic_session_record> deserialize(std::span<const std::uint8_t> in) {
    const auto& m = Suite::session_record_magic;
    if (in.size() < 7 || !std::equal(m.begin(), m.end(), in.begin())) return error::invalid_message;
    if (in[4] != 1) return error::invalid_version;
    if (in[5] > 1 || in[6] > max_archived_states) return error::invalid_message;
    basic_session_record r;
    std::size_t pos = 7;
    const std::size_t states = std::size_t{in[5]} + in[6];
    for (std::size_t i = 0; i < states; ++i) {
      if (in.size() - pos < 4) return error::invalid_message;
      const std::size_t n = load_le32(in.data() + pos);
      pos += 4;
      if (n > in.size() - pos) return error::invalid_message;
      auto s = state::deserialize(in.subspan(pos, n));
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
  // promote_archived: the one move-to-front of an archived state.
  void promote_archived(typename std::vector<state>::iterator it) {
    state promoted = std::move(*it);
    previous_.erase(it);
    promote_new(std::move(promoted));
  }

  std::optional<state> current_{};
  std::vector<state> previous_{};  // most recent first
};

// session_suite: which suite a session_record holds.
enum class session_suite : std::uint8_t { signal_v3, modern };

// deferred: the default template argument of the class templates behind
// public names such as sender_key_state and sealed_storage (which are
// templates only so that including their headers compiles none of their
// members). A type of this namespace, so that argument-dependent lookup on
// those types still searches e2ee::protocol.
struct deferred {};

namespace detail {

// session_record: what a session store keeps for one remote address: the
// sessions of one suite (a basic_session_record of signal_v3 or of
// modern). A default-constructed record is an empty signal_v3 record. The
// two suites never mix: starting a session of the other suite replaces the
// record, and each suite's messages are only tried on its own states.
// (A class template used only as protocol::session_record below, so that
// including this header instantiates none of its members: only a program
// that calls them pays for compiling them.)
template <class V3 = signal_v3, class Modern = modern>
class session_record {
 public:
  session_record() = default;
  session_record(basic_session_record<V3> r) noexcept : r_(std::move(r)) {}
  session_record(basic_session_record<Modern> r) noexcept : r_(std::move(r)) {}
  session_record(session_record&&) noexcept = default;
  session_record& operator=(session_record&&) noexcept = default;

  session_record clone() const {
    return std::visit([](const auto& r) { return session_record(r.clone()); }, r_);
  }

  session_suite suite() const noexcept { return r_.index() == 0 ? session_suite::signal_v3 : session_suite::modern; }
  // get<Suite>: the record as that suite's, or nullptr if it holds the other.
  template <class Suite>
  basic_session_record<Suite>* get() noexcept {
    return std::get_if<basic_session_record<Suite>>(&r_);
  }
  template <class Suite>
  const basic_session_record<Suite>* get() const noexcept {
    return std::get_if<basic_session_record<Suite>>(&r_);
  }
  // visit: f(basic_session_record<Suite>&) for the suite held.
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), r_);
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), r_);
  }

  bool has_current() const noexcept {
    return std::visit([](const auto& r) { return r.has_current(); }, r_);
  }
  std::size_t archived_count() const noexcept {
    return std::visit([](const auto& r) { return r.archived_count(); }, r_);
  }
  // current: the signal_v3 current state (nullptr if none, or for a modern
  // record: use get<modern>()->current() there).
  typename basic_session_record<V3>::state* current() noexcept {
    auto* r = this->template get<V3>();
    return r ? r->current() : nullptr;
  }
  const typename basic_session_record<V3>::state* current() const noexcept {
    const auto* r = this->template get<V3>();
    return r ? r->current() : nullptr;
  }

  // serialize: the held record's bytes ("e2sr..." or "e2mr...").
  std::vector<std::uint8_t> serialize() const {
    return std::visit([](const auto& r) { return r.serialize(); }, r_);
  }
  // deserialize: either suite's record, told apart by its magic.
  static result<session_record> deserialize(std::span<const std::uint8_t> in) {
    const auto& m = Modern::session_record_magic;
    if (in.size() >= 4 && std::equal(m.begin(), m.end(), in.begin())) {
      auto r = basic_session_record<Modern>::deserialize(in);
      if (!r) return r.error();
      return session_record(std::move(*r));
    }
    auto r = basic_session_record<V3>::deserialize(in);
    if (!r) return r.error();
    return session_record(std::move(*r));
  }

 private:
  std::variant<basic_session_record<V3>, basic_session_record<Modern>> r_{};
};

}  // namespace detail

using session_record = detail::session_record<>;

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

// session_store_in_place: an optional capability of a session store: it
// lends its stored record for the length of one call, so encrypt and
// decrypt work on it where it is instead of on a deep copy (load_session)
// that is written back (store_session). s.with_session(a, f) calls
// f(session_record*) exactly once: the record stored for `a`, or nullptr if
// there is none. f may change the record in place and returns true if it
// did; it returns false only when the record is exactly as it was. The
// store persists a changed record before with_session returns, and returns
// false only if that failed (the call then reports storage_failure). The
// API changes a lent record only in steps that cannot fail after the
// message was produced or authenticated, so a failed encrypt or decrypt
// leaves it byte-identical. Stores without the capability work through
// load_session / store_session.
template <class S>
concept session_store_in_place = session_store<S> && requires(S& s, const address& a, bool (*f)(session_record*)) {
  { s.with_session(a, f) } -> std::convertible_to<bool>;
};

namespace detail {

// stored_records: the records of one kind held in memory by their key, as
// memory_store holds sessions and memory_sender_key_store sender keys:
// load copies one out, store moves one in, and lend calls f(Record*) on
// the stored record itself (nullptr if there is none) for the in-place
// capability. A lent record is changed where it is stored, so there is
// nothing to persist: lend always returns true.
template <class Key, class Record>
class stored_records {
 public:
  std::optional<Record> load(const Key& k) const {
    const auto it = records_.find(k);
    if (it == records_.end()) return std::nullopt;
    return it->second.clone();
  }
  bool store(const Key& k, Record r) {
    records_.insert_or_assign(k, std::move(r));
    return true;
  }
  template <class F>
  bool lend(const Key& k, F&& f) {
    const auto it = records_.find(k);
    (void)std::forward<F>(f)(it == records_.end() ? nullptr : &it->second);
    return true;
  }

 private:
  std::map<Key, Record> records_;
};

// with_stored_record: f(Record*) on one record of `store` (nullptr if
// none), for any kind of record: with InPlace (the store lends its
// records) through lend(store, f), else on the copy load(store) returns,
// which save(store, std::move(copy)) writes back only if f returns true (f
// changed it). Returns false only if the store failed to persist.
// with_stored_session and with_stored_sender_key bind the three operations
// to the store's calls for their kind (generic lambdas: the store is their
// parameter, so lend is not instantiated for a store without it).
template <bool InPlace, class Store, class Lend, class Load, class Save, class F>
bool with_stored_record(Store& store, Lend&& lend, Load&& load, Save&& save, F&& f) {
  if constexpr (InPlace) {
    return lend(store, std::forward<F>(f));
  } else {
    auto loaded = load(store);
    auto* record = loaded ? &*loaded : nullptr;
    if (!f(record) || !record) return true;
    return save(store, std::move(*loaded));
  }
}

}  // namespace detail

namespace detail {

// memory_store: every store in memory; for tests, demos and as a model.
// (A class template used only as protocol::memory_store below, for the
// reason given at session_record.)
template <class Record = protocol::session_record>
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

  std::optional<Record> load_session(const address& a) const { return sessions_.load(a); }
  bool store_session(const address& a, Record r) { return sessions_.store(a, std::move(r)); }
  // with_session: session_store_in_place; the record is changed where it
  // is stored, so there is nothing to persist (always true).
  template <class F>
  bool with_session(const address& a, F&& f) { return sessions_.lend(a, std::forward<F>(f)); }

 private:
  key_pair identity_;
  std::uint32_t registration_id_;
  std::map<address, std::array<std::uint8_t, 32>> identities_;
  std::map<std::uint32_t, pre_key_record> pre_keys_;
  std::map<std::uint32_t, signed_pre_key_record> signed_pre_keys_;
  stored_records<address, Record> sessions_;
};

}  // namespace detail

using memory_store = detail::memory_store<>;
static_assert(protocol_store<memory_store> && session_store_in_place<memory_store>);

// ---- the user API -----------------------------------------------------------------

// session_options: the optional parts of a call.
// - suite, header_encryption: the suite of the session process_pre_key_bundle
//   starts (header_encryption needs modern: else error::invalid_argument).
//   The other calls follow the record's suite and ignore them.
// - now: the current time. With it, a new session is stamped, encrypt
//   refuses (error::no_session, as Signal's "session not found") a session
//   still unanswered after max_unacknowledged_session_age, and decrypt
//   stamps the skipped keys it caches and drops those older than
//   max_skipped_key_age. Without it nothing is stamped and nothing expires:
//   apps pass their clock; tests pass the time they want.
struct session_options {
  session_suite suite = session_suite::signal_v3;
  bool header_encryption = false;
  std::optional<std::chrono::sys_seconds> now{};
};

namespace detail {

inline std::span<const std::uint8_t, 32> identity_u(const serialized_public_key& k) noexcept {
  return std::span<const std::uint8_t, 32>(k.data() + 1, 32);
}

inline std::uint64_t stamp(const session_options& o) noexcept { return o.now ? unix_seconds(*o.now) : 0; }

// trusted: the one identity check on an existing session: the state's
// remote identity must be the one trusted now for `remote` (it changes with
// replace_identity).
template <class Store, class Suite>
bool trusted(Store& store, const address& remote, const basic_session_state<Suite>& s) {
  return store.is_trusted_identity(remote, identity_u(s.remote_identity()));
}

// with_stored_session: with_stored_record on the session stored for
// `remote`: in place if the store lends it (session_store_in_place), else
// through load_session / store_session. false: storage failure.
template <session_store Store, class F>
bool with_stored_session(Store& store, const address& remote, F&& f) {
  return with_stored_record<session_store_in_place<Store>>(
      store, [&](auto& s, auto&& g) { return s.with_session(remote, std::forward<decltype(g)>(g)); },
      [&](auto& s) { return s.load_session(remote); },
      [&](auto& s, protocol::session_record&& r) { return s.store_session(remote, std::move(r)); }, std::forward<F>(f));
}

// place_new: `s` becomes the current state of the record stored for
// `remote` (archiving its current one; a record of the other suite is
// replaced), or of a new record.
template <class Suite, session_store Store>
bool place_new(Store& store, const address& remote, basic_session_state<Suite>&& s) {
  bool placed = false;
  const bool ok = with_stored_session(store, remote, [&](protocol::session_record* record) {
    if (!record) return false;
    if (auto* same = record->template get<Suite>()) {
      same->promote_new(std::move(s));
    } else {
      basic_session_record<Suite> fresh;
      fresh.promote_new(std::move(s));
      *record = protocol::session_record(std::move(fresh));
    }
    placed = true;
    return true;
  });
  if (!ok) return false;
  if (placed) return true;
  basic_session_record<Suite> fresh;
  fresh.promote_new(std::move(s));
  return store.store_session(remote, protocol::session_record(std::move(fresh)));
}

template <class Suite, protocol_store Store, random_source R>
result<void> start_session(Store& store, const address& remote, const pre_key_bundle& bundle, R& rng,
                           const session_options& opts) {
  auto base = key_pair::generate(rng);
  if (!base) return base.error();
  std::optional<std::span<const std::uint8_t, 32>> opk;
  if (bundle.pre_key) opk = std::span<const std::uint8_t, 32>(*bundle.pre_key);
  auto state = basic_session_state<Suite>::initialize_alice(store.identity_key_pair(), *base, bundle.identity_key,
                                                            bundle.signed_pre_key, opk, rng,
                                                            ratchet_options{opts.header_encryption});
  if (!state) return state.error();
  state->set_pending_pre_key({bundle.pre_key_id, bundle.signed_pre_key_id, base->public_key, stamp(opts)},
                             store.local_registration_id());
  state->set_remote_registration_id(bundle.registration_id);
  if (!store.save_identity(remote, bundle.identity_key)) return error::storage_failure;
  if (!place_new(store, remote, std::move(*state))) return error::storage_failure;
  return {};
}

}  // namespace detail

// process_pre_key_bundle: Alice starts a session with `remote` from its
// bundle, of the suite opts.suite. Checks the signed prekey's XEdDSA
// signature (error::invalid_signature) and the identity
// (error::untrusted_identity), runs X3DH and stores the new session as
// current (archiving an old one of the same suite; a record of the other
// suite is replaced).
template <protocol_store Store, random_source R>
result<void> process_pre_key_bundle(Store& store, const address& remote, const pre_key_bundle& bundle, R& rng,
                                    const session_options& opts = {}) {
  const auto spk = serialize_public_key(bundle.signed_pre_key);
  if (!xeddsa::verify(bundle.identity_key, spk, bundle.signed_pre_key_signature)) return error::invalid_signature;
  if (!store.is_trusted_identity(remote, bundle.identity_key)) return error::untrusted_identity;
  if (bundle.pre_key.has_value() != bundle.pre_key_id.has_value()) return error::invalid_argument;
  if (opts.suite == session_suite::modern) return detail::start_session<modern>(store, remote, bundle, rng, opts);
  if (opts.header_encryption) return error::invalid_argument;
  return detail::start_session<signal_v3>(store, remote, bundle, rng, opts);
}

// encrypt: the next message to `remote` on the current session, in its
// suite: a PreKey message until the peer has answered, then a whisper
// message. error::no_session if there is none (or, with opts.now, if it is
// unanswered for longer than max_unacknowledged_session_age);
// error::untrusted_identity if the session's identity is no longer the
// trusted one for `remote` (e.g. after replace_identity).
template <class Store>
  requires session_store<Store> && identity_key_store<Store>
result<encrypted_message> encrypt(Store& store, const address& remote, std::span<const std::uint8_t> plaintext,
                                  const session_options& opts = {}) {
  result<encrypted_message> out = error::no_session;
  const bool stored = detail::with_stored_session(store, remote, [&](session_record* record) {
    if (!record) return false;
    out = record->visit([&](auto& r) -> result<encrypted_message> {
      auto* s = r.current();
      if (!s) return error::no_session;
      if (opts.now && s->unacknowledged_expired(*opts.now)) return error::no_session;
      if (!detail::trusted(store, remote, *s)) return error::untrusted_identity;
      auto m = s->encrypt(plaintext);  // the one step that may fail (std::bad_alloc): nothing changed before it
      if (opts.now) s->expire_skipped(*opts.now);
      return m;
    });
    return out.has_value();
  });
  if (!stored) return error::storage_failure;
  return out;
}

namespace detail {

template <class Suite, protocol_store Store, random_source R>
result<std::vector<std::uint8_t>> decrypt_pre_key(Store& store, const address& remote,
                                                  std::span<const std::uint8_t> bytes, R& rng,
                                                  const session_options& opts) {
  const auto m = Suite::parse_pre_key(bytes);
  if (!m) return m.error();
  if (!store.is_trusted_identity(remote, m->identity_key)) return error::untrusted_identity;
  const auto try_state = [&](basic_session_state<Suite>& s) {
    return opts.now ? s.decrypt(m->message, rng, *opts.now) : s.decrypt(m->message, rng);
  };
  // A state already built from this base key: a duplicate (or a later
  // PreKey-wrapped message of the same session), decrypted on it in place.
  std::optional<result<std::vector<std::uint8_t>>> on_existing;
  const bool stored = with_stored_session(store, remote, [&](protocol::session_record* loaded) {
    auto* record = loaded ? loaded->template get<Suite>() : nullptr;  // the other suite's: replaced on success
    auto* existing = record ? record->find_base_key(m->base_key) : nullptr;
    if (!existing) return false;
    on_existing.emplace(try_state(*existing));
    if (!*on_existing) return false;
    record->promote(existing);  // the state that decrypted becomes current, as on the whisper path
    return true;
  });
  if (on_existing) {
    if (!stored) {
      if (*on_existing) secure_wipe((*on_existing)->data(), (*on_existing)->size());
      return error::storage_failure;
    }
    return std::move(*on_existing);
  }
  const auto* spk = store.load_signed_pre_key(m->signed_pre_key_id);
  if (!spk) return error::invalid_key;
  const pre_key_record* opk = nullptr;
  if (m->pre_key_id) {
    opk = store.load_pre_key(*m->pre_key_id);
    if (!opk) return error::invalid_key;
  }
  auto state = basic_session_state<Suite>::initialize_bob(store.identity_key_pair(), spk->key,
                                                          opk ? &opk->key : nullptr, m->identity_key, m->base_key,
                                                          ratchet_options{m->header_encryption});
  if (!state) return state.error();
  state->set_remote_registration_id(m->registration_id);
  auto pt = try_state(*state);
  if (!pt) return pt.error();
  if (!store.save_identity(remote, m->identity_key) || !place_new(store, remote, std::move(*state)) ||
      (m->pre_key_id && !store.remove_pre_key(*m->pre_key_id))) {
    secure_wipe(pt->data(), pt->size());
    return error::storage_failure;
  }
  return pt;
}

}  // namespace detail

// decrypt: a message from `remote` of Signal type `type` (whisper or
// pre_key), of either suite: a PreKey message is a modern one if its first
// byte is 0xE3 (modern_pre_key_version), else Signal's; a whisper message is
// tried on the record's own suite only (the other suite's format never
// parses there).
template <protocol_store Store, random_source R>
result<std::vector<std::uint8_t>> decrypt(Store& store, const address& remote, message_type type,
                                          std::span<const std::uint8_t> bytes, R& rng,
                                          const session_options& opts = {}) {
  const bool modern_pre_key = !bytes.empty() && bytes[0] == modern_pre_key_version;
  if (type == message_type::pre_key) {
    if (modern_pre_key) return detail::decrypt_pre_key<modern>(store, remote, bytes, rng, opts);
    return detail::decrypt_pre_key<signal_v3>(store, remote, bytes, rng, opts);
  }
  if (type != message_type::whisper) return error::invalid_message;
  result<std::vector<std::uint8_t>> pt = error::no_session;
  const bool stored = detail::with_stored_session(store, remote, [&](session_record* record) {
    if (!record) return false;
    if (modern_pre_key) {  // a PreKey message sent as a whisper one
      pt = error::invalid_message;
      return false;
    }
    pt = record->visit([&](auto& r) {
      using state = typename std::remove_reference_t<decltype(r)>::state;
      // The state that decrypts must belong to the identity trusted now: a
      // late message of a session whose identity was replaced is refused
      // before anything is committed.
      const auto accept = [&](const state& s) -> result<void> {
        if (!detail::trusted(store, remote, s)) return error::untrusted_identity;
        return {};
      };
      return r.decrypt_with([&](state& s) { return s.decrypt_checked(bytes, rng, opts.now, accept); });
    });
    return pt.has_value();
  });
  if (!stored) {
    if (pt) secure_wipe(pt->data(), pt->size());
    return error::storage_failure;
  }
  return pt;
}

}  // namespace protocol
E2EE_NAMESPACE_END
