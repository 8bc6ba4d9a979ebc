// Sender Keys (protocol/sender_keys.hpp): key schedule, both framings, a
// group of five with reordering and duplicates, forgeries, limits, member
// removal, records; the kept signing key, in-place and copying stores, and
// the allocations of one group message.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <e2ee/protocol/sender_keys.hpp>

#include "support/alloc_counter.hpp"
#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;
using proto::group_framing;

byte_vector numbered(const char* prefix, std::size_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return byte_vector(s.begin(), s.end());
}

proto::distribution_id make_distribution(std::uint8_t seed) {
  proto::distribution_id d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(seed + 17 * i);
  return d;
}

// A member: its own store and address. Its own sender key lives under
// {its address, group}; the others' under {their address, group}.
struct member {
  proto::address addr;
  proto::memory_sender_key_store store;
};

std::vector<member> make_group(std::size_t n) {
  std::vector<member> g;
  for (std::size_t i = 0; i < n; ++i) g.push_back({proto::address{"member" + std::to_string(i), 1}, {}});
  return g;
}

byte_vector record_bytes(const member& m, const proto::sender_key_name& name) {
  const auto r = m.store.load_sender_key(name);
  return r ? r->serialize() : byte_vector{};
}

// Every member creates its key and every other member processes it.
void distribute_all(std::vector<member>& group, const proto::distribution_id& dist, group_framing framing,
                    test::rng& g) {
  for (auto& sender : group) {
    const proto::sender_key_name name{sender.addr, dist};
    auto skdm = proto::create_sender_key_distribution(sender.store, name, framing, g);
    REQUIRE(skdm.has_value());
    for (auto& other : group) {
      if (&other == &sender) continue;
      REQUIRE(proto::process_sender_key_distribution(other.store, name, *skdm, framing).has_value());
    }
  }
}

}  // namespace

TEST_CASE("sender keys: chain and message keys follow SIGNAL.md A6 (IV first)", "[protocol][sender_keys]") {
  std::array<std::uint8_t, 32> ck{};
  for (std::size_t i = 0; i < 32; ++i) ck[i] = static_cast<std::uint8_t>(3 * i + 1);
  const proto::sender_chain_key chain(ck, 7);
  const auto mk = chain.message_key();
  // Built here from the primitives, independently of the class.
  const std::array<std::uint8_t, 1> one{0x01}, two{0x02};
  const auto seed = e2ee::hmac<e2ee::sha256>::mac(ck, one);
  const std::string info = "WhisperGroup";
  const auto okm = e2ee::hkdf<e2ee::sha256>::derive<48>({}, seed, byte_vector(info.begin(), info.end()));
  CHECK(mk.iteration == 7);
  CHECK(byte_vector(mk.iv.expose().begin(), mk.iv.expose().end()) == byte_vector(okm.begin(), okm.begin() + 16));
  CHECK(byte_vector(mk.cipher_key.expose().begin(), mk.cipher_key.expose().end()) ==
        byte_vector(okm.begin() + 16, okm.end()));
  const auto next = chain.next();
  const auto expect_next = e2ee::hmac<e2ee::sha256>::mac(ck, two);
  CHECK(next.iteration() == 8);
  CHECK(byte_vector(next.key().begin(), next.key().end()) == byte_vector(expect_next.begin(), expect_next.end()));
}

