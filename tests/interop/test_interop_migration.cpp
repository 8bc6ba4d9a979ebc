// Moving an app off libsignal-protocol-c without resetting its
// conversations (protocol/migration.hpp, import_libsignal_c_session_record):
// two libsignal-protocol-c parties talk (several DH ratchet steps, a session
// reset, messages held back in flight in both directions so that the
// receiver caches their keys), then one party's stored C session record is
// imported into e2ee (with its identity key and registration id) and the
// conversation continues between e2ee and the remaining C party, both ways:
// - the held-back messages of the current session decrypt on e2ee from the
//   keys cached before the move (and on C from its own);
// - a message decrypted on C before the move is a duplicate on e2ee, and the
//   stored record stays byte-identical;
// - new messages both ways, reordered and held back again, many DH steps;
// - the held-back messages of the session before the reset decrypt on the
//   archived state the import brought over;
// - a record moved while its PreKey message is unanswered: e2ee keeps
//   PreKey-wrapping with C's base key and prekey ids until C answers.
// Every party is run in both roles, with and without a one-time prekey.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <e2ee/core/error.hpp>
#include <e2ee/protocol/keys.hpp>
#include <e2ee/protocol/messages.hpp>
#include <e2ee/protocol/migration.hpp>
#include <e2ee/protocol/session.hpp>

#include "interop/signal_c.hpp"
#include "support/rng.hpp"

namespace {

namespace proto = e2ee::protocol;
using interop::byte_vector;
using interop::c_party;
using interop::wire_message;

// party: libsignal-protocol-c until move(), then e2ee's user API on a
// memory_store built from what the C app had: its identity key pair, its
// registration id, the peer's identity and the imported session record.
class party {
 public:
  party(std::uint64_t seed, std::string name, std::string remote)
      : name_(std::move(name)), c_(std::make_unique<c_party>(seed, remote)), rng_(seed ^ 0x6d6f7665u),
        remote_{std::move(remote), 1} {}

  const std::string& name() const { return name_; }
  c_party& c() { return *c_; }
  bool on_e2ee() const { return store_.has_value(); }

  // move: the app's C session record for the peer, imported.
  void move() {
    REQUIRE(c_);
    const byte_vector record = c_->session_bytes();
    REQUIRE(!record.empty());
    auto imported = proto::import_libsignal_c_session_record(record);
    INFO("import: " << (imported ? std::string("ok") : std::string(e2ee::to_string(imported.error()))));
    REQUIRE(imported.has_value());
    const byte_vector& priv = c_->identity_private();
    REQUIRE(priv.size() == 32);
    auto identity = proto::key_pair::from_private(std::span<const std::uint8_t, 32>(priv.data(), 32));
    const auto identity_public = proto::serialize_public_key(identity.public_key);
    REQUIRE(byte_vector(identity_public.begin(), identity_public.end()) == c_->identity_public());
    const proto::session_state* s = imported->current();
    REQUIRE(s != nullptr);
    CHECK(s->local_identity() == identity_public);
    store_.emplace(std::move(identity), c_->registration_id());
    const std::span<const std::uint8_t, 32> remote_identity(s->remote_identity().data() + 1, 32);
    REQUIRE(store_->save_identity(remote_, remote_identity));
    archived_after_move_ = imported->archived_count();
    REQUIRE(store_->store_session(remote_, std::move(*imported)));
    c_.reset();  // the C library is gone from here on
  }
  std::size_t archived_after_move() const { return archived_after_move_; }

  wire_message encrypt(std::span<const std::uint8_t> plaintext) {
    if (c_) return c_->encrypt(plaintext);
    auto e = proto::encrypt(*store_, remote_, plaintext);
    REQUIRE(e.has_value());
    return {static_cast<int>(e->type), std::move(e->bytes)};
  }

