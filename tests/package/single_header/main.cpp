// Built with only single_include/ on the include path: the single header
// alone must give a working library (hash, AEAD, X25519, Ed25519, a 1:1
// Signal session), the version macros and the versioned inline namespace.
#include <e2ee/e2ee.hpp>

#include <cstdio>
#include <cstring>
#include <string_view>
#include <type_traits>

#ifndef E2EE_SINGLE_HEADER
#error "this test must see single_include/e2ee/e2ee.hpp, not include/e2ee/e2ee.hpp"
#endif

// The version macros agree with each other and with the CMake project.
static_assert(E2EE_VERSION ==
              E2EE_VERSION_MAJOR * 10000 + E2EE_VERSION_MINOR * 100 + E2EE_VERSION_PATCH);
#ifdef E2EE_EXPECTED_VERSION
static_assert(std::string_view(E2EE_VERSION_STRING) == E2EE_EXPECTED_VERSION,
              "E2EE_VERSION_* in core/config.hpp differ from the CMake project version");
#endif
// Everything lives in the inline namespace e2ee::v0.
static_assert(std::is_same_v<e2ee::sha256, e2ee::v0::sha256>);
static_assert(std::is_same_v<e2ee::protocol::memory_store, e2ee::v0::protocol::memory_store>);

namespace {
int failures = 0;
void check(bool ok, const char* what) {
  if (!ok) {
    std::printf("single header: %s FAILED\n", what);
    ++failures;
  }
}
std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

int main() {
  namespace proto = e2ee::protocol;
  // FIPS 180-4 "abc".
  check(e2ee::sha256::hash(bytes("abc")) ==
            e2ee::hex<32>("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        "sha256");

  // AES-256-GCM round trip and a rejected forgery.
  const std::array<std::uint8_t, 32> key{1, 2, 3};
  const std::array<std::uint8_t, 12> nonce{4, 5, 6};
  const e2ee::aes256_gcm gcm(key);
  auto sealed = gcm.seal(nonce, bytes("aad"), bytes("attack at dawn"));
  auto opened = gcm.open(nonce, bytes("aad"), sealed);
  check(opened && std::string_view(reinterpret_cast<const char*>(opened->data()), opened->size()) ==
                      "attack at dawn",
        "aes256_gcm round trip");
  sealed[0] ^= 1;
  check(!gcm.open(nonce, bytes("aad"), sealed), "aes256_gcm forgery rejected");

  // X25519 agreement and an Ed25519 signature.
  const std::array<std::uint8_t, 32> a{7}, b{9};
  const auto shared_a = e2ee::x25519::shared_secret(a, e2ee::x25519::public_key(b));
  const auto shared_b = e2ee::x25519::shared_secret(b, e2ee::x25519::public_key(a));
  check(shared_a && shared_b && *shared_a == *shared_b, "x25519");
  const auto kp = e2ee::ed25519::key_pair::from_seed(a);
  const auto sig = e2ee::ed25519::sign(kp, bytes("msg"));
  check(e2ee::ed25519::verify(sig, kp.public_key, bytes("msg")), "ed25519");

  // A 1:1 session: bundle, first message, answer.
  e2ee::os_random rng;
  auto alice_id = proto::key_pair::generate(rng);
  auto bob_id = proto::key_pair::generate(rng);
  if (!alice_id || !bob_id) {
    std::puts("single header: key generation FAILED");
    return 1;
  }
  proto::memory_store alice(std::move(*alice_id), 1);
  proto::memory_store bob(std::move(*bob_id), 2);
  auto spk = proto::make_signed_pre_key(bob.identity_key_pair(), 1, /*timestamp*/ 0, rng);
  if (!spk) {
    std::puts("single header: make_signed_pre_key FAILED");
    return 1;
  }
  proto::pre_key_bundle bundle;
  bundle.registration_id = bob.local_registration_id();
  bundle.identity_key = bob.identity_key_pair().public_key;
  bundle.signed_pre_key_id = spk->id;
  bundle.signed_pre_key = spk->key.public_key;
  bundle.signed_pre_key_signature = spk->signature;
  bob.store_signed_pre_key(std::move(*spk));
  const proto::address alice_addr{"alice", 1}, bob_addr{"bob", 1};
  check(static_cast<bool>(proto::process_pre_key_bundle(alice, bob_addr, bundle, rng)), "process_pre_key_bundle");
  auto first = proto::encrypt(alice, bob_addr, bytes("hi"));
  check(static_cast<bool>(first), "encrypt");
  if (first) {
    auto read = proto::decrypt(bob, alice_addr, first->type, first->bytes, rng);
    check(read && read->size() == 2 && std::memcmp(read->data(), "hi", 2) == 0, "decrypt");
  }

  if (failures != 0) return 1;
  std::printf("e2ee %s single header ok\n", E2EE_VERSION_STRING);
  return 0;
}