TEST_CASE("sender keys: wire formats of both framings", "[protocol][sender_keys]") {
  test::rng g(0x5e4d);
  const auto dist = make_distribution(9);
  for (const auto framing : {group_framing::libsignal_c, group_framing::rust}) {
    INFO("framing " << (framing == group_framing::rust ? "rust" : "libsignal_c"));
    proto::memory_sender_key_store alice;
    const proto::sender_key_name name{{"alice", 1}, dist};
    auto skdm = proto::create_sender_key_distribution(alice, name, framing, g);
    REQUIRE(skdm.has_value());
    CHECK((*skdm)[0] == 0x33);
    // Creating again returns the same key (nothing rotates implicitly).
    auto again = proto::create_sender_key_distribution(alice, name, framing, g);
    REQUIRE(again.has_value());
    CHECK(*again == *skdm);
    const auto d = proto::parse_sender_key_distribution(*skdm, framing);
    REQUIRE(d.has_value());
    CHECK(d->chain_id < 0x80000000u);  // 31 bits
    CHECK(d->iteration == 0);
    CHECK(d->chain_key.size() == 32);
    CHECK(d->distribution.has_value() == (framing == group_framing::rust));
    if (d->distribution) CHECK(*d->distribution == dist);
    const auto own = alice.load_sender_key(name);
    REQUIRE(own.has_value());
    CHECK(d->signing_key == own->newest()->signing_key);

    const byte_vector pt{'h', 'i'};
    auto msg = proto::group_encrypt(alice, name, pt, framing, g);
    REQUIRE(msg.has_value());
    CHECK((*msg)[0] == 0x33);
    const auto m = proto::parse_sender_key_message(*msg, framing);
    REQUIRE(m.has_value());
    CHECK(m->chain_id == d->chain_id);
    CHECK(m->iteration == 0);
    CHECK(m->ciphertext.size() == 16);
    CHECK(e2ee::xeddsa::verify(d->signing_key, m->signed_part, m->signature));
    // The other framing does not parse it as the same message.
    const auto other = framing == group_framing::rust ? group_framing::libsignal_c : group_framing::rust;
    CHECK(!proto::parse_sender_key_message(*msg, other).has_value());
    CHECK(!proto::parse_sender_key_distribution(*skdm, other).has_value());
    // Version: the high nibble must be 3.
    byte_vector v4 = *msg;
    v4[0] = 0x43;
    CHECK(proto::parse_sender_key_message(v4, framing).error() == error::invalid_version);
    v4[0] = 0x3f;  // low nibble ignored, as Signal does
    CHECK(proto::parse_sender_key_message(v4, framing).has_value());
    // Every truncation of a distribution is rejected (messages: see the
    // tamper test, where truncations must fail to decrypt).
    for (std::size_t n = 0; n < skdm->size(); ++n)
      CHECK(!proto::parse_sender_key_distribution(std::span(*skdm).first(n), framing).has_value());
  }
}

TEST_CASE("sender keys: a group of five, 1,000 messages, reordered and duplicated", "[protocol][sender_keys]") {
  for (const auto framing : {group_framing::libsignal_c, group_framing::rust}) {
    test::rng g(framing == group_framing::rust ? 0x6001u : 0x6002u);
    INFO("seed " << g.seed());
    const auto dist = make_distribution(framing == group_framing::rust ? 1 : 2);
    auto group = make_group(5);
    distribute_all(group, dist, framing, g);

    struct sent {
      std::size_t from;
      byte_vector bytes, plaintext;
    };
    // Every receiver gets its own delivery order: the messages of a window of
    // 25 shuffled, some delivered twice.
    std::vector<std::vector<sent>> inbox(group.size());
    std::size_t delivered = 0, duplicates = 0;
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> got;  // (receiver, message id) -> times
    std::vector<sent> all;
    const auto flush = [&] {
      for (std::size_t r = 0; r < group.size(); ++r) {
        auto& box = inbox[r];
        for (std::size_t i = box.size(); i > 1; --i) std::swap(box[i - 1], box[g.below(i)]);
        for (const auto& s : box) {
          const proto::sender_key_name name{group[s.from].addr, dist};
          const auto before = record_bytes(group[r], name);
          auto pt = proto::group_decrypt(group[r].store, name, s.bytes, framing);
          const std::size_t id =
              static_cast<std::size_t>(std::find_if(all.begin(), all.end(), [&](const sent& a) {
                                         return a.bytes == s.bytes;
                                       }) -
                                       all.begin());
          if (got[{r, id}]++ == 0) {
            REQUIRE(pt.has_value());
            CHECK(*pt == s.plaintext);
            ++delivered;
          } else {
            REQUIRE(!pt.has_value());
            CHECK(pt.error() == error::duplicate_message);
            CHECK(record_bytes(group[r], name) == before);
            ++duplicates;
          }
        }
        box.clear();
      }
    };
    for (std::size_t i = 0; i < 1000; ++i) {
      const std::size_t from = g.below(group.size());
      const proto::sender_key_name name{group[from].addr, dist};
      auto pt = numbered("group message ", i);
      auto msg = proto::group_encrypt(group[from].store, name, pt, framing, g);
      REQUIRE(msg.has_value());
      all.push_back({from, *msg, pt});
      for (std::size_t r = 0; r < group.size(); ++r) {
        if (r == from) continue;
        inbox[r].push_back(all.back());
        if (g.below(20) == 0) inbox[r].push_back(all.back());
      }
      if (i % 25 == 24) flush();
    }
    flush();
    CHECK(delivered == 1000 * 4);
    CHECK(duplicates > 0);
  }
}

