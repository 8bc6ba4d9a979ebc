// The Double Ratchet state machine (protocol v3): two parties set up by X3DH
// talk with reordering, drops, replays and tampering; every honest message
// decrypts exactly once and every bad one fails with the right error without
// changing the receiver's state.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <e2ee/protocol/double_ratchet.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;

struct pair_of_sessions {
  proto::session_state alice, bob;
  std::array<std::uint8_t, 32> bob_signed_pre_key{};
};

pair_of_sessions make_sessions(test::rng& g, bool one_time_pre_key) {
  auto ika = proto::key_pair::generate(g), ikb = proto::key_pair::generate(g), spkb = proto::key_pair::generate(g),
       opkb = proto::key_pair::generate(g), eka = proto::key_pair::generate(g);
  REQUIRE(ika.has_value());
  REQUIRE(ikb.has_value());
  REQUIRE(spkb.has_value());
  REQUIRE(opkb.has_value());
  REQUIRE(eka.has_value());
  std::optional<std::span<const std::uint8_t, 32>> opk_pub;
  if (one_time_pre_key) opk_pub = opkb->public_key;
  auto alice = proto::session_state::initialize_alice(*ika, *eka, ikb->public_key, spkb->public_key, opk_pub, g);
  REQUIRE(alice.has_value());
  alice->set_pending_pre_key({one_time_pre_key ? std::optional<std::uint32_t>(77) : std::nullopt, 5, eka->public_key},
                             1234);
  auto bob = proto::session_state::initialize_bob(*ikb, *spkb, one_time_pre_key ? &*opkb : nullptr, ika->public_key,
                                                  eka->public_key);
  REQUIRE(bob.has_value());
  return {std::move(*alice), std::move(*bob), spkb->public_key};
}

// The inner SignalMessage of whatever encrypt() produced.
byte_vector inner(const proto::session_state::encrypted& e) {
  if (e.type == proto::message_type::whisper) return e.bytes;
  const auto p = proto::parse_pre_key_signal_message(e.bytes);
  REQUIRE(p.has_value());
  return byte_vector(p->message.begin(), p->message.end());
}

byte_vector text(const std::string& s) { return byte_vector(s.begin(), s.end()); }
// numbered: text(prefix + n), built by appending (g++ 12 warns falsely about
// `"literal" + std::string` under -O3 -Wrestrict).
byte_vector numbered(const char* prefix, int n) {
  std::string s(prefix);
  s += std::to_string(n);
  return text(s);
}

}  // namespace

TEST_CASE("double ratchet: first messages, PreKey wrapping until answered", "[protocol][ratchet]") {
  test::rng g(0xd0b1);
  for (const bool opk : {false, true}) {
    auto s = make_sessions(g, opk);
    const auto m1 = s.alice.encrypt(text("hello bob"));
    CHECK(m1.type == proto::message_type::pre_key);
    const auto p = proto::parse_pre_key_signal_message(m1.bytes);
    REQUIRE(p.has_value());
    CHECK(p->signed_pre_key_id == 5);
    CHECK(p->registration_id == 1234);
    CHECK(p->pre_key_id == (opk ? std::optional<std::uint32_t>(77) : std::nullopt));
    CHECK(p->base_key == s.alice.alice_base_key());
    const auto d1 = s.bob.decrypt(inner(m1), g);
    REQUIRE(d1.has_value());
    CHECK(*d1 == text("hello bob"));
    // Alice keeps wrapping until Bob answers.
    CHECK(s.alice.encrypt(text("again")).type == proto::message_type::pre_key);
    const auto r = s.bob.encrypt(text("hi alice"));
    CHECK(r.type == proto::message_type::whisper);
    const auto d2 = s.alice.decrypt(r.bytes, g);
    REQUIRE(d2.has_value());
    CHECK(*d2 == text("hi alice"));
    CHECK_FALSE(s.alice.has_pending_pre_key());
    CHECK(s.alice.encrypt(text("now plain")).type == proto::message_type::whisper);
  }
}

