// Live interoperability of Sender Keys (protocol/sender_keys.hpp, framing
// group_framing::libsignal_c) with libsignal-protocol-c's group_session_builder
// and group_cipher: a group of five, two members on e2ee and three on C, so
// every direction occurs (e2ee -> C, C -> e2ee, C -> C, e2ee -> e2ee). Every
// member distributes its sender key to every other; 1,000 messages from
// random senders are delivered to each receiver in its own shuffled order
// (within C's 2,000 forward-jump limit), with duplicates. Every message
// decrypts exactly once to the right plaintext on both implementations;
// duplicates are refused by both. Then a member is removed: the sender
// rotates its key and distributes it to the remaining members only, and the
// removed member (on either implementation) reads nothing new. Distribution
// messages travel as bytes here; in an app they go over the 1:1 sessions that
// test_interop.cpp checks. Last, safety numbers for 100 random identity
// pairs, displayable and scannable, agree with C's fingerprint generator.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <e2ee/protocol/fingerprint.hpp>
#include <e2ee/protocol/migration.hpp>
#include <e2ee/protocol/sender_keys.hpp>

#include <signal/fingerprint.h>

#include <signal/group_cipher.h>
#include <signal/group_session_builder.h>
#include <signal/protocol.h>

#include "interop/signal_c.hpp"
#include "support/rng.hpp"

namespace {

namespace proto = e2ee::protocol;
using interop::byte_vector;
using interop::c_party;
using interop::check;

const std::string group_name = "interop-group";

proto::distribution_id group_distribution() {
  proto::distribution_id d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(0xa0 + i);
  return d;
}

template <class T>
void unref(T* p) {
  if (p) signal_type_unref(reinterpret_cast<signal_type_base*>(p));
}

byte_vector serialized(ciphertext_message* m) {
  const signal_buffer* b = ciphertext_message_get_serialized(m);
  return byte_vector(signal_buffer_const_data(b), signal_buffer_const_data(b) + signal_buffer_len(b));
}

// One member of the group, on either implementation.
class member {
 public:
  member(std::string name, bool on_c, std::uint64_t seed) : name_(std::move(name)), rng_(seed) {
    if (on_c) c_ = std::make_unique<c_party>(seed ^ 0x5a5a, "unused");
  }
  const std::string& name() const { return name_; }
  bool on_c() const { return c_ != nullptr; }

  // The distribution message of our own sender key (created on first use).
  byte_vector distribution() {
    if (!c_) {
      auto d = proto::create_sender_key_distribution(store_, e2ee_name(name_), proto::group_framing::libsignal_c, rng_);
      REQUIRE(d.has_value());
      return *d;
    }
    auto n = c_name(name_);
    group_session_builder* b = nullptr;
    check(group_session_builder_create(&b, c_->store(), c_->context()), "group_session_builder_create");
    sender_key_distribution_message* m = nullptr;
    const int rc = group_session_builder_create_session(b, &m, &n.name);
    group_session_builder_free(b);
    check(rc, "group_session_builder_create_session");
    auto out = serialized(reinterpret_cast<ciphertext_message*>(m));
    unref(m);
    return out;
  }

  // 0 on success; an error code otherwise (negative: C, positive: e2ee).
  int process(const std::string& sender, const byte_vector& bytes) {
    if (!c_) {
      const auto r = proto::process_sender_key_distribution(store_, e2ee_name(sender), bytes,
                                                            proto::group_framing::libsignal_c);
      return r ? 0 : static_cast<int>(r.error());
    }
    auto n = c_name(sender);
    sender_key_distribution_message* m = nullptr;
    int rc = sender_key_distribution_message_deserialize(&m, bytes.data(), bytes.size(), c_->context());
    if (rc < 0) return rc;
    group_session_builder* b = nullptr;
    check(group_session_builder_create(&b, c_->store(), c_->context()), "group_session_builder_create");
    rc = group_session_builder_process_session(b, &n.name, m);
    group_session_builder_free(b);
    unref(m);
    return rc < 0 ? rc : 0;
  }