TEST_CASE("sender keys: forged, tampered and misdirected messages change nothing", "[protocol][sender_keys]") {
  test::rng g(0x7a3);
  const auto framing = group_framing::rust;
  const auto dist = make_distribution(3);
  auto group = make_group(2);
  distribute_all(group, dist, framing, g);
  const proto::sender_key_name name{group[0].addr, dist};
  const byte_vector pt{'s', 'e', 'c', 'r', 'e', 't'};
  auto msg = proto::group_encrypt(group[0].store, name, pt, framing, g);
  REQUIRE(msg.has_value());
  const auto before = record_bytes(group[1], name);
  for (std::size_t i = 0; i < msg->size(); ++i) {
    for (const std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      byte_vector bad = *msg;
      bad[i] ^= flip;
      const auto r = proto::group_decrypt(group[1].store, name, bad, framing);
      REQUIRE(!r.has_value());
      if (i == 0 && flip == 0x01) {
        CHECK(r.error() == error::invalid_signature);  // 0x32: the version nibble is fine, the signature is not
      }
      CHECK(record_bytes(group[1], name) == before);
    }
  }
  for (std::size_t n = 0; n < msg->size(); ++n) {
    CHECK(!proto::group_decrypt(group[1].store, name, std::span(*msg).first(n), framing).has_value());
    CHECK(record_bytes(group[1], name) == before);
  }
  // Another distribution id (rust framing carries it): not this record.
  const proto::sender_key_name elsewhere{group[0].addr, make_distribution(4)};
  CHECK(proto::group_decrypt(group[1].store, elsewhere, *msg, framing).error() == error::no_session);
  // A sender we have no key for.
  const proto::sender_key_name stranger{proto::address{"stranger", 1}, dist};
  CHECK(proto::group_decrypt(group[1].store, stranger, *msg, framing).error() == error::no_session);
  // A message signed by someone else with the same chain id: invalid_signature.
  {
    proto::memory_sender_key_store forger;
    auto own = group[0].store.load_sender_key(name);
    REQUIRE(own.has_value());
    auto fake_key = proto::key_pair::generate(g);
    REQUIRE(fake_key.has_value());
    proto::sender_key_record r;
    const auto& real = *own->newest();
    proto::sender_key_state s{real.chain_id, real.chain.clone(), fake_key->public_key, std::nullopt, {}};
    s.signing_private.emplace(fake_key->private_key.clone());
    r.add(std::move(s));
    REQUIRE(forger.store_sender_key(name, std::move(r)));
    auto forged = proto::group_encrypt(forger, name, pt, framing, g);
    REQUIRE(forged.has_value());
    CHECK(proto::group_decrypt(group[1].store, name, *forged, framing).error() == error::invalid_signature);
    CHECK(record_bytes(group[1], name) == before);
  }
  // The genuine message still decrypts, once.
  auto ok = proto::group_decrypt(group[1].store, name, *msg, framing);
  REQUIRE(ok.has_value());
  CHECK(*ok == pt);
  CHECK(proto::group_decrypt(group[1].store, name, *msg, framing).error() == error::duplicate_message);
  // group_encrypt without our own key: no_session.
  proto::memory_sender_key_store empty;
  CHECK(proto::group_encrypt(empty, name, pt, framing, g).error() == error::no_session);
  CHECK(proto::group_encrypt(group[1].store, name, pt, framing, g).error() == error::no_session);  // not ours
}

TEST_CASE("sender keys: forward jump limit and the skipped-key cache", "[protocol][sender_keys]") {
  test::rng g(0x1f2e);
  const auto framing = group_framing::libsignal_c;
  const auto dist = make_distribution(5);
  auto group = make_group(2);
  distribute_all(group, dist, framing, g);
  const proto::sender_key_name name{group[0].addr, dist};

  // Move the sender's chain forward to `iteration` (as if it had sent that
  // many messages nobody received).
  const auto jump_to = [&](std::uint32_t iteration) {
    auto r = group[0].store.load_sender_key(name);
    REQUIRE(r.has_value());
    auto* s = r->newest();
    while (s->chain.iteration() < iteration) s->chain = s->chain.next();
    REQUIRE(group[0].store.store_sender_key(name, std::move(*r)));
  };
  const byte_vector pt{'x'};

  jump_to(proto::max_sender_key_forward_jump + 1);
  auto far = proto::group_encrypt(group[0].store, name, pt, framing, g);
  REQUIRE(far.has_value());
  const auto before = record_bytes(group[1], name);
  CHECK(proto::group_decrypt(group[1].store, name, *far, framing).error() == error::too_many_skipped);
  CHECK(record_bytes(group[1], name) == before);

  // Exactly at the limit: accepted, and only the newest 2,000 skipped keys kept.
  auto fresh = make_group(2);
  distribute_all(fresh, dist, framing, g);
  const proto::sender_key_name fname{fresh[0].addr, dist};
  {
    auto r = fresh[0].store.load_sender_key(fname);
    REQUIRE(r.has_value());
    auto* s = r->newest();
    while (s->chain.iteration() < proto::max_sender_key_forward_jump) s->chain = s->chain.next();
    REQUIRE(fresh[0].store.store_sender_key(fname, std::move(*r)));
  }
  auto edge = proto::group_encrypt(fresh[0].store, fname, pt, framing, g);
  REQUIRE(edge.has_value());
  REQUIRE(proto::group_decrypt(fresh[1].store, fname, *edge, framing).has_value());
  const auto rec = fresh[1].store.load_sender_key(fname);
  REQUIRE(rec.has_value());
  const auto& st = *rec->newest();
  CHECK(st.chain.iteration() == proto::max_sender_key_forward_jump + 1);
  REQUIRE(st.cached.size() == proto::max_sender_message_keys);
  CHECK(st.cached.front().iteration == proto::max_sender_key_forward_jump - proto::max_sender_message_keys);
  CHECK(st.cached.back().iteration == proto::max_sender_key_forward_jump - 1);
}

