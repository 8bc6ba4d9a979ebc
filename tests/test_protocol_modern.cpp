// The Double Ratchet with the `modern` suite (AES-256-GCM, compact wire
// format), with and without header encryption: round trips, reordering,
// duplicates, the forward-jump limit, tampering of every byte (the state
// stays byte-identical), state records that round-trip and that never load
// as the other suite.
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

struct modern_pair {
  proto::modern_session_state alice, bob;
  std::array<std::uint8_t, 32> bob_signed_pre_key{};
};

modern_pair make_modern(test::rng& g, bool one_time_pre_key, bool header_encryption) {
  auto ika = proto::key_pair::generate(g), ikb = proto::key_pair::generate(g), spkb = proto::key_pair::generate(g),
       opkb = proto::key_pair::generate(g), eka = proto::key_pair::generate(g);
  REQUIRE((ika && ikb && spkb && opkb && eka));
  std::optional<std::span<const std::uint8_t, 32>> opk_pub;
  if (one_time_pre_key) opk_pub = opkb->public_key;
  const proto::ratchet_options opts{header_encryption};
  auto alice =
      proto::modern_session_state::initialize_alice(*ika, *eka, ikb->public_key, spkb->public_key, opk_pub, g, opts);
  REQUIRE(alice.has_value());
  auto bob = proto::modern_session_state::initialize_bob(*ikb, *spkb, one_time_pre_key ? &*opkb : nullptr,
                                                         ika->public_key, eka->public_key, opts);
  REQUIRE(bob.has_value());
  CHECK(alice->header_encryption() == header_encryption);
  return {std::move(*alice), std::move(*bob), spkb->public_key};
}

byte_vector text(const std::string& s) { return byte_vector(s.begin(), s.end()); }
byte_vector numbered(const char* prefix, int n) {
  std::string s(prefix);
  s += std::to_string(n);
  return text(s);
}

byte_vector send(proto::modern_session_state& s, const byte_vector& pt) {
  auto e = s.encrypt(pt);
  CHECK(e.type == proto::message_type::whisper);  // modern messages are never PreKey-wrapped
  return std::move(e.bytes);
}

// A rejected message must change nothing.
void check_rejected(proto::modern_session_state& receiver, std::span<const std::uint8_t> m, test::rng& g,
                    std::optional<error> expected = std::nullopt) {
  const auto before = receiver.serialize();
  const auto d = receiver.decrypt(m, g);
  REQUIRE_FALSE(d.has_value());
  if (expected) CHECK(d.error() == *expected);
  CHECK(receiver.serialize() == before);
}

}  // namespace

TEST_CASE("modern ratchet: wire format of both header modes", "[protocol][modern]") {
  test::rng g(0x30d1);
  for (const bool he : {false, true}) {
    auto s = make_modern(g, false, he);
    const auto pt = text("twelve bytes");
    const auto m1 = send(s.alice, pt);
    const auto m2 = send(s.alice, pt);
    const std::size_t prefix = he ? proto::modern_encrypted_prefix : proto::modern_plain_prefix;
    REQUIRE(m1.size() == prefix + pt.size() + 16);
    CHECK(m1[0] == (he ? 0xE2 : 0xE1));
    const auto p1 = proto::parse_modern_message(m1, he);
    REQUIRE(p1.has_value());
    CHECK(p1->body.size() == pt.size());
    CHECK_FALSE(proto::parse_modern_message(m1, !he).has_value());
    // Alice's ratchet public key, from her state record (after magic,
    // format, two identities, root key and ratchet private key).
    const auto st = s.alice.serialize();
    const byte_vector ratchet_pub(st.begin() + 135, st.begin() + 167);
    const auto found = std::search(m1.begin(), m1.end(), ratchet_pub.begin(), ratchet_pub.end());
    if (!he) {
      CHECK(found == m1.begin() + 1);
      CHECK(p1->header.ratchet_key == std::array<std::uint8_t, 32>(*proto::parse_public_key(
                                          proto::serialize_public_key(p1->header.ratchet_key))));
      CHECK(p1->header.counter == 0);
      CHECK(proto::parse_modern_message(m2, he)->header.counter == 1);
      CHECK(m2[36] == 1);  // counter, big-endian
    } else {
      // The header nonces differ; the ratchet key appears nowhere in clear.
      CHECK(!std::equal(m1.begin() + 1, m1.begin() + 13, m2.begin() + 1));
      CHECK(found == m1.end());
    }
    const auto d = s.bob.decrypt(m2, g);
    REQUIRE(d.has_value());
    CHECK(*d == pt);
    // Same key and plaintext, different message keys: different bodies.
    CHECK(!std::equal(m1.end() - 28, m1.end(), m2.end() - 28));
  }
}

