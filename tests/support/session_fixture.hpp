// tests/support/session_fixture.hpp — two users with a Signal session
// between them, set up through the user API (protocol/session.hpp) on
// memory_store; shared by the session tests and bench/bench_protocol.cpp
// (which puts tests/ on its include path). No Catch2 here: set-up steps
// that cannot go on (key generation failed, the random source failed)
// throw test::setup_error, which Catch2 reports as a failure and the bench
// turns into SkipWithError; steps a test or bench checks return bool.
//
//   test::session_pair p(rng);        // Alice and Bob; Bob published a bundle
//   REQUIRE(p.establish(rng));         // both have sent and read: no PreKey wrapping any more
//   proto::encrypt(p.alice.store, p.bob.addr, ...);
//
// Any e2ee::random_source works: test::rng (seeded) in tests, os_random in
// the bench.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <e2ee/core/random.hpp>
#include <e2ee/protocol/session.hpp>

namespace test {

struct setup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// party: one user (device 1) with all its stores in memory.
struct party {
  e2ee::protocol::memory_store store;
  e2ee::protocol::address addr;
};

// make_party: a user named `name` with a fresh identity key.
template <e2ee::random_source R>
party make_party(R& rng, std::string name, std::uint32_t registration_id) {
  auto id = e2ee::protocol::key_pair::generate(rng);
  if (!id) throw setup_error("session fixture: identity key generation failed");
  return {e2ee::protocol::memory_store(std::move(*id), registration_id),
          e2ee::protocol::address{std::move(name), 1}};
}

// publish: a fresh signed prekey `spk_id` (time stamp 1000) and, with
// `opk_id`, a one-time prekey, stored in `to`'s store; returns the bundle
// a server would hand out for it.
template <e2ee::random_source R>
e2ee::protocol::pre_key_bundle publish(party& to, R& rng, std::uint32_t spk_id, std::optional<std::uint32_t> opk_id) {
  namespace proto = e2ee::protocol;
  auto spk = proto::make_signed_pre_key(to.store.identity_key_pair(), spk_id, 1000, rng);
  if (!spk) throw setup_error("session fixture: signed prekey generation failed");
  proto::pre_key_bundle b;
  b.registration_id = to.store.local_registration_id();
  b.signed_pre_key_id = spk_id;
  b.signed_pre_key = spk->key.public_key;
  b.signed_pre_key_signature = spk->signature;
  b.identity_key = to.store.identity_key_pair().public_key;
  to.store.store_signed_pre_key(std::move(*spk));
  if (opk_id) {
    auto k = proto::key_pair::generate(rng);
    if (!k) throw setup_error("session fixture: one-time prekey generation failed");
    b.pre_key_id = *opk_id;
    b.pre_key = k->public_key;
    to.store.store_pre_key({*opk_id, std::move(*k)});
  }
  return b;
}

// record_bytes: the serialized session record `s` holds for `a` (empty if
// none): what the fault tests compare before and after a failed call.
inline std::vector<std::uint8_t> record_bytes(const e2ee::protocol::memory_store& s,
                                              const e2ee::protocol::address& a) {
  const auto r = s.load_session(a);
  return r ? r->serialize() : std::vector<std::uint8_t>{};
}

// copying_store: a memory_store seen without the in-place capability
// (session_store_in_place), so the API takes its load_session /
// store_session path: a deep copy of the record per call.
class copying_store {
 public:
  explicit copying_store(e2ee::protocol::memory_store& s) noexcept : s_(s) {}
  const e2ee::protocol::key_pair& identity_key_pair() const noexcept { return s_.identity_key_pair(); }
  std::uint32_t local_registration_id() const noexcept { return s_.local_registration_id(); }
  bool is_trusted_identity(const e2ee::protocol::address& a, std::span<const std::uint8_t, 32> k) const {
    return s_.is_trusted_identity(a, k);
  }
  bool save_identity(const e2ee::protocol::address& a, std::span<const std::uint8_t, 32> k) {
    return s_.save_identity(a, k);
  }
  const e2ee::protocol::pre_key_record* load_pre_key(std::uint32_t id) const { return s_.load_pre_key(id); }
  bool remove_pre_key(std::uint32_t id) { return s_.remove_pre_key(id); }
  const e2ee::protocol::signed_pre_key_record* load_signed_pre_key(std::uint32_t id) const {
    return s_.load_signed_pre_key(id);
  }
  std::optional<e2ee::protocol::session_record> load_session(const e2ee::protocol::address& a) const {
    return s_.load_session(a);
  }
  bool store_session(const e2ee::protocol::address& a, e2ee::protocol::session_record r) {
    return s_.store_session(a, std::move(r));
  }

