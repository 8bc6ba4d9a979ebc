// The session API (protocol/session.hpp) beyond signal_v3 basics: the
// modern suite through the stores (its 0xE3 PreKey wrapper, both header
// modes), records of either suite, and time: the 30-day limit on
// unanswered sessions and the expiry of cached skipped keys.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <e2ee/protocol/session.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"
#include "support/session_fixture.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;
using std::chrono::sys_seconds;

byte_vector text(const std::string& s) { return byte_vector(s.begin(), s.end()); }
byte_vector numbered(const char* prefix, int n) {
  std::string s(prefix);
  s += std::to_string(n);
  return text(s);
}

using user = test::party;
using test::publish;
using test::record_bytes;

proto::session_options modern_options(bool header_encryption) {
  proto::session_options o;
  o.suite = proto::session_suite::modern;
  o.header_encryption = header_encryption;
  return o;
}

proto::session_options at(sys_seconds t) {
  proto::session_options o;
  o.now = t;
  return o;
}

template <class V>
void shuffle(V& v, test::rng& g) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<std::size_t>(g.below(i))]);
}

struct sent {
  proto::encrypted_message m;
  byte_vector plaintext;
};

// deliver: every message of `batch` to `to`, in a shuffled order; each
// decrypts exactly once and a second delivery is a duplicate that changes
// nothing.
void deliver(std::vector<sent>& batch, user& to, const user& from, test::rng& g,
             const proto::session_options& o = {}) {
  shuffle(batch, g);
  for (const auto& s : batch) {
    const auto d = proto::decrypt(to.store, from.addr, s.m.type, s.m.bytes, g, o);
    REQUIRE(d.has_value());
    CHECK(*d == s.plaintext);
  }
  for (const auto& s : batch) {
    const auto before = record_bytes(to.store, from.addr);
    const auto d = proto::decrypt(to.store, from.addr, s.m.type, s.m.bytes, g, o);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error() == error::duplicate_message);
    CHECK(record_bytes(to.store, from.addr) == before);
  }
  batch.clear();
}

sent send(user& from, const user& to, int n, const proto::session_options& o = {}) {
  auto pt = numbered("message ", n);
  auto m = proto::encrypt(from.store, to.addr, pt, o);
  REQUIRE(m.has_value());
  return {std::move(*m), std::move(pt)};
}

}  // namespace

// ---- the modern suite through the stores -----------------------------------------

TEST_CASE("session api: modern conversations with reordering and duplicates", "[protocol][session][modern]") {
  test::rng g(0x30de);
  for (const bool he : {false, true}) {
    for (const bool with_opk : {false, true}) {
      CAPTURE(he, with_opk);
      auto alice = test::make_party(g, "alice", 11);
      auto bob = test::make_party(g, "bob", 22);
      const auto bundle = publish(bob, g, 5, with_opk ? std::optional<std::uint32_t>(50) : std::nullopt);
      REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, bundle, g, modern_options(he)).has_value());
      const auto rec = alice.store.load_session(bob.addr);
      REQUIRE(rec.has_value());
      CHECK(rec->suite() == proto::session_suite::modern);
      CHECK(rec->current() == nullptr);  // no signal_v3 state in a modern record
      REQUIRE(rec->get<proto::modern>() != nullptr);
      CHECK(rec->get<proto::modern>()->current()->header_encryption() == he);

      // Alice's first messages are PreKey-wrapped (0xE3), delivered shuffled.
      std::vector<sent> batch;
      for (int i = 0; i < 6; ++i) {
        batch.push_back(send(alice, bob, i));
        const auto& m = batch.back().m;
        CHECK(m.type == proto::message_type::pre_key);
        REQUIRE(m.bytes.size() > 2);
        CHECK(m.bytes[0] == proto::modern_pre_key_version);
        CHECK(m.bytes[1] == ((with_opk ? 1 : 0) | (he ? 2 : 0)));
        const auto p = proto::parse_modern_pre_key_message(m.bytes);
        REQUIRE(p.has_value());
        CHECK(p->header_encryption == he);
        CHECK(p->registration_id == 11);
        CHECK(p->signed_pre_key_id == 5);
        CHECK(p->pre_key_id == (with_opk ? std::optional<std::uint32_t>(50) : std::nullopt));
        CHECK(p->identity_key == alice.store.identity_key_pair().public_key);
        CHECK(p->message[0] == (he ? proto::modern_encrypted_header_version : proto::modern_version_byte));
      }
      deliver(batch, bob, alice, g);  // duplicates of PreKey messages included: idempotent
      CHECK(bob.store.pre_key_count() == 0);
      {
        const auto b = bob.store.load_session(alice.addr);
        REQUIRE(b.has_value());
        CHECK(b->suite() == proto::session_suite::modern);
        CHECK(b->archived_count() == 0);  // one session, however many PreKey messages
        CHECK(b->get<proto::modern>()->current()->remote_registration_id() == 11);
      }

      // Bob answers; Alice's messages are then plain whisper ones.
      for (int round = 0; round < 12; ++round) {
        const bool from_alice = round % 2 == 1;
        auto& from = from_alice ? alice : bob;
        auto& to = from_alice ? bob : alice;
        const auto count = static_cast<int>(g.range(1, 8));
        for (int i = 0; i < count; ++i) {
          batch.push_back(send(from, to, round * 100 + i));
          CHECK(batch.back().m.type == proto::message_type::whisper);
          CHECK(batch.back().m.bytes[0] == (he ? proto::modern_encrypted_header_version : proto::modern_version_byte));
        }
        deliver(batch, to, from, g);
      }
    }
  }
}

