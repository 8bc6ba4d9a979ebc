// Sessions through the store API (protocol/session.hpp): bundles, PreKey
// messages, trust on first use, duplicates, archived states, session records.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <e2ee/protocol/session.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"
#include "support/session_fixture.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;

byte_vector text(const std::string& s) { return byte_vector(s.begin(), s.end()); }
byte_vector numbered(const char* prefix, int n) {
  std::string s(prefix);
  s += std::to_string(n);
  return text(s);
}

// One user with its stores, Bob's bundle and the record bytes: the shared
// session fixture.
using user = test::party;
using test::publish;
using test::record_bytes;

user make_user(test::rng& g, std::string name, std::uint32_t reg) { return test::make_party(g, std::move(name), reg); }

}  // namespace

TEST_CASE("session: bundle, PreKey message, conversation", "[protocol][session]") {
  test::rng g(0x5e55);
  for (const bool with_opk : {false, true}) {
    auto alice = make_user(g, "alice", 11);
    auto bob = make_user(g, "bob", 22);
    const auto bundle = publish(bob, g, 1, with_opk ? std::optional<std::uint32_t>(100) : std::nullopt);
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, bundle, g).has_value());
    const auto m1 = proto::encrypt(alice.store, bob.addr, text("hi bob"));
    REQUIRE(m1.has_value());
    CHECK(m1->type == proto::message_type::pre_key);
    const auto d1 = proto::decrypt(bob.store, alice.addr, m1->type, m1->bytes, g);
    REQUIRE(d1.has_value());
    CHECK(*d1 == text("hi bob"));
    CHECK(bob.store.pre_key_count() == 0);  // a one-time prekey is used once
    // Duplicate PreKey message: a duplicate, not a second session.
    const auto before = record_bytes(bob.store, alice.addr);
    const auto dup = proto::decrypt(bob.store, alice.addr, m1->type, m1->bytes, g);
    REQUIRE_FALSE(dup.has_value());
    CHECK(dup.error() == error::duplicate_message);
    CHECK(record_bytes(bob.store, alice.addr) == before);
    for (int i = 0; i < 20; ++i) {
      auto& from = (i % 3 == 0) ? bob : alice;
      auto& to = (i % 3 == 0) ? alice : bob;
      const auto pt = numbered("message ", i);
      const auto m = proto::encrypt(from.store, to.addr, pt);
      REQUIRE(m.has_value());
      const auto d = proto::decrypt(to.store, from.addr, m->type, m->bytes, g);
      REQUIRE(d.has_value());
      CHECK(*d == pt);
    }
  }
}

TEST_CASE("session: bad signatures, changed identities, unknown prekeys", "[protocol][session]") {
  test::rng g(0xbadb);
  auto alice = make_user(g, "alice", 11);
  auto bob = make_user(g, "bob", 22);
  auto bundle = publish(bob, g, 7, 70);

  SECTION("a forged signed-prekey signature") {
    auto forged = bundle;
    forged.signed_pre_key_signature[3] ^= 1;
    CHECK(proto::process_pre_key_bundle(alice.store, bob.addr, forged, g).error() == error::invalid_signature);
    auto swapped = bundle;  // another key under the genuine signature
    swapped.signed_pre_key[0] ^= 0x10;
    CHECK(proto::process_pre_key_bundle(alice.store, bob.addr, swapped, g).error() == error::invalid_signature);
    CHECK_FALSE(alice.store.load_session(bob.addr).has_value());
  }
  SECTION("a changed identity key is untrusted until the user accepts it") {
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, bundle, g).has_value());
    auto mallory = make_user(g, "bob", 22);
    const auto fake = publish(mallory, g, 7, std::nullopt);
    const auto before = record_bytes(alice.store, bob.addr);
    CHECK(proto::process_pre_key_bundle(alice.store, bob.addr, fake, g).error() == error::untrusted_identity);
    CHECK(record_bytes(alice.store, bob.addr) == before);
    alice.store.replace_identity(bob.addr, fake.identity_key);
    CHECK(proto::process_pre_key_bundle(alice.store, bob.addr, fake, g).has_value());
  }
  SECTION("PreKey message from a changed identity") {
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, bundle, g).has_value());
    bob.store.save_identity(alice.addr, bob.store.identity_key_pair().public_key);  // Bob trusts another key
    const auto m = proto::encrypt(alice.store, bob.addr, text("x"));
    REQUIRE(m.has_value());
    CHECK(proto::decrypt(bob.store, alice.addr, m->type, m->bytes, g).error() == error::untrusted_identity);
    CHECK_FALSE(bob.store.load_session(alice.addr).has_value());
    CHECK(bob.store.pre_key_count() == 1);  // not consumed
  }
  SECTION("unknown signed or one-time prekey") {
    auto wrong_spk = bundle;
    wrong_spk.signed_pre_key_id = 8;  // signature still valid: it covers the key, not the id
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, wrong_spk, g).has_value());
    auto m = proto::encrypt(alice.store, bob.addr, text("x"));
    REQUIRE(m.has_value());
    CHECK(proto::decrypt(bob.store, alice.addr, m->type, m->bytes, g).error() == error::invalid_key);
    auto wrong_opk = bundle;
    wrong_opk.pre_key_id = 71;
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, wrong_opk, g).has_value());
    m = proto::encrypt(alice.store, bob.addr, text("y"));
    REQUIRE(m.has_value());
    CHECK(proto::decrypt(bob.store, alice.addr, m->type, m->bytes, g).error() == error::invalid_key);
    CHECK_FALSE(bob.store.load_session(alice.addr).has_value());
    CHECK(bob.store.pre_key_count() == 1);
  }
  SECTION("no session, wrong type") {
    CHECK(proto::encrypt(alice.store, bob.addr, text("x")).error() == error::no_session);
    CHECK(proto::decrypt(bob.store, alice.addr, proto::message_type::whisper, text("zz"), g).error() ==
          error::no_session);
    CHECK(proto::decrypt(bob.store, alice.addr, static_cast<proto::message_type>(9), text("zz"), g).error() ==
          error::invalid_message);
  }
}