  byte_vector encrypt(const byte_vector& plaintext) {
    if (!c_) {
      auto m = proto::group_encrypt(store_, e2ee_name(name_), plaintext, proto::group_framing::libsignal_c, rng_);
      REQUIRE(m.has_value());
      return *m;
    }
    auto n = c_name(name_);
    group_cipher* g = nullptr;
    check(group_cipher_create(&g, c_->store(), &n.name, c_->context()), "group_cipher_create");
    ciphertext_message* m = nullptr;
    const int rc = group_cipher_encrypt(g, plaintext.data(), plaintext.size(), &m);
    group_cipher_free(g);
    check(rc, "group_cipher_encrypt");
    auto out = serialized(m);
    unref(m);
    return out;
  }

  std::pair<int, byte_vector> decrypt(const std::string& sender, const byte_vector& bytes) {
    if (!c_) {
      auto r = proto::group_decrypt(store_, e2ee_name(sender), bytes, proto::group_framing::libsignal_c);
      if (!r) return {static_cast<int>(r.error()), {}};
      return {0, std::move(*r)};
    }
    auto n = c_name(sender);
    sender_key_message* m = nullptr;
    int rc = sender_key_message_deserialize(&m, bytes.data(), bytes.size(), c_->context());
    if (rc < 0) return {rc, {}};
    group_cipher* g = nullptr;
    check(group_cipher_create(&g, c_->store(), &n.name, c_->context()), "group_cipher_create");
    signal_buffer* pt = nullptr;
    rc = group_cipher_decrypt(g, m, nullptr, &pt);
    group_cipher_free(g);
    unref(m);
    if (rc < 0) return {rc, {}};
    return {0, interop::take(pt)};
  }

  // The C record of `sender`'s key in this member's store (C members only).
  const byte_vector* c_record(const std::string& sender) const { return c_->sender_key_bytes(group_name, sender); }
  // migrate: this C member moves to e2ee, importing its sender key records.
  void migrate(const std::vector<std::string>& senders) {
    REQUIRE(c_ != nullptr);
    for (const auto& s : senders) {
      const auto* bytes = c_record(s);
      REQUIRE(bytes != nullptr);
      auto r = proto::import_libsignal_c_sender_key_record(*bytes);
      REQUIRE(r.has_value());
      REQUIRE(store_.store_sender_key(e2ee_name(s), std::move(*r)));
    }
    c_.reset();
  }

  bool is_duplicate(int code) const {
    return c_ ? code == SG_ERR_DUPLICATE_MESSAGE : code == static_cast<int>(e2ee::error::duplicate_message);
  }
  // No state for the message's chain: e2ee says no_session; libsignal-protocol-c
  // reports it as SG_ERR_INVALID_MESSAGE (observed with 2.3.3).
  bool is_no_key(int code) const {
    return c_ ? code == SG_ERR_INVALID_MESSAGE : code == static_cast<int>(e2ee::error::no_session);
  }

  // The removal: a new sender key (e2ee: rotate_sender_key; C: a fresh
  // record, which the builder then fills with a new key).
  byte_vector rotate() {
    if (!c_) {
      auto d = proto::rotate_sender_key(store_, e2ee_name(name_), proto::group_framing::libsignal_c, rng_);
      REQUIRE(d.has_value());
      return *d;
    }
    c_->forget_sender_key(group_name, name_);
    return distribution();
  }