TEST_CASE("sender keys: removing a member rotates the key; the removed member reads nothing new",
          "[protocol][sender_keys]") {
  test::rng g(0x3e3);
  const auto framing = group_framing::rust;
  const auto dist = make_distribution(6);
  auto group = make_group(3);  // 0 sends; 2 is removed
  distribute_all(group, dist, framing, g);
  const proto::sender_key_name name{group[0].addr, dist};
  const byte_vector before_removal{'o', 'l', 'd'};
  auto m1 = proto::group_encrypt(group[0].store, name, before_removal, framing, g);
  REQUIRE(m1.has_value());
  for (std::size_t r : {1u, 2u}) REQUIRE(proto::group_decrypt(group[r].store, name, *m1, framing).has_value());

  const auto old_distribution = proto::create_sender_key_distribution(group[0].store, name, framing, g);
  REQUIRE(old_distribution.has_value());
  auto rotated = proto::rotate_sender_key(group[0].store, name, framing, g);
  REQUIRE(rotated.has_value());
  REQUIRE(proto::process_sender_key_distribution(group[1].store, name, *rotated, framing).has_value());
  const byte_vector after_removal{'n', 'e', 'w'};
  auto m2 = proto::group_encrypt(group[0].store, name, after_removal, framing, g);
  REQUIRE(m2.has_value());
  auto r1 = proto::group_decrypt(group[1].store, name, *m2, framing);
  REQUIRE(r1.has_value());
  CHECK(*r1 == after_removal);
  const auto removed_before = record_bytes(group[2], name);
  CHECK(proto::group_decrypt(group[2].store, name, *m2, framing).error() == error::no_session);
  CHECK(record_bytes(group[2], name) == removed_before);
  // The new key shares nothing with the old one, and create_... now hands
  // out the new key (at its current iteration).
  const auto old_d = proto::parse_sender_key_distribution(*old_distribution, framing);
  const auto new_d = proto::parse_sender_key_distribution(*rotated, framing);
  REQUIRE((old_d.has_value() && new_d.has_value()));
  CHECK(old_d->signing_key != new_d->signing_key);
  CHECK(!std::equal(old_d->chain_key.begin(), old_d->chain_key.end(), new_d->chain_key.begin()));
  const auto now = proto::create_sender_key_distribution(group[0].store, name, framing, g);
  REQUIRE(now.has_value());
  const auto now_d = proto::parse_sender_key_distribution(*now, framing);
  REQUIRE(now_d.has_value());
  CHECK(now_d->chain_id == new_d->chain_id);
  CHECK(now_d->signing_key == new_d->signing_key);
  CHECK(now_d->iteration == 1);
  // The remaining member still holds the old state too (late old messages).
  CHECK(group[1].store.load_sender_key(name)->state_count() == 2);
}

