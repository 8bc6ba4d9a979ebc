// Live interoperability between e2ee's user API (protocol/session.hpp:
// memory_store, make_signed_pre_key, process_pre_key_bundle, encrypt,
// decrypt) and libsignal-protocol-c 2.3.x, whose crypto provider is itself
// built on e2ee (signal_c.hpp):
//   1. the provider: two C parties talk through it;
//   2. e2ee as Alice, C as Bob (C's keys, C's signature checked by e2ee);
//   3. C as Alice, e2ee as Bob (e2ee's keys, e2ee's signature checked by C);
//   4. a PreKey message delivered twice: a duplicate, the one-time prekey
//      used once;
//   5. C re-registers with a new identity: error::untrusted_identity, the
//      stored session unchanged, until the app calls replace_identity;
//   6. a session reset with messages of the old session still in flight
//      (archived states);
//   7. long conversations both ways: reordering within Signal's limits,
//      drops, replays, tampering, many DH ratchet steps, e2ee restarted from
//      its saved bytes now and then, with and without a one-time prekey;
//      every honest message decrypts exactly once, to the right plaintext,
//      on both implementations, and every rejected one leaves the
//      receiver's stored session record byte-identical;
//   8. safety numbers agree with C's fingerprint generator.
// Every random choice comes from seeded test::rng instances (reproducible).
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <e2ee/core/error.hpp>
#include <e2ee/ec/xeddsa.hpp>
#include <e2ee/protocol/double_ratchet.hpp>
#include <e2ee/protocol/fingerprint.hpp>
#include <e2ee/protocol/keys.hpp>
#include <e2ee/protocol/messages.hpp>
#include <e2ee/protocol/session.hpp>

#include "interop/signal_c.hpp"
#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

namespace proto = e2ee::protocol;
using interop::bundle_bytes;
using interop::byte_vector;
using interop::c_party;
using interop::wire_message;

// libsignal-protocol-c's limits (session_cipher.c, session_state.c).
constexpr std::uint32_t c_max_forward_jump = 2000;
constexpr std::size_t c_max_receiver_chains = 5;

byte_vector text(const std::string& s) { return byte_vector(s.begin(), s.end()); }

// Seeds differ between the runs with and without a one-time prekey.
std::uint64_t salt(bool one_time_pre_key) { return one_time_pre_key ? 1 : 0; }

std::array<std::uint8_t, 32> key32(const byte_vector& serialized) {
  const auto k = proto::parse_public_key(serialized);
  REQUIRE(k.has_value());
  return *k;
}

// ---------------------------------------------------------------------------
// One party of a conversation, whichever implementation runs it. decrypt
// returns 0 and the plaintext, or a nonzero code: a negative SG_ERR_* from
// libsignal-protocol-c, a positive e2ee::error from e2ee.
class endpoint {
 public:
  virtual ~endpoint() = default;
  virtual const char* name() const = 0;
  virtual bool can_send() const = 0;
  virtual wire_message encrypt(std::span<const std::uint8_t> plaintext) = 0;
  virtual std::pair<int, byte_vector> decrypt(const wire_message& m) = 0;
  virtual byte_vector stored_state() const = 0;
  virtual bool is_duplicate(int code) const = 0;
  // restart: save everything to bytes and load it back (e2ee only).
  virtual void restart() {}
};

class c_endpoint final : public endpoint {
 public:
  explicit c_endpoint(c_party& p) : p_(p) {}
  const char* name() const override { return "libsignal-protocol-c"; }
  bool can_send() const override { return p_.has_session(); }
  wire_message encrypt(std::span<const std::uint8_t> plaintext) override { return p_.encrypt(plaintext); }
  std::pair<int, byte_vector> decrypt(const wire_message& m) override { return p_.decrypt(m); }
  byte_vector stored_state() const override { return p_.session_bytes(); }
  bool is_duplicate(int code) const override { return code == SG_ERR_DUPLICATE_MESSAGE; }

 private:
  c_party& p_;
};

// e2ee through its public user API only (session.hpp): a memory_store holds
// the identity, registration id, signed prekeys (make_signed_pre_key) and
// one-time prekeys; process_pre_key_bundle starts a session as Alice,
// decrypt(store, address, type, ...) handles PreKey and whisper messages (as
// Bob, the first PreKey message creates the session), encrypt(store,
// address, ...) sends on the current session.
class e2ee_party final : public endpoint {
 public:
  e2ee_party(std::uint64_t seed, std::string remote_name)
      : rng_(seed), store_(new_store(rng_)), remote_{std::move(remote_name), 1} {}

  const char* name() const override { return "e2ee"; }
  proto::memory_store& store() { return store_; }
  const proto::address& remote() const { return remote_; }
  std::uint32_t registration_id() const { return store_.local_registration_id(); }
  const proto::key_pair& identity() const { return store_.identity_key_pair(); }

  // Bob: a signed prekey made with make_signed_pre_key (XEdDSA by the
  // identity key) and, if asked, a one-time prekey, both put in the store;
  // the bundle a server would hand out, as bytes for libsignal-protocol-c.
  bundle_bytes make_bundle(std::uint32_t signed_pre_key_id, std::optional<std::uint32_t> pre_key_id) {
    auto spk = proto::make_signed_pre_key(store_.identity_key_pair(), signed_pre_key_id, 1700000000000u, rng_);
    REQUIRE(spk.has_value());
    bundle_bytes b;
    b.registration_id = store_.local_registration_id();
    b.identity = test::bytes(proto::serialize_public_key(store_.identity_key_pair().public_key));
    b.signed_pre_key_id = spk->id;
    b.signed_pre_key = test::bytes(proto::serialize_public_key(spk->key.public_key));
    b.signed_pre_key_signature = test::bytes(spk->signature);
    store_.store_signed_pre_key(std::move(*spk));
    signed_pre_key_ids_.push_back(signed_pre_key_id);
    if (pre_key_id) {
      auto opk = proto::key_pair::generate(rng_);
      REQUIRE(opk.has_value());
      b.pre_key_id = pre_key_id;
      b.pre_key = test::bytes(proto::serialize_public_key(opk->public_key));
      store_.store_pre_key({*pre_key_id, std::move(*opk)});
      pre_key_ids_.push_back(*pre_key_id);
    }
    return b;
  }

