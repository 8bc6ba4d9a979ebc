// bench/bench_groups.cpp — issue 6's operations: Sender Keys group messages
// and safety numbers beside libsignal-protocol-c (OpenSSL crypto provider,
// bench/signal_c_peer.hpp), prekey batches, and attachment encryption.
//
// Cases:
//   group_message/<impl>/100        one member encrypts 100 bytes for the
//                                   group, another decrypts (through the
//                                   stores on both sides, as in an app)
//   safety_number/libsignal-c       both 5,200-iteration fingerprints with
//                                   fingerprint_generator (the e2ee case is in
//                                   bench_protocol.cpp)
//   prekey_refresh/e2ee             pre_key_manager::refresh on a fresh
//                                   device: a signed prekey (XEdDSA) and 100
//                                   one-time prekeys (the store reset is not
//                                   timed)
//   attachment_encrypt/<format>/64M a 64 MiB file in 64 KiB pieces:
//                                   chunked_gcm (the modern format) and
//                                   signal_cbc (CBC + HMAC + SHA-256 digest,
//                                   padded)
#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <e2ee/core/random.hpp>
#include <e2ee/protocol/attachment.hpp>
#include <e2ee/protocol/key_lifecycle.hpp>
#include <e2ee/protocol/sender_keys.hpp>
#include <e2ee/protocol/session.hpp>

#include "bench_common.hpp"
#include "signal_c_peer.hpp"

#if defined(E2EE_BENCH_SIGNAL_C_PEER)
#include <signal/fingerprint.h>
#include <signal/group_cipher.h>
#include <signal/group_session_builder.h>
#endif

