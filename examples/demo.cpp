// e2ee demo: Alice and Bob chat through a relay that only ever sees
// ciphertext. Usage: e2ee_demo [first message]
//
// 1. Both register: an identity key, a signed prekey (XEdDSA) and one-time
//    prekeys; the public halves go to the relay as a prekey bundle.
// 2. Alice fetches Bob's bundle, checks its signature and runs X3DH
//    (protocol::process_pre_key_bundle); her first messages are PreKey
//    messages that let Bob build the same session.
// 3. The relay delivers out of order; the Double Ratchet sorts it out.
// 4. Both compute the safety number they would compare in person.
// Everything is protocol version 3, byte-compatible with Signal's.
#include <e2ee/e2ee.hpp>
#include <e2ee/protocol/fingerprint.hpp>
#include <e2ee/protocol/session.hpp>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace proto = e2ee::protocol;

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The relay: a directory of bundles and a mailbox per user. It never holds a
// private key; what it stores and forwards is all it could ever leak.
struct relay {
  struct envelope {
    std::string from;
    proto::message_type type;
    std::vector<std::uint8_t> bytes;
  };
  std::map<std::string, proto::pre_key_bundle> bundles;
  std::map<std::string, std::deque<envelope>> mailboxes;

  void send(const std::string& from, const std::string& to, proto::session_state::encrypted m) {
    const auto& e = mailboxes[to].emplace_back(envelope{from, m.type, std::move(m.bytes)});
    const std::string hex = e2ee::to_hex(std::span(e.bytes).last(std::min<std::size_t>(e.bytes.size(), 20)));
    std::printf("  relay  %-5s -> %-5s  %-7s %3zu bytes  ...%s\n", from.c_str(), to.c_str(),
                e.type == proto::message_type::pre_key ? "PreKey" : "Signal", e.bytes.size(), hex.c_str());
  }
};

struct user {
  std::string name;
  proto::memory_store store;
  proto::address addr;
};

bool fail(const char* what, e2ee::error e) {
  std::printf("error: %s: %s\n", what, std::string(e2ee::to_string(e)).c_str());
  return false;
}

bool register_user(user& u, relay& r, e2ee::os_random& rng) {
  auto spk = proto::make_signed_pre_key(u.store.identity_key_pair(), 1, 0, rng);
  if (!spk) return fail("signed prekey", spk.error());
  proto::pre_key_bundle b;
  b.registration_id = u.store.local_registration_id();
  b.signed_pre_key_id = spk->id;
  b.signed_pre_key = spk->key.public_key;
  b.signed_pre_key_signature = spk->signature;
  b.identity_key = u.store.identity_key_pair().public_key;
  u.store.store_signed_pre_key(std::move(*spk));
  auto opk = proto::key_pair::generate(rng);
  if (!opk) return fail("one-time prekey", opk.error());
  b.pre_key_id = 100;
  b.pre_key = opk->public_key;
  u.store.store_pre_key({100, std::move(*opk)});
  r.bundles[u.name] = b;
  std::printf("  %-5s registered: identity %s...\n", u.name.c_str(),
              e2ee::to_hex(std::span(b.identity_key).first(8)).c_str());
  return true;
}

