// The session API on a store that lends its record (session_store_in_place,
// memory_store): heap allocations counted per call (encrypt: exactly the
// output), the same results through a store that only loads and stores
// copies, and failed calls leaving the stored record byte-identical on both.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <e2ee/protocol/session.hpp>

#include "support/alloc_counter.hpp"
#include "support/bytes.hpp"
#include "support/rng.hpp"
#include "support/session_fixture.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;

using test::copying_store;
using test::record_bytes;

proto::session_options suite_options(int config) {
  proto::session_options o;
  if (config > 0) o.suite = proto::session_suite::modern;
  o.header_encryption = config == 2;
  return o;
}
const char* config_name(int config) {
  return config == 0 ? "signal_v3" : config == 1 ? "modern" : "modern + header encryption";
}

// established: Alice and Bob with a session both have answered on, an
// archived earlier session in each record and keys Alice has cached for
// messages Bob sent that never arrived: a record whose copy would cost
// dozens of allocations.
struct established {
  test::rng g;
  test::session_pair p;
  test::party& alice = p.alice;
  test::party& bob = p.bob;
  explicit established(int config) : g(0x5e55 + static_cast<std::uint64_t>(config)), p(g, 10, 20) {
    const auto o = suite_options(config);
    for (std::uint32_t round = 0; round < 2; ++round) {
      if (round > 0) p.republish(g, 10 + round, 20 + round);
      REQUIRE(p.start(test::ascii("hello"), g, o));
      std::optional<proto::encrypted_message> last;
      for (int i = 0; i < 5; ++i) {
        auto m = proto::encrypt(bob.store, alice.addr, test::ascii("answer"));
        REQUIRE(m.has_value());
        last = std::move(*m);
      }
      REQUIRE(proto::decrypt(alice.store, bob.addr, last->type, last->bytes, g).has_value());
    }
    REQUIRE(alice.store.load_session(bob.addr)->archived_count() == 1);
  }
};

const byte_vector message_100(100, 0x61);

}  // namespace

TEST_CASE("session alloc: API encrypt allocates only its output (in-place store)", "[protocol][session][alloc]") {
  for (int config = 0; config < 3; ++config) {
    INFO(config_name(config));
    established e(config);
    std::vector<proto::encrypted_message> sent;
    for (int i = 0; i < 4; ++i) {
      test::alloc_scope scope;
      auto m = proto::encrypt(e.alice.store, e.bob.addr, message_100);
      const std::size_t allocations = scope.count();
      REQUIRE(m.has_value());
      CHECK(m->type == proto::message_type::whisper);
      CHECK(allocations == 1);
      sent.push_back(std::move(*m));
    }
    // With a clock the same (the expiry of cached keys frees, never allocates).
    proto::session_options now;
    now.now = std::chrono::sys_seconds(std::chrono::seconds(1'800'000'000));
    {
      test::alloc_scope scope;
      auto m = proto::encrypt(e.alice.store, e.bob.addr, message_100, now);
      CHECK(scope.count() == 1);
      REQUIRE(m.has_value());
      sent.push_back(std::move(*m));
    }
    // Bob: the first message is a DH step (a new receiving chain), the others
    // are on that chain. Counted, and every one decrypts.
    std::vector<std::size_t> counts;
    for (const auto& m : sent) {
      test::alloc_scope scope;
      auto pt = proto::decrypt(e.bob.store, e.alice.addr, m.type, m.bytes, e.g);
      counts.push_back(scope.count());
      REQUIRE(pt.has_value());
      CHECK(*pt == message_100);
    }
    UNSCOPED_INFO("decrypt allocations, " << config_name(config) << ": DH step " << counts[0] << ", same chain "
                                          << counts[1]);
    // A DH step adds a receiving chain (the record's vector of chains grows)
    // and the plaintext; on a known chain only the plaintext is allocated.
    CHECK(counts[0] <= 3);
    for (std::size_t i = 1; i < counts.size(); ++i) CHECK(counts[i] == 1);
  }
}

TEST_CASE("session alloc: a store without the capability gives the same results through copies",
          "[protocol][session][alloc]") {
  for (int config = 0; config < 3; ++config) {
    INFO(config_name(config));
    established e(config);
    copying_store alice(e.alice.store), bob(e.bob.store);
    for (int i = 0; i < 3; ++i) {
      test::alloc_scope scope;
      auto m = proto::encrypt(alice, e.bob.addr, message_100);
      const std::size_t allocations = scope.count();
      REQUIRE(m.has_value());
      CHECK(allocations > 1);  // the deep copy of the record (the cost the capability removes)
      auto pt = proto::decrypt(bob, e.alice.addr, m->type, m->bytes, e.g);
      REQUIRE(pt.has_value());
      CHECK(*pt == message_100);
      auto back = proto::encrypt(bob, e.alice.addr, message_100);
      REQUIRE(back.has_value());
      REQUIRE(proto::decrypt(e.alice.store, e.bob.addr, back->type, back->bytes, e.g).has_value());
    }
  }
}

namespace {

// faults: every failing call leaves both stored records byte-identical;
// run on the in-place store and through copying_store.
template <class Alice, class Bob>
void check_faults(established& e, Alice& alice, Bob& bob) {
  const auto a_before = [&] { return record_bytes(e.alice.store, e.bob.addr); };
  const auto b_before = [&] { return record_bytes(e.bob.store, e.alice.addr); };
  auto m = proto::encrypt(alice, e.bob.addr, message_100);
  REQUIRE(m.has_value());
  // Tampered: every byte flipped in turn.
  for (std::size_t i = 0; i < m->bytes.size(); ++i) {
    auto bad = m->bytes;
    bad[i] ^= 0x20;
    const auto before = b_before();
    const auto r = proto::decrypt(bob, e.alice.addr, m->type, bad, e.g);
    REQUIRE_FALSE(r.has_value());
    CHECK(b_before() == before);
  }
  // Truncated.
  for (std::size_t n = 0; n < m->bytes.size(); n += 7) {
    const auto before = b_before();
    const auto r = proto::decrypt(bob, e.alice.addr, m->type, std::span(m->bytes).first(n), e.g);
    REQUIRE_FALSE(r.has_value());
    CHECK(b_before() == before);
  }
  REQUIRE(proto::decrypt(bob, e.alice.addr, m->type, m->bytes, e.g).has_value());
  // Replayed.
  {
    const auto before = b_before();
    const auto r = proto::decrypt(bob, e.alice.addr, m->type, m->bytes, e.g);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == error::duplicate_message);
    CHECK(b_before() == before);
  }
  // No session for this address.
  {
    const proto::address stranger{"mallory", 1};
    CHECK(proto::encrypt(alice, stranger, message_100).error() == error::no_session);
    CHECK(proto::decrypt(bob, stranger, m->type, m->bytes, e.g).error() == error::no_session);
  }
  // A changed identity: encrypt refuses, and so does a late message of the
  // session with the old identity; nothing is stored.
  auto late = proto::encrypt(alice, e.bob.addr, message_100);
  REQUIRE(late.has_value());
  const auto other = proto::key_pair::generate(e.g);
  REQUIRE(other.has_value());
  e.alice.store.replace_identity(e.bob.addr, other->public_key);
  e.bob.store.replace_identity(e.alice.addr, other->public_key);
  {
    const auto before = a_before();
    const auto r = proto::encrypt(alice, e.bob.addr, message_100);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == error::untrusted_identity);
    CHECK(a_before() == before);
  }
  {
    const auto before = b_before();
    const auto r = proto::decrypt(bob, e.alice.addr, late->type, late->bytes, e.g);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == error::untrusted_identity);
    CHECK(b_before() == before);
  }
}

}  // namespace