TEST_CASE("session api: modern PreKey messages, tampered or malformed, are refused", "[protocol][session][modern]") {
  test::rng g(0x7a3e);
  for (const bool he : {false, true}) {
    CAPTURE(he);
    auto alice = test::make_party(g, "alice", 11);
    auto bob = test::make_party(g, "bob", 22);
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 3, 30), g, modern_options(he))
                .has_value());
    const auto m = send(alice, bob, 1);
    // Every byte flipped: refused, Bob's stores untouched (no session, the
    // one-time prekey kept). Flags and ids are authenticated with the body.
    for (std::size_t pos = 0; pos < m.m.bytes.size(); ++pos) {
      auto t = m.m.bytes;
      t[pos] ^= static_cast<std::uint8_t>(1u << (pos % 8));
      const auto d = proto::decrypt(bob.store, alice.addr, m.m.type, t, g);
      CHECK_FALSE(d.has_value());
      CHECK_FALSE(bob.store.load_session(alice.addr).has_value());
      CHECK(bob.store.pre_key_count() == 1);
    }
    // Every truncation, and trailing bytes.
    for (std::size_t n = 0; n < m.m.bytes.size(); ++n)
      CHECK_FALSE(proto::decrypt(bob.store, alice.addr, m.m.type, std::span<const std::uint8_t>(m.m.bytes).first(n), g)
                      .has_value());
    auto extra = m.m.bytes;
    extra.push_back(0);
    CHECK_FALSE(proto::decrypt(bob.store, alice.addr, m.m.type, extra, g).has_value());
    CHECK_FALSE(bob.store.load_session(alice.addr).has_value());
    // Strict parser: unknown flag bits, a header mode the inner message
    // does not have.
    auto flags = m.m.bytes;
    flags[1] |= 0x04;
    CHECK(proto::parse_modern_pre_key_message(flags).error() == error::invalid_message);
    auto mode = m.m.bytes;
    mode[1] ^= proto::modern_pre_key_header_encryption_flag;
    CHECK(proto::parse_modern_pre_key_message(mode).error() == error::invalid_message);
    // A PreKey message sent as type whisper is not accepted.
    CHECK_FALSE(proto::decrypt(bob.store, alice.addr, proto::message_type::whisper, m.m.bytes, g).has_value());
    // The genuine message still works.
    const auto d = proto::decrypt(bob.store, alice.addr, m.m.type, m.m.bytes, g);
    REQUIRE(d.has_value());
    CHECK(*d == m.plaintext);
    // Tampered whisper messages: refused, record byte-identical.
    const auto w = send(bob, alice, 2);
    const auto before = record_bytes(alice.store, bob.addr);
    for (std::size_t pos = 0; pos < w.m.bytes.size(); pos += 3) {
      auto t = w.m.bytes;
      t[pos] ^= 0x20;
      CHECK_FALSE(proto::decrypt(alice.store, bob.addr, w.m.type, t, g).has_value());
    }
    CHECK(record_bytes(alice.store, bob.addr) == before);
    REQUIRE(proto::decrypt(alice.store, bob.addr, w.m.type, w.m.bytes, g).has_value());
  }
}