TEST_CASE("modern ratchet: options", "[protocol][modern]") {
  test::rng g(0x0b7);
  auto ika = proto::key_pair::generate(g), ikb = proto::key_pair::generate(g), spkb = proto::key_pair::generate(g),
       eka = proto::key_pair::generate(g);
  // signal_v3 has no header encryption.
  const auto v3 = proto::session_state::initialize_alice(*ika, *eka, ikb->public_key, spkb->public_key, std::nullopt,
                                                         g, proto::ratchet_options{true});
  REQUIRE_FALSE(v3.has_value());
  CHECK(v3.error() == error::invalid_argument);
  CHECK(proto::session_state::initialize_bob(*ikb, *spkb, nullptr, ika->public_key, eka->public_key,
                                             proto::ratchet_options{true})
            .error() == error::invalid_argument);
  // Both ends must agree on header encryption: a plain state refuses an
  // encrypted-header message and the reverse (invalid_message, nothing changed).
  auto plain = make_modern(g, false, false);
  auto hidden = make_modern(g, false, true);
  check_rejected(plain.bob, send(hidden.alice, text("x")), g, error::invalid_message);
  check_rejected(hidden.bob, send(plain.alice, text("x")), g, error::invalid_message);
}

TEST_CASE("modern ratchet: round trips, reordering, duplicates, many DH steps", "[protocol][modern]") {
  for (const bool he : {false, true}) {
    for (const bool opk : {false, true}) {
      test::rng g(0x40de + (he ? 1 : 0) + (opk ? 2 : 0));
      auto s = make_modern(g, opk, he);
      std::size_t delivered = 0;
      for (int round = 0; round < 12; ++round) {
        auto& from = round % 2 == 0 ? s.alice : s.bob;
        auto& to = round % 2 == 0 ? s.bob : s.alice;
        std::vector<byte_vector> msgs, pts;
        for (int i = 0; i < 7; ++i) {
          pts.push_back(numbered("m", round * 100 + i));
          msgs.push_back(send(from, pts.back()));
        }
        // deliver in a shuffled order (an empty message too)
        std::vector<std::size_t> order{3, 0, 6, 1, 5, 2, 4};
        for (const auto i : order) {
          const auto d = to.decrypt(msgs[i], g);
          REQUIRE(d.has_value());
          CHECK(*d == pts[i]);
          ++delivered;
        }
        for (const auto i : {std::size_t{0}, std::size_t{6}}) check_rejected(to, msgs[i], g, error::duplicate_message);
      }
      CHECK(delivered == 84);
      CHECK(s.alice.receiver_chain_count() == proto::max_receiver_chains);
      // an empty plaintext
      const auto e = s.alice.decrypt(send(s.bob, {}), g);
      REQUIRE(e.has_value());
      CHECK(e->empty());
    }
  }
}

