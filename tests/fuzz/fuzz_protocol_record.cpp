// fuzz_protocol_record: the session-state, session-record, sender-key
// record and prekey-manager loaders, the record codecs, the sealed-record
// opener and the libsignal-protocol-c record importers (sender key and
// session records) on hostile bytes. The first byte picks a mode: raw bytes (the checksum almost
// always fails, which must be handled), or bytes with a valid SHA-256
// checksum appended so the structural parser behind it is reached. Whatever
// loads must serialize to bytes that load again to the same serialization.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <e2ee/hash/sha256.hpp>
#include <e2ee/protocol/key_lifecycle.hpp>
#include <e2ee/protocol/migration.hpp>
#include <e2ee/protocol/sealed_storage.hpp>
#include <e2ee/protocol/sender_keys.hpp>
#include <e2ee/protocol/session.hpp>

#include "fuzz_common.hpp"

namespace proto = e2ee::protocol;
using fuzz::check;

namespace {

template <class T>
void round_trip(const T& loaded) {
  const auto bytes = loaded.serialize();
  const auto again = T::deserialize(bytes);
  check(again.has_value(), "a serialized value loads again");
  check(again->serialize() == bytes, "serialization is stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {  // raw
      if (const auto s = proto::session_state::deserialize(in)) round_trip(*s);
      if (const auto r = proto::session_record::deserialize(in)) round_trip(*r);
      if (const auto k = proto::sender_key_record::deserialize(in)) round_trip(*k);
      if (const auto m = proto::pre_key_manager::deserialize(in)) round_trip(*m);
      if (const auto k = proto::import_libsignal_c_sender_key_record(in)) {
        check(k->state_count() <= proto::max_sender_key_states, "imported states within the limit");
        round_trip(*k);
      }
      if (const auto r = proto::import_libsignal_c_session_record(in)) {
        check(r->archived_count() <= proto::max_archived_states, "imported archived states within the limit");
        if (const auto* s = r->current()) {
          check(s->receiver_chain_count() <= proto::max_receiver_chains, "imported chains within the limit");
          check(s->skipped_key_count() <= proto::max_total_skipped_keys, "imported keys within the limit");
        }
        round_trip(*r);
      }
      if (const auto i = proto::decode_identity(in))
        check(proto::encode_identity(i->identity, i->registration_id) == std::vector<std::uint8_t>(in.begin(), in.end()),
              "identity codec round trip");
      if (const auto p = proto::decode_pre_key(in))
        check(proto::encode_pre_key(*p) == std::vector<std::uint8_t>(in.begin(), in.end()), "prekey codec round trip");
      if (const auto p = proto::decode_signed_pre_key(in))
        check(proto::encode_signed_pre_key(*p) == std::vector<std::uint8_t>(in.begin(), in.end()),
              "signed prekey codec round trip");
      {
        static const std::array<std::uint8_t, 32> key{9, 9, 9};
        static const proto::sealed_storage box(1, key);
        check(!box.open(proto::record_kind::session, "x", in).has_value(), "hostile sealed records never open");
      }
      break;
    }
    case 3: {  // a sender key record body with its checksum fixed up
      std::vector<std::uint8_t> b(in.begin(), in.end());
      const auto sum = e2ee::sha256::hash(b);
      b.insert(b.end(), sum.begin(), sum.end());
      if (const auto k = proto::sender_key_record::deserialize(b)) round_trip(*k);
      break;
    }
    case 1: {  // a session_state body with its checksum fixed up
      std::vector<std::uint8_t> b(in.begin(), in.end());
      const auto sum = e2ee::sha256::hash(b);
      b.insert(b.end(), sum.begin(), sum.end());
      if (const auto s = proto::session_state::deserialize(b)) round_trip(*s);
      break;
    }
    default: {  // a session record of one state, checksum fixed up
      std::vector<std::uint8_t> state(in.begin(), in.end());
      const auto sum = e2ee::sha256::hash(state);
      state.insert(state.end(), sum.begin(), sum.end());
      std::vector<std::uint8_t> rec{'e', '2', 's', 'r', 1, 1, 0};
      const auto n = static_cast<std::uint32_t>(state.size());
      for (int i = 0; i < 4; ++i) rec.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
      rec.insert(rec.end(), state.begin(), state.end());
      if (const auto r = proto::session_record::deserialize(rec)) round_trip(*r);
      break;
    }
  }
  return 0;
}
