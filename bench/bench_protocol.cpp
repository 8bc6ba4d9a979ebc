// bench/bench_protocol.cpp — the protocol layer beside libsignal-protocol-c:
// Double Ratchet messages on an established session (with and without a DH
// ratchet step per message), session set-up (X3DH + the first PreKey
// message) and safety numbers.
//
// Implementations (names `op/impl[/size]`, bench_common.hpp):
//   e2ee:state   session_state objects driven directly (double_ratchet.hpp):
//                no store, nothing serialized
//   e2ee:api     the user API (session.hpp): process_pre_key_bundle,
//                encrypt(store, address, ...), decrypt(store, address, ...) on
//                protocol::memory_store, which lends its stored record
//                (session_store_in_place): encrypt and decrypt work on it in
//                place
//   e2ee:api_modern  the same calls on a session of the modern suite
//                (AES-256-GCM, header in the clear); no peer does this suite
//   e2ee:api_copy    the same calls through a store without that
//                capability: each call loads a deep copy of the record and
//                stores it back (what every call did before)
//   libsignal-c  libsignal-protocol-c 2.3 (session_builder, session_cipher)
//                on an OpenSSL 3 crypto provider and in-memory stores
//                (bench/signal_c_peer.hpp); its session_cipher deserializes
//                and re-serializes the session record on every call, so
//                e2ee:api is the like-for-like comparison
//
// Cases (the same work for every implementation):
//   ratchet_message/<impl>/100     Alice encrypts 100 bytes, Bob decrypts;
//                                  same direction every time (chain steps only)
//   ratchet_message_dh/<impl>/100  the same with the sender alternating
//                                  (A->B, B->A, ...): every decrypt runs a DH
//                                  ratchet step (two X25519 agreements and a
//                                  key generation)
//   session_setup/<impl>           Alice processes Bob's bundle (XEdDSA check
//                                  of the signed prekey, X3DH with a one-time
//                                  prekey), encrypts a 100-byte PreKey message,
//                                  Bob decrypts it (X3DH, DH ratchet step).
//                                  Identities and Bob's prekeys exist before;
//                                  fresh sessions each iteration (the reset is
//                                  not timed)
//   safety_number/e2ee             both 5,200-iteration fingerprints
// Sessions are "established" when each side has sent one message and
// received the other's. A session that cannot be set up, or a message that
// does not decrypt to its plaintext, fails the benchmark (SkipWithError).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <e2ee/core/random.hpp>
#include <e2ee/ec/xeddsa.hpp>
#include <e2ee/protocol/double_ratchet.hpp>
#include <e2ee/protocol/fingerprint.hpp>
#include <e2ee/protocol/session.hpp>

#include "bench_common.hpp"
#include "signal_c_peer.hpp"
#include "support/session_fixture.hpp"  // tests/support