TEST_CASE("modern ratchet: late messages on older chains and skipped keys", "[protocol][modern]") {
  for (const bool he : {false, true}) {
    test::rng g(0x1a7e + (he ? 1 : 0));
    auto s = make_modern(g, true, he);
    REQUIRE(s.bob.decrypt(send(s.alice, text("hello")), g).has_value());
    // Alice sends on three successive chains, holding back one message of
    // each; they arrive after the conversation moved on.
    std::vector<std::pair<byte_vector, byte_vector>> late;
    for (int chain = 0; chain < 3; ++chain) {
      for (int i = 0; i < 4; ++i) {
        const auto pt = numbered("c", chain * 10 + i);
        auto m = send(s.alice, pt);
        if (i == 1) {
          late.emplace_back(std::move(m), pt);
        } else {
          REQUIRE(s.bob.decrypt(m, g).has_value());
        }
      }
      REQUIRE(s.alice.decrypt(send(s.bob, text("ack")), g).has_value());  // a DH step on each side
    }
    CHECK(s.bob.skipped_key_count() == 3);
    for (auto it = late.rbegin(); it != late.rend(); ++it) {
      const auto d = s.bob.decrypt(it->first, g);
      REQUIRE(d.has_value());
      CHECK(*d == it->second);
      check_rejected(s.bob, it->first, g, error::duplicate_message);
    }
    CHECK(s.bob.skipped_key_count() == 0);
  }
}

TEST_CASE("modern ratchet: forward-jump limit and per-chain cache cap", "[protocol][modern]") {
  for (const bool he : {false, true}) {
    test::rng g(0xf0f0 + (he ? 1 : 0));
    auto t = make_modern(g, false, he);
    REQUIRE(t.bob.decrypt(send(t.alice, text("0")), g).has_value());
    for (std::uint32_t i = 1; i < proto::max_forward_jump + 1; ++i) (void)t.alice.encrypt(text("skip"));
    const auto at_limit = send(t.alice, text("at limit"));
    const auto beyond = send(t.alice, text("beyond"));
    check_rejected(t.bob, beyond, g, error::too_many_skipped);
    const auto a = t.bob.decrypt(at_limit, g);
    REQUIRE(a.has_value());
    CHECK(*a == text("at limit"));
    CHECK(t.bob.skipped_key_count() == proto::max_skipped_keys);  // the oldest were dropped
    const auto b = t.bob.decrypt(beyond, g);
    REQUIRE(b.has_value());
    CHECK(*b == text("beyond"));
  }
}

TEST_CASE("modern ratchet: every byte tampered, every truncation, foreign messages", "[protocol][modern]") {
  for (const bool he : {false, true}) {
    test::rng g(0x7a3 + (he ? 1 : 0));
    auto s = make_modern(g, false, he);
    auto other = make_modern(g, false, he);
    // Bob has a receiving chain with a skipped key, so that tampering hits
    // every path: current chain, cached key, new ratchet key.
    const auto held = send(s.alice, text("held back"));
    REQUIRE(s.bob.decrypt(send(s.alice, text("first")), g).has_value());
    for (const auto* m : {&held}) {
      for (std::size_t pos = 0; pos < m->size(); ++pos) {
        for (const std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
          auto t = *m;
          t[pos] ^= flip;
          INFO("byte " << pos << " flip " << int(flip) << " he " << he);
          check_rejected(s.bob, t, g);
        }
      }
      for (std::size_t n = 0; n < m->size(); ++n) check_rejected(s.bob, std::span<const std::uint8_t>(*m).first(n), g);
    }
    // A message on the next chain (a DH step for Bob), tampered everywhere.
    REQUIRE(s.alice.decrypt(send(s.bob, text("reply")), g).has_value());
    const auto next_chain = send(s.alice, text("after a DH step"));
    for (std::size_t pos = 0; pos < next_chain.size(); ++pos) {
      auto t = next_chain;
      t[pos] ^= static_cast<std::uint8_t>(1u << (pos % 8));
      check_rejected(s.bob, t, g);
    }
    // Wrong version byte, tag and body bytes: the specific errors.
    {
      auto t = held;
      t[0] = 0x33;
      check_rejected(s.bob, t, g, error::invalid_message);
      t = held;
      t.back() ^= 1;
      check_rejected(s.bob, t, g, error::invalid_mac);
      t = held;
      t[t.size() - 17] ^= 1;
      check_rejected(s.bob, t, g, error::invalid_mac);
    }
    // Another session's message.
    check_rejected(s.bob, send(other.alice, text("not yours")), g, error::invalid_mac);
    // The genuine messages still decrypt after all that.
    const auto d1 = s.bob.decrypt(held, g);
    REQUIRE(d1.has_value());
    CHECK(*d1 == text("held back"));
    const auto d2 = s.bob.decrypt(next_chain, g);
    REQUIRE(d2.has_value());
    CHECK(*d2 == text("after a DH step"));
  }
}