TEST_CASE("sender keys: at most five states; repeated distributions do not rewind", "[protocol][sender_keys]") {
  test::rng g(0x55);
  const auto framing = group_framing::libsignal_c;
  const auto dist = make_distribution(7);
  auto group = make_group(2);
  const proto::sender_key_name name{group[0].addr, dist};
  auto first = proto::create_sender_key_distribution(group[0].store, name, framing, g);
  REQUIRE(first.has_value());
  REQUIRE(proto::process_sender_key_distribution(group[1].store, name, *first, framing).has_value());
  const byte_vector pt{'a'};
  auto m0 = proto::group_encrypt(group[0].store, name, pt, framing, g);
  REQUIRE(m0.has_value());
  REQUIRE(proto::group_decrypt(group[1].store, name, *m0, framing).has_value());
  // The same distribution again: the chain is not rewound, m0 stays a duplicate.
  REQUIRE(proto::process_sender_key_distribution(group[1].store, name, *first, framing).has_value());
  CHECK(proto::group_decrypt(group[1].store, name, *m0, framing).error() == error::duplicate_message);
  CHECK(group[1].store.load_sender_key(name)->state_count() == 1);

  // A copy of the sender's first chain, to send on it after it was dropped.
  proto::memory_sender_key_store first_chain;
  REQUIRE(first_chain.store_sender_key(name, *group[0].store.load_sender_key(name)));

  std::vector<byte_vector> newer;
  for (std::size_t i = 0; i < proto::max_sender_key_states; ++i) {
    auto d = proto::rotate_sender_key(group[0].store, name, framing, g);
    REQUIRE(d.has_value());
    REQUIRE(proto::process_sender_key_distribution(group[1].store, name, *d, framing).has_value());
    auto m = proto::group_encrypt(group[0].store, name, pt, framing, g);
    REQUIRE(m.has_value());
    newer.push_back(*m);
  }
  CHECK(group[1].store.load_sender_key(name)->state_count() == proto::max_sender_key_states);
  // The five newest chains decrypt; the first one was dropped.
  for (const auto& m : newer) CHECK(proto::group_decrypt(group[1].store, name, m, framing).has_value());
  auto on_dropped = proto::group_encrypt(first_chain, name, pt, framing, g);
  REQUIRE(on_dropped.has_value());
  CHECK(proto::group_decrypt(group[1].store, name, *on_dropped, framing).error() == error::no_session);
}

TEST_CASE("sender keys: records round-trip mid-conversation; corruption is rejected", "[protocol][sender_keys]") {
  test::rng g(0x9a9);
  const auto framing = group_framing::rust;
  const auto dist = make_distribution(8);
  auto group = make_group(2);
  distribute_all(group, dist, framing, g);
  const proto::sender_key_name name{group[0].addr, dist};
  std::vector<byte_vector> msgs;
  for (std::size_t i = 0; i < 6; ++i) {
    auto m = proto::group_encrypt(group[0].store, name, numbered("m", i), framing, g);
    REQUIRE(m.has_value());
    msgs.push_back(*m);
  }
  // Deliver 5 first: 0..4 are cached as skipped keys on the receiver.
  REQUIRE(proto::group_decrypt(group[1].store, name, msgs[5], framing).has_value());
  for (auto* m : {&group[0], &group[1]}) {
    const auto bytes = record_bytes(*m, name);
    auto back = proto::sender_key_record::deserialize(bytes);
    REQUIRE(back.has_value());
    CHECK(back->serialize() == bytes);
    REQUIRE(m->store.store_sender_key(name, std::move(*back)));
  }
  for (std::size_t i = 0; i < 5; ++i) {
    auto pt = proto::group_decrypt(group[1].store, name, msgs[i], framing);
    REQUIRE(pt.has_value());
    CHECK(*pt == numbered("m", i));
  }
  auto next = proto::group_encrypt(group[0].store, name, numbered("m", 6), framing, g);
  REQUIRE(next.has_value());
  CHECK(proto::group_decrypt(group[1].store, name, *next, framing).has_value());

  const auto bytes = record_bytes(group[0], name);  // holds the signing private key
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    byte_vector bad = bytes;
    bad[i] ^= 0x04;
    CHECK(!proto::sender_key_record::deserialize(bad).has_value());
  }
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK(!proto::sender_key_record::deserialize(std::span(bytes).first(n)).has_value());
}

namespace {

// copy_store: a sender key store without the in-place capability (it hands
// out copies, as a database would), optionally failing every write.
struct copy_store {
  proto::memory_sender_key_store inner;
  bool fail_writes = false;
  std::optional<proto::sender_key_record> load_sender_key(const proto::sender_key_name& n) const {
    return inner.load_sender_key(n);
  }
  bool store_sender_key(const proto::sender_key_name& n, proto::sender_key_record r) {
    return !fail_writes && inner.store_sender_key(n, std::move(r));
  }
};
static_assert(proto::sender_key_store<copy_store> && !proto::sender_key_store_in_place<copy_store>);

// failing_in_place_store: lends its records but reports every changed one
// as not persisted.
struct failing_in_place_store {
  proto::memory_sender_key_store inner;
  std::optional<proto::sender_key_record> load_sender_key(const proto::sender_key_name& n) const {
    return inner.load_sender_key(n);
  }
  bool store_sender_key(const proto::sender_key_name& n, proto::sender_key_record r) {
    return inner.store_sender_key(n, std::move(r));
  }
  template <class F>
  bool with_sender_key(const proto::sender_key_name& n, F&& f) {
    bool changed = false;
    inner.with_sender_key(n, [&](proto::sender_key_record* r) { return changed = f(r); });
    return !changed;
  }
};
static_assert(proto::sender_key_store_in_place<failing_in_place_store>);

}  // namespace

