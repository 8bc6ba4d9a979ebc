// fuzz_protocol_session: two parties with a Double Ratchet session, driven by
// the input as a list of actions (send, deliver, drop, replay, tamper). The
// first byte seeds the keys and picks the suite: signal_v3, modern, or
// modern with header encryption. Every honest message must decrypt exactly
// once to what was sent (unless its receiving chain has aged out, which
// Signal's limits allow and which this target models); replays must fail
// with duplicate_message; tampered copies must fail, leave the receiver's
// state byte-identical and the receiver able to read the genuine message
// later.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <e2ee/protocol/double_ratchet.hpp>

#include "../support/rng.hpp"
#include "fuzz_common.hpp"

namespace proto = e2ee::protocol;
using fuzz::check;

namespace {

struct in_flight {
  std::vector<std::uint8_t> bytes, plaintext;
  int chain = 0;  // the sender's sending-chain number (its DH steps so far)
  bool delivered = false;
};

template <class State>
void run(const std::uint8_t* data, std::size_t size, bool header_encryption) {
  test::rng g(data[0]);
  auto ika = proto::key_pair::generate(g), ikb = proto::key_pair::generate(g), spkb = proto::key_pair::generate(g),
       eka = proto::key_pair::generate(g);
  const proto::ratchet_options opts{header_encryption};
  auto alice = State::initialize_alice(*ika, *eka, ikb->public_key, spkb->public_key, std::nullopt, g, opts);
  auto bob = State::initialize_bob(*ikb, *spkb, nullptr, ika->public_key, eka->public_key, opts);
  check(alice.has_value() && bob.has_value(), "sessions start");
  alice->set_pending_pre_key({std::nullopt, 1, eka->public_key}, 7);

  std::vector<in_flight> to_bob, to_alice;
  // A party's receiving chains are created in the order of the peer's
  // sending chains (chain n + 1 exists only once the peer saw chain n), so
  // chain numbers tell which messages have aged out: those more than
  // max_receiver_chains behind the newest chain the receiver has seen.
  int chain_of[2] = {0, 0}, seen_of[2] = {0, -1};  // 0: Alice, 1: Bob
  bool bob_can_send = false;
  // Fewer sends than max_skipped_keys, so no honest message can lose its
  // cached key to the per-chain cap (that limit has its own unit test).
  std::size_t sends = 0;
  std::size_t i = 1;
  const auto next = [&]() -> std::uint8_t { return i < size ? data[i++] : 0; };
  while (i < size) {
    const std::uint8_t op = next();
    const bool from_alice = (op & 0x80) == 0 || !bob_can_send;
    const int receiver_side = from_alice ? 1 : 0;
    auto& sender = from_alice ? *alice : *bob;
    auto& receiver = from_alice ? *bob : *alice;
    auto& queue = from_alice ? to_bob : to_alice;
    switch (op & 3) {
      case 0: {  // send
        if (++sends >= proto::max_skipped_keys) break;
        std::vector<std::uint8_t> pt(next() % 64);
        for (auto& b : pt) b = next();
        auto e = sender.encrypt(pt);
        std::vector<std::uint8_t> inner = e.bytes;
        if (e.type == proto::message_type::pre_key) {
          // signal_v3: the inner SignalMessage of the protobuf PreKey message;
          // modern: the whole 0xE3 message (its wrapper is authenticated with
          // the body, so the state reads it whole).
          const auto p = State::suite::parse_pre_key(e.bytes);
          check(p.has_value(), "our PreKey message parses");
          inner.assign(p->message.begin(), p->message.end());
        }
        queue.push_back({inner, pt, chain_of[1 - receiver_side], false});
        break;
      }
      case 1:    // deliver or replay
      case 2: {  // tamper, then deliver the genuine one later
        if (queue.empty()) break;
        auto& msg = queue[next() % queue.size()];
        const bool aged_out = seen_of[receiver_side] - msg.chain >= static_cast<int>(proto::max_receiver_chains);
        if ((op & 3) == 2) {
          auto t = msg.bytes;
          t[next() % t.size()] ^= static_cast<std::uint8_t>(1u << (next() & 7));
          const auto before = receiver.serialize();
          check(!receiver.decrypt(t, g).has_value(), "tampered message rejected");
          check(receiver.serialize() == before, "state unchanged after a rejected message");
          break;
        }
        const auto before = receiver.serialize();
        const auto d = receiver.decrypt(msg.bytes, g);
        if (aged_out) {
          check(!d.has_value(), "aged-out chain rejected");
          check(receiver.serialize() == before, "state unchanged after an aged-out message");
          msg.delivered = true;
        } else if (msg.delivered) {
          check(!d.has_value() && d.error() == e2ee::error::duplicate_message, "replay rejected");
          check(receiver.serialize() == before, "state unchanged after a replay");
        } else {
          check(d.has_value(), "honest message decrypts");
          check(*d == msg.plaintext, "plaintext matches");
          msg.delivered = true;
          if (msg.chain > seen_of[receiver_side]) {  // a new ratchet key: the receiver stepped
            seen_of[receiver_side] = msg.chain;
            ++chain_of[receiver_side];
          }
          if (from_alice) bob_can_send = true;
        }
        break;
      }
      case 3:  // drop
        if (!queue.empty()) queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(next() % queue.size()));
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  switch (data[0] % 3) {
    case 0: run<proto::session_state>(data, size, false); break;
    case 1: run<proto::modern_session_state>(data, size, false); break;
    default: run<proto::modern_session_state>(data, size, true); break;
  }
  return 0;
}