TEST_CASE("double ratchet: random conversation with reordering, drops, replays, tampering",
          "[protocol][ratchet]") {
  test::rng g(0xc0417);
  auto s = make_sessions(g, true);
  struct in_flight {
    byte_vector bytes;
    byte_vector plaintext;
    bool delivered = false;
  };
  std::vector<in_flight> to_bob, to_alice;
  int delivered = 0, replays = 0, tampered = 0, dropped = 0, ratchets = 0, lost = 0;
  // receiving chains each side created, oldest first (Alice starts with one
  // for Bob's signed prekey)
  std::vector<std::array<std::uint8_t, 32>> alice_chains{s.bob_signed_pre_key}, bob_chains;
  std::size_t last_chains = 0;
  // Bob needs Alice's first message before he can send.
  {
    const auto m = s.alice.encrypt(text("first"));
    const auto d = s.bob.decrypt(inner(m), g);
    REQUIRE(d.has_value());
    bob_chains.push_back(proto::parse_signal_message(inner(m))->ratchet_key);
  }
  for (int step = 0; step < 3000; ++step) {
    const auto action = g.below(10);
    const bool alice_side = g.below(2) == 0;
    auto& sender = alice_side ? s.alice : s.bob;
    auto& receiver = alice_side ? s.bob : s.alice;
    auto& queue = alice_side ? to_bob : to_alice;
    if (action < 4 || queue.empty()) {
      byte_vector pt(g.below(200));
      g.fill(pt);
      const auto m = sender.encrypt(pt);
      queue.push_back({inner(m), pt, false});
      continue;
    }
    // deliver a random queued message (reordering)
    const auto idx = g.below(queue.size());
    auto& msg = queue[idx];
    if (action == 4) {  // drop it forever
      queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(idx));
      ++dropped;
      continue;
    }
    if (action == 5) {  // tamper: flip one bit anywhere
      byte_vector t = msg.bytes;
      t[g.below(t.size())] ^= static_cast<std::uint8_t>(1u << g.below(8));
      const auto before = receiver.serialize();
      const auto d = receiver.decrypt(t, g);
      REQUIRE_FALSE(d.has_value());
      CHECK(receiver.serialize() == before);  // byte-identical: nothing committed
      ++tampered;
      continue;
    }
    // The receiver keeps only its max_receiver_chains newest receiving
    // chains: a message on an older chain is lost (its ratchet key looks
    // new, the root step gives the wrong keys, the MAC fails), exactly as in
    // Signal. Track the chains the receiver created to know which.
    const auto parsed = proto::parse_signal_message(msg.bytes);
    REQUIRE(parsed.has_value());
    auto& known = alice_side ? bob_chains : alice_chains;
    const auto pos = std::find(known.begin(), known.end(), parsed->ratchet_key);
    const bool chain_dropped =
        pos != known.end() && known.end() - pos > static_cast<std::ptrdiff_t>(proto::max_receiver_chains);
    const auto d = receiver.decrypt(msg.bytes, g);
    INFO("step " << step << " error " << (d.has_value() ? std::string("none") : std::string(e2ee::to_string(d.error()))));
    if (chain_dropped) {
      REQUIRE_FALSE(d.has_value());
      CHECK(d.error() == error::invalid_mac);
      msg.delivered = true;  // gone for good
      ++lost;
    } else if (msg.delivered) {
      REQUIRE_FALSE(d.has_value());
      CHECK(d.error() == error::duplicate_message);
      ++replays;
    } else {
      REQUIRE(d.has_value());
      CHECK(*d == msg.plaintext);
      msg.delivered = true;
      ++delivered;
      if (pos == known.end()) known.push_back(parsed->ratchet_key);
    }
    if (receiver.receiver_chain_count() != last_chains) ++ratchets;
    last_chains = receiver.receiver_chain_count();
    if (g.below(4) == 0) {  // forget delivered ones sometimes, keep some for replay
      queue.erase(std::remove_if(queue.begin(), queue.end(), [](const in_flight& f) { return f.delivered; }),
                  queue.end());
    }
  }
  CHECK(delivered > 800);
  CHECK(replays > 20);
  CHECK(tampered > 100);
  CHECK(dropped > 100);
  CHECK(ratchets > 10);
  CHECK(lost < delivered / 20);  // chain loss stays rare under this reordering
}

