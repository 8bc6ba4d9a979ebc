// Live interoperability between e2ee's Double Ratchet (protocol v3) and
// libsignal-protocol-c 2.3.x, whose crypto provider is itself built on e2ee
// (signal_c.hpp):
//   1. the provider: two C parties talk through it;
//   2. e2ee as Alice, C as Bob (C's keys, C's signature checked by e2ee);
//   3. C as Alice, e2ee as Bob (e2ee's keys, e2ee's signature checked by C);
//   4. long conversations both ways: reordering within Signal's limits,
//      drops, replays, tampering, many DH ratchet steps, with and without a
//      one-time prekey; every honest message decrypts exactly once, to the
//      right plaintext, on both implementations, and every rejected one
//      leaves the receiver's stored state byte-identical.
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

#include <e2ee/ec/xeddsa.hpp>
#include <e2ee/protocol/double_ratchet.hpp>
#include <e2ee/protocol/fingerprint.hpp>
#include <e2ee/protocol/keys.hpp>
#include <e2ee/protocol/messages.hpp>

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

// e2ee with the little session-builder logic the test needs around
// protocol::session_state (the library's user API is not written yet): Alice
// from a bundle, Bob from a PreKey message (reusing the session for a PreKey
// message with the same base key, as Signal does).
class e2ee_endpoint final : public endpoint {
 public:
  explicit e2ee_endpoint(std::uint64_t seed) : rng_(seed) {
    auto id = proto::key_pair::generate(rng_);
    REQUIRE(id.has_value());
    identity_ = std::move(*id);
    registration_id_ = static_cast<std::uint32_t>(1 + rng_.below(16380));
  }
  const char* name() const override { return "e2ee"; }
  std::uint32_t registration_id() const { return registration_id_; }
  const proto::key_pair& identity() const { return identity_; }
  bool has_one_time_pre_key() const { return one_time_.has_value(); }

  // Alice: check the bundle's signature (XEdDSA over the 33-byte signed
  // prekey) and start a session with it.
  void start_as_alice(const bundle_bytes& b) {
    const auto ik = key32(b.identity), spk = key32(b.signed_pre_key);
    REQUIRE(b.signed_pre_key_signature.size() == 64);
    const std::span<const std::uint8_t, 64> sig(b.signed_pre_key_signature.data(), 64);
    REQUIRE(e2ee::xeddsa::verify(ik, b.signed_pre_key, sig));
    std::optional<std::array<std::uint8_t, 32>> opk;
    std::optional<std::span<const std::uint8_t, 32>> opk_span;
    if (b.pre_key_id) {
      opk = key32(b.pre_key);
      opk_span = std::span<const std::uint8_t, 32>(*opk);
    }
    auto base = proto::key_pair::generate(rng_);
    REQUIRE(base.has_value());
    auto s = proto::session_state::initialize_alice(identity_, *base, ik, spk, opk_span, rng_);
    REQUIRE(s.has_value());
    s->set_pending_pre_key({b.pre_key_id, b.signed_pre_key_id, base->public_key}, registration_id_);
    session_.emplace(std::move(*s));
  }

  // Bob: a bundle of e2ee keys, the signed prekey signed with XEdDSA.
  bundle_bytes make_bundle(std::uint32_t signed_pre_key_id, std::optional<std::uint32_t> pre_key_id) {
    auto spk = proto::key_pair::generate(rng_);
    REQUIRE(spk.has_value());
    bundle_bytes b;
    b.registration_id = registration_id_;
    b.identity = test::bytes(proto::serialize_public_key(identity_.public_key));
    b.signed_pre_key_id = signed_pre_key_id;
    b.signed_pre_key = test::bytes(proto::serialize_public_key(spk->public_key));
    const auto sig = e2ee::xeddsa::sign(identity_.private_key.expose(), b.signed_pre_key, rng_);
    REQUIRE(sig.has_value());
    b.signed_pre_key_signature = test::bytes(*sig);
    signed_pre_key_.emplace(std::move(*spk));
    signed_pre_key_id_ = signed_pre_key_id;
    if (pre_key_id) {
      auto opk = proto::key_pair::generate(rng_);
      REQUIRE(opk.has_value());
      b.pre_key_id = pre_key_id;
      b.pre_key = test::bytes(proto::serialize_public_key(opk->public_key));
      one_time_.emplace(std::move(*opk));
      one_time_id_ = *pre_key_id;
    }
    return b;
  }