  // Alice: process_pre_key_bundle on a bundle received as bytes.
  e2ee::result<void> start_as_alice(const bundle_bytes& b) {
    return proto::process_pre_key_bundle(store_, remote_, to_bundle(b), rng_);
  }

  static proto::pre_key_bundle to_bundle(const bundle_bytes& b) {
    proto::pre_key_bundle out;
    out.registration_id = b.registration_id;
    out.device_id = 1;
    out.identity_key = key32(b.identity);
    out.signed_pre_key_id = b.signed_pre_key_id;
    out.signed_pre_key = key32(b.signed_pre_key);
    REQUIRE(b.signed_pre_key_signature.size() == out.signed_pre_key_signature.size());
    std::copy(b.signed_pre_key_signature.begin(), b.signed_pre_key_signature.end(),
              out.signed_pre_key_signature.begin());
    if (b.pre_key_id) {
      out.pre_key_id = b.pre_key_id;
      out.pre_key = key32(b.pre_key);
    }
    return out;
  }

  std::optional<proto::session_record> session() const { return store_.load_session(remote_); }

  bool can_send() const override {
    const auto r = session();
    return r && r->has_current();
  }

  wire_message encrypt(std::span<const std::uint8_t> plaintext) override {
    auto e = proto::encrypt(store_, remote_, plaintext);
    REQUIRE(e.has_value());
    return {static_cast<int>(e->type), std::move(e->bytes)};
  }

  std::pair<int, byte_vector> decrypt(const wire_message& m) override {
    auto r = proto::decrypt(store_, remote_, static_cast<proto::message_type>(m.type), m.bytes, rng_);
    if (!r) return {static_cast<int>(r.error()), {}};
    return {0, std::move(*r)};
  }

  // The stored session record's bytes (empty if none): what a rejected
  // message must leave unchanged.
  byte_vector stored_state() const override {
    const auto r = session();
    return r ? r->serialize() : byte_vector{};
  }
  bool is_duplicate(int code) const override { return code == static_cast<int>(e2ee::error::duplicate_message); }

  // restart: the app saves everything to bytes and starts again: a new
  // memory_store from the identity's private key, the registration id, the
  // prekeys still held, the remote identity and the session record through
  // serialize / deserialize (which must give back the same bytes).
  void restart() override {
    proto::memory_store fresh(proto::key_pair::from_private(store_.identity_key_pair().private_key.expose()),
                              store_.local_registration_id());
    REQUIRE(fresh.identity_key_pair().public_key == store_.identity_key_pair().public_key);
    for (const auto id : signed_pre_key_ids_)
      if (const auto* s = store_.load_signed_pre_key(id))
        fresh.store_signed_pre_key({s->id, s->key.clone(), s->signature, s->timestamp});
    for (const auto id : pre_key_ids_)
      if (const auto* p = store_.load_pre_key(id)) fresh.store_pre_key({p->id, p->key.clone()});
    if (auto r = session()) {
      const auto bytes = r->serialize();
      auto back = proto::session_record::deserialize(bytes);
      REQUIRE(back.has_value());
      REQUIRE(back->serialize() == bytes);
      if (const auto* s = back->current()) {
        const std::span<const std::uint8_t, 32> id(s->remote_identity().data() + 1, 32);
        REQUIRE(store_.is_trusted_identity(remote_, id));
        REQUIRE(fresh.save_identity(remote_, id));
      }
      REQUIRE(fresh.store_session(remote_, std::move(*back)));
    }
    const auto before = stored_state();
    store_ = std::move(fresh);
    REQUIRE(stored_state() == before);
    ++restarts_;
  }
  int restarts() const { return restarts_; }

 private:
  static proto::memory_store new_store(test::rng& g) {
    auto id = proto::key_pair::generate(g);
    REQUIRE(id.has_value());
    const auto registration_id = static_cast<std::uint32_t>(1 + g.below(16380));
    return proto::memory_store(std::move(*id), registration_id);
  }

  test::rng rng_;
  proto::memory_store store_;
  proto::address remote_;
  std::vector<std::uint32_t> signed_pre_key_ids_{}, pre_key_ids_{};
  int restarts_ = 0;
};

// The ratchet key and counter of a message of either type, read with e2ee's
// parsers (which must accept everything libsignal-protocol-c writes).
struct header {
  std::array<std::uint8_t, 32> ratchet_key{};
  std::uint32_t counter = 0;
};
header header_of(const wire_message& m) {
  std::span<const std::uint8_t> inner = m.bytes;
  if (m.type == CIPHERTEXT_PREKEY_TYPE) {
    const auto p = proto::parse_pre_key_signal_message(m.bytes);
    INFO("PreKey message " << test::hex(m.bytes));
    REQUIRE(p.has_value());
    inner = p->message;
  } else {
    REQUIRE(m.type == CIPHERTEXT_SIGNAL_TYPE);
  }
  const auto s = proto::parse_signal_message(inner);
  INFO("SignalMessage " << test::hex(inner));
  REQUIRE(s.has_value());
  return {s->ratchet_key, s->counter};
}

// One message and its expected plaintext.
void exchange(endpoint& from, endpoint& to, const byte_vector& plaintext, int expected_type) {
  const auto m = from.encrypt(plaintext);
  CHECK(m.type == expected_type);
  const auto [code, pt] = to.decrypt(m);
  INFO(from.name() << " -> " << to.name() << ": " << test::hex(m.bytes));
  REQUIRE(code == 0);
  CHECK(test::hex(pt) == test::hex(plaintext));
}

// ---------------------------------------------------------------------------
// The conversation driver.

struct in_flight {
  wire_message msg;
  byte_vector plaintext;
  header h;
};

struct direction {
  endpoint* sender = nullptr;
  endpoint* receiver = nullptr;
  std::vector<in_flight> queue{};      // sent, not yet delivered or dropped
  std::vector<in_flight> delivered{};  // recent deliveries, for replays
  // The receiver's receiving chains, in the order it created them (it keeps
  // the newest c_max_receiver_chains), and the next counter on each.
  std::vector<std::array<std::uint8_t, 32>> chains{};
  std::map<std::array<std::uint8_t, 32>, std::uint32_t> next_counter{};
  int sent = 0, received = 0, dropped = 0, replays = 0, tampered = 0, whisper = 0, pre_key = 0;
  std::uint32_t max_jump = 0;
  std::size_t max_queue = 0;
  std::ptrdiff_t max_chain_age = 0;  // 1: the newest receiving chain, up to 5
  int bursts = 0;
  std::array<std::uint8_t, 32> sending_chain{};  // the sender's current ratchet key
  std::uint32_t sent_on_chain = 0;
};

