// Importing libsignal-protocol-c session records (protocol/migration.hpp,
// import_libsignal_c_session_record) without the C library: records built
// field by field in C's protobuf format (LocalStorageProtocol.proto) check
// each rule of the importer. The live proof, C records taken from a running
// conversation and continued on e2ee, is tests/interop/test_interop_migration.cpp.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <e2ee/ec/x25519.hpp>
#include <e2ee/protocol/migration.hpp>
#include <e2ee/protocol/session.hpp>
#include <e2ee/protocol/wire.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;
namespace wire = e2ee::protocol::wire;

struct c_key {
  std::uint32_t index = 0;
  byte_vector cipher, mac, iv;
};
struct c_chain {
  byte_vector ratchet_key, ratchet_private;
  std::uint32_t index = 0;
  byte_vector key;
  std::vector<c_key> keys;
};
struct c_pending {
  std::optional<std::uint32_t> pre_key_id;
  byte_vector base_key;
  std::int32_t signed_pre_key_id = 0;
};
struct c_state {
  std::optional<std::uint32_t> version = 3;
  byte_vector local, remote, root, alice_base;
  std::uint32_t previous_counter = 0, remote_reg = 0, local_reg = 0;
  std::optional<c_chain> sender;
  std::vector<c_chain> receivers;  // oldest first
  std::optional<c_pending> pending;
  byte_vector extra;  // raw bytes appended (unknown or repeated fields)
};

byte_vector pub33(test::rng& g) {
  byte_vector k = g.bytes(33);
  k[0] = 0x05;
  return k;
}

byte_vector encode_chain(const c_chain& c) {
  byte_vector out;
  wire::writer w(out);
  if (!c.ratchet_key.empty()) w.bytes_field(1, c.ratchet_key);
  if (!c.ratchet_private.empty()) w.bytes_field(2, c.ratchet_private);
  byte_vector ck;
  wire::writer cw(ck);
  cw.varint_field(1, c.index);
  cw.bytes_field(2, c.key);
  w.bytes_field(3, ck);
  for (const auto& k : c.keys) {
    byte_vector mk;
    wire::writer mw(mk);
    mw.varint_field(1, k.index);
    mw.bytes_field(2, k.cipher);
    mw.bytes_field(3, k.mac);
    mw.bytes_field(4, k.iv);
    w.bytes_field(4, mk);
  }
  return out;
}

byte_vector encode_state(const c_state& s) {
  byte_vector out;
  wire::writer w(out);
  if (s.version) w.varint_field(1, *s.version);
  if (!s.local.empty()) w.bytes_field(2, s.local);
  if (!s.remote.empty()) w.bytes_field(3, s.remote);
  if (!s.root.empty()) w.bytes_field(4, s.root);
  w.varint_field(5, s.previous_counter);
  if (s.sender) w.bytes_field(6, encode_chain(*s.sender));
  for (const auto& r : s.receivers) w.bytes_field(7, encode_chain(r));
  if (s.pending) {
    byte_vector p;
    wire::writer pw(p);
    if (s.pending->pre_key_id) pw.varint_field(1, *s.pending->pre_key_id);
    pw.bytes_field(2, s.pending->base_key);
    // int32: negative values are sign-extended to 64 bits on the wire
    pw.varint_field(3, static_cast<std::uint64_t>(static_cast<std::int64_t>(s.pending->signed_pre_key_id)));
    w.bytes_field(9, p);
  }
  w.varint_field(10, s.remote_reg);
  w.varint_field(11, s.local_reg);
  w.varint_field(12, 0);
  if (!s.alice_base.empty()) w.bytes_field(13, s.alice_base);
  out.insert(out.end(), s.extra.begin(), s.extra.end());
  return out;
}

byte_vector encode_record(const std::optional<c_state>& current, const std::vector<c_state>& previous) {
  byte_vector out;
  wire::writer w(out);
  if (current) w.bytes_field(1, encode_state(*current));
  for (const auto& p : previous) w.bytes_field(2, encode_state(p));
  return out;
}