TEST_CASE("session: a new session archives the old one, which still decrypts", "[protocol][session]") {
  test::rng g(0xa4c1);
  auto alice = make_user(g, "alice", 11);
  auto bob = make_user(g, "bob", 22);
  REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 1, 10), g).has_value());
  const auto first = proto::encrypt(alice.store, bob.addr, text("session 1, message 1"));
  REQUIRE(first.has_value());
  REQUIRE(proto::decrypt(bob.store, alice.addr, first->type, first->bytes, g).has_value());
  const auto reply = proto::encrypt(bob.store, alice.addr, text("reply"));
  REQUIRE(reply.has_value());
  REQUIRE(proto::decrypt(alice.store, bob.addr, reply->type, reply->bytes, g).has_value());
  // Bob sends one more on session 1, still in flight when Alice starts session 2.
  const auto late = proto::encrypt(bob.store, alice.addr, text("late on session 1"));
  REQUIRE(late.has_value());
  REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 2, 20), g).has_value());
  const auto s2 = proto::encrypt(alice.store, bob.addr, text("session 2"));
  REQUIRE(s2.has_value());
  CHECK(s2->type == proto::message_type::pre_key);
  REQUIRE(proto::decrypt(bob.store, alice.addr, s2->type, s2->bytes, g).has_value());
  const auto rec = bob.store.load_session(alice.addr);
  REQUIRE(rec.has_value());
  CHECK(rec->archived_count() == 1);
  // Alice reads the late message through her archived state.
  const auto d = proto::decrypt(alice.store, bob.addr, late->type, late->bytes, g);
  REQUIRE(d.has_value());
  CHECK(*d == text("late on session 1"));
  // ... which made session 1 current again on her side; both still work.
  const auto m = proto::encrypt(bob.store, alice.addr, text("after"));
  REQUIRE(m.has_value());
  CHECK(proto::decrypt(alice.store, bob.addr, m->type, m->bytes, g).has_value());
}

TEST_CASE("session: records serialize, and corrupted records are rejected", "[protocol][session]") {
  test::rng g(0x2ec0);
  auto alice = make_user(g, "alice", 11);
  auto bob = make_user(g, "bob", 22);
  REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 1, std::nullopt), g).has_value());
  REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 2, std::nullopt), g).has_value());
  const auto bytes = record_bytes(alice.store, bob.addr);
  const auto r = proto::session_record::deserialize(bytes);
  REQUIRE(r.has_value());
  CHECK(r->archived_count() == 1);
  CHECK(r->serialize() == bytes);
  for (std::size_t n = 0; n < bytes.size(); n += 3)
    CHECK_FALSE(proto::session_record::deserialize(std::span<const std::uint8_t>(bytes).first(n)).has_value());
  for (std::size_t pos = 0; pos < bytes.size(); pos += 5) {
    auto t = bytes;
    t[pos] ^= 0x04;
    CHECK_FALSE(proto::session_record::deserialize(t).has_value());
  }
  auto v2 = bytes;
  v2[4] = 2;
  CHECK(proto::session_record::deserialize(v2).error() == error::invalid_version);
}
