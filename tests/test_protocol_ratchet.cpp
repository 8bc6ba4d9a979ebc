// The Double Ratchet key schedule and X3DH (SIGNAL.md A3, A4) against
// Signal's vectors: chain_key.json, x3dh_ratcheting_session.json, hkdf.json.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <e2ee/kdf/hkdf.hpp>
#include <e2ee/protocol/ratchet_keys.hpp>
#include <e2ee/protocol/x3dh.hpp>

#include "support/bytes.hpp"
#include "support/json_fields.hpp"
#include "support/rng.hpp"
#include "support/vectors.hpp"

namespace {

using test::byte_vector;
namespace proto = e2ee::protocol;
using key = std::array<std::uint8_t, 32>;

key to_key(const byte_vector& b) {
  REQUIRE(b.size() == 32);
  key k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}
key wire_key(const byte_vector& b) {
  REQUIRE(b.size() == 33);
  REQUIRE(b[0] == 0x05);
  return to_key(byte_vector(b.begin() + 1, b.end()));
}

using test::json::str;

key random_private(test::rng& g) {
  key k{};
  g.fill(k);
  k[0] &= 248;
  k[31] = static_cast<std::uint8_t>((k[31] & 127) | 64);
  return k;
}

}  // namespace

TEST_CASE("ratchet: chain step, Signal chain_key.json", "[protocol][ratchet][signal]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto f = test::json::load_external("signal/chain_key.json");
  const auto& r = *f.root;
  const proto::chain_key ck(to_key(test::unhex(str(r, "chain_key"))), 0);
  const auto mk = ck.keys();
  CHECK(mk.counter == 0);
  CHECK(test::hex(mk.cipher_key.expose()) == str(r, "cipher_key"));
  CHECK(test::hex(mk.mac_key.expose()) == str(r, "mac_key"));
  const auto* iv = r.find("iv_generated");
  REQUIRE(iv != nullptr);
  CHECK(test::hex(mk.iv.expose()) == str(*iv, "iv"));
  const auto next = ck.next();
  CHECK(next.index() == 1);
  CHECK(test::hex(next.key()) == str(r, "next_chain_key"));
  // The original is unchanged (a chain step makes a new value).
  CHECK(test::hex(ck.key()) == str(r, "chain_key"));
}

TEST_CASE("ratchet: HKDF as Signal uses it, hkdf.json", "[protocol][ratchet][signal]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto f = test::json::load_external("signal/hkdf.json");
  const auto* cases = f.root->find("cases");
  REQUIRE(cases != nullptr);
  REQUIRE(cases->as_array() != nullptr);
  int n = 0;
  for (const auto& c : *cases->as_array()) {
    const auto ikm = test::unhex(str(c, "ikm"));
    const auto* salt_v = c.find("salt");
    REQUIRE(salt_v != nullptr);
    const byte_vector salt = salt_v->is_null() ? byte_vector{} : test::unhex(*salt_v->as_string());
    const auto info = test::unhex(str(c, "info"));
    byte_vector out(test::json::u32(c, "length"));
    const auto prk = e2ee::hkdf<e2ee::sha256>::extract(salt, ikm);
    REQUIRE(e2ee::hkdf<e2ee::sha256>::expand(prk.expose(), info, out));
    CHECK(test::hex(out) == str(c, "okm"));
    ++n;
  }
  CHECK(n == 3);
}