c_chain receiver(test::rng& g, std::uint32_t index, std::size_t cached) {
  c_chain c{pub33(g), {}, index, g.bytes(32), {}};
  for (std::size_t i = 0; i < cached; ++i)
    c.keys.push_back({static_cast<std::uint32_t>(i), g.bytes(32), g.bytes(32), g.bytes(16)});
  return c;
}

// A valid v3 state with `chains` receiving chains of `cached` cached keys.
c_state valid_state(test::rng& g, std::size_t chains = 2, std::size_t cached = 3) {
  c_state s;
  s.local = pub33(g);
  s.remote = pub33(g);
  s.root = g.bytes(32);
  s.previous_counter = 4;
  s.remote_reg = 1234;
  s.local_reg = 4321;
  s.alice_base = pub33(g);
  auto priv = g.bytes(32);
  const auto clamped = e2ee::x25519::detail::clamp(std::span<const std::uint8_t, 32>(priv.data(), 32));
  priv.assign(clamped.begin(), clamped.end());
  const auto pub = e2ee::x25519::public_key(clamped);
  byte_vector pub_ser{0x05};
  pub_ser.insert(pub_ser.end(), pub.begin(), pub.end());
  s.sender = c_chain{pub_ser, priv, 7, g.bytes(32), {}};
  for (std::size_t i = 0; i < chains; ++i) s.receivers.push_back(receiver(g, static_cast<std::uint32_t>(cached + 5), cached));
  return s;
}

e2ee::result<proto::session_record> import(const byte_vector& b) { return proto::import_libsignal_c_session_record(b); }

}  // namespace

TEST_CASE("migration: a C session record imports with every field", "[protocol][migration]") {
  test::rng g(0x111);
  c_state s = valid_state(g, 3, 4);
  s.pending = c_pending{77, pub33(g), 12};
  const c_state old = valid_state(g, 1, 0);
  const auto r = import(encode_record(s, {old}));
  REQUIRE(r.has_value());
  REQUIRE(r->has_current());
  CHECK(r->archived_count() == 1);
  const proto::session_state& st = *r->current();
  CHECK(test::bytes(st.local_identity()) == s.local);
  CHECK(test::bytes(st.remote_identity()) == s.remote);
  CHECK(st.remote_registration_id() == 1234);
  CHECK(st.sending_index() == 7);
  CHECK(st.receiver_chain_count() == 3);
  CHECK(st.skipped_key_count() == 12);
  CHECK(st.has_pending_pre_key());
  CHECK(test::bytes(st.alice_base_key()) == byte_vector(s.alice_base.begin() + 1, s.alice_base.end()));
  // What e2ee serializes loads again to the same bytes.
  const auto bytes = r->serialize();
  const auto again = proto::session_record::deserialize(bytes);
  REQUIRE(again.has_value());
  CHECK(again->serialize() == bytes);

  // Unknown fields (a newer writer's) are skipped; a negative int32 signed
  // prekey id (ids above 2^31 as C writes them) and no one-time prekey id.
  c_state t = valid_state(g);
  t.pending = c_pending{std::nullopt, pub33(g), -5};
  t.extra = {0x72, 0x02, 0xaa, 0xbb, 0x78, 0x01};  // field 14 (bytes), field 15 (varint)
  const auto u = import(encode_record(t, {}));
  REQUIRE(u.has_value());
  CHECK(u->current()->has_pending_pre_key());
}