bool read_mail(user& u, relay& r, e2ee::os_random& rng, const std::vector<std::size_t>& order,
               const std::map<std::string, user*>& users) {
  auto& box = r.mailboxes[u.name];
  std::vector<relay::envelope> mail(box.begin(), box.end());
  box.clear();
  for (std::size_t i : order) {
    if (i >= mail.size()) continue;
    const auto& e = mail[i];
    const auto pt = proto::decrypt(u.store, users.at(e.from)->addr, e.type, e.bytes, rng);
    if (!pt) return fail("decrypt", pt.error());
    std::printf("  %-5s reads message %zu from %s: \"%.*s\"\n", u.name.c_str(), i + 1, e.from.c_str(),
                static_cast<int>(pt->size()), reinterpret_cast<const char*>(pt->data()));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string first = argc > 1 ? argv[1] : "hello from e2ee";
  e2ee::os_random rng;
  std::printf("e2ee demo: Signal protocol v3 through an untrusted relay\n");
  std::printf("(kernels: SHA-256 %s, AES-GCM %s)\n\n", e2ee::to_string(e2ee::best_sha256_impl()).data(),
              e2ee::to_string(e2ee::best_aes_gcm_impl()).data());

  auto alice_id = proto::key_pair::generate(rng);
  auto bob_id = proto::key_pair::generate(rng);
  if (!alice_id || !bob_id) {
      fail("identity", e2ee::error::random_failure);
      return 1;
    }
  user alice{"alice", proto::memory_store(std::move(*alice_id), 1111), {"alice", 1}};
  user bob{"bob", proto::memory_store(std::move(*bob_id), 2222), {"bob", 1}};
  const std::map<std::string, user*> users{{"alice", &alice}, {"bob", &bob}};
  relay r;

  std::printf("1. registration\n");
  if (!register_user(alice, r, rng) || !register_user(bob, r, rng)) return 1;

  std::printf("\n2. Alice starts a session from Bob's bundle and writes three messages\n");
  if (auto ok = proto::process_pre_key_bundle(alice.store, bob.addr, r.bundles.at("bob"), rng); !ok)
    {
      fail("bundle", ok.error());
      return 1;
    }
  for (const std::string& text : {first, std::string("are you there?"), std::string("third message")}) {
    auto m = proto::encrypt(alice.store, bob.addr, as_bytes(text));
    if (!m) {
      fail("encrypt", m.error());
      return 1;
    }
    r.send("alice", "bob", std::move(*m));
  }

  std::printf("\n3. the relay delivers them out of order: 3, 1, 2\n");
  if (!read_mail(bob, r, rng, {2, 0, 1}, users)) return 1;

  std::printf("\n4. Bob answers twice (a new ratchet key: the DH ratchet turns)\n");
  for (const std::string text : {"yes, got all three", "in the right order, too"}) {
    auto m = proto::encrypt(bob.store, alice.addr, as_bytes(text));
    if (!m) {
      fail("encrypt", m.error());
      return 1;
    }
    r.send("bob", "alice", std::move(*m));
  }
  if (!read_mail(alice, r, rng, {1, 0}, users)) return 1;

  std::printf("\n5. a replayed message is refused\n");
  {
    auto m = proto::encrypt(alice.store, bob.addr, as_bytes("only once"));
    if (!m) {
      fail("encrypt", m.error());
      return 1;
    }
    const auto copy = *m;
    r.send("alice", "bob", std::move(*m));
    if (!read_mail(bob, r, rng, {0}, users)) return 1;
    const auto again = proto::decrypt(bob.store, alice.addr, copy.type, copy.bytes, rng);
    std::printf("  bob    replay: %s\n", again ? "ACCEPTED (bug)" : std::string(e2ee::to_string(again.error())).c_str());
    if (again) return 1;
  }

  std::printf("\n6. safety numbers (compare them in person)\n");
  const auto ak = proto::serialize_public_key(alice.store.identity_key_pair().public_key);
  const auto bk = proto::serialize_public_key(bob.store.identity_key_pair().public_key);
  const auto fa = proto::fingerprint::create(2, proto::fingerprint_default_iterations, "alice", ak, "bob", bk);
  const auto fb = proto::fingerprint::create(2, proto::fingerprint_default_iterations, "bob", bk, "alice", ak);
  if (!fa || !fb) return 1;
  const auto show = [](const char* who, std::string_view d) {
    std::printf("  %-5s sees", who);
    for (std::size_t i = 0; i < d.size(); i += 5) std::printf(" %.*s", 5, d.data() + i);
    std::printf("\n");
  };
  show("alice", fa->displayable());
  show("bob", fb->displayable());
  const auto scan = fa->compare(fb->scannable());
  std::printf("  alice scans bob's code: %s\n", scan && *scan ? "match" : "MISMATCH");
  return scan && *scan && fa->displayable() == fb->displayable() ? 0 : 1;
}