TEST_CASE("x3dh: Signal x3dh_ratcheting_session.json, both roles", "[protocol][x3dh][signal]") {
  E2EE_REQUIRE_EXTERNAL_VECTORS();
  const auto f = test::json::load_external("signal/x3dh_ratcheting_session.json");
  const auto* cur = f.root->find("current");
  REQUIRE(cur != nullptr);
  const auto& c = *cur;
  const key bob_identity_private = to_key(test::unhex(str(c, "bob_identity_private")));
  const key bob_spk_private = to_key(test::unhex(str(c, "bob_signed_prekey_private")));
  const key alice_identity_private = to_key(test::unhex(str(c, "alice_identity_private")));
  const key alice_base_private = to_key(test::unhex(str(c, "alice_base_private")));
  const key bob_identity = wire_key(test::unhex(str(c, "bob_identity_public")));
  const key bob_spk = wire_key(test::unhex(str(c, "bob_signed_prekey_public")));
  const key alice_identity = wire_key(test::unhex(str(c, "alice_identity_public")));
  const key alice_base = wire_key(test::unhex(str(c, "alice_base_public")));
  // The public keys in the file are those of the private keys.
  CHECK(e2ee::x25519::public_key(bob_identity_private) == bob_identity);
  CHECK(e2ee::x25519::public_key(bob_spk_private) == bob_spk);
  CHECK(e2ee::x25519::public_key(alice_identity_private) == alice_identity);
  CHECK(e2ee::x25519::public_key(alice_base_private) == alice_base);

  const auto bob = proto::x3dh_bob({bob_identity_private, bob_spk_private, std::nullopt, alice_identity, alice_base});
  REQUIRE(bob.has_value());
  CHECK(test::hex(bob->second.key()) == str(c, "expected_sender_chain"));
  CHECK(bob->second.index() == 0);
  const auto* rk = c.find("root_key_generated");
  REQUIRE(rk != nullptr);
  CHECK(test::hex(bob->first.key()) == str(*rk, "root_key"));

  const auto alice = proto::x3dh_alice({alice_identity_private, alice_base_private, bob_identity, bob_spk});
  REQUIRE(alice.has_value());
  CHECK(test::hex(alice->second.key()) == str(c, "expected_receiver_chain"));
  CHECK(test::hex(alice->first.key()) == str(*rk, "root_key"));

  // Legacy (libsignal-protocol-c, unclamped base key 0x11ae...): we clamp, as
  // Rust libsignal does, so that key acts as 0x10ae... = the current vector's
  // key and gives the current chain, not the unclamped 9797caca... value.
  const auto* legacy = f.root->find("legacy_unclamped");
  REQUIRE(legacy != nullptr);
  const key legacy_private = to_key(test::unhex(str(*legacy, "alice_base_private")));
  REQUIRE(legacy_private != alice_base_private);
  CHECK(e2ee::x25519::public_key(legacy_private) == alice_base);
  CHECK(wire_key(test::unhex(str(*legacy, "alice_base_public"))) != alice_base);
  const auto alice_legacy = proto::x3dh_alice({alice_identity_private, legacy_private, bob_identity, bob_spk});
  REQUIRE(alice_legacy.has_value());
  CHECK(test::hex(alice_legacy->second.key()) == str(c, "expected_receiver_chain"));
  CHECK(test::hex(alice_legacy->second.key()) != str(*legacy, "expected_chain_key"));
}

TEST_CASE("x3dh: both roles agree, with and without a one-time prekey", "[protocol][x3dh]") {
  test::rng g(0x783364);
  for (int i = 0; i < 16; ++i) {
    const key ika = random_private(g), eka = random_private(g), ikb = random_private(g),
              spkb = random_private(g), opkb = random_private(g);
    const key IKa = e2ee::x25519::public_key(ika), EKa = e2ee::x25519::public_key(eka),
              IKb = e2ee::x25519::public_key(ikb), SPKb = e2ee::x25519::public_key(spkb),
              OPKb = e2ee::x25519::public_key(opkb);
    const bool with_opk = (i & 1) != 0;
    const auto a = proto::x3dh_alice({ika, eka, IKb, SPKb, with_opk ? std::optional<proto::key_span>(OPKb) : std::nullopt});
    const auto b = proto::x3dh_bob({ikb, spkb, with_opk ? std::optional<proto::key_span>(opkb) : std::nullopt, IKa, EKa});
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(test::hex(a->first.key()) == test::hex(b->first.key()));
    CHECK(test::hex(a->second.key()) == test::hex(b->second.key()));
    // Bob forgetting the one-time prekey Alice used gives different keys.
    const auto b2 = proto::x3dh_bob({ikb, spkb, with_opk ? std::nullopt : std::optional<proto::key_span>(opkb), IKa, EKa});
    REQUIRE(b2.has_value());
    CHECK(test::hex(a->first.key()) != test::hex(b2->first.key()));

    // Root step: Alice's ratchet key against Bob's signed prekey, both ways.
    const key ra = random_private(g);
    const key RA = e2ee::x25519::public_key(ra);
    const auto sa = a->first.step(SPKb, ra);
    const auto sb = b->first.step(RA, spkb);
    REQUIRE(sa.has_value());
    REQUIRE(sb.has_value());
    CHECK(test::hex(sa->first.key()) == test::hex(sb->first.key()));
    CHECK(test::hex(sa->second.key()) == test::hex(sb->second.key()));
    CHECK(sa->second.index() == 0);
  }
}

TEST_CASE("x3dh: small-order keys are refused", "[protocol][x3dh]") {
  test::rng g(0x736f);
  const key ika = random_private(g), eka = random_private(g), ikb = random_private(g), spkb = random_private(g);
  const key IKb = e2ee::x25519::public_key(ikb), SPKb = e2ee::x25519::public_key(spkb);
  key zero{};
  key one{};
  one[0] = 1;
  for (const key& bad : {zero, one}) {
    CHECK(proto::x3dh_alice({ika, eka, bad, SPKb}).error() == e2ee::error::invalid_key);
    CHECK(proto::x3dh_alice({ika, eka, IKb, bad}).error() == e2ee::error::invalid_key);
    CHECK(proto::x3dh_alice({ika, eka, IKb, SPKb, bad}).error() == e2ee::error::invalid_key);
    const proto::root_key rk(IKb);
    CHECK(rk.step(bad, ika).error() == e2ee::error::invalid_key);
  }
}