TEST_CASE("migration: empty states, versions and limits", "[protocol][migration]") {
  test::rng g(0x222);
  c_state fresh;  // C's fresh state: version 2, counters and ids only
  fresh.version = 2;
  {
    const auto r = import(encode_record(fresh, {valid_state(g), fresh}));
    REQUIRE(r.has_value());
    CHECK(!r->has_current());
    CHECK(r->archived_count() == 1);  // the empty archived state is dropped
  }
  {
    const auto r = import(byte_vector{});
    REQUIRE(r.has_value());
    CHECK(!r->has_current());
  }
  c_state v2 = valid_state(g);
  v2.version = 2;
  CHECK(import(encode_record(v2, {})).error() == error::invalid_version);
  v2.version = std::nullopt;  // C's default is 2
  CHECK(import(encode_record(v2, {})).error() == error::invalid_version);
  c_state v4 = valid_state(g);
  v4.version = 4;
  CHECK(import(encode_record(v4, {})).error() == error::invalid_version);

  // 40 archived states load; 41 do not.
  std::vector<c_state> forty(40, valid_state(g, 1, 1));
  CHECK(import(encode_record(valid_state(g), forty)).has_value());
  forty.push_back(valid_state(g, 1, 1));
  CHECK(import(encode_record(valid_state(g), forty)).error() == error::invalid_message);
  // 5 receiving chains load; 6 do not.
  CHECK(import(encode_record(valid_state(g, 5, 1), {})).has_value());
  CHECK(import(encode_record(valid_state(g, 6, 1), {})).error() == error::invalid_message);
  // 2,000 cached keys per chain load; 2,001 do not.
  CHECK(import(encode_record(valid_state(g, 1, proto::max_skipped_keys), {})).has_value());
  CHECK(import(encode_record(valid_state(g, 1, proto::max_skipped_keys + 1), {})).error() == error::invalid_message);
  // 3 x 2,000 is over e2ee's total: the oldest chain's oldest keys go.
  {
    const auto r = import(encode_record(valid_state(g, 3, proto::max_skipped_keys), {}));
    REQUIRE(r.has_value());
    CHECK(r->current()->skipped_key_count() == proto::max_total_skipped_keys);
  }
  // Too large as a whole.
  CHECK(import(byte_vector(proto::max_import_size + 1, 0)).error() == error::invalid_message);
}

TEST_CASE("migration: malformed C session records are refused whole", "[protocol][migration]") {
  test::rng g(0x333);
  const auto refused = [&](const c_state& s, error e = error::invalid_message) {
    const auto r = import(encode_record(s, {}));
    REQUIRE(!r.has_value());
    CHECK(r.error() == e);
  };
  {
    c_state s = valid_state(g);
    s.local.pop_back();
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.remote[0] = 0x06;
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.root.push_back(0);
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.sender.reset();
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.sender->ratchet_private.clear();
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.sender->keys.push_back({0, g.bytes(32), g.bytes(32), g.bytes(16)});  // a sending chain caches nothing
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.sender->ratchet_key[5] ^= 1;  // not the private key's public key
    refused(s, error::invalid_key);
  }
  {
    c_state s = valid_state(g);
    s.receivers[0].ratchet_private = g.bytes(32);
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.receivers[1].ratchet_key = s.receivers[0].ratchet_key;
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.receivers[0].keys[1].index = s.receivers[0].keys[0].index;
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.receivers[0].keys[0].index = s.receivers[0].index;  // not below the chain's index
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.receivers[0].keys[0].iv.pop_back();
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.pending = c_pending{1, byte_vector(33, 0x05), 1};
    s.pending->base_key.pop_back();
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.extra = {0x20, 0x01};  // previousCounter twice
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.extra = {0x22, 0x00};  // previousCounter as bytes
    refused(s);
  }
  {
    c_state s = valid_state(g);
    s.extra = {0x60, 0x01};  // needsRefresh 2
    s.extra[1] = 2;
    refused(s);
  }
  // Two current sessions.
  const auto one = encode_record(valid_state(g), {});
  byte_vector two = one;
  two.insert(two.end(), one.begin(), one.end());
  CHECK(import(two).error() == error::invalid_message);

  // Every prefix and many random changes: refused or loaded, never a crash,
  // and what loads serializes to a record that loads again.
  const auto full = encode_record(valid_state(g, 3, 5), {valid_state(g, 2, 2)});
  for (std::size_t n = 0; n < full.size(); ++n) {
    const auto r = import(byte_vector(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
    if (r) CHECK(proto::session_record::deserialize(r->serialize()).has_value());
  }
  for (int i = 0; i < 3000; ++i) {
    byte_vector bad = full;
    bad[static_cast<std::size_t>(g.below(bad.size()))] ^= static_cast<std::uint8_t>(1 + g.below(255));
    const auto r = import(bad);
    if (r) CHECK(proto::session_record::deserialize(r->serialize()).has_value());
  }
}
