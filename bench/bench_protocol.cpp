// bench/bench_protocol.cpp — the protocol layer: Double Ratchet messages on an
// established session (with and without a DH ratchet step per message),
// session set-up (X3DH + the first PreKey message) and safety numbers.
// e2ee only for now; libsignal-protocol-c joins as a peer with the interop
// harness (issue 5).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <e2ee/core/random.hpp>
#include <e2ee/protocol/double_ratchet.hpp>
#include <e2ee/protocol/fingerprint.hpp>

#include "bench_common.hpp"

namespace {

namespace proto = e2ee::protocol;
using e2ee_bench::add;
using e2ee_bench::run;

constexpr std::size_t message_size = 100;

struct parties {
  std::optional<proto::session_state> alice, bob;
  bool ok = false;
};

// A session after Alice's first message and Bob's answer: no PreKey wrapping.
parties established(e2ee::os_random& rng) {
  parties p;
  auto ika = proto::key_pair::generate(rng), ikb = proto::key_pair::generate(rng),
       spkb = proto::key_pair::generate(rng), eka = proto::key_pair::generate(rng);
  if (!ika || !ikb || !spkb || !eka) return p;
  auto a = proto::session_state::initialize_alice(*ika, *eka, ikb->public_key, spkb->public_key, std::nullopt, rng);
  auto b = proto::session_state::initialize_bob(*ikb, *spkb, nullptr, ika->public_key, eka->public_key);
  if (!a || !b) return p;
  p.alice.emplace(std::move(*a));
  p.bob.emplace(std::move(*b));
  const std::array<std::uint8_t, 1> hello{1};
  if (!p.bob->decrypt(p.alice->encrypt(hello).bytes, rng)) return p;
  if (!p.alice->decrypt(p.bob->encrypt(hello).bytes, rng)) return p;
  p.ok = true;
  return p;
}

// ratchet_message: Alice encrypts, Bob decrypts, same direction every time
// (symmetric-key ratchet only: HMAC chain step, HKDF, CBC, MAC).
void ratchet_message(benchmark::State& st) {
  e2ee::os_random rng;
  auto p = established(rng);
  std::vector<std::uint8_t> msg(message_size, 0x61);
  bool ok = p.ok;
  if (ok) {
    run(st, message_size, [&] {
      auto e = p.alice->encrypt(msg);
      auto d = p.bob->decrypt(e.bytes, rng);
      ok &= d.has_value() && d->size() == message_size;
    });
  }
  if (!ok) st.SkipWithError("message did not decrypt");
}

// ratchet_message_dh: the sender alternates, so every message carries a new
// ratchet key and its receiver runs a DH ratchet step (two X25519 agreements
// and a key generation) besides the symmetric work.
void ratchet_message_dh(benchmark::State& st) {
  e2ee::os_random rng;
  auto p = established(rng);
  std::vector<std::uint8_t> msg(message_size, 0x62);
  bool ok = p.ok, alice_turn = true;
  if (ok) {
    run(st, message_size, [&] {
      auto& from = alice_turn ? *p.alice : *p.bob;
      auto& to = alice_turn ? *p.bob : *p.alice;
      auto e = from.encrypt(msg);
      auto d = to.decrypt(e.bytes, rng);
      ok &= d.has_value() && d->size() == message_size;
      alice_turn = !alice_turn;
    });
  }
  if (!ok) st.SkipWithError("message did not decrypt");
}

// session_setup: Bob's keys exist; Alice runs X3DH and encrypts a PreKey
// message, Bob runs X3DH and decrypts it.
void session_setup(benchmark::State& st) {
  e2ee::os_random rng;
  auto ika = proto::key_pair::generate(rng), ikb = proto::key_pair::generate(rng),
       spkb = proto::key_pair::generate(rng), opkb = proto::key_pair::generate(rng);
  std::vector<std::uint8_t> msg(message_size, 0x63);
  bool ok = ika && ikb && spkb && opkb;
  if (ok) {
    run(st, message_size, [&] {
      auto eka = proto::key_pair::generate(rng);
      auto a = proto::session_state::initialize_alice(*ika, *eka, ikb->public_key, spkb->public_key,
                                                      std::span<const std::uint8_t, 32>(opkb->public_key), rng);
      if (!eka || !a) {
        ok = false;
        return;
      }
      a->set_pending_pre_key({1, 2, eka->public_key}, 3);
      const auto e = a->encrypt(msg);
      const auto outer = proto::parse_pre_key_signal_message(e.bytes);
      if (!outer) {
        ok = false;
        return;
      }
      auto b = proto::session_state::initialize_bob(*ikb, *spkb, &*opkb, outer->identity_key, outer->base_key);
      auto d = b ? b->decrypt(outer->message, rng) : e2ee::result<std::vector<std::uint8_t>>(e2ee::error::no_session);
      ok &= d.has_value() && d->size() == message_size;
    });
  }
  if (!ok) st.SkipWithError("session set-up failed");
}

// safety_number: both parties' 5,200-iteration fingerprints.
void safety_number(benchmark::State& st) {
  std::array<std::uint8_t, 33> a{}, b{};
  a.fill(0x11);
  b.fill(0x22);
  a[0] = b[0] = 0x05;
  bool ok = true;
  run(st, 0, [&] {
    auto f = proto::fingerprint::create(2, proto::fingerprint_default_iterations, "+14152222222", a,
                                        "+14153333333", b);
    ok &= f.has_value();
    if (f) {
      auto d = f->displayable();
      e2ee_bench::keep(d);
    }
  });
  if (!ok) st.SkipWithError("fingerprint failed");
}

void register_protocol() {
  add("ratchet_message", "e2ee", message_size, ratchet_message);
  add("ratchet_message_dh", "e2ee", message_size, ratchet_message_dh);
  add("session_setup", "e2ee", 0, session_setup);
  add("safety_number", "e2ee", 0, safety_number);
}

const e2ee_bench::registrar reg_protocol(&register_protocol, 50);

}  // namespace