TEST_CASE("modern ratchet: random conversation with reordering, drops, replays, tampering", "[protocol][modern]") {
  for (const bool he : {false, true}) {
    test::rng g(0xc0ffe + (he ? 1 : 0));
    auto s = make_modern(g, true, he);
    struct in_flight {
      byte_vector bytes, plaintext;
      int chain = 0;  // sender's sending-chain number
      bool delivered = false;
    };
    std::vector<in_flight> to_bob, to_alice;
    int delivered = 0, tampered = 0, replays = 0, lost = 0;
    // Each party's sending-chain number, and the newest chain number of the
    // peer it has seen: a message more than max_receiver_chains chains old
    // is lost (as in Signal).
    int chain_of[2] = {0, 0}, seen_of[2] = {0, -1};
    REQUIRE(s.bob.decrypt(send(s.alice, text("first")), g).has_value());
    seen_of[1] = 0;
    chain_of[1] = 1;  // Bob stepped: his next messages are on a new chain
    for (int step = 0; step < 2000; ++step) {
      const auto action = g.below(10);
      const int side = static_cast<int>(g.below(2));  // 0: Alice sends / Bob receives
      auto& sender = side == 0 ? s.alice : s.bob;
      auto& receiver = side == 0 ? s.bob : s.alice;
      auto& queue = side == 0 ? to_bob : to_alice;
      if (action < 4 || queue.empty()) {
        byte_vector pt(g.below(100));
        g.fill(pt);
        queue.push_back({send(sender, pt), pt, chain_of[side], false});
        continue;
      }
      const auto idx = g.below(queue.size());
      auto& msg = queue[idx];
      if (action == 4) {
        queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(idx));
        continue;
      }
      if (action == 5) {
        auto t = msg.bytes;
        t[g.below(t.size())] ^= static_cast<std::uint8_t>(1u << g.below(8));
        check_rejected(receiver, t, g);
        ++tampered;
        continue;
      }
      const int receiver_side = 1 - side;
      const bool aged = seen_of[receiver_side] - msg.chain >= static_cast<int>(proto::max_receiver_chains);
      const auto before = receiver.serialize();
      const auto d = receiver.decrypt(msg.bytes, g);
      if (msg.delivered || aged) {
        REQUIRE_FALSE(d.has_value());
        CHECK(receiver.serialize() == before);
        if (aged) {
          CHECK(d.error() == error::invalid_mac);
          if (!msg.delivered) ++lost;
          msg.delivered = true;
        } else {
          CHECK(d.error() == error::duplicate_message);
          ++replays;
        }
      } else {
        REQUIRE(d.has_value());
        CHECK(*d == msg.plaintext);
        msg.delivered = true;
        ++delivered;
        if (msg.chain > seen_of[receiver_side]) {  // a new ratchet key: the receiver stepped
          seen_of[receiver_side] = msg.chain;
          ++chain_of[receiver_side];
        }
      }
    }
    CHECK(delivered > 300);
    CHECK(tampered > 50);
    CHECK(replays > 10);
    CHECK(lost < delivered / 20);
  }
}