  // decrypt: 0 and the plaintext, or a nonzero code (negative SG_ERR_* from
  // C, a positive e2ee::error from e2ee).
  std::pair<int, byte_vector> decrypt(const wire_message& m) {
    if (c_) return c_->decrypt(m);
    auto r = proto::decrypt(*store_, remote_, static_cast<proto::message_type>(m.type), m.bytes, rng_);
    if (!r) return {static_cast<int>(r.error()), {}};
    return {0, std::move(*r)};
  }

  byte_vector stored() const {
    if (c_) return c_->session_bytes();
    const auto r = store_->load_session(remote_);
    return r ? r->serialize() : byte_vector{};
  }
  bool is_duplicate(int code) const {
    return c_ ? code == SG_ERR_DUPLICATE_MESSAGE : code == static_cast<int>(e2ee::error::duplicate_message);
  }

 private:
  std::string name_;
  std::unique_ptr<c_party> c_;
  test::rng rng_;
  proto::address remote_;
  std::optional<proto::memory_store> store_{};
  std::size_t archived_after_move_ = 0;
};

// A message on its way, with the plaintext it must decrypt to.
struct letter {
  party* to = nullptr;
  wire_message m;
  byte_vector plaintext;
};

class conversation {
 public:
  conversation(party& alice, party& bob, std::uint64_t seed) : alice_(alice), bob_(bob), rng_(seed) {}

  party& other(party& p) { return &p == &alice_ ? bob_ : alice_; }

  // round: `from` sends n messages; the receiver gets them in a shuffled
  // order. With `hold`, some of them (never the last: the receiver must see
  // the chain, and then caches the held ones' keys) are held back into
  // `late` instead of being delivered.
  void round(party& from, std::size_t n, bool hold, std::vector<letter>& late) {
    party& to = other(from);
    std::vector<letter> now;
    for (std::size_t i = 0; i < n; ++i) {
      byte_vector pt = rng_.bytes(rng_.range(0, 200));
      const std::string tag = from.name() + " #" + std::to_string(sent_++);
      pt.insert(pt.begin(), tag.begin(), tag.end());
      letter l{&to, from.encrypt(pt), std::move(pt)};
      if (hold && i + 1 < n && rng_.below(3) == 0) {
        late.push_back(std::move(l));
      } else {
        now.push_back(std::move(l));
      }
    }
    shuffle(now);
    for (auto& l : now) deliver(l);
  }

  void deliver(letter& l) {
    INFO("to " << l.to->name() << (l.to->on_e2ee() ? " (e2ee)" : " (libsignal-protocol-c)") << ", type "
               << l.m.type);
    const auto [rc, pt] = l.to->decrypt(l.m);
    REQUIRE(rc == 0);
    REQUIRE(pt == l.plaintext);
    ++delivered_;
    if (l.to->on_e2ee()) ++to_e2ee_;
    delivered_letters_.push_back(std::move(l));
  }
  void deliver_all(std::vector<letter>& late) {
    shuffle(late);
    for (auto& l : late) deliver(l);
    late.clear();
  }

  // replay: a letter already delivered, again: refused, nothing stored.
  // With `duplicate`, the error must be the duplicate-message one.
  void replay(const letter& l, bool duplicate) {
    const byte_vector before = l.to->stored();
    const auto [rc, pt] = l.to->decrypt(l.m);
    INFO("replay to " << l.to->name() << ": code " << rc << ", type " << l.m.type);
    CHECK(rc != 0);
    if (duplicate) CHECK(l.to->is_duplicate(rc));
    CHECK(l.to->stored() == before);
    ++replays_;
  }

  const std::vector<letter>& delivered_letters() const { return delivered_letters_; }
  std::size_t delivered() const { return delivered_; }
  std::size_t delivered_to_e2ee() const { return to_e2ee_; }
  std::size_t replays() const { return replays_; }

 private:
  void shuffle(std::vector<letter>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<std::size_t>(rng_.below(i))]);
  }

  party& alice_;
  party& bob_;
  test::rng rng_;
  std::size_t sent_ = 0, delivered_ = 0, to_e2ee_ = 0, replays_ = 0;
  std::vector<letter> delivered_letters_{};
};