namespace {

namespace proto = e2ee::protocol;
using e2ee_bench::add;
using e2ee_bench::run;
using bytes = std::vector<std::uint8_t>;

constexpr std::size_t message_size = 100;
constexpr std::size_t attachment_size = std::size_t{64} << 20;
constexpr std::size_t piece = 64 * 1024;

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

// ---- group messages ---------------------------------------------------------------

void e2ee_group_message(benchmark::State& st) {
  e2ee::os_random rng;
  const auto framing = proto::group_framing::libsignal_c;
  proto::memory_sender_key_store alice, bob;
  const proto::sender_key_name name{{"alice", 1}, proto::distribution_id{7}};
  auto d = proto::create_sender_key_distribution(alice, name, framing, rng);
  if (!d || !proto::process_sender_key_distribution(bob, name, *d, framing)) {
    st.SkipWithError("e2ee: sender key set-up failed");
    return;
  }
  const bytes msg = e2ee_bench::pattern(message_size, 71);
  bool ok = true;
  run(st, message_size, [&] {
    auto m = proto::group_encrypt(alice, name, msg, framing, rng);
    ok &= m.has_value();
    if (!m) return;
    auto pt = proto::group_decrypt(bob, name, *m, framing);
    ok &= pt.has_value() && *pt == msg;
  });
  if (!ok) st.SkipWithError("e2ee: group message did not decrypt");
}

#if defined(E2EE_BENCH_SIGNAL_C_PEER)
namespace sc = e2ee_bench::signal_c;

void signal_group_message(benchmark::State& st) {
  sc::party alice("bob"), bob("alice");
  if (!alice.ok() || !bob.ok()) {
    st.SkipWithError("libsignal-c: party set-up failed");
    return;
  }
  const std::string group = "bench-group", sender = "alice";
  signal_protocol_sender_key_name name{group.c_str(), group.size(), {sender.c_str(), sender.size(), 1}};
  group_session_builder *ab = nullptr, *bb = nullptr;
  sender_key_distribution_message* skdm = nullptr;
  sender_key_distribution_message* received = nullptr;
  group_cipher *enc = nullptr, *dec = nullptr;
  bool ok = group_session_builder_create(&ab, alice.store(), alice.context()) >= 0 &&
            group_session_builder_create(&bb, bob.store(), bob.context()) >= 0 &&
            group_session_builder_create_session(ab, &skdm, &name) >= 0;
  if (ok) {
    const signal_buffer* s = ciphertext_message_get_serialized(reinterpret_cast<ciphertext_message*>(skdm));
    ok = sender_key_distribution_message_deserialize(&received, signal_buffer_const_data(s), signal_buffer_len(s),
                                                     bob.context()) >= 0 &&
         group_session_builder_process_session(bb, &name, received) >= 0 &&
         group_cipher_create(&enc, alice.store(), &name, alice.context()) >= 0 &&
         group_cipher_create(&dec, bob.store(), &name, bob.context()) >= 0;
  }
  const bytes msg = e2ee_bench::pattern(message_size, 71);
  if (ok) {
    run(st, message_size, [&] {
      ciphertext_message* m = nullptr;
      if (group_cipher_encrypt(enc, msg.data(), msg.size(), &m) < 0) {
        ok = false;
        return;
      }
      const signal_buffer* s = ciphertext_message_get_serialized(m);
      sender_key_message* in = nullptr;
      signal_buffer* pt = nullptr;
      ok &= sender_key_message_deserialize(&in, signal_buffer_const_data(s), signal_buffer_len(s), bob.context()) >= 0 &&
            group_cipher_decrypt(dec, in, nullptr, &pt) >= 0 && pt != nullptr && signal_buffer_len(pt) == msg.size();
      if (pt) signal_buffer_bzero_free(pt);
      sc::unref(in);
      sc::unref(m);
    });
  }
  if (enc) group_cipher_free(enc);
  if (dec) group_cipher_free(dec);
  sc::unref(received);
  sc::unref(skdm);
  if (ab) group_session_builder_free(ab);
  if (bb) group_session_builder_free(bb);
  if (!ok) st.SkipWithError("libsignal-c: group message failed");
}

void signal_safety_number(benchmark::State& st) {
  sc::party p("peer");
  std::array<std::uint8_t, 33> a{}, b{};
  a.fill(0x11);
  b.fill(0x22);
  a[0] = b[0] = 0x05;
  ec_public_key *ka = nullptr, *kb = nullptr;
  fingerprint_generator* gen = nullptr;
  bool ok = p.ok() && curve_decode_point(&ka, a.data(), a.size(), p.context()) >= 0 &&
            curve_decode_point(&kb, b.data(), b.size(), p.context()) >= 0 &&
            fingerprint_generator_create(&gen, 5200, 1, p.context()) >= 0;
  if (ok) {
    run(st, 0, [&] {
      fingerprint* f = nullptr;
      ok &= fingerprint_generator_create_for(gen, "+14152222222", ka, "+14153333333", kb, &f) >= 0 && f != nullptr;
      sc::unref(f);
    });
  }
  if (gen) fingerprint_generator_free(gen);
  sc::unref(ka);
  sc::unref(kb);
  if (!ok) st.SkipWithError("libsignal-c: fingerprint failed");
}
#endif

// ---- prekeys ------------------------------------------------------------------------

void prekey_refresh(benchmark::State& st) {
  e2ee::os_random rng;
  auto identity = proto::key_pair::generate(rng);
  if (!identity) {
    st.SkipWithError("identity");
    return;
  }
  std::optional<proto::memory_store> store;
  std::optional<proto::pre_key_manager> mgr;
  bool ok = true;
  const proto::seconds_clock now{std::chrono::seconds(1'800'000'000)};
  run_reset(
      st, 0,
      [&] {
        store.emplace(identity->clone(), 1234);
        auto m = proto::pre_key_manager::create(rng);
        ok &= m.has_value();
        if (m) mgr.emplace(std::move(*m));
      },
      [&] {
        auto up = mgr->refresh(*store, now, rng);
        ok &= up.has_value() && up->one_time_pre_keys.size() == 100 && up->signed_pre_key.has_value();
      });
  if (!ok) st.SkipWithError("prekey refresh failed");
}

// ---- attachments ----------------------------------------------------------------------

void attachment_chunked(benchmark::State& st) {
  const bytes file = e2ee_bench::pattern(attachment_size, 9);
  bytes out(proto::chunked_attachment_encryptor::max_update_output(piece));
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 16> salt{};
  key.fill(0x42);
  salt.fill(0x24);
  bool ok = true;
  std::size_t total = 0;
  run(st, attachment_size, [&] {
    proto::chunked_attachment_encryptor e(key, salt);
    total = 0;
    for (std::size_t i = 0; i < file.size(); i += piece) {
      auto n = e.update(std::span(file).subspan(i, piece), out);
      ok &= n.has_value();
      total += n ? *n : 0;
      e2ee_bench::keep(out);
    }
    auto n = e.finish(out);
    ok &= n.has_value();
    total += n ? *n : 0;
  });
  if (!ok || total != proto::chunked_attachment_size(attachment_size)) st.SkipWithError("chunked attachment failed");
}

void attachment_signal(benchmark::State& st) {
  const bytes file = e2ee_bench::pattern(attachment_size, 9);
  bytes out(piece + proto::attachment_encryptor::max_overhead);
  std::array<std::uint8_t, 64> key{};
  std::array<std::uint8_t, 16> iv{};
  key.fill(0x42);
  iv.fill(0x24);
  bool ok = true;
  std::uint64_t total = 0;
  run(st, attachment_size, [&] {
    proto::attachment_encryptor e(key, iv, file.size());
    total = 0;
    for (std::size_t i = 0; i < file.size(); i += piece) {
      auto n = e.update(std::span(file).subspan(i, piece), out);
      ok &= n.has_value();
      total += n ? *n : 0;
      e2ee_bench::keep(out);
    }
    while (ok && !e.done()) {
      auto n = e.finish(out);
      ok &= n.has_value();
      total += n ? *n : 0;
      e2ee_bench::keep(out);
    }
  });
  if (!ok || total != proto::attachment_blob_size(attachment_size)) st.SkipWithError("signal attachment failed");
}

void register_groups() {
  add("group_message", "e2ee", message_size, e2ee_group_message);
#if defined(E2EE_BENCH_SIGNAL_C_PEER)
  add("group_message", "libsignal-c", message_size, signal_group_message);
  add("safety_number", "libsignal-c", 0, signal_safety_number);
#endif
  add("prekey_refresh", "e2ee", 0, prekey_refresh);
  add("attachment_encrypt", "chunked_gcm", attachment_size, attachment_chunked);
  add("attachment_encrypt", "signal_cbc", attachment_size, attachment_signal);
}

const e2ee_bench::registrar reg_groups(&register_groups, 55);

}  // namespace
