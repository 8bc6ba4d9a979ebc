// fuzz_protocol_record: the session-state and session-record loaders on
// hostile bytes. The first byte picks a mode: raw bytes (the checksum almost
// always fails, which must be handled), or bytes with a valid SHA-256
// checksum appended so the structural parser behind it is reached. Whatever
// loads must serialize to bytes that load again to the same serialization.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <e2ee/hash/sha256.hpp>
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
  switch (data[0] % 3) {
    case 0: {  // raw
      if (const auto s = proto::session_state::deserialize(in)) round_trip(*s);
      if (const auto r = proto::session_record::deserialize(in)) round_trip(*r);
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