void move_mid_conversation(bool move_alice, bool one_time_pre_key, std::uint64_t seed) {
  party alice(seed + 1, "alice", "bob"), bob(seed + 2, "bob", "alice");
  party& mover = move_alice ? alice : bob;
  party& stayer = move_alice ? bob : alice;
  conversation cv(alice, bob, seed + 3);
  test::rng pick(seed + 4);
  const auto some = [&] { return static_cast<std::size_t>(pick.range(2, 6)); };
  std::vector<letter> late_old, late_new;

  // Session 1, on C both sides: 6 rounds (DH steps), the last 3 hold some
  // messages back.
  REQUIRE(alice.c().process_bundle(bob.c().make_bundle(7, one_time_pre_key ? std::optional<std::uint32_t>(101)
                                                                            : std::nullopt)) == 0);
  for (int r = 0; r < 6; ++r) cv.round(r % 2 == 0 ? alice : bob, some(), r >= 3, late_old);

  // Session 2: Alice starts again from a new bundle (the old state is
  // archived on both sides once Bob has the PreKey message); 8 rounds, the
  // last 4 hold messages back (cached keys on the mover's receiving chains).
  REQUIRE(alice.c().process_bundle(bob.c().make_bundle(8, one_time_pre_key ? std::optional<std::uint32_t>(102)
                                                                            : std::nullopt)) == 0);
  for (int r = 0; r < 8; ++r) cv.round(r % 2 == 0 ? alice : bob, some(), r >= 4, late_new);
  REQUIRE(!late_new.empty());
  REQUIRE(!late_old.empty());

  mover.move();
  CHECK(mover.archived_after_move() == 1);

  // Messages the mover decrypted on C: duplicates on e2ee.
  std::size_t replayed = 0;
  for (auto it = cv.delivered_letters().rbegin(); it != cv.delivered_letters().rend() && replayed < 4; ++it) {
    if (it->to != &mover) continue;
    cv.replay(*it, true);
    ++replayed;
  }
  CHECK(replayed == 4);

  // The conversation goes on, e2ee <-> C; the held-back messages of the
  // current session arrive in between (on e2ee: from keys C cached).
  std::vector<letter> none;
  cv.round(mover, some(), false, none);
  std::vector<letter> first(late_new.begin(), late_new.begin() + static_cast<std::ptrdiff_t>(late_new.size() / 2));
  std::vector<letter> second(late_new.begin() + static_cast<std::ptrdiff_t>(late_new.size() / 2), late_new.end());
  cv.deliver_all(first);
  cv.round(stayer, some(), false, none);
  cv.deliver_all(second);
  const std::size_t before_tail = cv.delivered_to_e2ee();
  CHECK(before_tail > 0);

  // 24 more rounds both ways, holding back and delivering one round later.
  std::vector<letter> held, next;
  for (int r = 0; r < 24; ++r) {
    cv.round(r % 2 == 0 ? mover : stayer, some(), true, next);
    cv.deliver_all(held);
    held.swap(next);
  }
  cv.deliver_all(held);

  // The session before the reset: its held-back messages decrypt on the
  // archived state (brought over by the import on the mover's side).
  cv.deliver_all(late_old);

  // And replays after all that are still refused, with nothing stored. (The
  // error is not always duplicate_message on e2ee: a replay of a message of
  // the state that is archived again after the old one was promoted gets
  // the current state's error, invalid_mac; libsignal-protocol-c reports the
  // archived state's duplicate.)
  for (std::size_t i = cv.delivered_letters().size(); i-- > cv.delivered_letters().size() - 12;)
    cv.replay(cv.delivered_letters()[i], false);

  INFO("delivered " << cv.delivered() << ", to e2ee " << cv.delivered_to_e2ee() << ", replays " << cv.replays());
  CHECK(cv.delivered_to_e2ee() > 30);
}

}  // namespace

