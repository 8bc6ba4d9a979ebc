// Signal wire messages (SIGNAL.md A5) and the strict protobuf reader under
// them: the Rust-generated encodings in signal/generated_wire_encodings.json,
// round trips, and every class of malformed input the reader must reject.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <e2ee/protocol/messages.hpp>
#include <e2ee/protocol/wire.hpp>

#include "support/bytes.hpp"
#include "support/json_fields.hpp"
#include "support/rng.hpp"
#include "support/vectors.hpp"

namespace {

using e2ee::error;
using test::byte_vector;
namespace proto = e2ee::protocol;
namespace wire = e2ee::protocol::wire;

std::array<std::uint8_t, 32> key32(const byte_vector& b) {
  REQUIRE(b.size() == 32);
  std::array<std::uint8_t, 32> k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}
std::array<std::uint8_t, 33> key33(const byte_vector& b) {
  REQUIRE(b.size() == 33);
  std::array<std::uint8_t, 33> k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}
std::array<std::uint8_t, 32> u_of(const byte_vector& b33) {
  REQUIRE(b33.size() == 33);
  REQUIRE(b33[0] == 0x05);
  return key32(byte_vector(b33.begin() + 1, b33.end()));
}

// A fixed, valid message for the malformed-input tests.
struct sample {
  std::array<std::uint8_t, 32> ratchet{}, mac_key{};
  std::array<std::uint8_t, 33> alice{}, bob{};
  byte_vector ciphertext;
  byte_vector bytes;
  sample() {
    for (std::size_t i = 0; i < 32; ++i) {
      ratchet[i] = static_cast<std::uint8_t>(i + 1);
      mac_key[i] = static_cast<std::uint8_t>(0xa0 + i);
    }
    alice = proto::serialize_public_key(ratchet);
    bob = alice;
    bob[5] ^= 0x40;
    ciphertext.assign(32, 0x5a);
    proto::serialize_signal_message(ratchet, 300, 7, ciphertext, mac_key, alice, bob, bytes);
  }
};

// hand-built protobuf pieces
void put_varint(byte_vector& out, std::uint64_t v) {
  std::vector<std::uint8_t> tmp;
  wire::writer w(tmp);
  w.varint(v);
  out.insert(out.end(), tmp.begin(), tmp.end());
}
void put_key(byte_vector& out, std::uint32_t field, std::size_t len, std::uint8_t type = 0x05) {
  put_varint(out, (std::uint64_t{field} << 3) | 2);
  put_varint(out, len);
  out.push_back(type);
  for (std::size_t i = 1; i < len; ++i) out.push_back(static_cast<std::uint8_t>(i));
}
// body of a SignalMessage without the version byte and MAC
byte_vector body(bool with_key = true, bool with_counter = true, bool with_ct = true) {
  byte_vector b;
  if (with_key) put_key(b, 1, 33);
  if (with_counter) {
    b.push_back(0x10);
    b.push_back(0x05);
  }
  if (with_ct) {
    b.push_back(0x22);
    b.push_back(0x02);
    b.push_back(0xaa);
    b.push_back(0xbb);
  }
  return b;
}
byte_vector framed(const byte_vector& protobuf, std::uint8_t version = 0x33) {
  byte_vector m(1 + protobuf.size() + 8, 0x00);  // the MAC's 8 bytes stay zero (not checked by the parser)
  m[0] = version;
  std::copy(protobuf.begin(), protobuf.end(), m.begin() + 1);
  return m;
}
error parse_error(const byte_vector& m) {
  const auto r = proto::parse_signal_message(m);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("wire: Signal messages match Rust libsignal's encodings", "[protocol][wire][signal]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto parsed = test::json::load_external("signal/generated_wire_encodings.json");
  const auto* cases = parsed.root->find("cases");
  REQUIRE(cases != nullptr);
  REQUIRE(cases->as_array() != nullptr);
  using test::json::str;
  const auto& num = test::json::u32;

  int signal_v3 = 0, signal_v4 = 0, pre_key = 0, other = 0;
  for (const auto& c : *cases->as_array()) {
    const std::string kind = str(c, "kind");
    const auto* in = c.find("inputs");
    REQUIRE(in != nullptr);
    const byte_vector serialized = test::unhex(str(c, "serialized"));
    INFO(kind << " " << str(c, "serialized"));
    if (kind == "SignalMessage") {
      const auto version = num(*in, "version");
      if (version == 4) {
        // v4 (PQXDH + SPQR) sessions are not supported: a clear version error.
        const auto r = proto::parse_signal_message(serialized);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == error::invalid_version);
        ++signal_v4;
        continue;
      }
      REQUIRE(version == 3);
      const auto r = proto::parse_signal_message(serialized);
      REQUIRE(r.has_value());
      const auto mac_key = key32(test::unhex(str(*in, "macKey")));
      const auto sender = key33(test::unhex(str(*in, "senderIdentity")));
      const auto receiver = key33(test::unhex(str(*in, "receiverIdentity")));
      CHECK(r->ratchet_key == u_of(test::unhex(str(*in, "ratchetKey"))));
      CHECK(r->counter == num(*in, "counter"));
      CHECK(r->previous_counter == num(*in, "previousCounter"));
      CHECK(test::hex(r->ciphertext) == str(*in, "ciphertext"));
      CHECK(proto::verify_mac(*r, mac_key, sender, receiver));
      CHECK_FALSE(proto::verify_mac(*r, mac_key, receiver, sender));
      // Re-encoding with Rust's version byte (0x34) gives the same bytes.
      byte_vector out;
      proto::serialize_signal_message(r->ratchet_key, r->counter, r->previous_counter, r->ciphertext, mac_key,
                                      sender, receiver, out, serialized[0]);
      CHECK(test::hex(out) == test::hex(serialized));
      CHECK(out.size() == proto::signal_message_size(r->counter, r->previous_counter, r->ciphertext.size()));
      ++signal_v3;
    } else if (kind == "PreKeySignalMessage") {
      const auto r = proto::parse_pre_key_signal_message(serialized);
      REQUIRE(r.has_value());
      const auto* pk = in->find("preKeyId");
      REQUIRE(pk != nullptr);
      if (pk->is_null()) {
        CHECK_FALSE(r->pre_key_id.has_value());
      } else {
        REQUIRE(r->pre_key_id.has_value());
        CHECK(*r->pre_key_id == num(*in, "preKeyId"));
      }
      CHECK(r->registration_id == num(*in, "registrationId"));
      CHECK(r->signed_pre_key_id == num(*in, "signedPreKeyId"));
      CHECK(r->base_key == u_of(test::unhex(str(*in, "baseKey"))));
      CHECK(r->identity_key == u_of(test::unhex(str(*in, "identityKey"))));
      CHECK(test::hex(r->message) == str(*in, "message"));
      CHECK(proto::parse_signal_message(r->message).has_value());
      byte_vector out;
      const proto::pre_key_signal_message_fields f{r->pre_key_id,     r->signed_pre_key_id, r->registration_id,
                                                   r->base_key,       r->identity_key,      r->message,
                                                   serialized[0]};
      proto::serialize_pre_key_signal_message(f, out);
      CHECK(test::hex(out) == test::hex(serialized));
      CHECK(out.size() == proto::pre_key_signal_message_size(f));
      ++pre_key;
    } else {
      ++other;  // sender-key framing: the groups suite
    }
  }
  CHECK(signal_v3 == 1);
  CHECK(signal_v4 == 1);
  CHECK(pre_key == 2);
  CHECK(other >= 1);
}

TEST_CASE("wire: SignalMessage round trip and MAC binding", "[protocol][wire]") {
  test::rng g(0x77697265);
  for (int i = 0; i < 300; ++i) {
    std::array<std::uint8_t, 32> ratchet{}, mac_key{};
    std::array<std::uint8_t, 33> a{}, b{};
    g.fill(ratchet);
    g.fill(mac_key);
    g.fill(a);
    g.fill(b);
    a[0] = b[0] = 0x05;
    const auto counter = static_cast<std::uint32_t>(g.next() >> (g.next() % 64 / 2 + 32));
    const auto prev = static_cast<std::uint32_t>(g.next());
    byte_vector ct(g.below(600));
    g.fill(ct);
    byte_vector m;
    proto::serialize_signal_message(ratchet, counter, prev, ct, mac_key, a, b, m);
    REQUIRE(m.size() == proto::signal_message_size(counter, prev, ct.size()));
    CHECK(m.capacity() == m.size());  // reserved exactly: one allocation
    const auto r = proto::parse_signal_message(m);
    REQUIRE(r.has_value());
    CHECK(r->version_byte == 0x33);
    CHECK(r->ratchet_key == ratchet);
    CHECK(r->counter == counter);
    CHECK(r->previous_counter == prev);
    CHECK(test::hex(r->ciphertext) == test::hex(ct));
    CHECK(proto::verify_mac(*r, mac_key, a, b));
    CHECK_FALSE(proto::verify_mac(*r, mac_key, b, a));
    auto wrong = mac_key;
    wrong[g.below(32)] ^= 1;
    CHECK_FALSE(proto::verify_mac(*r, wrong, a, b));
    // Any flipped bit is either a parse error or a MAC failure.
    byte_vector t = m;
    const auto pos = g.below(t.size());
    t[pos] ^= static_cast<std::uint8_t>(1u << g.below(8));
    const auto rt = proto::parse_signal_message(t);
    if (rt.has_value()) CHECK_FALSE(proto::verify_mac(*rt, mac_key, a, b));
  }
}

TEST_CASE("wire: every truncation and every byte value is handled", "[protocol][wire]") {
  const sample s;
  // Truncations: never an over-read (ASan), never accepted with a valid MAC.
  for (std::size_t n = 0; n < s.bytes.size(); ++n) {
    const byte_vector t(s.bytes.begin(), s.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    const auto r = proto::parse_signal_message(t);
    if (r.has_value()) CHECK_FALSE(proto::verify_mac(*r, s.mac_key, s.alice, s.bob));
  }
  // Every value at every position of the protobuf part.
  std::size_t accepted = 0;
  for (std::size_t pos = 0; pos + 8 < s.bytes.size(); ++pos) {
    for (unsigned v = 0; v < 256; ++v) {
      if (v == s.bytes[pos]) continue;
      byte_vector t = s.bytes;
      t[pos] = static_cast<std::uint8_t>(v);
      const auto r = proto::parse_signal_message(t);
      if (r.has_value()) {
        CHECK_FALSE(proto::verify_mac(*r, s.mac_key, s.alice, s.bob));
        ++accepted;
      }
    }
  }
  CHECK(accepted > 0);  // e.g. ciphertext bytes: parse fine, MAC catches them
  const auto good = proto::parse_signal_message(s.bytes);
  REQUIRE(good.has_value());
  CHECK(proto::verify_mac(*good, s.mac_key, s.alice, s.bob));
}

TEST_CASE("wire: malformed protobuf is rejected", "[protocol][wire]") {
  // The well-formed baseline parses.
  REQUIRE(proto::parse_signal_message(framed(body())).has_value());

  SECTION("version") {
    CHECK(parse_error(framed(body(), 0x23)) == error::invalid_version);
    CHECK(parse_error(framed(body(), 0x43)) == error::invalid_version);
    CHECK(parse_error(framed(body(), 0x03)) == error::invalid_version);
    CHECK(proto::parse_signal_message(framed(body(), 0x34)).has_value());  // Rust's byte
    CHECK(parse_error(byte_vector(8, 0x33)) == error::invalid_message);    // shorter than version + MAC
    CHECK(parse_error(byte_vector{}) == error::invalid_message);
  }
  SECTION("missing required fields") {
    CHECK(parse_error(framed(body(false, true, true))) == error::invalid_message);
    CHECK(parse_error(framed(body(true, false, true))) == error::invalid_message);
    CHECK(parse_error(framed(body(true, true, false))) == error::invalid_message);
  }
  SECTION("duplicate field") {
    byte_vector b = body();
    b.push_back(0x10);
    b.push_back(0x06);
    CHECK(parse_error(framed(b)) == error::invalid_message);
  }
  SECTION("wrong wire type for a known field") {
    byte_vector b = body(true, false, true);
    b.push_back(0x12);  // field 2 (counter) as bytes
    b.push_back(0x01);
    b.push_back(0x05);
    CHECK(parse_error(framed(b)) == error::invalid_message);
    byte_vector c = body(false, true, true);
    c.push_back(0x08);  // field 1 (ratchet key) as varint
    c.push_back(0x05);
    CHECK(parse_error(framed(c)) == error::invalid_message);
    byte_vector d = body();
    d.push_back(0x1d);  // field 3 as fixed32
    d.insert(d.end(), 4, 0x00);
    CHECK(parse_error(framed(d)) == error::invalid_message);
  }
  SECTION("keys: length and type") {
    for (std::size_t len : {0u, 1u, 32u, 34u, 65u}) {
      byte_vector b;
      if (len == 0) {
        b = {0x0a, 0x00};
      } else {
        put_key(b, 1, len);
      }
      const byte_vector rest = body(false);
      b.insert(b.end(), rest.begin(), rest.end());
      CHECK(parse_error(framed(b)) == error::invalid_message);
    }
    byte_vector b;
    put_key(b, 1, 33, 0x06);
    const byte_vector rest = body(false);
    b.insert(b.end(), rest.begin(), rest.end());
    CHECK(parse_error(framed(b)) == error::invalid_message);
  }
  SECTION("varints") {
    // counter = 2^32: does not fit uint32
    byte_vector b = body(true, false, true);
    b.push_back(0x10);
    put_varint(b, std::uint64_t{1} << 32);
    CHECK(parse_error(framed(b)) == error::invalid_message);
    // counter = 2^32 - 1: fits
    byte_vector ok = body(true, false, true);
    ok.push_back(0x10);
    put_varint(ok, 0xffffffffu);
    const auto r = proto::parse_signal_message(framed(ok));
    REQUIRE(r.has_value());
    CHECK(r->counter == 0xffffffffu);
    // non-minimal: 5 encoded as 0x85 0x00
    byte_vector nm = body(true, false, true);
    nm.insert(nm.end(), {0x10, 0x85, 0x00});
    CHECK(parse_error(framed(nm)) == error::invalid_message);
    // 11-byte varint, and a 10th byte above 1
    byte_vector lng = body(true, false, true);
    lng.push_back(0x10);
    lng.insert(lng.end(), 10, 0x80);
    lng.push_back(0x01);
    CHECK(parse_error(framed(lng)) == error::invalid_message);
    byte_vector big = body(true, false, true);
    big.push_back(0x10);
    big.insert(big.end(), 9, 0xff);
    big.push_back(0x02);
    CHECK(parse_error(framed(big)) == error::invalid_message);
    // truncated varint at the end of the protobuf
    byte_vector tr = body();
    tr.insert(tr.end(), {0x18, 0x80});
    CHECK(parse_error(framed(tr)) == error::invalid_message);
  }
  SECTION("tags") {
    byte_vector z = body();
    z.insert(z.end(), {0x00, 0x01});  // field number 0
    CHECK(parse_error(framed(z)) == error::invalid_message);
    for (std::uint8_t t : {std::uint8_t{0x3b}, std::uint8_t{0x3c}, std::uint8_t{0x3e}, std::uint8_t{0x3f}}) {
      byte_vector g = body();  // field 7 with wire type 3, 4, 6, 7
      g.insert(g.end(), {t, 0x00});
      CHECK(parse_error(framed(g)) == error::invalid_message);
    }
    byte_vector hi = body();  // field number 2^29 (one past the maximum)
    put_varint(hi, (std::uint64_t{1} << 29) << 3);
    hi.push_back(0x00);
    CHECK(parse_error(framed(hi)) == error::invalid_message);
  }
  SECTION("length-delimited field longer than the input") {
    byte_vector b = body(true, true, false);
    b.insert(b.end(), {0x22, 0x09, 0x01});  // claims 9 bytes, has 1 (+ the MAC's 8 are not protobuf)
    CHECK(parse_error(framed(b)) == error::invalid_message);
    byte_vector huge = body(true, true, false);
    huge.push_back(0x22);
    put_varint(huge, ~std::uint64_t{0} >> 1);
    CHECK(parse_error(framed(huge)) == error::invalid_message);
  }
  SECTION("unknown fields are skipped, and still covered by the MAC") {
    byte_vector b = body();
    b.insert(b.end(), {0x32, 0x03, 0x01, 0x02, 0x03});  // field 6 (Rust's addresses), bytes
    b.insert(b.end(), {0x48, 0x07});                    // field 9, varint
    b.insert(b.end(), {0x55, 0x01, 0x02, 0x03, 0x04});  // field 10, fixed32
    const auto m = framed(b);
    const auto r = proto::parse_signal_message(m);
    REQUIRE(r.has_value());
    CHECK(r->counter == 5);
    CHECK(r->authenticated.size() == m.size() - 8);
  }
  SECTION("size limit") {
    byte_vector b = body(true, true, false);
    b.push_back(0x22);
    put_varint(b, proto::max_message_size);
    b.resize(b.size() + proto::max_message_size, 0x11);
    CHECK(parse_error(framed(b)) == error::invalid_message);
  }
}

TEST_CASE("wire: PreKeySignalMessage required fields and round trip", "[protocol][wire]") {
  const sample s;
  std::array<std::uint8_t, 32> base{}, ident{};
  base.fill(0x42);
  ident.fill(0x24);
  for (const bool with_pre_key : {false, true}) {
    const proto::pre_key_signal_message_fields f{
        with_pre_key ? std::optional<std::uint32_t>(0xfffffu) : std::nullopt, 7, 16380, base, ident, s.bytes};
    byte_vector m;
    proto::serialize_pre_key_signal_message(f, m);
    REQUIRE(m.size() == proto::pre_key_signal_message_size(f));
    const auto r = proto::parse_pre_key_signal_message(m);
    REQUIRE(r.has_value());
    CHECK(r->pre_key_id == f.pre_key_id);
    CHECK(r->signed_pre_key_id == 7);
    CHECK(r->registration_id == 16380);
    CHECK(r->base_key == base);
    CHECK(r->identity_key == ident);
    CHECK(test::hex(r->message) == test::hex(s.bytes));
    // Every truncation fails cleanly (the required message field comes late).
    for (std::size_t n = 0; n < m.size(); ++n) {
      const byte_vector t(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(n));
      CHECK_FALSE(proto::parse_pre_key_signal_message(t).has_value());
    }
  }
  // Each required field missing: rebuild by hand without it.
  const auto build = [&](bool base_key, bool identity, bool message, bool spk) {
    byte_vector p{0x33};
    wire::writer w(p);
    if (base_key) w.bytes_field(2, proto::serialize_public_key(base));
    if (identity) w.bytes_field(3, proto::serialize_public_key(ident));
    if (message) w.bytes_field(4, s.bytes);
    w.varint_field(5, 1);
    if (spk) w.varint_field(6, 1);
    return p;
  };
  CHECK(proto::parse_pre_key_signal_message(build(true, true, true, true)).has_value());
  CHECK(proto::parse_pre_key_signal_message(build(false, true, true, true)).error() == error::invalid_message);
  CHECK(proto::parse_pre_key_signal_message(build(true, false, true, true)).error() == error::invalid_message);
  CHECK(proto::parse_pre_key_signal_message(build(true, true, false, true)).error() == error::invalid_message);
  CHECK(proto::parse_pre_key_signal_message(build(true, true, true, false)).error() == error::invalid_message);
  byte_vector v2 = build(true, true, true, true);
  v2[0] = 0x22;
  CHECK(proto::parse_pre_key_signal_message(v2).error() == error::invalid_version);
}