namespace {

namespace proto = e2ee::protocol;
using e2ee_bench::add;
using e2ee_bench::run;
using e2ee_bench::same;
using bytes = std::vector<std::uint8_t>;

constexpr std::size_t message_size = 100;

// run_reset: like run(), but `reset()` runs before every operation with the
// timer paused; only `op()` is timed (Google Benchmark's time and the
// `cycles` counter).
template <class Reset, class Op>
void run_reset(benchmark::State& st, std::size_t bytes_per_op, Reset&& reset, Op&& op) {
  std::uint64_t timed = 0;
  for (auto _ : st) {
    st.PauseTiming();
    reset();
    st.ResumeTiming();
    const std::uint64_t t0 = e2ee_bench::thread_cpu_ns();
    op();
    timed += e2ee_bench::thread_cpu_ns() - t0;
  }
  e2ee_bench::finish(st, timed, bytes_per_op);
}

// ---- e2ee:state ---------------------------------------------------------------

struct state_parties {
  std::optional<proto::session_state> alice, bob;
  bool ok = false;
};

// A session after Alice's first message and Bob's answer: no PreKey wrapping.
state_parties established_state(e2ee::os_random& rng) {
  state_parties p;
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
  const auto e = p.alice->encrypt(hello);
  p.ok = e.type == proto::message_type::whisper && p.bob->decrypt(e.bytes, rng).has_value();
  return p;
}

void state_ratchet_message(benchmark::State& st, bool alternate) {
  e2ee::os_random rng;
  auto p = established_state(rng);
  if (!p.ok) {
    st.SkipWithError("e2ee: session set-up failed");
    return;
  }
  const bytes msg = e2ee_bench::pattern(message_size, 61);
  bool ok = true, alice_turn = true;
  run(st, message_size, [&] {
    auto& from = alice_turn ? *p.alice : *p.bob;
    auto& to = alice_turn ? *p.bob : *p.alice;
    auto e = from.encrypt(msg);
    auto d = to.decrypt(e.bytes, rng);
    ok &= d.has_value() && same(*d, msg);
    if (alternate) alice_turn = !alice_turn;
  });
  if (!ok) st.SkipWithError("e2ee: message did not decrypt");
}

// make_pair: Alice and Bob of tests/support/session_fixture.hpp (identities,
// Bob's signed prekey 7 with its XEdDSA signature and one-time prekey 31,
// the bundle), or nullopt after SkipWithError if the keys could not be made.
std::optional<test::session_pair> make_pair(benchmark::State& st, e2ee::os_random& rng) {
  try {
    return std::optional<test::session_pair>(std::in_place, rng);
  } catch (const test::setup_error& e) {
    st.SkipWithError(e.what());
    return std::nullopt;
  }
}

void state_session_setup(benchmark::State& st) {
  e2ee::os_random rng;
  const auto k = make_pair(st, rng);
  if (!k) return;
  const proto::pre_key_bundle& b = k->bundle;
  const proto::key_pair& alice_identity = k->alice.store.identity_key_pair();
  const proto::key_pair& bob_identity = k->bob.store.identity_key_pair();
  const bytes msg = e2ee_bench::pattern(message_size, 63);
  bool ok = true;
  run(st, 0, [&] {
    // Alice: the bundle's signature, X3DH, the first (PreKey) message.
    const auto spk = proto::serialize_public_key(b.signed_pre_key);
    auto eka = proto::key_pair::generate(rng);
    if (!e2ee::xeddsa::verify(b.identity_key, spk, b.signed_pre_key_signature) || !eka) {
      ok = false;
      return;
    }
    auto a = proto::session_state::initialize_alice(alice_identity, *eka, b.identity_key, b.signed_pre_key,
                                                    std::span<const std::uint8_t, 32>(*b.pre_key), rng);
    if (!a) {
      ok = false;
      return;
    }
    a->set_pending_pre_key({b.pre_key_id, b.signed_pre_key_id, eka->public_key}, 3);
    const auto e = a->encrypt(msg);
    // Bob: X3DH from the PreKey message, then its inner message.
    const auto outer = proto::parse_pre_key_signal_message(e.bytes);
    if (!outer) {
      ok = false;
      return;
    }
    auto s = proto::session_state::initialize_bob(bob_identity, k->signed_pre_key().key, &k->pre_key()->key,
                                                  outer->identity_key, outer->base_key);
    auto d = s ? s->decrypt(outer->message, rng) : e2ee::result<bytes>(e2ee::error::no_session);
    ok &= d.has_value() && same(*d, msg);
  });
  if (!ok) st.SkipWithError("e2ee: session set-up failed");
}

// ---- e2ee:api -------------------------------------------------------------------
// (e2ee:api_modern: the same calls on a session of the modern suite.)

proto::session_options modern_options() {
  proto::session_options o;
  o.suite = proto::session_suite::modern;
  return o;
}

void api_ratchet_message(benchmark::State& st, bool alternate, const proto::session_options& o = {},
                         bool copying = false) {
  e2ee::os_random rng;
  auto p = make_pair(st, rng);
  if (!p) return;
  if (!p->establish(rng, o)) {  // Alice's next message is a plain SignalMessage
    st.SkipWithError("e2ee: session set-up failed");
    return;
  }
  const bytes msg = e2ee_bench::pattern(message_size, 61);
  bool ok = true, alice_turn = true;
  run(st, message_size, [&] {
    auto& from = alice_turn ? p->alice : p->bob;
    auto& to = alice_turn ? p->bob : p->alice;
    if (copying) {
      test::copying_store f(from.store), t(to.store);
      ok &= test::send(f, from, t, to, msg, rng);
    } else {
      ok &= test::send(from, to, msg, rng);
    }
    if (alternate) alice_turn = !alice_turn;
  });
  if (!ok) st.SkipWithError("e2ee: message did not decrypt");
}

void api_session_setup(benchmark::State& st) {
  e2ee::os_random rng;
  auto p = make_pair(st, rng);
  if (!p) return;
  const bytes msg = e2ee_bench::pattern(message_size, 63);
  bool ok = p->start(msg, rng);  // once untimed: fails loudly before the loop
  if (!ok) {
    st.SkipWithError("e2ee: session set-up failed");
    return;
  }
  run_reset(
      st, 0, [&] { p->reset(); }, [&] { ok &= p->start(msg, rng); });
  if (!ok) st.SkipWithError("e2ee: session set-up failed");
}

// ---- libsignal-c ----------------------------------------------------------------

#if defined(E2EE_BENCH_SIGNAL_C_PEER)
namespace sc = e2ee_bench::signal_c;

struct signal_parties {
  sc::party alice{"bob"}, bob{"alice"};  // each names its remote
  sc::message wire;
  bytes plain;
  std::string error;

