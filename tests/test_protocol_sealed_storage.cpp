// Sealed storage (protocol/sealed_storage.hpp): records encrypted at rest,
// bound to their kind and name; corrupted or swapped records rejected; key
// rotation; the record codecs.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <e2ee/protocol/key_lifecycle.hpp>
#include <e2ee/protocol/sealed_storage.hpp>
#include <e2ee/protocol/sender_keys.hpp>
#include <e2ee/protocol/session.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;
using proto::record_kind;

std::array<std::uint8_t, 32> key_of(std::uint8_t seed) {
  std::array<std::uint8_t, 32> k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed * 31 + i);
  return k;
}

}  // namespace

TEST_CASE("sealed storage: seal and open; every changed byte and every swap rejected", "[protocol][sealed]") {
  test::rng g(0x5ea1);
  const proto::sealed_storage box(7, key_of(1));
  const byte_vector record = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto sealed = box.seal(record_kind::session, "alice.1", record, g);
  REQUIRE(sealed.has_value());
  CHECK(sealed->size() == record.size() + proto::sealed_overhead);
  CHECK((*sealed)[0] == proto::sealed_record_version);
  CHECK(proto::sealed_storage::key_id_of(*sealed) == 7u);
  auto opened = box.open(record_kind::session, "alice.1", *sealed);
  REQUIRE(opened.has_value());
  CHECK(*opened == record);
  // A fresh salt every time: sealing twice gives different bytes.
  auto again = box.seal(record_kind::session, "alice.1", record, g);
  REQUIRE(again.has_value());
  CHECK(*again != *sealed);

  // Swapped: another name, another kind.
  CHECK(box.open(record_kind::session, "alice.2", *sealed).error() == error::invalid_mac);
  CHECK(box.open(record_kind::session, "alice.1 ", *sealed).error() == error::invalid_mac);
  CHECK(box.open(record_kind::sender_key, "alice.1", *sealed).error() == error::invalid_mac);
  // Every changed byte.
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    byte_vector bad = *sealed;
    bad[i] ^= 0x08;
    const auto r = box.open(record_kind::session, "alice.1", bad);
    REQUIRE(!r.has_value());
    if (i == 0) {
      CHECK(r.error() == error::invalid_version);
    } else if (i < 5) {
      CHECK(r.error() == error::invalid_key);  // names a key this storage lacks
    } else {
      CHECK(r.error() == error::invalid_mac);
    }
  }
  // Truncated.
  for (std::size_t n = 0; n < sealed->size(); ++n) CHECK(!box.open(record_kind::session, "alice.1", std::span(*sealed).first(n)));
  // Another storage key with the same id.
  const proto::sealed_storage other(7, key_of(2));
  CHECK(other.open(record_kind::session, "alice.1", *sealed).error() == error::invalid_mac);
  // Empty records and names are fine.
  auto empty = box.seal(record_kind::app, "", byte_vector{}, g);
  REQUIRE(empty.has_value());
  auto back = box.open(record_kind::app, "", *empty);
  REQUIRE(back.has_value());
  CHECK(back->empty());
}

TEST_CASE("sealed storage: key rotation", "[protocol][sealed]") {
  test::rng g(0x207a);
  proto::sealed_storage box(1, key_of(10));
  std::vector<std::pair<std::string, byte_vector>> plain;
  std::vector<byte_vector> sealed;
  for (int i = 0; i < 10; ++i) {
    plain.emplace_back("rec" + std::to_string(i), byte_vector(static_cast<std::size_t>(i * 13), static_cast<std::uint8_t>(i)));
    auto s = box.seal(record_kind::app, plain.back().first, plain.back().second, g);
    REQUIRE(s.has_value());
    sealed.push_back(*s);
  }
  box.add_key(2, key_of(11));
  CHECK(!box.make_current(3));
  REQUIRE(box.make_current(2));
  CHECK(!box.remove_key(2));  // the current key stays
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    CHECK(box.needs_reseal(sealed[i]));
    auto r = box.reseal(record_kind::app, plain[i].first, sealed[i], g);
    REQUIRE(r.has_value());
    CHECK(proto::sealed_storage::key_id_of(*r) == 2u);
    CHECK(!box.needs_reseal(*r));
    sealed[i] = *r;
  }
  REQUIRE(box.remove_key(1));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto o = box.open(record_kind::app, plain[i].first, sealed[i]);
    REQUIRE(o.has_value());
    CHECK(*o == plain[i].second);
  }
  // A record still under the removed key: invalid_key, never garbage.
  const proto::sealed_storage old(1, key_of(10));
  auto stale = old.seal(record_kind::app, "late", byte_vector{1}, g);
  REQUIRE(stale.has_value());
  CHECK(box.open(record_kind::app, "late", *stale).error() == error::invalid_key);
}