// The sending state keeps an xeddsa::signing_key (A computed once): each
// message's signature is byte-identical to xeddsa::sign with the raw private
// key and the same 64 random bytes, and the whole message to one built from
// the primitives; also after the record went through serialize/deserialize
// (which rebuilds the signing key) and through clone().
TEST_CASE("sender keys: the kept signing key signs byte-identically to xeddsa::sign", "[protocol][sender_keys]") {
  test::rng g(0x51a6);
  const auto dist = make_distribution(21);
  for (const auto framing : {group_framing::libsignal_c, group_framing::rust}) {
    INFO("framing " << (framing == group_framing::rust ? "rust" : "libsignal_c"));
    proto::memory_sender_key_store alice;
    const proto::sender_key_name name{{"alice", 1}, dist};
    REQUIRE(proto::create_sender_key_distribution(alice, name, framing, g).has_value());
    for (std::size_t i = 0; i < 40; ++i) {
      if (i == 20) {  // reload the record from its bytes: the signing key is rebuilt
        auto back = proto::sender_key_record::deserialize(alice.load_sender_key(name)->serialize());
        REQUIRE(back.has_value());
        REQUIRE(alice.store_sender_key(name, std::move(*back)));
      }
      const auto own = alice.load_sender_key(name);  // a clone: the signer is cloned too
      REQUIRE(own.has_value());
      const auto& st = *own->newest();
      REQUIRE(st.signing_private.has_value());
      // One copy of the secret: the signing key gives back the X25519 secret
      // of the state's public key, and A is the one built from those bytes.
      CHECK(e2ee::x25519::public_key(st.signing_private->x25519_secret()) == st.signing_key);
      CHECK(st.signing_private->edwards_public() ==
            e2ee::xeddsa::signing_key(st.signing_private->x25519_secret()).edwards_public());
      const auto pt = numbered("message ", i * i);
      test::rng before = g;  // the random bytes group_encrypt will draw
      auto msg = proto::group_encrypt(alice, name, pt, framing, g);
      REQUIRE(msg.has_value());
      std::array<std::uint8_t, 64> z{};
      REQUIRE(before.fill(z));
      const auto signed_part = std::span<const std::uint8_t>(*msg).first(msg->size() - 64);
      const auto want_sig = e2ee::xeddsa::sign(st.signing_private->x25519_secret(), signed_part, z);
      CHECK(test::hex(std::span<const std::uint8_t>(*msg).last(64)) == test::hex(want_sig));
      // The message from the primitives: header fields, CBC body, signature.
      const auto mk = st.chain.message_key();
      const auto body = e2ee::aes256_cbc::encrypt(mk.cipher_key.expose(), mk.iv.expose(), pt);
      byte_vector want{0x33};
      e2ee::protocol::wire::writer w(want);
      if (framing == group_framing::rust) {
        w.bytes_field(1, dist);
        w.varint_field(2, st.chain_id);
        w.varint_field(3, i);
        w.bytes_field(4, body);
      } else {
        w.varint_field(1, st.chain_id);
        w.varint_field(2, i);
        w.bytes_field(3, body);
      }
      w.raw(want_sig);
      CHECK(test::hex(*msg) == test::hex(want));
    }
  }
}