class conversation {
 public:
  conversation(endpoint& alice, endpoint& bob, std::array<std::uint8_t, 32> bob_signed_pre_key, std::uint64_t seed)
      : g_(seed) {
    d_[0].sender = &alice;
    d_[0].receiver = &bob;
    d_[1].sender = &bob;
    d_[1].receiver = &alice;
    // Alice starts with a receiving chain for Bob's signed prekey.
    d_[1].chains.push_back(bob_signed_pre_key);
  }

  const direction& dir(int i) const { return d_[static_cast<std::size_t>(i)]; }
  int restarts() const { return restarts_; }

  void run(int min_each_way) {
    int steps = 0;
    while (d_[0].received < min_each_way || d_[1].received < min_each_way) {
      REQUIRE(++steps < 100000);
      // At least one burst each way, however the dice fall.
      if (steps % 1000 == 0)
        for (std::size_t i = 0; i < 2; ++i)
          if (d_[i].bursts == 0 && d_[i].sender->can_send()) burst(i);
      const auto r = g_.below(100);
      if (r < 41) {
        send();
      } else if (r < 42) {
        if (g_.below(8) == 0) burst(d_[1].sender->can_send() ? static_cast<std::size_t>(g_.below(2)) : 0);
      } else if (r < 85) {
        deliver_random(false);
      } else if (r < 88) {
        drop();
      } else if (r < 92) {
        replay();
      } else if (r < 96) {
        tamper();
      } else if (r == 99 && g_.below(6) == 0) {
        // The apps restart from their saved bytes, messages still in flight.
        d_[0].sender->restart();
        d_[1].sender->restart();
        ++restarts_;
      } else {
        deliver_random(true);
      }
      for (auto& d : d_) d.max_queue = std::max(d.max_queue, d.queue.size());
    }
    // Deliver everything still in flight, in random order.
    while (!d_[0].queue.empty() || !d_[1].queue.empty()) deliver_random(false);
  }

 private:
  void send() {
    if (g_.below(6) == 0) current_ ^= 1;
    std::size_t who = static_cast<std::size_t>(current_);
    if (!d_[who].sender->can_send()) who = 0;  // Bob waits for Alice's first message
    send_from(who);
  }

  void send_from(std::size_t who) {
    auto& d = d_[who];
    byte_vector pt(g_.below(160));
    g_.fill(pt);
    auto m = d.sender->encrypt(pt);
    const header h = header_of(m);
    (m.type == CIPHERTEXT_PREKEY_TYPE ? d.pre_key : d.whisper) += 1;
    if (h.ratchet_key != d.sending_chain) {
      d.sending_chain = h.ratchet_key;
      d.sent_on_chain = 0;
    }
    d.sent_on_chain = std::max(d.sent_on_chain, h.counter + 1);
    d.queue.push_back({std::move(m), std::move(pt), h});
    ++d.sent;
  }

  // burst: one party sends a long run on its current chain (the peer
  // delivers it in random order later: large forward jumps, many cached
  // skipped keys), keeping the chain under libsignal-protocol-c's
  // forward-jump limit.
  void burst(std::size_t who) {
    auto& d = d_[who];
    const std::uint32_t used = d.sent_on_chain;
    if (used + 100 >= c_max_forward_jump - 100) return;
    const auto n = g_.range(50, std::min<std::size_t>(700, c_max_forward_jump - 100 - used));
    for (std::size_t i = 0; i < n; ++i) send_from(who);
    ++d.bursts;
  }

  direction* pick(bool need_queue) {
    const bool a = !d_[0].queue.empty(), b = !d_[1].queue.empty();
    if (need_queue && !a && !b) return nullptr;
    if (!need_queue && d_[0].delivered.empty() && d_[1].delivered.empty()) return nullptr;
    std::size_t i = g_.below(2);
    const auto usable = [&](std::size_t k) {
      return need_queue ? !d_[k].queue.empty() : !d_[k].delivered.empty();
    };
    if (!usable(i)) i ^= 1;
    return &d_[i];
  }

  void deliver_random(bool oldest) {
    direction* d = pick(true);
    if (!d) return send();
    const std::size_t idx = oldest ? 0 : static_cast<std::size_t>(g_.below(d->queue.size()));
    in_flight m = std::move(d->queue[idx]);
    d->queue.erase(d->queue.begin() + static_cast<std::ptrdiff_t>(idx));
    const bool new_chain = std::find(d->chains.begin(), d->chains.end(), m.h.ratchet_key) == d->chains.end();
    if (new_chain && d->chains.size() >= c_max_receiver_chains) {
      // The new chain will push the oldest kept one out of the receiver's
      // window: deliver what is still in flight on it first (in random
      // order), as an application that wants every message would have to.
      const auto doomed = d->chains[d->chains.size() - c_max_receiver_chains];
      for (;;) {
        std::vector<std::size_t> on_doomed;
        for (std::size_t i = 0; i < d->queue.size(); ++i)
          if (d->queue[i].h.ratchet_key == doomed) on_doomed.push_back(i);
        if (on_doomed.empty()) break;
        const std::size_t j = on_doomed[static_cast<std::size_t>(g_.below(on_doomed.size()))];
        in_flight f = std::move(d->queue[j]);
        d->queue.erase(d->queue.begin() + static_cast<std::ptrdiff_t>(j));
        receive(*d, std::move(f));
      }
    }
    receive(*d, std::move(m));
  }