 private:
  // C's sender key name points into its own strings: not copyable.
  struct c_sender_key_name {
    explicit c_sender_key_name(const std::string& s) : group(group_name), sender(s) {
      name.group_id = group.c_str();
      name.group_id_len = group.size();
      name.sender.name = sender.c_str();
      name.sender.name_len = sender.size();
      name.sender.device_id = 1;
    }
    c_sender_key_name(const c_sender_key_name&) = delete;
    c_sender_key_name& operator=(const c_sender_key_name&) = delete;
    std::string group, sender;
    signal_protocol_sender_key_name name{};
  };
  static c_sender_key_name c_name(const std::string& sender) { return c_sender_key_name(sender); }
  static proto::sender_key_name e2ee_name(const std::string& sender) {
    return {proto::address{sender, 1}, group_distribution()};
  }

  std::string name_;
  test::rng rng_;
  std::unique_ptr<c_party> c_;
  proto::memory_sender_key_store store_;
};

}  // namespace

TEST_CASE("interop groups: five members on e2ee and libsignal-protocol-c, 1,000 messages", "[interop][groups]") {
  test::rng g(0x9e0b);
  INFO("seed " << g.seed());
  std::vector<member> group;
  for (std::size_t i = 0; i < 5; ++i) group.emplace_back("member" + std::to_string(i), i >= 2, 0x100 + i);

  for (auto& sender : group) {
    const auto d = sender.distribution();
    for (auto& other : group)
      if (&other != &sender) REQUIRE(other.process(sender.name(), d) == 0);
  }

  struct sent {
    std::size_t id, from;
    byte_vector bytes, plaintext;
  };
  std::vector<std::vector<sent>> inbox(group.size());
  std::map<std::pair<std::size_t, std::size_t>, int> seen;
  std::size_t decrypted = 0, duplicates = 0;
  std::map<std::pair<bool, bool>, std::size_t> directions;  // (sender on C, receiver on C) -> count
  const auto deliver = [&] {
    for (std::size_t r = 0; r < group.size(); ++r) {
      auto& box = inbox[r];
      for (std::size_t i = box.size(); i > 1; --i) std::swap(box[i - 1], box[g.below(i)]);
      for (const auto& m : box) {
        const auto [rc, pt] = group[r].decrypt(group[m.from].name(), m.bytes);
        if (seen[{r, m.id}]++ == 0) {
          INFO("receiver " << r << " message " << m.id << " from " << m.from << " rc " << rc);
          REQUIRE(rc == 0);
          CHECK(pt == m.plaintext);
          ++decrypted;
          ++directions[{group[m.from].on_c(), group[r].on_c()}];
        } else {
          CHECK(group[r].is_duplicate(rc));
          ++duplicates;
        }
      }
      box.clear();
    }
  };
  for (std::size_t i = 0; i < 1000; ++i) {
    const std::size_t from = g.below(group.size());
    std::string text = "group message " + std::to_string(i) + " from " + group[from].name();
    const byte_vector pt(text.begin(), text.end());
    const sent m{i, from, group[from].encrypt(pt), pt};
    for (std::size_t r = 0; r < group.size(); ++r) {
      if (r == from) continue;
      inbox[r].push_back(m);
      if (g.below(25) == 0) inbox[r].push_back(m);
    }
    if (g.below(40) == 0) deliver();  // windows of ~40 messages, well inside C's 2,000 jump limit
  }
  deliver();
  CHECK(decrypted == 1000 * 4);
  CHECK(duplicates > 0);
  for (const bool from_c : {false, true})
    for (const bool to_c : {false, true}) {
      INFO("sender on C " << from_c << ", receiver on C " << to_c);
      CHECK(directions[{from_c, to_c}] > 100);
    }
}