  bool can_send() const override { return session_.has_value(); }

  wire_message encrypt(std::span<const std::uint8_t> plaintext) override {
    auto e = session_->encrypt(plaintext);
    return {static_cast<int>(e.type), std::move(e.bytes)};
  }

  std::pair<int, byte_vector> decrypt(const wire_message& m) override {
    if (m.type == static_cast<int>(proto::message_type::whisper)) {
      if (!session_) return fail(e2ee::error::no_session);
      return done(session_->decrypt(m.bytes, rng_));
    }
    if (m.type != static_cast<int>(proto::message_type::pre_key)) return fail(e2ee::error::invalid_message);
    const auto v = proto::parse_pre_key_signal_message(m.bytes);
    if (!v) return fail(v.error());
    if (session_ && session_->alice_base_key() == v->base_key) return done(session_->decrypt(v->message, rng_));
    // A new session from Alice's PreKey message.
    if (!signed_pre_key_ || v->signed_pre_key_id != signed_pre_key_id_) return fail(e2ee::error::invalid_key);
    const proto::key_pair* opk = nullptr;
    if (v->pre_key_id) {
      if (!one_time_ || *v->pre_key_id != one_time_id_) return fail(e2ee::error::invalid_key);
      opk = &*one_time_;
    }
    if (remote_identity_ && *remote_identity_ != v->identity_key) return fail(e2ee::error::untrusted_identity);
    auto s = proto::session_state::initialize_bob(identity_, *signed_pre_key_, opk, v->identity_key, v->base_key);
    if (!s) return fail(s.error());
    s->set_remote_registration_id(v->registration_id);
    auto pt = s->decrypt(v->message, rng_);
    if (!pt) return fail(pt.error());
    session_.emplace(std::move(*s));
    remote_identity_ = v->identity_key;
    if (opk) one_time_.reset();  // a one-time prekey is used once
    return {0, std::move(*pt)};
  }

  byte_vector stored_state() const override { return session_ ? session_->serialize() : byte_vector{}; }
  bool is_duplicate(int code) const override { return code == static_cast<int>(e2ee::error::duplicate_message); }

 private:
  static std::pair<int, byte_vector> fail(e2ee::error e) { return {static_cast<int>(e), {}}; }
  static std::pair<int, byte_vector> done(e2ee::result<std::vector<std::uint8_t>> r) {
    if (!r) return fail(r.error());
    return {0, std::move(*r)};
  }

  test::rng rng_;
  proto::key_pair identity_;
  std::uint32_t registration_id_ = 0;
  std::optional<proto::key_pair> signed_pre_key_, one_time_;
  std::uint32_t signed_pre_key_id_ = 0, one_time_id_ = 0;
  std::optional<std::array<std::uint8_t, 32>> remote_identity_;
  std::optional<proto::session_state> session_;
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
};

