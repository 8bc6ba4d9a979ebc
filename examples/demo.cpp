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
// 5. Carol joins: a group of three with Sender Keys, each member's key sent
//    over the 1:1 sessions; Alice shares a photo as an encrypted attachment
//    (the relay stores the blob; the key travels in a group message).
// Everything is protocol version 3, byte-compatible with Signal's.
#include <e2ee/e2ee.hpp>
#include <e2ee/protocol/attachment.hpp>
#include <e2ee/protocol/fingerprint.hpp>
#include <e2ee/protocol/sender_keys.hpp>
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
  proto::memory_sender_key_store group_keys{};
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
  if (auto ok = proto::process_pre_key_bundle(alice.store, bob.addr, r.bundles.at("bob"), rng); !ok) {
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
  if (!scan || !*scan || fa->displayable() != fb->displayable()) return 1;

  std::printf("\n7. Carol joins; a group of three with Sender Keys\n");
  auto carol_id = proto::key_pair::generate(rng);
  if (!carol_id) return 1;
  user carol{"carol", proto::memory_store(std::move(*carol_id), 3333), {"carol", 1}};
  const auto bail = [](const char* what, e2ee::error e) {
    fail(what, e);
    return 1;
  };
  if (!register_user(carol, r, rng)) return 1;
  // Sessions Carol lacks: Alice and Bob each start one from her bundle, and
  // Carol from Bob's (Bob's one-time prekey is used up, so a new bundle).
  for (user* u : {&alice, &bob}) {
    if (auto ok = proto::process_pre_key_bundle(u->store, carol.addr, r.bundles.at("carol"), rng); !ok)
      return bail("bundle", ok.error());
    r.bundles.at("carol").pre_key.reset();  // one use per one-time prekey
    r.bundles.at("carol").pre_key_id.reset();
  }
  const proto::distribution_id group{0x67, 0x72, 0x6f, 0x75, 0x70};  // the app's id for "group"
  const auto framing = proto::group_framing::libsignal_c;
  // Each member sends its sender key to the two others over 1:1 sessions.
  for (user* from : {&alice, &bob, &carol}) {
    const proto::sender_key_name name{from->addr, group};
    auto dist = proto::create_sender_key_distribution(from->group_keys, name, framing, rng);
    if (!dist) return bail("sender key", dist.error());
    for (user* to : {&alice, &bob, &carol}) {
      if (to == from) continue;
      auto sealed = proto::encrypt(from->store, to->addr, *dist);
      // Carol's sessions exist once she has read Alice's and Bob's PreKey messages.
      if (!sealed) return bail("1:1 encrypt of a sender key", sealed.error());
      auto opened = proto::decrypt(to->store, from->addr, sealed->type, sealed->bytes, rng);
      if (!opened) return bail("1:1 decrypt of a sender key", opened.error());
      if (auto ok = proto::process_sender_key_distribution(to->group_keys, name, *opened, framing); !ok)
        return bail("process sender key", ok.error());
    }
    std::printf("  %-5s sent its sender key to the group over 1:1 sessions\n", from->name.c_str());
  }
  const auto group_say = [&](user& from, std::string_view text) -> bool {
    const proto::sender_key_name name{from.addr, group};
    auto m = proto::group_encrypt(from.group_keys, name, as_bytes(text), framing, rng);
    if (!m) return fail("group encrypt", m.error());
    std::printf("  relay  %-5s -> group  SenderKey %3zu bytes (encrypted once for everyone)\n", from.name.c_str(),
                m->size());
    for (user* to : {&alice, &bob, &carol}) {
      if (to == &from) continue;
      auto pt = proto::group_decrypt(to->group_keys, name, *m, framing);
      if (!pt) return fail("group decrypt", pt.error());
      std::printf("  %-5s reads from %s: \"%.*s\"\n", to->name.c_str(), from.name.c_str(),
                  static_cast<int>(pt->size()), reinterpret_cast<const char*>(pt->data()));
    }
    return true;
  };
  if (!group_say(carol, "hi both!") || !group_say(bob, "welcome, carol")) return 1;

  std::printf("\n8. Alice shares a photo: an encrypted attachment\n");
  std::vector<std::uint8_t> photo(300 * 1024);
  for (std::size_t i = 0; i < photo.size(); ++i) photo[i] = static_cast<std::uint8_t>(i * 7 + (i >> 9));
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 16> salt{};
  if (!rng.fill(key) || !rng.fill(salt)) return 1;
  proto::chunked_attachment_encryptor enc(key, salt);
  std::vector<std::uint8_t> blob(proto::chunked_attachment_encryptor::max_update_output(photo.size()) +
                                 proto::chunked_attachment_encryptor::max_finish_output);
  auto n1 = enc.update(photo, blob);
  if (!n1) return 1;
  auto n2 = enc.finish(std::span(blob).subspan(*n1));
  if (!n2) return 1;
  blob.resize(*n1 + *n2);
  std::printf("  relay  stores a %zu-byte blob: ...%s\n", blob.size(),
              e2ee::to_hex(std::span(blob).last(16)).c_str());
  // The pointer (key, size) goes to the group inside a Sender Key message.
  std::vector<std::uint8_t> pointer(key.begin(), key.end());
  const std::string size_text = std::to_string(photo.size());
  pointer.insert(pointer.end(), size_text.begin(), size_text.end());
  const proto::sender_key_name from_alice{alice.addr, group};
  auto m = proto::group_encrypt(alice.group_keys, from_alice, pointer, framing, rng);
  if (!m) return 1;
  for (user* to : {&bob, &carol}) {
    auto p = proto::group_decrypt(to->group_keys, from_alice, *m, framing);
    if (!p || p->size() < 32) return 1;
    std::array<std::uint8_t, 32> got_key{};
    std::copy(p->begin(), p->begin() + 32, got_key.begin());
    proto::chunked_attachment_decryptor dec(got_key);
    std::vector<std::uint8_t> out(proto::chunked_attachment_decryptor::max_update_output(blob.size()) +
                                  proto::chunked_attachment_decryptor::max_finish_output);
    auto a = dec.update(blob, out);
    if (!a) return bail("attachment", a.error());
    auto b = dec.finish(std::span(out).subspan(*a));
    if (!b) return bail("attachment", b.error());
    out.resize(*a + *b);
    std::printf("  %-5s downloads it, decrypts %zu bytes: %s\n", to->name.c_str(), out.size(),
                out == photo ? "the photo, intact" : "CORRUPT");
    if (out != photo) return 1;
  }
  return 0;
}