TEST_CASE("interop groups: a removed member reads nothing after the sender rotates", "[interop][groups]") {
  for (const bool sender_on_c : {false, true}) {
    for (const bool removed_on_c : {false, true}) {
      INFO("sender on C " << sender_on_c << ", removed member on C " << removed_on_c);
      // 0 sends; 1 stays (on the other implementation than the sender); 2 is removed.
      std::vector<member> group;
      group.emplace_back("sender", sender_on_c, 0x200);
      group.emplace_back("stays", !sender_on_c, 0x201);
      group.emplace_back("removed", removed_on_c, 0x202);
      const auto d = group[0].distribution();
      REQUIRE(group[1].process("sender", d) == 0);
      REQUIRE(group[2].process("sender", d) == 0);
      const byte_vector before{'b', 'e', 'f', 'o', 'r', 'e'};
      const auto m1 = group[0].encrypt(before);
      for (std::size_t r : {std::size_t{1}, std::size_t{2}}) {
        const auto [rc, pt] = group[r].decrypt("sender", m1);
        REQUIRE(rc == 0);
        CHECK(pt == before);
      }
      const auto rotated = group[0].rotate();
      REQUIRE(group[1].process("sender", rotated) == 0);  // not sent to the removed member
      const byte_vector after{'a', 'f', 't', 'e', 'r'};
      const auto m2 = group[0].encrypt(after);
      const auto [rc1, pt1] = group[1].decrypt("sender", m2);
      REQUIRE(rc1 == 0);
      CHECK(pt1 == after);
      const auto [rc2, pt2] = group[2].decrypt("sender", m2);
      CHECK(rc2 != 0);
      CHECK(pt2.empty());
      INFO("rc " << rc2);
      CHECK(group[2].is_no_key(rc2));
    }
  }
}

TEST_CASE("interop groups: a forged sender key signature is rejected by both", "[interop][groups]") {
  for (const bool sender_on_c : {false, true}) {
    INFO("sender on C " << sender_on_c);
    std::vector<member> group;
    group.emplace_back("sender", sender_on_c, 0x300);
    group.emplace_back("e2ee", false, 0x301);
    group.emplace_back("c", true, 0x302);
    const auto d = group[0].distribution();
    REQUIRE(group[1].process("sender", d) == 0);
    REQUIRE(group[2].process("sender", d) == 0);
    const byte_vector pt{'p', 't'};
    const auto m = group[0].encrypt(pt);
    for (const std::size_t at : {m.size() - 1, m.size() - 40, std::size_t{3}}) {
      byte_vector bad = m;
      bad[at] ^= 0x10;
      for (std::size_t r : {std::size_t{1}, std::size_t{2}}) {
        const auto [rc, out] = group[r].decrypt("sender", bad);
        CHECK(rc != 0);
        CHECK(out.empty());
      }
    }
    for (std::size_t r : {std::size_t{1}, std::size_t{2}}) {
      const auto [rc, out] = group[r].decrypt("sender", m);
      REQUIRE(rc == 0);
      CHECK(out == pt);
    }
  }
}

