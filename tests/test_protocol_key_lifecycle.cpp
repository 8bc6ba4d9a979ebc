// Key lifecycle (protocol/key_lifecycle.hpp): registration ids, signed
// prekey rotation with a grace period, one-time prekey batches used once,
// an explicit clock that may go backwards.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <e2ee/protocol/key_lifecycle.hpp>
#include <e2ee/protocol/session.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;
using namespace std::chrono_literals;

const proto::seconds_clock day0{std::chrono::seconds(1'800'000'000)};
constexpr auto day = std::chrono::hours(24);

proto::memory_store make_store(test::rng& g) {
  auto id = proto::key_pair::generate(g);
  REQUIRE(id.has_value());
  auto reg = proto::generate_registration_id(g);
  REQUIRE(reg.has_value());
  return proto::memory_store(std::move(*id), *reg);
}

// A bundle as a server would build it from what refresh() uploaded.
proto::pre_key_bundle bundle_for(const proto::memory_store& s, const proto::pre_key_upload::signed_key& spk,
                                 std::optional<std::pair<std::uint32_t, std::array<std::uint8_t, 32>>> opk) {
  proto::pre_key_bundle b;
  b.registration_id = s.local_registration_id();
  b.identity_key = s.identity_key_pair().public_key;
  b.signed_pre_key_id = spk.id;
  b.signed_pre_key = spk.public_key;
  b.signed_pre_key_signature = spk.signature;
  if (opk) {
    b.pre_key_id = opk->first;
    b.pre_key = opk->second;
  }
  return b;
}

// Alice starts a session from `b` and sends one PreKey message to Bob.
e2ee::result<byte_vector> first_contact(proto::memory_store& bob, const proto::pre_key_bundle& b, test::rng& g,
                                        const std::string& alice_name) {
  auto alice = make_store(g);
  const proto::address bob_addr{"bob", 1}, alice_addr{alice_name, 1};
  if (auto ok = proto::process_pre_key_bundle(alice, bob_addr, b, g); !ok) return ok.error();
  const byte_vector hello{'h', 'i'};
  auto m = proto::encrypt(alice, bob_addr, hello);
  if (!m) return m.error();
  return proto::decrypt(bob, alice_addr, m->type, m->bytes, g);
}

}  // namespace

TEST_CASE("key lifecycle: registration ids", "[protocol][key_lifecycle]") {
  test::rng g(0x4e9);
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 5000; ++i) {
    const auto r = proto::generate_registration_id(g);
    REQUIRE(r.has_value());
    REQUIRE(*r >= 1);
    REQUIRE(*r <= 16380);
    seen.insert(*r);
  }
  CHECK(seen.size() > 3000);  // spread over the range
}

TEST_CASE("key lifecycle: first refresh, batches, ids never reused", "[protocol][key_lifecycle]") {
  test::rng g(0x11fe);
  auto bob = make_store(g);
  auto mgr = proto::pre_key_manager::create(g);
  REQUIRE(mgr.has_value());
  auto up = mgr->refresh(bob, day0, g);
  REQUIRE(up.has_value());
  REQUIRE(up->signed_pre_key.has_value());
  CHECK(up->one_time_pre_keys.size() == 100);
  CHECK(bob.pre_key_count() == 100);
  CHECK(up->deleted_signed_pre_keys.empty());
  const auto spk = *up->signed_pre_key;
  CHECK(mgr->current_signed_pre_key_id() == spk.id);
  const auto* stored = bob.load_signed_pre_key(spk.id);
  REQUIRE(stored != nullptr);
  CHECK(stored->key.public_key == spk.public_key);
  CHECK(e2ee::xeddsa::verify(bob.identity_key_pair().public_key, proto::serialize_public_key(spk.public_key),
                             spk.signature));
  std::set<std::uint32_t> issued;
  for (const auto& [id, pub] : up->one_time_pre_keys) {
    REQUIRE(id >= 1);
    REQUIRE(id <= proto::pre_key_manager::max_id);
    REQUIRE(issued.insert(id).second);
    const auto* k = bob.load_pre_key(id);
    REQUIRE(k != nullptr);
    CHECK(k->key.public_key == pub);
  }
  // Nothing to do an hour later.
  auto again = mgr->refresh(bob, day0 + 1h, g);
  REQUIRE(again.has_value());
  CHECK(again->empty());

  // Use 95 one-time prekeys through real sessions: each works once.
  std::size_t used = 0;
  for (const auto& [id, pub] : up->one_time_pre_keys) {
    if (used == 95) break;
    auto b = bundle_for(bob, spk, std::make_pair(id, pub));
    auto pt = first_contact(bob, b, g, "alice" + std::to_string(used));
    REQUIRE(pt.has_value());
    CHECK(bob.load_pre_key(id) == nullptr);  // consumed
    // The same one-time prekey again (another Alice): refused.
    CHECK(first_contact(bob, b, g, "mallory" + std::to_string(used)).error() == error::invalid_key);
    ++used;
  }
  CHECK(bob.pre_key_count() == 5);
  auto top_up = mgr->refresh(bob, day0 + 2h, g);
  REQUIRE(top_up.has_value());
  CHECK(!top_up->signed_pre_key.has_value());
  CHECK(top_up->one_time_pre_keys.size() == 100);
  CHECK(bob.pre_key_count() == 105);
  for (const auto& [id, pub] : top_up->one_time_pre_keys) REQUIRE(issued.insert(id).second);  // fresh ids
}