TEST_CASE("sealed storage: every kind of local state, sealed and restored", "[protocol][sealed]") {
  test::rng g(0x57a7e);
  const proto::sealed_storage box(3, key_of(42));

  auto identity = proto::key_pair::generate(g);
  REQUIRE(identity.has_value());
  const auto id_bytes = proto::encode_identity(*identity, 4242);
  auto id_sealed = box.seal(record_kind::identity, "self", id_bytes, g);
  REQUIRE(id_sealed.has_value());
  auto id_back = proto::decode_identity(*box.open(record_kind::identity, "self", *id_sealed));
  REQUIRE(id_back.has_value());
  CHECK(id_back->registration_id == 4242);
  CHECK(id_back->identity.public_key == identity->public_key);
  CHECK(id_back->identity.private_key == identity->private_key);

  auto opk = proto::key_pair::generate(g);
  REQUIRE(opk.has_value());
  const proto::pre_key_record pk{77, opk->clone()};
  auto pk_back = proto::decode_pre_key(*box.open(record_kind::pre_key, "77",
                                                 *box.seal(record_kind::pre_key, "77", proto::encode_pre_key(pk), g)));
  REQUIRE(pk_back.has_value());
  CHECK(pk_back->id == 77);
  CHECK(pk_back->key.public_key == opk->public_key);

  auto spk = proto::make_signed_pre_key(*identity, 5, 0x0102030405060708ull, g);
  REQUIRE(spk.has_value());
  const auto spk_bytes = proto::encode_signed_pre_key(*spk);
  auto spk_back = proto::decode_signed_pre_key(spk_bytes);
  REQUIRE(spk_back.has_value());
  CHECK(spk_back->id == 5);
  CHECK(spk_back->timestamp == 0x0102030405060708ull);
  CHECK(spk_back->signature == spk->signature);
  CHECK(spk_back->key.public_key == spk->key.public_key);

  // Codecs: wrong length, magic, version, or a public key that is not the
  // private key's: refused.
  for (const auto* bytes : {&id_bytes, &spk_bytes}) {
    const auto decode_ok = [&](const byte_vector& b) {
      return bytes == &id_bytes ? proto::decode_identity(b).has_value() : proto::decode_signed_pre_key(b).has_value();
    };
    CHECK(decode_ok(*bytes));
    for (std::size_t n = 0; n < bytes->size(); ++n) CHECK(!decode_ok(byte_vector(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(n))));
    const std::size_t key_at = bytes == &id_bytes ? 9 : 17;  // private key, then public key
    for (const std::size_t at : {std::size_t{0}, std::size_t{4}, key_at + 5, key_at + 32 + 3}) {
      byte_vector bad = *bytes;
      bad[at] ^= 0x01;
      CHECK(!decode_ok(bad));
    }
  }

  // Session and sender key records, through their own serialization.
  proto::session_record empty_record;
  auto rec_sealed = box.seal(record_kind::session, "bob.1", empty_record.serialize(), g);
  REQUIRE(rec_sealed.has_value());
  auto rec_back = proto::session_record::deserialize(*box.open(record_kind::session, "bob.1", *rec_sealed));
  REQUIRE(rec_back.has_value());
  proto::memory_sender_key_store sk;
  const proto::sender_key_name name{{"me", 1}, {}};
  REQUIRE(proto::create_sender_key_distribution(sk, name, proto::group_framing::rust, g).has_value());
  const auto sk_bytes = sk.load_sender_key(name)->serialize();
  auto sk_sealed = box.seal(record_kind::sender_key, "me.1/group", sk_bytes, g);
  REQUIRE(sk_sealed.has_value());
  auto sk_back = proto::sender_key_record::deserialize(*box.open(record_kind::sender_key, "me.1/group", *sk_sealed));
  REQUIRE(sk_back.has_value());
  CHECK(sk_back->serialize() == sk_bytes);
  // A session record offered where the sender key record belongs.
  CHECK(box.open(record_kind::sender_key, "me.1/group", *rec_sealed).error() == error::invalid_mac);
}