// memory_sender_key_store lends its records (in place); copy_store hands out
// copies. The same calls with the same random bytes give the same messages,
// plaintexts, errors and records; a failed write reports storage_failure and
// leaves the stored record as it was.
TEST_CASE("sender keys: in-place and copying stores agree; failed writes change nothing", "[protocol][sender_keys]") {
  const auto dist = make_distribution(33);
  const auto framing = group_framing::libsignal_c;
  const proto::sender_key_name name{{"alice", 1}, dist};
  test::rng g1(0xc0de), g2(0xc0de);
  proto::memory_sender_key_store a1, b1;
  copy_store a2, b2;
  auto d1 = proto::create_sender_key_distribution(a1, name, framing, g1);
  auto d2 = proto::create_sender_key_distribution(a2, name, framing, g2);
  REQUIRE(d1.has_value());
  REQUIRE(d2.has_value());
  CHECK(*d1 == *d2);
  REQUIRE(proto::process_sender_key_distribution(b1, name, *d1, framing).has_value());
  REQUIRE(proto::process_sender_key_distribution(b2, name, *d2, framing).has_value());
  std::vector<byte_vector> msgs;
  for (std::size_t i = 0; i < 12; ++i) {
    auto m1 = proto::group_encrypt(a1, name, numbered("x", i), framing, g1);
    auto m2 = proto::group_encrypt(a2, name, numbered("x", i), framing, g2);
    REQUIRE(m1.has_value());
    REQUIRE(m2.has_value());
    CHECK(*m1 == *m2);
    msgs.push_back(*m1);
  }
  CHECK(a1.load_sender_key(name)->serialize() == a2.load_sender_key(name)->serialize());
  // Out of order, duplicated, tampered: the same results on both.
  byte_vector tampered = msgs[3];
  tampered[tampered.size() - 70] ^= 1;
  for (const byte_vector* m : {&msgs[5], &msgs[1], &msgs[5], &tampered, &msgs[0], &msgs[11], &msgs[3], &msgs[1]}) {
    const auto r1 = proto::group_decrypt(b1, name, *m, framing);
    const auto r2 = proto::group_decrypt(b2, name, *m, framing);
    REQUIRE(r1.has_value() == r2.has_value());
    if (r1) {
      CHECK(*r1 == *r2);
    } else {
      CHECK(r1.error() == r2.error());
    }
    CHECK(b1.load_sender_key(name)->serialize() == b2.load_sender_key(name)->serialize());
  }
  // Failing writes: storage_failure, the stored records unchanged.
  a2.fail_writes = b2.fail_writes = true;
  const auto a_before = a2.load_sender_key(name)->serialize();
  const auto b_before = b2.load_sender_key(name)->serialize();
  CHECK(proto::group_encrypt(a2, name, numbered("y", 0), framing, g2).error() == e2ee::error::storage_failure);
  CHECK(proto::group_decrypt(b2, name, msgs[2], framing).error() == e2ee::error::storage_failure);
  CHECK(a2.load_sender_key(name)->serialize() == a_before);
  CHECK(b2.load_sender_key(name)->serialize() == b_before);
  failing_in_place_store a3, b3;
  auto ra = proto::sender_key_record::deserialize(a_before);
  auto rb = proto::sender_key_record::deserialize(b_before);
  REQUIRE(ra.has_value());
  REQUIRE(rb.has_value());
  REQUIRE(a3.inner.store_sender_key(name, std::move(*ra)));
  REQUIRE(b3.inner.store_sender_key(name, std::move(*rb)));
  CHECK(proto::group_encrypt(a3, name, numbered("y", 0), framing, g2).error() == e2ee::error::storage_failure);
  CHECK(proto::group_decrypt(b3, name, msgs[2], framing).error() == e2ee::error::storage_failure);
  // No record at all: no_session, nothing written.
  proto::memory_sender_key_store none;
  CHECK(proto::group_encrypt(none, name, numbered("y", 1), framing, g2).error() == e2ee::error::no_session);
  CHECK(proto::group_decrypt(none, name, msgs[0], framing).error() == e2ee::error::no_session);
  CHECK(!none.load_sender_key(name).has_value());
}

// With an in-place store, a group message allocates only its output: the
// message for group_encrypt, the plaintext for group_decrypt of the next
// message in order (a message out of order also caches skipped keys).
TEST_CASE("sender keys: group_encrypt and group_decrypt allocate only the output", "[protocol][sender_keys][alloc]") {
  test::rng g(0xa110c);
  const auto dist = make_distribution(44);
  for (const auto framing : {group_framing::libsignal_c, group_framing::rust}) {
    INFO("framing " << (framing == group_framing::rust ? "rust" : "libsignal_c"));
    auto group = make_group(2);
    distribute_all(group, dist, framing, g);
    const proto::sender_key_name name{group[0].addr, dist};
    const byte_vector pt(100, 0x61);
    for (std::size_t i = 0; i < 3; ++i) {  // the first messages may size the skipped-key cache
      auto m = proto::group_encrypt(group[0].store, name, pt, framing, g);
      REQUIRE(m.has_value());
      REQUIRE(proto::group_decrypt(group[1].store, name, *m, framing).has_value());
    }
    for (std::size_t i = 0; i < 5; ++i) {
      test::alloc_scope scope;
      auto m = proto::group_encrypt(group[0].store, name, pt, framing, g);
      const std::size_t enc = scope.count();
      REQUIRE(m.has_value());
      scope.reset();
      auto p = proto::group_decrypt(group[1].store, name, *m, framing);
      const std::size_t dec = scope.count();
      REQUIRE(p.has_value());
      CHECK(*p == pt);
      CHECK(enc == 1);
      CHECK(dec == 1);
    }
  }
}