TEST_CASE("key lifecycle: signed prekey rotation and grace period", "[protocol][key_lifecycle]") {
  test::rng g(0x5105);
  auto bob = make_store(g);
  auto mgr = proto::pre_key_manager::create(g);
  REQUIRE(mgr.has_value());
  auto up0 = mgr->refresh(bob, day0, g);
  REQUIRE(up0.has_value());
  const auto first = *up0->signed_pre_key;

  auto up6 = mgr->refresh(bob, day0 + 6 * day, g);
  REQUIRE(up6.has_value());
  CHECK(!up6->signed_pre_key.has_value());

  auto up7 = mgr->refresh(bob, day0 + 7 * day, g);
  REQUIRE(up7.has_value());
  REQUIRE(up7->signed_pre_key.has_value());
  const auto second = *up7->signed_pre_key;
  CHECK(second.id != first.id);
  CHECK(mgr->current_signed_pre_key_id() == second.id);
  // A PreKey message made from the old bundle during the grace period still works.
  CHECK(first_contact(bob, bundle_for(bob, first, std::nullopt), g, "late").has_value());

  // 30 days after its retirement the old one is deleted; the server is told.
  auto up36 = mgr->refresh(bob, day0 + 36 * day, g);
  REQUIRE(up36.has_value());
  CHECK(up36->deleted_signed_pre_keys.empty());
  CHECK(bob.load_signed_pre_key(first.id) != nullptr);
  auto up37 = mgr->refresh(bob, day0 + 37 * day, g);
  REQUIRE(up37.has_value());
  REQUIRE(up37->deleted_signed_pre_keys.size() == 1);
  CHECK(up37->deleted_signed_pre_keys[0] == first.id);
  CHECK(bob.load_signed_pre_key(first.id) == nullptr);
  CHECK(first_contact(bob, bundle_for(bob, first, std::nullopt), g, "too late").error() == error::invalid_key);
  // The second key, 29 days old at day 36, was rotated then; not again at 37.
  CHECK(up36->signed_pre_key.has_value());
  CHECK(!up37->signed_pre_key.has_value());
}

TEST_CASE("key lifecycle: a clock going backwards changes nothing", "[protocol][key_lifecycle]") {
  test::rng g(0xc10c);
  auto bob = make_store(g);
  auto mgr = proto::pre_key_manager::create(g);
  REQUIRE(mgr.has_value());
  auto up0 = mgr->refresh(bob, day0, g);
  REQUIRE(up0.has_value());
  const auto first = *up0->signed_pre_key;
  // Consume a one-time prekey.
  const auto consumed = up0->one_time_pre_keys.front();
  REQUIRE(first_contact(bob, bundle_for(bob, first, consumed), g, "alice").has_value());
  // Rotate, then let the old signed prekey expire.
  REQUIRE(mgr->refresh(bob, day0 + 7 * day, g).has_value());
  auto late = mgr->refresh(bob, day0 + 40 * day, g);
  REQUIRE(late.has_value());
  REQUIRE(bob.load_signed_pre_key(first.id) == nullptr);
  const auto current = mgr->current_signed_pre_key_id();
  const auto state = mgr->serialize();

  // The clock jumps back 60 days, then to a month before: nothing to do.
  for (const auto when : {day0 - 20 * day, day0, day0 + 8 * day}) {
    auto up = mgr->refresh(bob, when, g);
    REQUIRE(up.has_value());
    CHECK(up->empty());
    CHECK(mgr->current_signed_pre_key_id() == current);
    CHECK(bob.load_signed_pre_key(first.id) == nullptr);  // not revived
    CHECK(bob.load_pre_key(consumed.first) == nullptr);   // not revived
    CHECK(mgr->serialize() == state);
  }
  // Running low while the clock is wrong: new ids only, none reused.
  std::set<std::uint32_t> before;
  for (const auto& [id, pub] : up0->one_time_pre_keys) before.insert(id);
  for (std::uint32_t id : std::set<std::uint32_t>(before)) (void)bob.remove_pre_key(id);
  auto refill = mgr->refresh(bob, day0 - 100 * day, g);
  REQUIRE(refill.has_value());
  REQUIRE(refill->one_time_pre_keys.size() == 100);
  for (const auto& [id, pub] : refill->one_time_pre_keys) CHECK(before.count(id) == 0);
}

TEST_CASE("key lifecycle: manager state round-trips; corruption is rejected", "[protocol][key_lifecycle]") {
  test::rng g(0x57a7);
  auto bob = make_store(g);
  auto mgr = proto::pre_key_manager::create(g, proto::pre_key_policy{48h, 14 * day, 20, 5});
  REQUIRE(mgr.has_value());
  REQUIRE(mgr->refresh(bob, day0, g).has_value());
  REQUIRE(mgr->refresh(bob, day0 + 3 * day, g).has_value());  // one retired key
  const auto bytes = mgr->serialize();
  auto back = proto::pre_key_manager::deserialize(bytes);
  REQUIRE(back.has_value());
  CHECK(back->serialize() == bytes);
  CHECK(back->policy().batch == 20);
  CHECK(back->current_signed_pre_key_id() == mgr->current_signed_pre_key_id());
  // The loaded copy carries on: at day 20 the key retired at day 3 is past
  // its 14-day grace, and the current one (made at day 3) is due to rotate.
  auto a = back->refresh(bob, day0 + 20 * day, g);
  REQUIRE(a.has_value());
  CHECK(a->deleted_signed_pre_keys.size() == 1);
  CHECK(a->signed_pre_key.has_value());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    byte_vector bad = bytes;
    bad[i] ^= 0x01;
    CHECK(!proto::pre_key_manager::deserialize(bad).has_value());
  }
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK(!proto::pre_key_manager::deserialize(std::span(bytes).first(n)).has_value());
}