TEST_CASE("double ratchet: skipped keys and the forward-jump limit", "[protocol][ratchet]") {
  test::rng g(0x5c1b);
  auto s = make_sessions(g, false);
  std::vector<proto::session_state::encrypted> msgs;
  for (int i = 0; i < 50; ++i) msgs.push_back(s.alice.encrypt(numbered("m", i)));
  // Deliver in reverse: every one decrypts once.
  for (int i = 49; i >= 0; --i) {
    const auto d = s.bob.decrypt(inner(msgs[static_cast<std::size_t>(i)]), g);
    REQUIRE(d.has_value());
    CHECK(*d == numbered("m", i));
  }
  for (int i = 0; i < 50; ++i) {
    const auto d = s.bob.decrypt(inner(msgs[static_cast<std::size_t>(i)]), g);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error() == error::duplicate_message);
  }

  // A message max_forward_jump + 1 ahead is refused; exactly max_forward_jump is fine.
  auto t = make_sessions(g, false);
  {
    const auto first = t.alice.encrypt(text("0"));
    REQUIRE(t.bob.decrypt(inner(first), g).has_value());
  }
  for (std::uint32_t i = 1; i < proto::max_forward_jump + 1; ++i) (void)t.alice.encrypt(text("skip"));
  const auto at_limit = t.alice.encrypt(text("at limit"));  // index max_forward_jump + 1; Bob expects 1
  const auto beyond = t.alice.encrypt(text("beyond"));      // one further
  const auto r = t.bob.decrypt(inner(beyond), g);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == error::too_many_skipped);
  const auto a = t.bob.decrypt(inner(at_limit), g);
  REQUIRE(a.has_value());
  CHECK(*a == text("at limit"));
  const auto b = t.bob.decrypt(inner(beyond), g);
  REQUIRE(b.has_value());
  CHECK(*b == text("beyond"));
}

TEST_CASE("double ratchet: malformed and cross-session messages", "[protocol][ratchet]") {
  test::rng g(0xbad);
  auto s = make_sessions(g, false);
  auto other = make_sessions(g, false);
  const auto m = s.alice.encrypt(text("for bob"));
  const auto foreign = other.alice.encrypt(text("for someone else"));
  // Another session's message: its ratchet key is unknown, so Bob steps the
  // ratchet on a copy, the MAC fails, and nothing changes.
  const auto before = s.bob.serialize();
  const auto x = s.bob.decrypt(inner(foreign), g);
  REQUIRE_FALSE(x.has_value());
  CHECK(x.error() == error::invalid_mac);
  CHECK(s.bob.serialize() == before);
  // Truncations.
  const byte_vector good = inner(m);
  for (std::size_t n = 0; n < good.size(); ++n) {
    const auto d = s.bob.decrypt(std::span<const std::uint8_t>(good).first(n), g);
    CHECK_FALSE(d.has_value());
  }
  CHECK(s.bob.serialize() == before);
  // The genuine message still decrypts after all that.
  const auto d = s.bob.decrypt(good, g);
  REQUIRE(d.has_value());
  CHECK(*d == text("for bob"));
}

TEST_CASE("double ratchet: session state serializes and resumes mid-conversation", "[protocol][ratchet]") {
  test::rng g(0x5e71);
  auto s = make_sessions(g, true);
  // Some traffic both ways, with messages left in flight (skipped keys).
  std::vector<proto::session_state::encrypted> late;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 4; ++i) {
      auto m = s.alice.encrypt(numbered("a", round * 10 + i));
      if (i == 1) {
        late.push_back(std::move(m));
      } else {
        REQUIRE(s.bob.decrypt(inner(m), g).has_value());
      }
    }
    for (int i = 0; i < 3; ++i) REQUIRE(s.alice.decrypt(s.bob.encrypt(text("b")).bytes, g).has_value());
  }
  for (auto* party : {&s.alice, &s.bob}) {
    const auto bytes = party->serialize();
    auto copy = proto::session_state::deserialize(bytes);
    REQUIRE(copy.has_value());
    CHECK(copy->serialize() == bytes);
    *party = std::move(*copy);
  }
  // The restored sessions carry on, including the cached skipped keys
  // (the last `late` message is on Alice's current chain; older ones are
  // on chains Bob still keeps, up to max_receiver_chains).
  for (std::size_t i = late.size() - 1; i + proto::max_receiver_chains >= late.size(); --i) {
    const auto d = s.bob.decrypt(inner(late[i]), g);
    REQUIRE(d.has_value());
    if (i == 0) break;
  }
  REQUIRE(s.bob.decrypt(inner(s.alice.encrypt(text("after"))), g).has_value());
  REQUIRE(s.alice.decrypt(s.bob.encrypt(text("after too")).bytes, g).has_value());
}