// A state kept in memory prepares its public signing key for XEdDSA
// verification at its second verification, not per message; a state loaded
// for one message (or cloned, or deserialized) is not prepared. The prepared
// verdicts are xeddsa::verify's; a key no signature verifies under (u = -1,
// which has no Edwards image, and a u on the twist) cannot be prepared: it
// stays in the record byte for byte, and every message under it is
// invalid_signature with the record unchanged, exactly as with xeddsa::verify.
TEST_CASE("sender keys: the prepared verifying key; keys that cannot be prepared verify nothing",
          "[protocol][sender_keys]") {
  test::rng g(0x9e7a);
  const auto dist = make_distribution(55);
  std::array<std::uint8_t, 32> minus_one{};  // p - 1
  minus_one.fill(0xff);
  minus_one[0] = 0xec;
  minus_one[31] = 0x7f;
  std::array<std::uint8_t, 32> twist{};
  do {
    REQUIRE(g.fill(twist));
    twist[31] &= 0x7f;
  } while (e2ee::xeddsa::verifying_key::from_x25519(twist).has_value());
  CHECK_FALSE(e2ee::xeddsa::verifying_key::from_x25519(minus_one).has_value());
  for (const auto framing : {group_framing::libsignal_c, group_framing::rust}) {
    INFO("framing " << (framing == group_framing::rust ? "rust" : "libsignal_c"));
    proto::memory_sender_key_store alice, bob;
    const proto::sender_key_name name{{"alice", 1}, dist};
    const auto skdm = proto::create_sender_key_distribution(alice, name, framing, g);
    REQUIRE(skdm.has_value());
    REQUIRE(proto::process_sender_key_distribution(bob, name, *skdm, framing).has_value());
    const auto msg = proto::group_encrypt(alice, name, numbered("group ", 1), framing, g);
    REQUIRE(msg.has_value());
    const auto m = proto::parse_sender_key_message(*msg, framing);
    REQUIRE(m.has_value());

    // Not prepared by loading, cloning or deserializing; prepared at the
    // second verification, and the record's bytes do not change.
    auto rec = bob.load_sender_key(name);
    REQUIRE(rec.has_value());
    const auto bytes = rec->serialize();
    auto& st = *rec->newest();
    CHECK_FALSE(st.prepared());
    CHECK(st.verify(m->signed_part, m->signature));
    CHECK_FALSE(st.prepared());
    CHECK(st.verify(m->signed_part, m->signature));
    CHECK(st.prepared());
    CHECK(rec->serialize() == bytes);
    CHECK_FALSE(st.clone().prepared());
    const auto loaded = proto::sender_key_record::deserialize(bytes);
    REQUIRE(loaded.has_value());
    CHECK_FALSE(loaded->newest()->prepared());
    // The prepared verdict is xeddsa::verify's, on the message and with
    // each signature byte changed.
    for (std::size_t i = 0; i < 64; ++i) {
      auto sig = m->signature;
      sig[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
      CHECK(st.verify(m->signed_part, sig) == e2ee::xeddsa::verify(st.signing_key, m->signed_part, sig));
    }
    CHECK(st.prepared());

    for (const auto& bad : {minus_one, twist}) {
      CHECK_FALSE(e2ee::xeddsa::verify(bad, m->signed_part, m->signature));
      auto forged = *skdm;  // the signing key is the distribution's last field
      std::copy(bad.begin(), bad.end(), forged.end() - 32);
      proto::memory_sender_key_store carol;
      REQUIRE(proto::process_sender_key_distribution(carol, name, forged, framing).has_value());
      const auto before = carol.load_sender_key(name)->serialize();
      auto unprepared = proto::sender_key_record::deserialize(before);
      REQUIRE(unprepared.has_value());
      CHECK(unprepared->newest()->signing_key == bad);
      for (int k = 0; k < 3; ++k) {  // direct, then the failed preparation, then remembered
        CHECK_FALSE(unprepared->newest()->verify(m->signed_part, m->signature));
        CHECK_FALSE(unprepared->newest()->prepared());
      }
      CHECK(unprepared->serialize() == before);
      for (int k = 0; k < 3; ++k) {  // in place: the same state each time
        const auto r = proto::group_decrypt(carol, name, *msg, framing);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == error::invalid_signature);
        CHECK(carol.load_sender_key(name)->serialize() == before);
      }
    }
    REQUIRE(proto::group_decrypt(bob, name, *msg, framing).has_value());
  }
}