TEST_CASE("session api: the two suites never mix", "[protocol][session][modern]") {
  test::rng g(0x5a17);
  auto alice = test::make_party(g, "alice", 11);
  auto bob = test::make_party(g, "bob", 22);
  // A signal_v3 session, answered.
  REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 1, std::nullopt), g).has_value());
  auto v3 = send(alice, bob, 1);
  CHECK(v3.m.bytes[0] == proto::message_version_byte);
  REQUIRE(proto::decrypt(bob.store, alice.addr, v3.m.type, v3.m.bytes, g).has_value());
  const auto v3_reply = send(bob, alice, 2);

  // header_encryption needs modern.
  proto::session_options bad;
  bad.header_encryption = true;
  CHECK(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 9, std::nullopt), g, bad).error() ==
        error::invalid_argument);

  // Alice starts a modern session: her record becomes a modern one.
  REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 2, std::nullopt), g,
                                        modern_options(false))
              .has_value());
  CHECK(alice.store.load_session(bob.addr)->suite() == proto::session_suite::modern);
  CHECK(alice.store.load_session(bob.addr)->archived_count() == 0);
  // Bob's v3 message cannot be read on her modern record.
  {
    const auto before = record_bytes(alice.store, bob.addr);
    CHECK_FALSE(proto::decrypt(alice.store, bob.addr, v3_reply.m.type, v3_reply.m.bytes, g).has_value());
    CHECK(record_bytes(alice.store, bob.addr) == before);
  }
  // Her modern PreKey message: Bob's v3 record is replaced by a modern one.
  const auto m = send(alice, bob, 3);
  CHECK(m.m.type == proto::message_type::pre_key);
  REQUIRE(proto::decrypt(bob.store, alice.addr, m.m.type, m.m.bytes, g).has_value());
  CHECK(bob.store.load_session(alice.addr)->suite() == proto::session_suite::modern);
  // A modern whisper message given to a v3 record, and the reverse, do not
  // parse there.
  const auto r = send(bob, alice, 4);
  auto carol = test::make_party(g, "carol", 33);
  REQUIRE(proto::process_pre_key_bundle(carol.store, bob.addr, publish(bob, g, 4, std::nullopt), g).has_value());
  CHECK_FALSE(proto::decrypt(carol.store, bob.addr, r.m.type, r.m.bytes, g).has_value());

  // Records: each suite's loader refuses the other's bytes; session_record
  // reads both.
  const auto modern_bytes = record_bytes(bob.store, alice.addr);
  const auto v3_bytes = record_bytes(carol.store, bob.addr);
  CHECK(std::equal(modern_bytes.begin(), modern_bytes.begin() + 4, "e2mr"));
  CHECK(std::equal(v3_bytes.begin(), v3_bytes.begin() + 4, "e2sr"));
  CHECK(proto::basic_session_record<proto::modern>::deserialize(v3_bytes).error() == error::invalid_message);
  CHECK(proto::basic_session_record<proto::signal_v3>::deserialize(modern_bytes).error() == error::invalid_message);
  const auto back_modern = proto::session_record::deserialize(modern_bytes);
  const auto back_v3 = proto::session_record::deserialize(v3_bytes);
  REQUIRE(back_modern.has_value());
  REQUIRE(back_v3.has_value());
  CHECK(back_modern->suite() == proto::session_suite::modern);
  CHECK(back_v3->suite() == proto::session_suite::signal_v3);
  CHECK(back_modern->serialize() == modern_bytes);
  CHECK(back_v3->serialize() == v3_bytes);
  // A v3 state inside a modern record (magic swapped) is refused.
  auto swapped = v3_bytes;
  std::copy_n("e2mr", 4, swapped.begin());
  CHECK_FALSE(proto::session_record::deserialize(swapped).has_value());
}