TEST_CASE("interop groups: members move off libsignal-protocol-c with their sender key records",
          "[interop][groups]") {
  // All three start on C. Alice sends 10 messages; Bob reads 0-2, 5, 6, 8, 9
  // (3, 4 and 7 are late: their keys wait in his record). Then Bob and Alice
  // migrate to e2ee; Carol stays on C.
  std::vector<member> group;
  group.emplace_back("alice", true, 0x400);
  group.emplace_back("bob", true, 0x401);
  group.emplace_back("carol", true, 0x402);
  for (auto& sender : group) {
    const auto d = sender.distribution();
    for (auto& other : group)
      if (&other != &sender) REQUIRE(other.process(sender.name(), d) == 0);
  }
  std::vector<byte_vector> sent;
  for (int i = 0; i < 10; ++i) {
    const std::string t = "before migration " + std::to_string(i);
    sent.push_back(group[0].encrypt(byte_vector(t.begin(), t.end())));
  }
  for (int i : {0, 1, 2, 5, 6, 8, 9}) REQUIRE(group[1].decrypt("alice", sent[static_cast<std::size_t>(i)]).first == 0);
  for (const auto& m : sent) REQUIRE(group[2].decrypt("alice", m).first == 0);
  const auto carol_said = group[2].encrypt(byte_vector{'c'});

  group[1].migrate({"alice", "bob", "carol"});
  group[0].migrate({"alice", "bob", "carol"});
  REQUIRE(!group[0].on_c());
  REQUIRE(!group[1].on_c());
  // Bob, now on e2ee: the late messages decrypt from the imported cache, once.
  for (int i : {3, 4, 7}) {
    const auto [rc, pt] = group[1].decrypt("alice", sent[static_cast<std::size_t>(i)]);
    REQUIRE(rc == 0);
    const std::string t = "before migration " + std::to_string(i);
    CHECK(pt == byte_vector(t.begin(), t.end()));
  }
  CHECK(group[1].is_duplicate(group[1].decrypt("alice", sent[5]).first));
  CHECK(group[1].decrypt("carol", carol_said).first == 0);
  // Alice, now on e2ee, continues her imported chain: C Carol and e2ee Bob read it.
  for (int i = 0; i < 5; ++i) {
    const std::string t = "after migration " + std::to_string(i);
    const byte_vector pt(t.begin(), t.end());
    const auto m = group[0].encrypt(pt);
    for (std::size_t r : {std::size_t{1}, std::size_t{2}}) {
      const auto [rc, got] = group[r].decrypt("alice", m);
      REQUIRE(rc == 0);
      CHECK(got == pt);
    }
  }
  // Carol (still C) keeps talking; both migrated members read her.
  const auto m = group[2].encrypt(byte_vector{'h', 'i'});
  for (std::size_t r : {std::size_t{0}, std::size_t{1}}) CHECK(group[r].decrypt("carol", m).first == 0);
  // A record that is not libsignal-protocol-c's is refused.
  CHECK(!proto::import_libsignal_c_sender_key_record(byte_vector{0x0a, 0x03, 0x08, 0x01, 0x12}).has_value());
}

TEST_CASE("interop: safety numbers of 100 random identity pairs agree with libsignal-protocol-c", "[interop]") {
  test::rng g(0xf00d);
  c_party c(0xfeed, "unused");
  fingerprint_generator* gen = nullptr;
  REQUIRE(fingerprint_generator_create(&gen, 5200, 1, c.context()) == 0);
  for (int pair = 0; pair < 100; ++pair) {
    INFO("pair " << pair);
    std::array<std::uint8_t, 33> a{}, b{};
    g.fill(a);
    g.fill(b);
    a[0] = b[0] = 0x05;
    const std::string a_id = "+1415" + std::to_string(1000000 + g.below(9000000));
    const std::string b_id = "+4420" + std::to_string(1000000 + g.below(9000000));
    interop::ref<ec_public_key> ka, kb;
    REQUIRE(curve_decode_point(ka.out(), a.data(), a.size(), c.context()) == 0);
    REQUIRE(curve_decode_point(kb.out(), b.data(), b.size(), c.context()) == 0);
    interop::ref<fingerprint> fp;
    REQUIRE(fingerprint_generator_create_for(gen, a_id.c_str(), ka.get(), b_id.c_str(), kb.get(), fp.out()) == 0);
    const auto ours = proto::fingerprint::create(1, 5200, a_id, a, b_id, b);
    REQUIRE(ours.has_value());
    CHECK(std::string(displayable_fingerprint_text(fingerprint_get_displayable(fp.get()))) ==
          std::string(ours->displayable()));
    signal_buffer* scan = nullptr;
    REQUIRE(scannable_fingerprint_serialize(&scan, fingerprint_get_scannable(fp.get())) == 0);
    const auto scan_bytes = interop::take(scan);
    const auto same = ours->scannable();
    CHECK(scan_bytes == byte_vector(same.begin(), same.end()));
    // The other party's view matches ours when scanned.
    const auto theirs = proto::fingerprint::create(1, 5200, b_id, b, a_id, a);
    REQUIRE(theirs.has_value());
    const auto verdict = theirs->compare(scan_bytes);
    REQUIRE(verdict.has_value());
    CHECK(*verdict);
  }
  fingerprint_generator_free(gen);
}