TEST_CASE("modern ratchet: state serializes and resumes mid-conversation", "[protocol][modern]") {
  for (const bool he : {false, true}) {
    test::rng g(0x5e72 + (he ? 1 : 0));
    auto s = make_modern(g, true, he);
    std::vector<byte_vector> late;
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < 4; ++i) {
        auto m = send(s.alice, numbered("a", round * 10 + i));
        if (i == 2) {
          late.push_back(std::move(m));
        } else {
          REQUIRE(s.bob.decrypt(m, g).has_value());
        }
      }
      for (int i = 0; i < 2; ++i) REQUIRE(s.alice.decrypt(send(s.bob, text("b")), g).has_value());
    }
    for (auto* party : {&s.alice, &s.bob}) {
      const auto bytes = party->serialize();
      CHECK(std::equal(bytes.begin(), bytes.begin() + 4, "e2sm"));
      auto copy = proto::modern_session_state::deserialize(bytes);
      REQUIRE(copy.has_value());
      CHECK(copy->serialize() == bytes);
      CHECK(copy->header_encryption() == he);
      *party = std::move(*copy);
    }
    for (std::size_t i = 0; i < late.size(); ++i) {
      const auto d = s.bob.decrypt(late[i], g);
      REQUIRE(d.has_value());
      CHECK(*d == numbered("a", static_cast<int>(i) * 10 + 2));
    }
    REQUIRE(s.bob.decrypt(send(s.alice, text("after")), g).has_value());
    REQUIRE(s.alice.decrypt(send(s.bob, text("after too")), g).has_value());
  }
}

TEST_CASE("modern ratchet: records of one suite never load as the other; corruption rejected",
          "[protocol][modern]") {
  test::rng g(0xe25);
  auto m = make_modern(g, true, true);
  (void)m.alice.encrypt(text("in flight"));
  REQUIRE(m.bob.decrypt(send(m.alice, text("x")), g).has_value());  // one skipped key
  const auto modern_bytes = m.bob.serialize();

  auto ika = proto::key_pair::generate(g), ikb = proto::key_pair::generate(g), spkb = proto::key_pair::generate(g),
       eka = proto::key_pair::generate(g);
  auto v3 = proto::session_state::initialize_bob(*ikb, *spkb, nullptr, ika->public_key, eka->public_key);
  REQUIRE(v3.has_value());
  const auto v3_bytes = v3->serialize();

  CHECK(proto::session_state::deserialize(v3_bytes).has_value());
  CHECK(proto::modern_session_state::deserialize(modern_bytes).has_value());
  CHECK(proto::modern_session_state::deserialize(v3_bytes).error() == error::invalid_message);
  CHECK(proto::session_state::deserialize(modern_bytes).error() == error::invalid_message);

  for (std::size_t n = 0; n < modern_bytes.size(); ++n)
    CHECK(proto::modern_session_state::deserialize(std::span<const std::uint8_t>(modern_bytes).first(n)).error() ==
          error::invalid_message);
  for (std::size_t pos = 0; pos < modern_bytes.size(); ++pos) {
    auto t = modern_bytes;
    t[pos] ^= static_cast<std::uint8_t>(1u << (pos % 8));
    CHECK_FALSE(proto::modern_session_state::deserialize(t).has_value());
  }
  auto extra = modern_bytes;
  extra.push_back(0);
  CHECK_FALSE(proto::modern_session_state::deserialize(extra).has_value());
}

TEST_CASE("ratchet: total bound on cached skipped keys across chains", "[protocol][modern][ratchet]") {
  test::rng g(0x70a1);
  auto s = make_modern(g, false, false);
  // Three of Alice's chains, each leaving max_skipped_keys keys cached at Bob:
  // 6,000 in all, above max_total_skipped_keys.
  byte_vector first_of_oldest, last_of_newest;
  for (int chain = 0; chain < 3; ++chain) {
    byte_vector first;
    for (std::size_t i = 0; i < proto::max_skipped_keys; ++i) {
      auto m = send(s.alice, text("late"));
      if (i == 0) first = m;
      if (chain == 2 && i + 1 == proto::max_skipped_keys) last_of_newest = m;
    }
    REQUIRE(s.bob.decrypt(send(s.alice, text("ahead")), g).has_value());
    if (chain == 0) first_of_oldest = first;
    REQUIRE(s.alice.decrypt(send(s.bob, text("ack")), g).has_value());
  }
  CHECK(s.bob.skipped_key_count() == proto::max_total_skipped_keys);
  // The oldest chain's oldest keys went first; the newest chain's are intact.
  check_rejected(s.bob, first_of_oldest, g, error::duplicate_message);
  const auto d = s.bob.decrypt(last_of_newest, g);
  REQUIRE(d.has_value());
  CHECK(*d == text("late"));
}