TEST_CASE("session api: modern records round trip mid-conversation; corruption refused",
          "[protocol][session][modern]") {
  test::rng g(0x2ec1);
  for (const bool he : {false, true}) {
    CAPTURE(he);
    auto alice = test::make_party(g, "alice", 11);
    auto bob = test::make_party(g, "bob", 22);
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 1, 10), g, modern_options(he))
                .has_value());
    std::vector<sent> late;
    for (int i = 0; i < 40; ++i) {
      const bool from_alice = i % 3 != 0 || i < 2;
      auto& from = from_alice ? alice : bob;
      auto& to = from_alice ? bob : alice;
      if (!from.store.load_session(to.addr)) continue;
      auto s = send(from, to, i);
      if (g.below(4) == 0) {
        late.push_back(std::move(s));  // delivered a few restarts later (within the 5 kept chains)
      } else {
        const auto d = proto::decrypt(to.store, from.addr, s.m.type, s.m.bytes, g);
        REQUIRE(d.has_value());
        CHECK(*d == s.plaintext);
      }
      // Restart both from their serialized records.
      for (auto* u : {&alice, &bob}) {
        const auto& other = u == &alice ? bob : alice;
        const auto bytes = record_bytes(u->store, other.addr);
        if (bytes.empty()) continue;
        auto r = proto::session_record::deserialize(bytes);
        REQUIRE(r.has_value());
        CHECK(r->serialize() == bytes);
        u->store.store_session(other.addr, std::move(*r));
      }
      // Deliver the late ones to whichever side can read them.
      if (late.size() < 3 && i != 39) continue;
      for (const auto& l : late) {
        auto d = proto::decrypt(bob.store, alice.addr, l.m.type, l.m.bytes, g);
        if (!d) d = proto::decrypt(alice.store, bob.addr, l.m.type, l.m.bytes, g);
        REQUIRE(d.has_value());
        CHECK(*d == l.plaintext);
      }
      late.clear();
    }
    const auto bytes = record_bytes(bob.store, alice.addr);
    for (std::size_t n = 0; n < bytes.size(); n += 7)
      CHECK_FALSE(proto::session_record::deserialize(std::span<const std::uint8_t>(bytes).first(n)).has_value());
    for (std::size_t pos = 0; pos < bytes.size(); pos += 5) {
      auto t = bytes;
      t[pos] ^= 0x08;
      CHECK_FALSE(proto::session_record::deserialize(t).has_value());
    }
  }
}

TEST_CASE("session api: modern sessions and changed identities", "[protocol][session][modern]") {
  test::rng g(0x1de7);
  auto alice = test::make_party(g, "alice", 11);
  auto bob = test::make_party(g, "bob", 22);
  const auto bundle = publish(bob, g, 7, 70);
  SECTION("a bundle from a changed identity") {
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, bundle, g, modern_options(true)).has_value());
    auto mallory = test::make_party(g, "bob", 22);
    const auto fake = publish(mallory, g, 7, std::nullopt);
    const auto before = record_bytes(alice.store, bob.addr);
    CHECK(proto::process_pre_key_bundle(alice.store, bob.addr, fake, g, modern_options(true)).error() ==
          error::untrusted_identity);
    CHECK(record_bytes(alice.store, bob.addr) == before);
  }
  SECTION("a PreKey message from a changed identity") {
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, bundle, g, modern_options(false)).has_value());
    bob.store.save_identity(alice.addr, bob.store.identity_key_pair().public_key);  // Bob trusts another key
    const auto m = send(alice, bob, 1);
    CHECK(proto::decrypt(bob.store, alice.addr, m.m.type, m.m.bytes, g).error() == error::untrusted_identity);
    CHECK_FALSE(bob.store.load_session(alice.addr).has_value());
    CHECK(bob.store.pre_key_count() == 1);
  }
  SECTION("encrypt and decrypt after replace_identity") {
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, bundle, g, modern_options(true)).has_value());
    const auto m = send(alice, bob, 1);
    REQUIRE(proto::decrypt(bob.store, alice.addr, m.m.type, m.m.bytes, g).has_value());
    const auto reply = send(bob, alice, 2);
    auto other = proto::key_pair::generate(g);
    REQUIRE(other.has_value());
    alice.store.replace_identity(bob.addr, other->public_key);
    const auto before = record_bytes(alice.store, bob.addr);
    CHECK(proto::encrypt(alice.store, bob.addr, text("x")).error() == error::untrusted_identity);
    CHECK(proto::decrypt(alice.store, bob.addr, reply.m.type, reply.m.bytes, g).error() ==
          error::untrusted_identity);
    CHECK(record_bytes(alice.store, bob.addr) == before);
  }
}