TEST_CASE("session alloc: failed calls leave the record byte-identical, in place and through copies",
          "[protocol][session][alloc]") {
  for (int config = 0; config < 3; ++config) {
    INFO(config_name(config));
    {
      established e(config);
      check_faults(e, e.alice.store, e.bob.store);
    }
    {
      established e(config);
      copying_store alice(e.alice.store), bob(e.bob.store);
      check_faults(e, alice, bob);
    }
  }
}

TEST_CASE("session: a replay that lands on an archived session is duplicate_message", "[protocol][session]") {
  for (int config = 0; config < 3; ++config) {
    INFO(config_name(config));
    test::rng g(0xa4c + static_cast<std::uint64_t>(config));
    test::session_pair p(g, 1, 1);
    test::party &alice = p.alice, &bob = p.bob;
    const auto o = suite_options(config);
    // Session 1: Alice writes, Bob reads and answers, Alice writes again.
    REQUIRE(p.start(test::ascii("one"), g, o));
    const auto answer = proto::encrypt(bob.store, alice.addr, test::ascii("answer"));
    REQUIRE(answer.has_value());
    REQUIRE(proto::decrypt(alice.store, bob.addr, answer->type, answer->bytes, g).has_value());
    const auto m2 = proto::encrypt(alice.store, bob.addr, test::ascii("two"));
    REQUIRE(m2.has_value());
    REQUIRE(proto::decrypt(bob.store, alice.addr, m2->type, m2->bytes, g).has_value());
    // Session 2 replaces it at both ends; session 1 is archived.
    p.republish(g, 2, 2);
    REQUIRE(p.start(test::ascii("new"), g, o));
    REQUIRE(bob.store.load_session(alice.addr)->archived_count() == 1);
    // m2 again: the current session cannot read it (invalid_mac there), the
    // archived one has used its key: duplicate_message, as libsignal says.
    const auto before = record_bytes(bob.store, alice.addr);
    const auto r = proto::decrypt(bob.store, alice.addr, m2->type, m2->bytes, g);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == error::duplicate_message);
    CHECK(record_bytes(bob.store, alice.addr) == before);
    // A forged message still reports the current state's error.
    auto forged = m2->bytes;
    forged.back() ^= 1;
    auto f = proto::decrypt(bob.store, alice.addr, m2->type, forged, g);
    REQUIRE_FALSE(f.has_value());
    CHECK(record_bytes(bob.store, alice.addr) == before);
  }
}