 private:
  e2ee::protocol::memory_store& s_;
};
static_assert(e2ee::protocol::protocol_store<copying_store> &&
              !e2ee::protocol::session_store_in_place<copying_store>);

// send: `from` encrypts `msg` to `to` and `to` decrypts it (through the
// stores `from_store` / `to_store`, e.g. copying_store views of theirs);
// true if `to` reads exactly `msg`.
template <class FromStore, class ToStore, e2ee::random_source R>
bool send(FromStore& from_store, const party& from, ToStore& to_store, const party& to,
          std::span<const std::uint8_t> msg, R& rng, const e2ee::protocol::session_options& o = {}) {
  auto e = e2ee::protocol::encrypt(from_store, to.addr, msg, o);
  if (!e) return false;
  auto d = e2ee::protocol::decrypt(to_store, from.addr, e->type, e->bytes, rng, o);
  return d && std::equal(d->begin(), d->end(), msg.begin(), msg.end());
}
template <e2ee::random_source R>
bool send(party& from, party& to, std::span<const std::uint8_t> msg, R& rng,
          const e2ee::protocol::session_options& o = {}) {
  return send(from.store, from, to.store, to, msg, rng, o);
}

// session_pair: Alice ("alice", device 1) and Bob ("bob", device 1), and
// the bundle Bob published (signed prekey `spk_id`, one-time prekey
// `opk_id` if given). Bob's prekeys are kept, so reset() can give both
// fresh stores with the same keys (the bench sets the session up again
// and again).
class session_pair {
 public:
  template <e2ee::random_source R>
  explicit session_pair(R& rng, std::uint32_t spk_id = 7, std::optional<std::uint32_t> opk_id = 31,
                        std::uint32_t alice_registration_id = 1, std::uint32_t bob_registration_id = 2)
      : alice(make_party(rng, "alice", alice_registration_id)),
        bob(make_party(rng, "bob", bob_registration_id)),
        bundle(publish(bob, rng, spk_id, opk_id)) {
    keep_pre_keys();
  }

  party alice, bob;
  e2ee::protocol::pre_key_bundle bundle;

  // republish: Bob publishes new prekeys (the next start() uses them).
  template <e2ee::random_source R>
  void republish(R& rng, std::uint32_t spk_id, std::optional<std::uint32_t> opk_id) {
    bundle = publish(bob, rng, spk_id, opk_id);
    keep_pre_keys();
  }

  // reset: both users as the constructor left them (no sessions, Bob's
  // prekeys of the bundle in place), same identities.
  void reset() {
    namespace proto = e2ee::protocol;
    alice.store = proto::memory_store(alice.store.identity_key_pair().clone(), alice.store.local_registration_id());
    bob.store = proto::memory_store(bob.store.identity_key_pair().clone(), bob.store.local_registration_id());
    bob.store.store_signed_pre_key(
        {signed_pre_key_->id, signed_pre_key_->key.clone(), signed_pre_key_->signature, signed_pre_key_->timestamp});
    if (pre_key_) bob.store.store_pre_key({pre_key_->id, pre_key_->key.clone()});
  }

  // Bob's prekeys of the bundle (private keys; for state-level set-ups).
  const e2ee::protocol::signed_pre_key_record& signed_pre_key() const noexcept { return *signed_pre_key_; }
  const e2ee::protocol::pre_key_record* pre_key() const noexcept { return pre_key_ ? &*pre_key_ : nullptr; }

  // start: Alice processes the bundle (options `o`: the suite), sends
  // `first` (a PreKey message) and Bob reads it.
  template <e2ee::random_source R>
  bool start(std::span<const std::uint8_t> first, R& rng, const e2ee::protocol::session_options& o = {}) {
    return e2ee::protocol::process_pre_key_bundle(alice.store, bob.addr, bundle, rng, o) &&
           send(alice, bob, first, rng);
  }

  // establish: start, Bob answers and Alice reads it, and Alice's next
  // message (no longer PreKey-wrapped) reaches Bob: an established session.
  template <e2ee::random_source R>
  bool establish(R& rng, const e2ee::protocol::session_options& o = {}) {
    const std::array<std::uint8_t, 1> hello{1};
    if (!start(hello, rng, o) || !send(bob, alice, hello, rng)) return false;
    auto e = e2ee::protocol::encrypt(alice.store, bob.addr, hello);
    return e && e->type == e2ee::protocol::message_type::whisper &&
           e2ee::protocol::decrypt(bob.store, alice.addr, e->type, e->bytes, rng).has_value();
  }

 private:
  void keep_pre_keys() {
    const auto* spk = bob.store.load_signed_pre_key(bundle.signed_pre_key_id);
    signed_pre_key_.emplace(e2ee::protocol::signed_pre_key_record{spk->id, spk->key.clone(), spk->signature,
                                                                  spk->timestamp});
    pre_key_.reset();
    if (bundle.pre_key_id) {
      const auto* opk = bob.store.load_pre_key(*bundle.pre_key_id);
      pre_key_.emplace(e2ee::protocol::pre_key_record{opk->id, opk->key.clone()});
    }
  }

  std::optional<e2ee::protocol::signed_pre_key_record> signed_pre_key_;
  std::optional<e2ee::protocol::pre_key_record> pre_key_;
};

}  // namespace test