  signal_parties() {
    if (!alice.ok()) error = "libsignal-c (Alice): " + alice.error();
    if (!bob.ok()) error = "libsignal-c (Bob): " + bob.error();
    if (error.empty() && !bob.make_bundle(7, 31)) error = "libsignal-c (Bob): " + bob.error();
  }
  // session_setup's work: Alice processes the bundle and sends, Bob decrypts.
  bool set_up(std::span<const std::uint8_t> msg) {
    return alice.process(bob.bundle()) >= 0 && alice.encrypt(msg, wire) >= 0 &&
           wire.type == CIPHERTEXT_PREKEY_TYPE && bob.decrypt(wire, plain) >= 0 && same(plain, msg);
  }
  bool send(sc::party& from, sc::party& to, std::span<const std::uint8_t> msg) {
    return from.encrypt(msg, wire) >= 0 && to.decrypt(wire, plain) >= 0 && same(plain, msg);
  }
};

void signal_ratchet_message(benchmark::State& st, bool alternate) {
  signal_parties p;
  const bytes msg = e2ee_bench::pattern(message_size, 61);
  const std::array<std::uint8_t, 1> hello{1};
  if (!p.error.empty() || !p.set_up(hello) || !p.send(p.bob, p.alice, hello) || !p.send(p.alice, p.bob, hello) ||
      p.wire.type != CIPHERTEXT_SIGNAL_TYPE) {  // established: no PreKey wrapping any more
    st.SkipWithError(p.error.empty() ? "libsignal-c: session set-up failed" : p.error.c_str());
    return;
  }
  bool ok = true, alice_turn = true;
  run(st, message_size, [&] {
    ok &= alice_turn ? p.send(p.alice, p.bob, msg) : p.send(p.bob, p.alice, msg);
    if (alternate) alice_turn = !alice_turn;
  });
  if (!ok) st.SkipWithError("libsignal-c: message did not decrypt");
}

void signal_session_setup(benchmark::State& st) {
  signal_parties p;
  const bytes msg = e2ee_bench::pattern(message_size, 63);
  if (!p.error.empty() || !p.set_up(msg)) {
    st.SkipWithError(p.error.empty() ? "libsignal-c: session set-up failed" : p.error.c_str());
    return;
  }
  bool ok = true;
  run_reset(
      st, 0,
      [&] {
        p.alice.reset_sessions();
        p.bob.reset_sessions();
      },
      [&] { ok &= p.set_up(msg); });
  if (!ok) st.SkipWithError("libsignal-c: session set-up failed");
}
#endif

// ---- safety numbers ----------------------------------------------------------------

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
  add("ratchet_message", "e2ee:state", message_size, [](benchmark::State& st) { state_ratchet_message(st, false); });
  add("ratchet_message", "e2ee:api", message_size, [](benchmark::State& st) { api_ratchet_message(st, false); });
  add("ratchet_message", "e2ee:api_modern", message_size,
      [](benchmark::State& st) { api_ratchet_message(st, false, modern_options()); });
  add("ratchet_message", "e2ee:api_copy", message_size,
      [](benchmark::State& st) { api_ratchet_message(st, false, {}, true); });
#if defined(E2EE_BENCH_SIGNAL_C_PEER)
  add("ratchet_message", "libsignal-c", message_size,
      [](benchmark::State& st) { signal_ratchet_message(st, false); });
#endif
  add("ratchet_message_dh", "e2ee:state", message_size, [](benchmark::State& st) { state_ratchet_message(st, true); });
  add("ratchet_message_dh", "e2ee:api", message_size, [](benchmark::State& st) { api_ratchet_message(st, true); });
  add("ratchet_message_dh", "e2ee:api_modern", message_size,
      [](benchmark::State& st) { api_ratchet_message(st, true, modern_options()); });
#if defined(E2EE_BENCH_SIGNAL_C_PEER)
  add("ratchet_message_dh", "libsignal-c", message_size,
      [](benchmark::State& st) { signal_ratchet_message(st, true); });
#endif
  add("session_setup", "e2ee:state", 0, state_session_setup);
  add("session_setup", "e2ee:api", 0, api_session_setup);
#if defined(E2EE_BENCH_SIGNAL_C_PEER)
  add("session_setup", "libsignal-c", 0, signal_session_setup);
#endif
  add("safety_number", "e2ee", 0, safety_number);
}

const e2ee_bench::registrar reg_protocol(&register_protocol, 50);

}  // namespace
