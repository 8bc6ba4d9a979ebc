// Session state records stay byte-identical: deterministic states of both
// suites (pending PreKey data, stamped skipped keys on several chains,
// header keys) serialize to pinned SHA-256 digests, taken from the writer
// before it moved onto protocol/record_io.hpp, and load back to the same
// bytes.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <e2ee/protocol/double_ratchet.hpp>
#include <e2ee/protocol/session.hpp>

#include "support/bytes.hpp"
#include "support/rng.hpp"

namespace {

using test::byte_vector;
namespace proto = e2ee::protocol;

template <class State>
struct conversation {
  State alice, bob;
};

// converse: Alice (pending PreKey, stamped) writes 6, Bob reads 0 and 5 (4
// stamped skipped keys), answers 3 times, Alice reads the last (2 skipped),
// writes 4 more, Bob reads the third (a second chain with 2 skipped).
template <class State>
conversation<State> converse(std::uint64_t seed, bool header_encryption) {
  test::rng g(seed);
  auto ika = proto::key_pair::generate(g), ikb = proto::key_pair::generate(g), spkb = proto::key_pair::generate(g),
       opkb = proto::key_pair::generate(g), eka = proto::key_pair::generate(g);
  REQUIRE((ika && ikb && spkb && opkb && eka));
  const proto::ratchet_options opts{header_encryption};
  auto alice = State::initialize_alice(*ika, *eka, ikb->public_key, spkb->public_key,
                                       std::optional<std::span<const std::uint8_t, 32>>(opkb->public_key), g, opts);
  auto bob = State::initialize_bob(*ikb, *spkb, &*opkb, ika->public_key, eka->public_key, opts);
  REQUIRE((alice && bob));
  alice->set_pending_pre_key({7u, 3, eka->public_key, 1'800'000'000}, 1234);
  bob->set_remote_registration_id(1234);
  const std::chrono::sys_seconds t(std::chrono::seconds(1'800'000'100));
  const byte_vector pt = test::ascii("record format");
  std::vector<byte_vector> a;
  for (int i = 0; i < 6; ++i) a.push_back(alice->encrypt(pt).bytes);
  const auto inner = [&](const byte_vector& m) -> byte_vector {
    if constexpr (std::is_same_v<typename State::suite, proto::signal_v3>) {
      auto p = proto::parse_pre_key_signal_message(m);
      REQUIRE(p.has_value());
      return byte_vector(p->message.begin(), p->message.end());
    } else {
      return m;
    }
  };
  REQUIRE(bob->decrypt(inner(a[0]), g, t).has_value());
  REQUIRE(bob->decrypt(inner(a[5]), g, t).has_value());
  std::vector<byte_vector> b;
  for (int i = 0; i < 3; ++i) b.push_back(bob->encrypt(pt).bytes);
  REQUIRE(alice->decrypt(b[2], g, t).has_value());
  a.clear();
  for (int i = 0; i < 4; ++i) a.push_back(alice->encrypt(pt).bytes);
  REQUIRE(bob->decrypt(a[2], g, t).has_value());
  return {std::move(*alice), std::move(*bob)};
}

std::string digest(const byte_vector& b) { return test::hex(e2ee::sha256::hash(b)); }

}  // namespace

TEST_CASE("record format: session state records are byte-identical to the pinned ones", "[protocol][record]") {
  const auto v3 = converse<proto::session_state>(0x2ec0d, false);
  const auto m = converse<proto::modern_session_state>(0x2ec0d, false);
  const auto he = converse<proto::modern_session_state>(0x2ec0d, true);
  const std::array<std::pair<byte_vector, const char*>, 6> records{{
      {v3.alice.serialize(), "v3 alice"},
      {v3.bob.serialize(), "v3 bob"},
      {m.alice.serialize(), "modern alice"},
      {m.bob.serialize(), "modern bob"},
      {he.alice.serialize(), "modern+he alice"},
      {he.bob.serialize(), "modern+he bob"},
  }};
  for (const auto& [bytes, name] : records) UNSCOPED_INFO(name << " " << bytes.size() << " " << digest(bytes));
  CHECK(digest(records[0].first) == "9b6b08f444dfbafcbceab524393bd9330bfe1c303c7fdddd7d2cba45a5e43469");
  CHECK(digest(records[1].first) == "4ebcd52f6d0a55328d6144d8bf487fc0c7d6e6d176e5d287cea4c5de2e9db4a2");
  CHECK(digest(records[2].first) == "fcef9cb384a945ea1873c02518537985b2c07c7380fc44b5bceced8f295e833a");
  CHECK(digest(records[3].first) == "f99b287fc742639dd8b953b16e3bccc591f7089e5da16ebe3ea03f83bb1bbe4b");
  CHECK(digest(records[4].first) == "e0ded76f17afd3ca5431ed918cd340f47f3566b9f6b48ef68158743fa48ac598");
  for (std::size_t i = 0; i < 2; ++i) {
    const auto back = proto::session_state::deserialize(records[i].first);
    REQUIRE(back.has_value());
    CHECK(back->serialize() == records[i].first);
  }
  for (std::size_t i = 2; i < records.size(); ++i) {
    const auto back = proto::modern_session_state::deserialize(records[i].first);
    REQUIRE(back.has_value());
    CHECK(back->serialize() == records[i].first);
  }
  CHECK(digest(records[5].first) == "07ea9a49803f4344c85ee433c7e0a15614a9f4a6f18e1726aaa97db69d6af17e");
}