void report(const conversation& c, const char* what) {
  for (int i = 0; i < 2; ++i) {
    const auto& d = c.dir(i);
    WARN(what << ": " << d.sender->name() << " -> " << d.receiver->name() << ": sent " << d.sent << " ("
              << d.pre_key << " PreKey, " << d.whisper << " SignalMessage), decrypted " << d.received << ", dropped "
              << d.dropped << ", replays rejected " << d.replays << ", tampered rejected " << d.tampered
              << ", receiving chains (DH ratchet steps) " << d.chains.size() << ", max forward jump " << d.max_jump
              << ", max in flight " << d.max_queue << ", bursts " << d.bursts
              << ", oldest receiving chain used " << d.max_chain_age << " of " << c_max_receiver_chains);
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
    e2ee_endpoint alice(0xa1a1 + salt(opk));
    const auto bundle = bob.make_bundle(3, opk ? std::optional<std::uint32_t>(42) : std::nullopt);
    REQUIRE(bundle.identity.size() == 33);
    REQUIRE(bundle.signed_pre_key_signature.size() == 64);
    // C's signature (curve25519_sign) verifies with e2ee's XEdDSA; a flipped
    // bit does not.
    auto bad_sig = bundle.signed_pre_key_signature;
    bad_sig[5] ^= 0x10;
    CHECK_FALSE(e2ee::xeddsa::verify(key32(bundle.identity), bundle.signed_pre_key,
                                     std::span<const std::uint8_t, 64>(bad_sig.data(), 64)));
    alice.start_as_alice(bundle);
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
    exchange(alice, b, text("second, still PreKey"), CIPHERTEXT_PREKEY_TYPE);
    exchange(b, alice, text("hello from C"), CIPHERTEXT_SIGNAL_TYPE);
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
    e2ee_endpoint bob(0xb2b2 + salt(opk));
    const auto bundle = bob.make_bundle(9, opk ? std::optional<std::uint32_t>(4242) : std::nullopt);
    // C checks e2ee's XEdDSA signature: a flipped bit is refused
    // (SG_ERR_INVALID_KEY), the real one accepted.
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
    exchange(a, bob, text("hello from C"), CIPHERTEXT_PREKEY_TYPE);
    CHECK(bob.has_one_time_pre_key() == false);
    exchange(a, bob, text("second, still PreKey"), CIPHERTEXT_PREKEY_TYPE);
    exchange(bob, a, text("hello from e2ee"), CIPHERTEXT_SIGNAL_TYPE);
    for (int i = 0; i < 10; ++i) {
      exchange(a, bob, text("C " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
      exchange(bob, a, text("e2ee " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
      exchange(bob, a, text("e2ee again " + std::to_string(i)), CIPHERTEXT_SIGNAL_TYPE);
    }
  }
}

TEST_CASE("interop: long conversation, e2ee Alice and libsignal-protocol-c Bob", "[interop][conversation]") {
  for (const bool opk : {true, false}) {
    INFO("one-time prekey: " << opk);
    c_party bob(0x5eed0 + salt(opk), "alice");
    e2ee_endpoint alice(0x5eed2 + salt(opk));
    const auto bundle = bob.make_bundle(11, opk ? std::optional<std::uint32_t>(77) : std::nullopt);
    alice.start_as_alice(bundle);
    c_endpoint b(bob);
    conversation c(alice, b, key32(bundle.signed_pre_key), 0xc0de0 + salt(opk));
    c.run(1200);
    report(c, opk ? "e2ee Alice / C Bob, one-time prekey" : "e2ee Alice / C Bob, no one-time prekey");
    check_conversation(c);
  }
}

TEST_CASE("interop: long conversation, libsignal-protocol-c Alice and e2ee Bob", "[interop][conversation]") {
  for (const bool opk : {true, false}) {
    INFO("one-time prekey: " << opk);
    c_party alice(0x5eed4 + salt(opk), "bob");
    e2ee_endpoint bob(0x5eed6 + salt(opk));
    const auto bundle = bob.make_bundle(12, opk ? std::optional<std::uint32_t>(88) : std::nullopt);
    REQUIRE(alice.process_bundle(bundle) == 0);
    c_endpoint a(alice);
    conversation c(a, bob, key32(bundle.signed_pre_key), 0xc0de2 + salt(opk));
    c.run(1200);
    report(c, opk ? "C Alice / e2ee Bob, one-time prekey" : "C Alice / e2ee Bob, no one-time prekey");
    check_conversation(c);
  }
}

TEST_CASE("interop: safety numbers agree (libsignal-protocol-c fingerprints via the provider's SHA-512)",
          "[interop]") {
  c_party c(0xf1f1, "e2ee");
  e2ee_endpoint e(0xf2f2);
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