// ---- time: unanswered sessions and skipped-key expiry ------------------------------

namespace {
const sys_seconds t0{std::chrono::seconds(1'800'000'000)};
constexpr std::chrono::seconds day{24 * 3600};
}  // namespace

TEST_CASE("session api: an unanswered session is not used after 30 days", "[protocol][session][time]") {
  test::rng g(0x30d4);
  for (const bool use_modern : {false, true}) {
    CAPTURE(use_modern);
    auto alice = test::make_party(g, "alice", 11);
    auto bob = test::make_party(g, "bob", 22);
    auto start = use_modern ? modern_options(false) : proto::session_options{};
    start.now = t0;
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 1, 10), g, start).has_value());
    CHECK(proto::max_unacknowledged_session_age == 30 * day);
    // Usable up to and including the limit; the stamp survives the record.
    const auto first = proto::encrypt(alice.store, bob.addr, text("day 0"), at(t0));
    REQUIRE(first.has_value());
    CHECK(proto::encrypt(alice.store, bob.addr, text("day 30"), at(t0 + 30 * day)).has_value());
    {
      auto r = proto::session_record::deserialize(record_bytes(alice.store, bob.addr));
      REQUIRE(r.has_value());
      alice.store.store_session(bob.addr, std::move(*r));
    }
    // One second later it is refused, and nothing changes.
    const auto before = record_bytes(alice.store, bob.addr);
    CHECK(proto::encrypt(alice.store, bob.addr, text("late"), at(t0 + 30 * day + std::chrono::seconds(1))).error() ==
          error::no_session);
    CHECK(record_bytes(alice.store, bob.addr) == before);
    // A clock that went backwards does not age it; without a time no limit applies.
    CHECK(proto::encrypt(alice.store, bob.addr, text("back"), at(t0 - day)).has_value());
    CHECK(proto::encrypt(alice.store, bob.addr, text("no clock")).has_value());
    // A new bundle starts a fresh session.
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 2, std::nullopt), g,
                                          [&] {
                                            auto o = start;
                                            o.now = t0 + 40 * day;
                                            return o;
                                          }())
                .has_value());
    const auto fresh = proto::encrypt(alice.store, bob.addr, text("fresh"), at(t0 + 41 * day));
    REQUIRE(fresh.has_value());
    CHECK(fresh->type == proto::message_type::pre_key);
    REQUIRE(proto::decrypt(bob.store, alice.addr, fresh->type, fresh->bytes, g, at(t0 + 41 * day)).has_value());

    // An answered session has no age limit.
    auto carol = test::make_party(g, "carol", 33);
    auto dave = test::make_party(g, "dave", 44);
    start.now = t0;
    REQUIRE(proto::process_pre_key_bundle(carol.store, dave.addr, publish(dave, g, 1, std::nullopt), g, start)
                .has_value());
    const auto hello = proto::encrypt(carol.store, dave.addr, text("hello"), at(t0));
    REQUIRE(hello.has_value());
    REQUIRE(proto::decrypt(dave.store, carol.addr, hello->type, hello->bytes, g, at(t0)).has_value());
    const auto answer = proto::encrypt(dave.store, carol.addr, text("answer"), at(t0 + day));
    REQUIRE(answer.has_value());
    REQUIRE(proto::decrypt(carol.store, dave.addr, answer->type, answer->bytes, g, at(t0 + day)).has_value());
    const auto later = proto::encrypt(carol.store, dave.addr, text("a year later"), at(t0 + 365 * day));
    REQUIRE(later.has_value());
    CHECK(later->type == proto::message_type::whisper);
    CHECK(proto::decrypt(dave.store, carol.addr, later->type, later->bytes, g, at(t0 + 365 * day)).has_value());
  }
}

