// fuzz_protocol_wire: every wire parser of the protocol layer on hostile
// bytes — SignalMessage, PreKeySignalMessage (and its inner message), the
// scannable fingerprint, SenderKeyMessage and SenderKeyDistributionMessage in
// both framings, the two attachment decryptors (split at an input-chosen
// point; they must refuse what they did not make) — plus a serialize/parse round trip of messages built
// from the input. ASan/UBSan catch any over-read; the checks catch views that
// point outside the input and round trips that lose a field.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <e2ee/protocol/attachment.hpp>
#include <e2ee/protocol/fingerprint.hpp>
#include <e2ee/protocol/messages.hpp>
#include <e2ee/protocol/sender_keys.hpp>
#include <e2ee/protocol/wire.hpp>

#include "fuzz_common.hpp"

namespace proto = e2ee::protocol;
using fuzz::check;
using fuzz::cspan;

namespace {

bool inside(cspan part, cspan whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void walk(cspan in) {
  proto::wire::reader r(in);
  std::size_t total = 0;
  while (!r.done()) {
    proto::wire::field f;
    if (!r.next(f)) {
      check(!r.next(f), "reader recovers after a failure");
      return;
    }
    check(inside(f.bytes, in), "field bytes inside the input");
    total += f.bytes.size();
    check(total <= in.size(), "fields fit the input");
  }
}

const proto::fingerprint& local_fingerprint() {
  static const auto f = [] {
    std::array<std::uint8_t, 33> a{}, b{};
    a.fill(0x11);
    b.fill(0x22);
    a[0] = b[0] = 0x05;
    return *proto::fingerprint::create(1, 2, "alice", a, "bob", b);
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const cspan in(data, size);
  walk(in);

  std::array<std::uint8_t, 32> mac_key{};
  std::array<std::uint8_t, 33> ik1{}, ik2{};
  ik1[0] = ik2[0] = 0x05;
  if (const auto m = proto::parse_signal_message(in)) {
    check(inside(m->ciphertext, in) && inside(m->authenticated, in), "views inside the input");
    check(m->authenticated.size() + proto::message_mac_size == size, "MAC split");
    check((m->version_byte >> 4) == 3, "version nibble");
    (void)proto::verify_mac(*m, mac_key, ik1, ik2);
  }
  if (const auto p = proto::parse_pre_key_signal_message(in)) {
    check(inside(p->message, in), "inner message inside the input");
    (void)proto::parse_signal_message(p->message);
  }
  (void)local_fingerprint().compare(in);
  for (const auto framing : {proto::group_framing::libsignal_c, proto::group_framing::rust}) {
    if (const auto m = proto::parse_sender_key_message(in, framing)) {
      check(inside(m->ciphertext, in) && inside(m->signed_part, in), "sender key views inside the input");
      check(m->signed_part.size() + proto::sender_key_signature_size == size, "signature split");
      check(m->distribution.has_value() == (framing == proto::group_framing::rust), "uuid only in rust framing");
    }
    if (const auto d = proto::parse_sender_key_distribution(in, framing)) {
      check(inside(d->chain_key, in) && d->chain_key.size() == 32, "chain key inside the input, 32 bytes");
      check(d->distribution.has_value() == (framing == proto::group_framing::rust), "uuid only in rust framing");
    }
  }

  // Attachments under a fixed key: hostile blobs never verify.
  {
    const std::array<std::uint8_t, 64> key{1, 2, 3};
    const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
    const std::uint64_t claimed = size < 2 ? 0 : data[1] % (size + 1);
    if (auto d = proto::attachment_decryptor::create(key, size, claimed)) {
      std::vector<std::uint8_t> out(size + 16);
      const auto a = d->update(in.first(split), out);
      const auto b = a ? d->update(in.subspan(split), std::span(out).subspan(*a)) : a;
      check(b.has_value() && *a + *b <= claimed, "no more plaintext than claimed");
      check(!d->finish().has_value(), "a hostile Signal-format blob does not verify");
    }
    proto::chunked_attachment_decryptor c(std::span(key).first<32>());
    std::vector<std::uint8_t> out(proto::chunked_attachment_decryptor::max_update_output(size));
    bool ok = c.update(in.first(split), out).has_value();
    ok = ok && c.update(in.subspan(split), out).has_value();
    std::vector<std::uint8_t> last(proto::chunked_attachment_decryptor::max_finish_output);
    ok = ok && c.finish(last).has_value();
    check(!ok, "a hostile chunked stream does not verify");
  }

  // Round trip: fields taken from the input.
  if (size >= 72) {
    std::array<std::uint8_t, 32> ratchet{};
    for (std::size_t i = 0; i < 32; ++i) {
      ratchet[i] = data[i];
      mac_key[i] = data[32 + i];
    }
    const auto counter = e2ee::load_le32(data + 64);
    const auto previous = e2ee::load_le32(data + 68);
    const cspan body = in.subspan(72);
    std::vector<std::uint8_t> out;
    proto::serialize_signal_message(ratchet, counter, previous, body, mac_key, ik1, ik2, out);
    check(out.size() == proto::signal_message_size(counter, previous, body.size()), "exact size");
    const auto m = proto::parse_signal_message(out);
    check(m.has_value(), "our message parses");
    check(m->ratchet_key == ratchet && m->counter == counter && m->previous_counter == previous,
          "fields survive");
    check(fuzz::same(m->ciphertext, body), "ciphertext survives");
    check(proto::verify_mac(*m, mac_key, ik1, ik2), "our MAC verifies");
    check(!proto::verify_mac(*m, mac_key, ik2, ik1) || ik1 == ik2, "MAC binds the identity order");
  }
  return 0;
}