  void receive(direction& d, in_flight m) {
    const auto pos = std::find(d.chains.begin(), d.chains.end(), m.h.ratchet_key);
    // Model check: the message's chain is still inside the receiver's window.
    REQUIRE(d.chains.end() - pos <= static_cast<std::ptrdiff_t>(c_max_receiver_chains));
    d.max_chain_age = std::max<std::ptrdiff_t>(d.max_chain_age, pos == d.chains.end() ? 1 : d.chains.end() - pos);
    auto& next = d.next_counter[m.h.ratchet_key];
    if (m.h.counter >= next) {
      d.max_jump = std::max(d.max_jump, m.h.counter - next);
      REQUIRE(m.h.counter - next <= c_max_forward_jump);  // inside libsignal-protocol-c's limit
    }
    const auto [code, pt] = d.receiver->decrypt(m.msg);
    INFO(d.sender->name() << " -> " << d.receiver->name() << ", type " << m.msg.type << ", counter " << m.h.counter
                          << ", message " << test::hex(m.msg.bytes));
    REQUIRE(code == 0);
    REQUIRE(test::hex(pt) == test::hex(m.plaintext));
    if (pos == d.chains.end()) d.chains.push_back(m.h.ratchet_key);
    next = std::max(next, m.h.counter + 1);
    ++d.received;
    d.delivered.push_back(std::move(m));
    if (d.delivered.size() > 64) d.delivered.erase(d.delivered.begin());
  }

  void drop() {
    direction* d = pick(true);
    if (!d) return;
    // Keep Alice's first message: Bob needs one PreKey message to start.
    if (d == &d_[0] && d->received == 0 && d->queue.size() == 1) return;
    const std::size_t idx = static_cast<std::size_t>(g_.below(d->queue.size()));
    d->queue.erase(d->queue.begin() + static_cast<std::ptrdiff_t>(idx));
    ++d->dropped;
  }

  void replay() {
    direction* d = pick(false);
    if (!d) return;
    const auto& m = d->delivered[static_cast<std::size_t>(g_.below(d->delivered.size()))];
    const auto before = d->receiver->stored_state();
    const auto [code, pt] = d->receiver->decrypt(m.msg);
    INFO("replay " << d->sender->name() << " -> " << d->receiver->name() << ": " << test::hex(m.msg.bytes));
    REQUIRE(code != 0);
    const auto pos = std::find(d->chains.begin(), d->chains.end(), m.h.ratchet_key);
    if (d->chains.end() - pos <= static_cast<std::ptrdiff_t>(c_max_receiver_chains))
      CHECK(d->receiver->is_duplicate(code));
    REQUIRE(d->receiver->stored_state() == before);
    ++d->replays;
  }

  void tamper() {
    direction* d = pick(true);
    if (!d) return;
    // SignalMessages only: every byte of one is under its MAC (a PreKey
    // message's registration id, for instance, is not authenticated).
    std::vector<std::size_t> whisper;
    for (std::size_t i = 0; i < d->queue.size(); ++i)
      if (d->queue[i].msg.type == CIPHERTEXT_SIGNAL_TYPE) whisper.push_back(i);
    if (whisper.empty()) return;
    wire_message t = d->queue[whisper[static_cast<std::size_t>(g_.below(whisper.size()))]].msg;
    t.bytes[static_cast<std::size_t>(g_.below(t.bytes.size()))] ^= static_cast<std::uint8_t>(1u << g_.below(8));
    const auto before = d->receiver->stored_state();
    const auto [code, pt] = d->receiver->decrypt(t);
    INFO("tampered " << d->sender->name() << " -> " << d->receiver->name() << ": " << test::hex(t.bytes));
    REQUIRE(code != 0);
    REQUIRE(d->receiver->stored_state() == before);
    ++d->tampered;
  }

  test::rng g_;
  std::array<direction, 2> d_{};
  int current_ = 0;
  int restarts_ = 0;
};

void report(const conversation& c, const char* what) {
  for (int i = 0; i < 2; ++i) {
    const auto& d = c.dir(i);
    WARN(what << ": " << d.sender->name() << " -> " << d.receiver->name() << ": sent " << d.sent << " ("
              << d.pre_key << " PreKey, " << d.whisper << " SignalMessage), decrypted " << d.received << ", dropped "
              << d.dropped << ", replays rejected " << d.replays << ", tampered rejected " << d.tampered
              << ", receiving chains (DH ratchet steps) " << d.chains.size() << ", max forward jump " << d.max_jump
              << ", max in flight " << d.max_queue << ", bursts " << d.bursts
              << ", oldest receiving chain used " << d.max_chain_age << " of " << c_max_receiver_chains
              << ", restarts of e2ee from bytes " << c.restarts());
  }
}

void check_conversation(const conversation& c) {
  for (int i = 0; i < 2; ++i) {
    const auto& d = c.dir(i);
    CHECK(d.received >= 1000);
    CHECK(d.sent == d.received + d.dropped);  // every message not dropped decrypted, once
    CHECK(d.dropped > 0);
    CHECK(d.replays > 0);
    CHECK(d.tampered > 0);
    CHECK(d.chains.size() >= 20);  // many DH ratchet steps
    CHECK(d.max_jump >= 100);      // far out of order
    CHECK(d.max_chain_age >= 3);   // messages on older receiving chains
  }
  CHECK(c.restarts() >= 3);  // e2ee reloaded from bytes mid-conversation
}

}  // namespace