TEST_CASE("session api: cached skipped keys expire after max_skipped_key_age", "[protocol][session][time]") {
  test::rng g(0x5c1d);
  for (const bool use_modern : {false, true}) {
    CAPTURE(use_modern);
    auto alice = test::make_party(g, "alice", 11);
    auto bob = test::make_party(g, "bob", 22);
    auto start = use_modern ? modern_options(true) : proto::session_options{};
    start.now = t0;
    REQUIRE(proto::process_pre_key_bundle(alice.store, bob.addr, publish(bob, g, 1, std::nullopt), g, start)
                .has_value());
    const auto hello = send(alice, bob, 0, at(t0));
    REQUIRE(proto::decrypt(bob.store, alice.addr, hello.m.type, hello.m.bytes, g, at(t0)).has_value());
    const auto answer = send(bob, alice, 1, at(t0));
    REQUIRE(proto::decrypt(alice.store, bob.addr, answer.m.type, answer.m.bytes, g, at(t0)).has_value());
    // Alice sends 1..6; Bob gets 6 on day 1 (keys of 1..5 cached, stamped
    // day 1) and 5 on day 10 (kept: 9 days old).
    std::vector<sent> m;
    for (int i = 1; i <= 6; ++i) m.push_back(send(alice, bob, i, at(t0)));
    const auto bob_state = [&] {
      auto r = bob.store.load_session(alice.addr);
      REQUIRE(r.has_value());
      std::size_t n = 0;
      r->visit([&](const auto& rec) { n = rec.current()->skipped_key_count(); });
      return n;
    };
    REQUIRE(proto::decrypt(bob.store, alice.addr, m[5].m.type, m[5].m.bytes, g, at(t0 + day)).has_value());
    CHECK(bob_state() == 5);
    REQUIRE(proto::decrypt(bob.store, alice.addr, m[4].m.type, m[4].m.bytes, g, at(t0 + 10 * day)).has_value());
    CHECK(bob_state() == 4);
    // Exactly at the limit the keys are still there; one second past it a
    // cached key is not used, and nothing changes.
    const auto limit = t0 + day + proto::max_skipped_key_age;
    CHECK(proto::max_skipped_key_age == 30 * day);
    REQUIRE(proto::decrypt(bob.store, alice.addr, m[3].m.type, m[3].m.bytes, g, at(limit)).has_value());
    CHECK(bob_state() == 3);
    const auto before = record_bytes(bob.store, alice.addr);
    const auto expired =
        proto::decrypt(bob.store, alice.addr, m[2].m.type, m[2].m.bytes, g, at(limit + std::chrono::seconds(1)));
    REQUIRE_FALSE(expired.has_value());
    CHECK(expired.error() == error::duplicate_message);
    CHECK(record_bytes(bob.store, alice.addr) == before);
    // A record round trip keeps the stamps.
    {
      auto r = proto::session_record::deserialize(before);
      REQUIRE(r.has_value());
      bob.store.store_session(alice.addr, std::move(*r));
    }
    // The next committed call drops them: Bob encrypts at that time.
    REQUIRE(proto::encrypt(bob.store, alice.addr, text("tick"), at(limit + std::chrono::seconds(1))).has_value());
    CHECK(bob_state() == 0);
    // Keys cached later are stamped with their own time: a new gap on day 40
    // lives until day 70.
    std::vector<sent> n;
    for (int i = 0; i < 3; ++i) n.push_back(send(alice, bob, 100 + i, at(t0 + 40 * day)));
    REQUIRE(proto::decrypt(bob.store, alice.addr, n[2].m.type, n[2].m.bytes, g, at(t0 + 40 * day)).has_value());
    CHECK(bob_state() == 2);
    REQUIRE(proto::decrypt(bob.store, alice.addr, n[0].m.type, n[0].m.bytes, g, at(t0 + 70 * day)).has_value());
    // Without a clock nothing expires.
    REQUIRE(proto::decrypt(bob.store, alice.addr, n[1].m.type, n[1].m.bytes, g).has_value());
    CHECK(bob_state() == 0);
  }
}