TEST_CASE("interop migration: a libsignal-protocol-c session record moves to e2ee mid-conversation",
          "[interop][migration]") {
  for (const bool move_alice : {true, false}) {
    for (const bool one_time : {true, false}) {
      INFO((move_alice ? "Alice" : "Bob") << " moves, " << (one_time ? "with" : "without") << " a one-time prekey");
      move_mid_conversation(move_alice, one_time, 0x1000 + (move_alice ? 0 : 0x100) + (one_time ? 0x10 : 0));
    }
  }
}

TEST_CASE("interop migration: a record moved before the PreKey message is answered keeps PreKey-wrapping",
          "[interop][migration]") {
  for (const bool one_time : {true, false}) {
    INFO((one_time ? "with" : "without") << " a one-time prekey");
    party alice(0x2001 + (one_time ? 1 : 0), "alice", "bob"), bob(0x2101, "bob", "alice");
    REQUIRE(alice.c().process_bundle(bob.c().make_bundle(9, one_time ? std::optional<std::uint32_t>(77)
                                                                      : std::nullopt)) == 0);
    const byte_vector first_pt{'h', 'i'};
    letter first{&bob, alice.encrypt(first_pt), first_pt};
    REQUIRE(first.m.type == CIPHERTEXT_PREKEY_TYPE);
    alice.move();

    // e2ee goes on wrapping: same base key, same prekey ids, as C would.
    const byte_vector second_pt{'a', 'g', 'a', 'i', 'n'};
    letter second{&bob, alice.encrypt(second_pt), second_pt};
    REQUIRE(second.m.type == CIPHERTEXT_PREKEY_TYPE);
    const auto p1 = proto::parse_pre_key_signal_message(first.m.bytes);
    const auto p2 = proto::parse_pre_key_signal_message(second.m.bytes);
    REQUIRE(p1.has_value());
    REQUIRE(p2.has_value());
    CHECK(p1->base_key == p2->base_key);
    CHECK(p1->pre_key_id == p2->pre_key_id);
    CHECK(p1->signed_pre_key_id == p2->signed_pre_key_id);
    CHECK(p1->registration_id == p2->registration_id);

    conversation cv(alice, bob, 0x2201);
    cv.deliver(second);  // out of order: the e2ee one first
    cv.deliver(first);
    std::vector<letter> none;
    cv.round(bob, 3, false, none);
    const byte_vector third_pt{'o', 'k'};
    letter third{&bob, alice.encrypt(third_pt), third_pt};
    CHECK(third.m.type == CIPHERTEXT_SIGNAL_TYPE);  // answered: no more wrapping
    cv.deliver(third);
    for (int r = 0; r < 6; ++r) cv.round(r % 2 == 0 ? alice : bob, 3, false, none);
    CHECK(bob.c().has_pre_key(77) == false);
  }
}

TEST_CASE("interop migration: C records that are not v3 sessions, or are malformed, are refused",
          "[interop][migration]") {
  party alice(0x3001, "alice", "bob"), bob(0x3002, "bob", "alice");
  REQUIRE(alice.c().process_bundle(bob.c().make_bundle(3, std::optional<std::uint32_t>(5))) == 0);
  conversation cv(alice, bob, 0x3003);
  std::vector<letter> late;
  for (int r = 0; r < 4; ++r) cv.round(r % 2 == 0 ? alice : bob, 4, true, late);
  const byte_vector record = alice.c().session_bytes();
  REQUIRE(proto::import_libsignal_c_session_record(record).has_value());
  // Every strict prefix is refused or, cut at a field boundary, is a
  // record with fewer fields; none crashes, none loads half a state.
  for (std::size_t n = 0; n < record.size(); ++n) {
    const auto r = proto::import_libsignal_c_session_record(std::span<const std::uint8_t>(record.data(), n));
    if (r.has_value() && r->has_current()) CHECK(r->current()->serialize().size() > 0);
  }
  test::rng g(0x3004);
  for (int i = 0; i < 2000; ++i) {
    byte_vector bad = record;
    bad[static_cast<std::size_t>(g.below(bad.size()))] ^= static_cast<std::uint8_t>(1 + g.below(255));
    (void)proto::import_libsignal_c_session_record(bad);
  }
}