TEST_CASE("interop provider: AES-256-CTR (SP 800-38A F.5.5) and 128-bit counter carry", "[interop]") {
  const auto key = test::unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const auto iv = test::unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const auto pt = test::unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  const std::span<const std::uint8_t, 32> k(key.data(), 32);
  const std::span<const std::uint8_t, 16> v(iv.data(), 16);
  CHECK(test::hex(interop::provider::aes256_ctr(k, v, pt)) ==
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5");
  // The counter is one 128-bit big-endian integer: ff..ff wraps to 00..00.
  std::array<std::uint8_t, 16> ones{}, zero{}, block{};
  ones.fill(0xff);
  const byte_vector in(40, 0);
  const auto ks = interop::provider::aes256_ctr(k, ones, in);
  const e2ee::aes256 aes(k);
  aes.encrypt_block(ones, block);
  CHECK(test::hex(std::span<const std::uint8_t>(ks).first(16)) == test::hex(block));
  aes.encrypt_block(zero, block);
  CHECK(test::hex(std::span<const std::uint8_t>(ks).subspan(16, 16)) == test::hex(block));
  // Through the provider callbacks: CBC round trip, bad padding rejected.
  signal_buffer* ct = nullptr;
  signal_buffer* back = nullptr;
  REQUIRE(interop::provider::encrypt(&ct, SG_CIPHER_AES_CBC_PKCS5, key.data(), 32, iv.data(), 16, pt.data(), 20,
                                     nullptr) == 0);
  CHECK(signal_buffer_len(ct) == 32);
  REQUIRE(interop::provider::decrypt(&back, SG_CIPHER_AES_CBC_PKCS5, key.data(), 32, iv.data(), 16,
                                     signal_buffer_const_data(ct), signal_buffer_len(ct), nullptr) == 0);
  CHECK(test::hex(interop::take(back)) == test::hex(std::span<const std::uint8_t>(pt).first(20)));
  signal_buffer_data(ct)[31] ^= 1;
  signal_buffer* bad = nullptr;
  CHECK(interop::provider::decrypt(&bad, SG_CIPHER_AES_CBC_PKCS5, key.data(), 32, iv.data(), 16,
                                   signal_buffer_const_data(ct), signal_buffer_len(ct), nullptr) < 0);
  CHECK(bad == nullptr);
  signal_buffer_free(ct);
}

TEST_CASE("interop: two libsignal-protocol-c parties through the e2ee crypto provider", "[interop]") {
  for (const bool opk : {true, false}) {
    INFO("one-time prekey: " << opk);
    c_party alice(0xa11ce + salt(opk), "bob"), bob(0xb0b + salt(opk), "alice");
    const auto bundle = bob.make_bundle(7, opk ? std::optional<std::uint32_t>(100) : std::nullopt);
    REQUIRE(alice.process_bundle(bundle) == 0);
    c_endpoint a(alice), b(bob);
    exchange(a, b, text("hello bob, from C"), CIPHERTEXT_PREKEY_TYPE);
    exchange(a, b, text("still a PreKey message"), CIPHERTEXT_PREKEY_TYPE);
    if (opk) CHECK_FALSE(bob.has_pre_key(*bundle.pre_key_id));
    for (int i = 0; i < 10; ++i) {
      exchange(b, a, text("reply " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
      exchange(a, b, text("answer " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
    }
  }
}

TEST_CASE("interop: e2ee Alice, libsignal-protocol-c Bob", "[interop]") {
  for (const bool opk : {true, false}) {
    INFO("one-time prekey: " << opk);
    c_party bob(0xb0b0 + salt(opk), "alice");
    e2ee_party alice(0xa1a1 + salt(opk), "bob");
    const auto bundle = bob.make_bundle(3, opk ? std::optional<std::uint32_t>(42) : std::nullopt);
    REQUIRE(bundle.identity.size() == 33);
    REQUIRE(bundle.signed_pre_key_signature.size() == 64);
    // C's signature (curve25519_sign) verifies with e2ee's XEdDSA; with a
    // flipped bit, process_pre_key_bundle refuses the bundle and stores
    // nothing.
    auto bad = bundle;
    bad.signed_pre_key_signature[5] ^= 0x10;
    const auto refused = alice.start_as_alice(bad);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error() == e2ee::error::invalid_signature);
    CHECK_FALSE(alice.session().has_value());
    CHECK_FALSE(alice.can_send());
    REQUIRE(alice.start_as_alice(bundle).has_value());
    c_endpoint b(bob);
    const auto first = alice.encrypt(text("hello from e2ee"));
    REQUIRE(first.type == CIPHERTEXT_PREKEY_TYPE);
    {
      const auto p = proto::parse_pre_key_signal_message(first.bytes);
      REQUIRE(p.has_value());
      CHECK(p->pre_key_id == bundle.pre_key_id);
      CHECK(p->signed_pre_key_id == 3);
      CHECK(p->registration_id == alice.registration_id());
    }
    const auto [code, pt] = b.decrypt(first);
    INFO("PreKey message " << test::hex(first.bytes) << ", C says: " << bob.last_log());
    REQUIRE(code == 0);
    CHECK(test::hex(pt) == test::hex(text("hello from e2ee")));
    if (opk) CHECK_FALSE(bob.has_pre_key(42));
    // C refuses the same PreKey message again, its session unchanged.
    const auto c_before = bob.session_bytes();
    CHECK(b.decrypt(first).first == SG_ERR_DUPLICATE_MESSAGE);
    CHECK(bob.session_bytes() == c_before);
    exchange(alice, b, text("second, still PreKey"), CIPHERTEXT_PREKEY_TYPE);
    exchange(b, alice, text("hello from C"), CIPHERTEXT_SIGNAL_TYPE);
    CHECK(alice.session()->current()->remote_registration_id() == bob.registration_id());
    for (int i = 0; i < 10; ++i) {
      exchange(alice, b, text("e2ee " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
      exchange(alice, b, text("e2ee again " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
      exchange(b, alice, text("C " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
    }
  }
}

TEST_CASE("interop: libsignal-protocol-c Alice, e2ee Bob", "[interop]") {
  for (const bool opk : {true, false}) {
    INFO("one-time prekey: " << opk);
    c_party alice(0xa2a2 + salt(opk), "bob");
    e2ee_party bob(0xb2b2 + salt(opk), "alice");
    const auto bundle = bob.make_bundle(9, opk ? std::optional<std::uint32_t>(4242) : std::nullopt);
    // C checks make_signed_pre_key's XEdDSA signature: a flipped bit is
    // refused (SG_ERR_INVALID_KEY), the real one accepted.
    {
      c_party other(0xa3a3 + salt(opk), "bob");
      auto bad = bundle;
      bad.signed_pre_key_signature[40] ^= 0x01;
      CHECK(other.process_bundle(bad) == SG_ERR_INVALID_KEY);
    }
    const int rc = alice.process_bundle(bundle);
    INFO("C says: " << alice.last_log());
    REQUIRE(rc == 0);
    c_endpoint a(alice);
    CHECK_FALSE(bob.can_send());
    exchange(a, bob, text("hello from C"), CIPHERTEXT_PREKEY_TYPE);
    CHECK(bob.store().pre_key_count() == 0);  // the one-time prekey is used once
    CHECK(bob.session()->current()->remote_registration_id() == alice.registration_id());
    exchange(a, bob, text("second, still PreKey"), CIPHERTEXT_PREKEY_TYPE);
    exchange(bob, a, text("hello from e2ee"), CIPHERTEXT_SIGNAL_TYPE);
    for (int i = 0; i < 10; ++i) {
      exchange(a, bob, text("C " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
      exchange(bob, a, text("e2ee " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
      exchange(bob, a, text("e2ee again " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
    }
    CHECK(bob.session()->archived_count() == 0);
  }
}

TEST_CASE("interop: a PreKey message delivered twice is a duplicate, and the one-time prekey is used once",
          "[interop]") {
  for (const bool opk : {true, false}) {
    INFO("one-time prekey: " << opk);
    c_party alice(0xd0d0 + salt(opk), "bob");
    e2ee_party bob(0xd1d1 + salt(opk), "alice");
    const auto bundle = bob.make_bundle(5, opk ? std::optional<std::uint32_t>(300) : std::nullopt);
    (void)bob.make_bundle(6, 301);  // another signed prekey and one-time prekey, never used
    const auto keys_before = bob.store().pre_key_count();
    REQUIRE(alice.process_bundle(bundle) == 0);
    c_endpoint a(alice);
    const auto m1 = a.encrypt(text("first")), m2 = a.encrypt(text("second"));
    REQUIRE(m1.type == CIPHERTEXT_PREKEY_TYPE);
    REQUIRE(m2.type == CIPHERTEXT_PREKEY_TYPE);
    const auto dup = static_cast<int>(e2ee::error::duplicate_message);
    // The second PreKey message first: it creates the session.
    {
      const auto [code, pt] = bob.decrypt(m2);
      REQUIRE(code == 0);
      CHECK(test::hex(pt) == test::hex(text("second")));
    }
    CHECK(bob.store().pre_key_count() == keys_before - (opk ? 1 : 0));
    if (opk) CHECK(bob.store().load_pre_key(300) == nullptr);
    CHECK(bob.store().load_pre_key(301) != nullptr);
    const auto after_first = bob.stored_state();
    // Again: a duplicate; nothing changes.
    CHECK(bob.decrypt(m2).first == dup);
    CHECK(bob.stored_state() == after_first);
    // The first one, late: same base key, so the same session (no new one,
    // no second use of the one-time prekey).
    {
      const auto [code, pt] = bob.decrypt(m1);
      REQUIRE(code == 0);
      CHECK(test::hex(pt) == test::hex(text("first")));
    }
    CHECK(bob.session()->archived_count() == 0);
    const auto settled = bob.stored_state();
    for (const auto* m : {&m1, &m2, &m1}) {
      CHECK(bob.decrypt(*m).first == dup);
      CHECK(bob.stored_state() == settled);
    }
    CHECK(bob.store().pre_key_count() == keys_before - (opk ? 1 : 0));
    // The conversation goes on; the PreKey messages stay duplicates.
    exchange(bob, a, text("reply"), CIPHERTEXT_SIGNAL_TYPE);
    exchange(a, bob, text("answer"), CIPHERTEXT_SIGNAL_TYPE);
    exchange(bob, a, text("reply 2"), CIPHERTEXT_SIGNAL_TYPE);
    const auto later = bob.stored_state();
    CHECK(bob.decrypt(m1).first == dup);
    CHECK(bob.decrypt(m2).first == dup);
    CHECK(bob.stored_state() == later);
    CHECK(bob.session()->archived_count() == 0);
    CHECK(bob.store().pre_key_count() == keys_before - (opk ? 1 : 0));
  }
}

TEST_CASE("interop: libsignal-protocol-c re-registers with a new identity", "[interop]") {
  const auto untrusted = e2ee::error::untrusted_identity;
  SECTION("e2ee Alice: the new bundle is untrusted until the app accepts the key") {
    c_party bob1(0x1d01, "alice");
    e2ee_party alice(0x1d02, "bob");
    REQUIRE(alice.start_as_alice(bob1.make_bundle(1, 10)).has_value());
    c_endpoint b1(bob1);
    exchange(alice, b1, text("hello"), CIPHERTEXT_PREKEY_TYPE);
    exchange(b1, alice, text("hi"), CIPHERTEXT_SIGNAL_TYPE);
    exchange(alice, b1, text("how are you"), CIPHERTEXT_SIGNAL_TYPE);
    const auto old_session = alice.stored_state();

    c_party bob2(0x1d03, "alice");  // same user, new identity key
    const auto bundle2 = bob2.make_bundle(2, 20);
    REQUIRE(bundle2.identity != bob1.identity_public());
    const auto r = alice.start_as_alice(bundle2);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == untrusted);
    CHECK(alice.stored_state() == old_session);
    exchange(alice, b1, text("still the old session"), CIPHERTEXT_SIGNAL_TYPE);

    const auto new_key = key32(bundle2.identity);
    alice.store().replace_identity(alice.remote(), new_key);
    REQUIRE(alice.start_as_alice(bundle2).has_value());
    CHECK(alice.session()->archived_count() == 1);
    c_endpoint b2(bob2);
    exchange(alice, b2, text("hello again"), CIPHERTEXT_PREKEY_TYPE);
    for (int i = 0; i < 5; ++i) {
      exchange(b2, alice, text("new identity " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
      exchange(alice, b2, text("accepted " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
    }
  }
  SECTION("e2ee Bob: a PreKey message from the new identity is untrusted until the app accepts the key") {
    c_party alice1(0x1d11, "bob");
    e2ee_party bob(0x1d12, "alice");
    REQUIRE(alice1.process_bundle(bob.make_bundle(1, 10)) == 0);
    c_endpoint a1(alice1);
    exchange(a1, bob, text("hello"), CIPHERTEXT_PREKEY_TYPE);
    exchange(bob, a1, text("hi"), CIPHERTEXT_SIGNAL_TYPE);
    exchange(a1, bob, text("how are you"), CIPHERTEXT_SIGNAL_TYPE);

    c_party alice2(0x1d13, "bob");  // same user, new identity key
    REQUIRE(alice2.identity_public() != alice1.identity_public());
    REQUIRE(alice2.process_bundle(bob.make_bundle(2, 20)) == 0);
    c_endpoint a2(alice2);
    const auto m = a2.encrypt(text("it is me, new phone"));
    REQUIRE(m.type == CIPHERTEXT_PREKEY_TYPE);
    const auto old_session = bob.stored_state();
    CHECK(bob.decrypt(m).first == static_cast<int>(untrusted));
    CHECK(bob.stored_state() == old_session);
    CHECK(bob.store().load_pre_key(20) != nullptr);  // not consumed by a refused message
    exchange(a1, bob, text("old phone, old session"), CIPHERTEXT_SIGNAL_TYPE);

    bob.store().replace_identity(bob.remote(), key32(alice2.identity_public()));
    const auto [code, pt] = bob.decrypt(m);
    REQUIRE(code == 0);
    CHECK(test::hex(pt) == test::hex(text("it is me, new phone")));
    CHECK(bob.store().load_pre_key(20) == nullptr);
    CHECK(bob.session()->archived_count() == 1);
    for (int i = 0; i < 5; ++i) {
      exchange(bob, a2, text("accepted " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
      exchange(a2, bob, text("new identity " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
    }
  }
}

// session.hpp promises error::untrusted_identity for "a different identity
// key for an address with a saved one"; like Rust libsignal it checks the
// trust of the session's identity on every decrypt and encrypt, not only for
// bundles and PreKey messages: after replace_identity, a SignalMessage on the
// archived session of the replaced identity is refused and changes nothing,
// so the next encrypt still goes to the new device.
TEST_CASE("interop: after replace_identity, the replaced identity's session is refused", "[interop][identity]") {
  c_party alice1(0x1d21, "bob");
  e2ee_party bob(0x1d22, "alice");
  REQUIRE(alice1.process_bundle(bob.make_bundle(1, 10)) == 0);
  c_endpoint a1(alice1);
  exchange(a1, bob, text("hello"), CIPHERTEXT_PREKEY_TYPE);
  exchange(bob, a1, text("hi"), CIPHERTEXT_SIGNAL_TYPE);
  const auto late = a1.encrypt(text("sent by the old phone before the switch"));
  c_party alice2(0x1d23, "bob");  // same user, new identity key
  REQUIRE(alice2.process_bundle(bob.make_bundle(2, 20)) == 0);
  c_endpoint a2(alice2);
  bob.store().replace_identity(bob.remote(), key32(alice2.identity_public()));
  exchange(a2, bob, text("new phone"), CIPHERTEXT_PREKEY_TYPE);
  const auto before = bob.stored_state();
  const auto [code, pt] = bob.decrypt(late);
  CHECK(code == static_cast<int>(e2ee::error::untrusted_identity));
  const bool unchanged = bob.stored_state() == before;
  CHECK(unchanged);
  // Whatever happened, e2ee's next message must be for the trusted device.
  const auto next = bob.encrypt(text("for the new phone only"));
  CHECK(a2.decrypt(next).first == 0);
  CHECK(a1.decrypt(next).first != 0);
}

namespace {

// deliver: `m` must decrypt at `to` to `plaintext`.
void deliver(endpoint& to, const wire_message& m, const byte_vector& plaintext) {
  const auto [code, pt] = to.decrypt(m);
  INFO("to " << to.name() << ", type " << m.type << ", plaintext " << std::string(plaintext.begin(), plaintext.end())
             << ": " << test::hex(m.bytes));
  REQUIRE(code == 0);
  CHECK(test::hex(pt) == test::hex(plaintext));
}


std::array<std::uint8_t, 32> base_key_of(const wire_message& m) {
  REQUIRE(m.type == CIPHERTEXT_PREKEY_TYPE);
  const auto p = proto::parse_pre_key_signal_message(m.bytes);
  REQUIRE(p.has_value());
  return p->base_key;
}

}  // namespace

TEST_CASE("interop: session reset with messages of the old session still in flight", "[interop]") {
  SECTION("libsignal-protocol-c Alice starts again; e2ee Bob archives the old session") {
    c_party alice(0x7e51, "bob");
    e2ee_party bob(0x7e52, "alice");
    REQUIRE(alice.process_bundle(bob.make_bundle(1, 10)) == 0);
    c_endpoint a(alice);
    const auto hello = a.encrypt(text("hello"));
    const auto old_base = base_key_of(hello);
    deliver(bob, hello, text("hello"));
    exchange(bob, a, text("hi"), CIPHERTEXT_SIGNAL_TYPE);
    exchange(a, bob, text("session one"), CIPHERTEXT_SIGNAL_TYPE);
    // In flight on the old session, both ways.
    std::vector<std::pair<wire_message, byte_vector>> to_bob, to_alice;
    for (int i = 0; i < 3; ++i) {
      to_bob.emplace_back(a.encrypt(text("old a" + std::to_string(i))), text("old a" + std::to_string(i)));
      to_alice.emplace_back(bob.encrypt(text("old b" + std::to_string(i))), text("old b" + std::to_string(i)));
    }
    // Alice starts a new session from a new bundle (same identity).
    REQUIRE(alice.process_bundle(bob.make_bundle(2, 20)) == 0);
    const auto fresh = a.encrypt(text("new session"));
    const auto new_base = base_key_of(fresh);
    REQUIRE(new_base != old_base);
    deliver(bob, fresh, text("new session"));
    {
      const auto r = bob.session();
      CHECK(r->archived_count() == 1);
      CHECK(r->current()->alice_base_key() == new_base);
    }
    CHECK(bob.store().load_pre_key(20) == nullptr);
    // Old-session messages still decrypt on the archived state, which
    // session_record then promotes to current (as libsignal does).
    deliver(bob, to_bob[1].first, to_bob[1].second);
    {
      const auto r = bob.session();
      CHECK(r->archived_count() == 1);
      CHECK(r->current()->alice_base_key() == old_base);
    }
    // A replay of an old-session message is refused and changes nothing.
    const auto before = bob.stored_state();
    CHECK(bob.decrypt(to_bob[1].first).first != 0);
    CHECK(bob.stored_state() == before);
    // C decrypts e2ee's old-session messages on its archived state too.
    for (const auto& [m, p] : to_alice) deliver(a, m, p);
    deliver(bob, to_bob[0].first, to_bob[0].second);
    // Both go on talking (C went back to the old session too, as e2ee did);
    // the last old message arrives late, while its receiving chain is still
    // among the 5 kept.
    for (int i = 0; i < 6; ++i) {
      const auto pa = text("after reset a" + std::to_string(i)), pb = text("after reset b" + std::to_string(i));
      deliver(bob, a.encrypt(pa), pa);
      deliver(a, bob.encrypt(pb), pb);
      if (i == 1) deliver(bob, to_bob[2].first, to_bob[2].second);
    }
    {
      const auto r = bob.session();
      CHECK(r->archived_count() == 1);
      CHECK(r->current()->alice_base_key() == old_base);
    }
  }
  SECTION("e2ee Alice starts again; libsignal-protocol-c Bob archives the old session") {
    c_party bob(0x7e61, "alice");
    e2ee_party alice(0x7e62, "bob");
    REQUIRE(alice.start_as_alice(bob.make_bundle(1, 10)).has_value());
    c_endpoint b(bob);
    exchange(alice, b, text("hello"), CIPHERTEXT_PREKEY_TYPE);
    exchange(b, alice, text("hi"), CIPHERTEXT_SIGNAL_TYPE);
    exchange(alice, b, text("session one"), CIPHERTEXT_SIGNAL_TYPE);
    const auto old_base = alice.session()->current()->alice_base_key();
    std::vector<std::pair<wire_message, byte_vector>> to_bob, to_alice;
    for (int i = 0; i < 3; ++i) {
      to_bob.emplace_back(alice.encrypt(text("old a" + std::to_string(i))), text("old a" + std::to_string(i)));
      to_alice.emplace_back(b.encrypt(text("old b" + std::to_string(i))), text("old b" + std::to_string(i)));
    }
    REQUIRE(alice.start_as_alice(bob.make_bundle(2, 20)).has_value());
    {
      const auto r = alice.session();
      CHECK(r->archived_count() == 1);
      CHECK(r->current()->alice_base_key() != old_base);
    }
    exchange(alice, b, text("new session"), CIPHERTEXT_PREKEY_TYPE);
    // C's old-session messages decrypt on e2ee's archived state.
    deliver(alice, to_alice[2].first, to_alice[2].second);
    CHECK(alice.session()->current()->alice_base_key() == old_base);  // promoted
    deliver(alice, to_alice[0].first, to_alice[0].second);
    for (const auto& [m, p] : to_bob) deliver(b, m, p);
    for (int i = 0; i < 6; ++i) {
      const auto pa = text("after reset a" + std::to_string(i)), pb = text("after reset b" + std::to_string(i));
      deliver(b, alice.encrypt(pa), pa);
      deliver(alice, b.encrypt(pb), pb);
      if (i == 1) deliver(alice, to_alice[1].first, to_alice[1].second);
    }
    {
      const auto r = alice.session();
      CHECK(r->archived_count() == 1);
      CHECK(r->current()->alice_base_key() == old_base);
    }
  }
}

TEST_CASE("interop: long conversation, e2ee Alice and libsignal-protocol-c Bob", "[interop][conversation]") {
  for (const bool opk : {true, false}) {
    INFO("one-time prekey: " << opk);
    c_party bob(0x5eed0 + salt(opk), "alice");
    e2ee_party alice(0x5eed2 + salt(opk), "bob");
    const auto bundle = bob.make_bundle(11, opk ? std::optional<std::uint32_t>(77) : std::nullopt);
    REQUIRE(alice.start_as_alice(bundle).has_value());
    c_endpoint b(bob);
    conversation c(alice, b, key32(bundle.signed_pre_key), 0xc0de0 + salt(opk));
    c.run(1200);
    report(c, opk ? "e2ee Alice / C Bob, one-time prekey" : "e2ee Alice / C Bob, no one-time prekey");
    check_conversation(c);
    CHECK(alice.restarts() == c.restarts());
  }
}

TEST_CASE("interop: long conversation, libsignal-protocol-c Alice and e2ee Bob", "[interop][conversation]") {
  for (const bool opk : {true, false}) {
    INFO("one-time prekey: " << opk);
    c_party alice(0x5eed4 + salt(opk), "bob");
    e2ee_party bob(0x5eed6 + salt(opk), "alice");
    const auto bundle = bob.make_bundle(12, opk ? std::optional<std::uint32_t>(88) : std::nullopt);
    REQUIRE(alice.process_bundle(bundle) == 0);
    c_endpoint a(alice);
    conversation c(a, bob, key32(bundle.signed_pre_key), 0xc0de2 + salt(opk));
    c.run(1200);
    report(c, opk ? "C Alice / e2ee Bob, one-time prekey" : "C Alice / e2ee Bob, no one-time prekey");
    check_conversation(c);
    CHECK(bob.restarts() == c.restarts());
    CHECK(bob.store().pre_key_count() == 0);
    CHECK(bob.session()->archived_count() == 0);
  }
}

TEST_CASE("interop: safety numbers agree (libsignal-protocol-c fingerprints via the provider's SHA-512)",
          "[interop]") {
  c_party c(0xf1f1, "e2ee");
  e2ee_party e(0xf2f2, "c");
  const std::string c_id = "+14152222222", e_id = "+14153333333";
  const auto e_identity = proto::serialize_public_key(e.identity().public_key);
  const std::span<const std::uint8_t, 33> c_identity(c.identity_public().data(), 33);
  interop::ref<ec_public_key> c_key, e_key;
  REQUIRE(curve_decode_point(c_key.out(), c.identity_public().data(), 33, c.context()) == 0);
  REQUIRE(curve_decode_point(e_key.out(), e_identity.data(), e_identity.size(), c.context()) == 0);
  fingerprint_generator* gen = nullptr;
  REQUIRE(fingerprint_generator_create(&gen, 5200, 1, c.context()) == 0);
  interop::ref<fingerprint> fp;
  const int rc = fingerprint_generator_create_for(gen, c_id.c_str(), c_key.get(), e_id.c_str(), e_key.get(), fp.out());
  fingerprint_generator_free(gen);
  REQUIRE(rc == 0);
  // e2ee's view from its own side: local and remote swapped.
  const auto ours = proto::fingerprint::create(1, 5200, e_id, e_identity, c_id, c_identity);
  REQUIRE(ours.has_value());
  CHECK(std::string(displayable_fingerprint_text(fingerprint_get_displayable(fp.get()))) ==
        std::string(ours->displayable()));
  // Each side scans the other's code.
  signal_buffer* c_scan = nullptr;
  REQUIRE(scannable_fingerprint_serialize(&c_scan, fingerprint_get_scannable(fp.get())) == 0);
  const auto c_scan_bytes = interop::take(c_scan);
  const auto verdict = ours->compare(c_scan_bytes);
  REQUIRE(verdict.has_value());
  CHECK(*verdict);
  const auto e_scan = ours->scannable();
  interop::ref<scannable_fingerprint> theirs;
  REQUIRE(scannable_fingerprint_deserialize(theirs.out(), e_scan.data(), e_scan.size(), c.context()) == 0);
  CHECK(scannable_fingerprint_compare(fingerprint_get_scannable(fp.get()), theirs.get()) == 1);
}