TEST_CASE("double ratchet: corrupted session records are rejected", "[protocol][ratchet]") {
  test::rng g(0xc022);
  auto s = make_sessions(g, true);
  (void)s.alice.encrypt(text("in flight"));
  REQUIRE(s.bob.decrypt(inner(s.alice.encrypt(text("x"))), g).has_value());  // leaves one skipped key
  const auto bytes = s.bob.serialize();
  REQUIRE(proto::session_state::deserialize(bytes).has_value());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK(proto::session_state::deserialize(std::span<const std::uint8_t>(bytes).first(n)).error() ==
          error::invalid_message);
  for (std::size_t pos = 0; pos < bytes.size(); ++pos) {
    auto t = bytes;
    t[pos] ^= static_cast<std::uint8_t>(1u << (pos % 8));
    CHECK_FALSE(proto::session_state::deserialize(t).has_value());
  }
  auto extra = bytes;
  extra.push_back(0);
  CHECK_FALSE(proto::session_state::deserialize(extra).has_value());
}

TEST_CASE("double ratchet: encrypt output is bit for bit the v3 reference construction", "[protocol][ratchet]") {
  // encrypt() writes the CBC body and the PreKey wrapper straight into one
  // output vector; the reference builds them the plain way from the public
  // pieces (chain_key::keys, aes256_cbc::encrypt, serialize_signal_message,
  // serialize_pre_key_signal_message), reading the sending chain from the
  // state record (offsets per the "e2ss" format).
  test::rng g(0xb17b17);
  for (const bool opk : {false, true}) {
    auto s = make_sessions(g, opk);
    const auto reference = [&](proto::session_state& st, const byte_vector& pt) {
      const auto rec = st.serialize();
      const auto ck = std::span<const std::uint8_t>(rec).subspan(167).first<32>();
      const std::uint32_t index = e2ee::load_le32(rec.data() + 199), previous = e2ee::load_le32(rec.data() + 203);
      const auto ratchet = std::span<const std::uint8_t>(rec).subspan(135).first<32>();
      const auto local = std::span<const std::uint8_t>(rec).subspan(5).first<33>();
      const auto remote = std::span<const std::uint8_t>(rec).subspan(38).first<33>();
      const auto mk = proto::chain_key(ck, index).keys();
      const auto body = e2ee::aes256_cbc::encrypt(mk.cipher_key.expose(), mk.iv.expose(), pt);
      byte_vector msg;
      proto::serialize_signal_message(ratchet, index, previous, body, mk.mac_key.expose(), local, remote, msg);
      if (!st.has_pending_pre_key()) return msg;
      const std::uint32_t local_reg = e2ee::load_le32(rec.data() + 207);
      const auto flag = rec[247];
      const std::uint32_t pre_key_id = e2ee::load_le32(rec.data() + 248), spk_id = e2ee::load_le32(rec.data() + 252);
      const auto base = std::span<const std::uint8_t>(rec).subspan(256).first<32>();
      byte_vector outer;
      proto::serialize_pre_key_signal_message(
          {flag == 3 ? std::optional<std::uint32_t>(pre_key_id) : std::nullopt, spk_id, local_reg, base,
           local.subspan<1, 32>(), msg},
          outer);
      return outer;
    };
    for (const std::size_t n : {0u, 1u, 15u, 16u, 17u, 100u, 1000u}) {
      byte_vector pt(n);
      g.fill(pt);
      const auto want = reference(s.alice, pt);
      const auto got = s.alice.encrypt(pt);
      CHECK(got.type == proto::message_type::pre_key);
      CHECK(got.bytes == want);
      CHECK(got.bytes.capacity() == got.bytes.size());  // one exact allocation
      REQUIRE(s.bob.decrypt(inner(got), g).has_value());
    }
    for (int round = 0; round < 3; ++round) {
      for (auto* p : {&s.bob, &s.alice}) {
        byte_vector pt(g.below(300));
        g.fill(pt);
        const auto want = reference(*p, pt);
        const auto got = p->encrypt(pt);
        CHECK(got.type == proto::message_type::whisper);
        CHECK(got.bytes == want);
        CHECK(got.bytes.capacity() == got.bytes.size());
        auto& other = p == &s.bob ? s.alice : s.bob;
        REQUIRE(other.decrypt(got.bytes, g).has_value());
      }
    }
  }
}