TEST_CASE("session api: a state-level decrypt expires keys of every chain", "[protocol][session][time]") {
  // The state machine directly: keys on an older receiving chain expire too.
  test::rng g(0xe7e7);
  auto ika = proto::key_pair::generate(g), ikb = proto::key_pair::generate(g), spk = proto::key_pair::generate(g),
       base = proto::key_pair::generate(g);
  auto alice = proto::session_state::initialize_alice(*ika, *base, ikb->public_key, spk->public_key, std::nullopt, g);
  auto bob = proto::session_state::initialize_bob(*ikb, *spk, nullptr, ika->public_key, base->public_key);
  REQUIRE(alice.has_value());
  REQUIRE(bob.has_value());
  const auto a1 = alice->encrypt(text("1"));
  const auto a2 = alice->encrypt(text("2"));
  REQUIRE(bob->decrypt(a2.bytes, g, t0).has_value());  // a1's key cached on chain A1
  REQUIRE(alice->decrypt(bob->encrypt(text("r")).bytes, g, t0).has_value());
  const auto a3 = alice->encrypt(text("3"));  // a new chain A2
  REQUIRE(bob->decrypt(a3.bytes, g, t0 + 31 * day).has_value());
  CHECK(bob->skipped_key_count() == 0);  // A1's key expired on this commit
  CHECK(bob->decrypt(a1.bytes, g, t0 + 31 * day).error() == error::duplicate_message);
}

TEST_CASE("session api: format-1 state records (no time stamps) still load", "[protocol][session][time]") {
  // A pending session's record as format 1 wrote it: the same bytes without
  // the pending stamp (8 bytes after the base key, at offset 288 of "e2ss"
  // format 2; no skipped keys here), format byte 1, checksum recomputed.
  test::rng g(0xf01d);
  auto ika = proto::key_pair::generate(g), ikb = proto::key_pair::generate(g), spk = proto::key_pair::generate(g),
       base = proto::key_pair::generate(g);
  auto alice = proto::session_state::initialize_alice(*ika, *base, ikb->public_key, spk->public_key, std::nullopt, g);
  REQUIRE(alice.has_value());
  alice->set_pending_pre_key({std::nullopt, 1, base->public_key, 1'800'000'000}, 11);
  const auto v2 = alice->serialize();
  REQUIRE(v2[4] == 2);
  CHECK(e2ee::load_le32(v2.data() + 288) == 1'800'000'000u);
  byte_vector v1(v2.begin(), v2.end() - 32);
  v1.erase(v1.begin() + 288, v1.begin() + 296);
  v1[4] = 1;
  const auto sum = e2ee::sha256::hash(v1);
  v1.insert(v1.end(), sum.begin(), sum.end());
  auto back = proto::session_state::deserialize(v1);
  REQUIRE(back.has_value());
  CHECK(back->has_pending_pre_key());
  CHECK_FALSE(back->unacknowledged_expired(t0 + 3650 * day));  // unknown age: no limit
  const auto again = back->serialize();
  CHECK(again[4] == 2);
  CHECK(e2ee::load_le32(again.data() + 288) == 0u);
  auto v3 = v1;
  v3[4] = 3;
  CHECK(proto::session_state::deserialize(v3).error() == error::invalid_message);  // checksum first
}
