// tests/interop/signal_c.hpp — libsignal-protocol-c (2.3.x) as a live peer,
// running on e2ee's own primitives.
//
// - crypto_provider(): the library's signal_crypto_provider callbacks built on
//   e2ee: HMAC-SHA256 (e2ee::hmac<sha256>), SHA-512 (e2ee::sha512), AES-256-CBC
//   with PKCS#7 (e2ee::aes256_cbc), AES-256-CTR with a 128-bit big-endian
//   counter (e2ee::aes256 blocks), random bytes from a seeded test::rng so
//   every run is reproducible.
// - c_party: one libsignal-protocol-c user: a signal_context, in-memory stores
//   (tests/support/signal_c_store.hpp, shared with the benchmark peer) and a
//   session_cipher for one remote address.
//
// Everything the C library hands out is released with its own destroy
// functions, so the binary runs clean under AddressSanitizer's leak checker.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <e2ee/cipher/aes.hpp>
#include <e2ee/cipher/cbc.hpp>
#include <e2ee/core/secret.hpp>
#include <e2ee/hash/sha256.hpp>
#include <e2ee/hash/sha512.hpp>
#include <e2ee/mac/hmac.hpp>

#include <signal/fingerprint.h>
#include <signal/key_helper.h>
#include <signal/protocol.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/session_pre_key.h>
#include <signal/signal_protocol.h>

#include "support/rng.hpp"
#include "support/signal_c_store.hpp"

namespace interop {

using byte_vector = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------
// Crypto provider on e2ee

namespace provider {

inline signal_buffer* make_buffer(std::span<const std::uint8_t> b) {
  signal_buffer* out = signal_buffer_alloc(b.size());
  if (out && !b.empty()) std::memcpy(signal_buffer_data(out), b.data(), b.size());
  return out;
}

inline int random_bytes(std::uint8_t* data, std::size_t len, void* user_data) {
  auto* g = static_cast<test::rng*>(user_data);
  return g->fill(std::span<std::uint8_t>(data, len)) ? 0 : SG_ERR_UNKNOWN;
}

struct hmac_context {
  byte_vector key;
  std::optional<e2ee::hmac<e2ee::sha256>> mac;
  ~hmac_context() { e2ee::secure_wipe(key.data(), key.size()); }
};

inline int hmac_init(void** ctx, const std::uint8_t* key, std::size_t key_len, void*) {
  auto* c = new hmac_context;
  c->key.assign(key, key + key_len);
  c->mac.emplace(c->key);
  *ctx = c;
  return 0;
}
inline int hmac_update(void* ctx, const std::uint8_t* data, std::size_t len, void*) {
  static_cast<hmac_context*>(ctx)->mac->update(std::span<const std::uint8_t>(data, len));
  return 0;
}
inline int hmac_final(void* ctx, signal_buffer** output, void*) {
  auto* c = static_cast<hmac_context*>(ctx);
  auto tag = c->mac->finish();
  c->mac.emplace(c->key);  // ready for reuse with the same key
  *output = make_buffer(tag);
  e2ee::secure_wipe(tag.data(), tag.size());
  return *output ? 0 : SG_ERR_NOMEM;
}
inline void hmac_cleanup(void* ctx, void*) { delete static_cast<hmac_context*>(ctx); }

inline int sha512_init(void** ctx, void*) {
  *ctx = new e2ee::sha512;
  return 0;
}
inline int sha512_update(void* ctx, const std::uint8_t* data, std::size_t len, void*) {
  static_cast<e2ee::sha512*>(ctx)->update(std::span<const std::uint8_t>(data, len));
  return 0;
}
inline int sha512_final(void* ctx, signal_buffer** output, void*) {
  const auto d = static_cast<e2ee::sha512*>(ctx)->finish();  // the object is reset for reuse
  *output = make_buffer(d);
  return *output ? 0 : SG_ERR_NOMEM;
}
inline void sha512_cleanup(void* ctx, void*) { delete static_cast<e2ee::sha512*>(ctx); }

// aes256_ctr: the IV is the initial 128-bit counter block, incremented as a
// big-endian integer (what OpenSSL's EVP_aes_256_ctr does, which the
// library's own test provider uses).
inline byte_vector aes256_ctr(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> iv,
                              std::span<const std::uint8_t> in) {
  const e2ee::aes256 aes(key);
  std::array<std::uint8_t, 16> counter{}, stream{};
  std::copy(iv.begin(), iv.end(), counter.begin());
  byte_vector out(in.size());
  for (std::size_t off = 0; off < in.size(); off += 16) {
    aes.encrypt_block(counter, stream);
    const std::size_t n = std::min<std::size_t>(16, in.size() - off);
    for (std::size_t i = 0; i < n; ++i) out[off + i] = static_cast<std::uint8_t>(in[off + i] ^ stream[i]);
    for (std::size_t i = 16; i-- > 0;)
      if (++counter[i] != 0) break;
  }
  e2ee::secure_wipe(stream.data(), stream.size());
  return out;
}

inline int cipher(bool decrypt, signal_buffer** output, int mode, const std::uint8_t* key, std::size_t key_len,
                  const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* in, std::size_t in_len) {
  if (key_len != 32 || iv_len != 16) return SG_ERR_UNKNOWN;
  const std::span<const std::uint8_t, 32> k(key, 32);
  const std::span<const std::uint8_t, 16> v(iv, 16);
  const std::span<const std::uint8_t> data(in, in_len);
  byte_vector out;
  if (mode == SG_CIPHER_AES_CBC_PKCS5) {
    if (decrypt) {
      auto p = e2ee::aes256_cbc::decrypt(k, v, data);
      if (!p) return SG_ERR_UNKNOWN;
      out = std::move(*p);
    } else {
      out = e2ee::aes256_cbc::encrypt(k, v, data);
    }
  } else if (mode == SG_CIPHER_AES_CTR_NOPADDING) {
    out = aes256_ctr(k, v, data);
  } else {
    return SG_ERR_UNKNOWN;
  }
  *output = make_buffer(out);
  e2ee::secure_wipe(out.data(), out.size());
  return *output ? 0 : SG_ERR_NOMEM;
}
inline int encrypt(signal_buffer** output, int mode, const std::uint8_t* key, std::size_t key_len,
                   const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* in, std::size_t in_len, void*) {
  return cipher(false, output, mode, key, key_len, iv, iv_len, in, in_len);
}
inline int decrypt(signal_buffer** output, int mode, const std::uint8_t* key, std::size_t key_len,
                   const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* in, std::size_t in_len, void*) {
  return cipher(true, output, mode, key, key_len, iv, iv_len, in, in_len);
}

}  // namespace provider

inline signal_crypto_provider crypto_provider(test::rng& g) {
  signal_crypto_provider p{};
  p.random_func = provider::random_bytes;
  p.hmac_sha256_init_func = provider::hmac_init;
  p.hmac_sha256_update_func = provider::hmac_update;
  p.hmac_sha256_final_func = provider::hmac_final;
  p.hmac_sha256_cleanup_func = provider::hmac_cleanup;
  p.sha512_digest_init_func = provider::sha512_init;
  p.sha512_digest_update_func = provider::sha512_update;
  p.sha512_digest_final_func = provider::sha512_final;
  p.sha512_digest_cleanup_func = provider::sha512_cleanup;
  p.encrypt_func = provider::encrypt;
  p.decrypt_func = provider::decrypt;
  p.user_data = &g;
  return p;
}

// ---------------------------------------------------------------------------
// Small RAII helpers over the library's reference counting and buffers.

inline void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string("libsignal-protocol-c: ") + what + " failed: " + std::to_string(rc));
}

template <class T>
struct ref {
  T* p = nullptr;
  ref() = default;
  explicit ref(T* q) : p(q) {}
  ref(const ref&) = delete;
  ref& operator=(const ref&) = delete;
  ~ref() {
    if (p) signal_type_unref(reinterpret_cast<signal_type_base*>(p));
  }
  T* get() const { return p; }
  T** out() { return &p; }
};

inline byte_vector take(signal_buffer* b) {
  byte_vector v(signal_buffer_const_data(b), signal_buffer_const_data(b) + signal_buffer_len(b));
  signal_buffer_bzero_free(b);
  return v;
}

inline byte_vector serialize(const ec_public_key* k) {
  signal_buffer* b = nullptr;
  check(ec_public_key_serialize(&b, k), "ec_public_key_serialize");
  return take(b);
}
inline byte_vector serialize(const ec_private_key* k) {
  signal_buffer* b = nullptr;
  check(ec_private_key_serialize(&b, k), "ec_private_key_serialize");
  return take(b);
}

// The public half of a prekey bundle, as bytes (33-byte keys with 0x05).
struct bundle_bytes {
  std::uint32_t registration_id = 0;
  byte_vector identity;
  std::uint32_t signed_pre_key_id = 0;
  byte_vector signed_pre_key;
  byte_vector signed_pre_key_signature;
  std::optional<std::uint32_t> pre_key_id{};
  byte_vector pre_key;
};

// A message as both implementations see it: Signal's type number (2 =
// SignalMessage, 3 = PreKeySignalMessage) and the serialized bytes.
struct wire_message {
  int type = 0;
  byte_vector bytes;
};

// ---------------------------------------------------------------------------
// One libsignal-protocol-c user talking to one remote address.

class c_party {
 public:
  c_party(std::uint64_t seed, std::string remote_name) : rng_(seed), remote_name_(std::move(remote_name)) {
    check(signal_context_create(&ctx_, this), "signal_context_create");
    const signal_crypto_provider p = crypto_provider(rng_);
    check(signal_context_set_crypto_provider(ctx_, &p), "set_crypto_provider");
    check(signal_context_set_log_function(ctx_, &c_party::log), "set_log_function");
    check(signal_protocol_key_helper_generate_identity_key_pair(&identity_, ctx_), "generate_identity_key_pair");
    check(signal_protocol_key_helper_generate_registration_id(&registration_id_, 0, ctx_), "generate_registration_id");
    stores_.identity_public = serialize(ratchet_identity_key_pair_get_public(identity_));
    stores_.identity_private = serialize(ratchet_identity_key_pair_get_private(identity_));
    stores_.registration_id = registration_id_;

    check(signal_protocol_store_context_create(&store_, ctx_), "store_context_create");
    check(stores_.install(store_), "install stores");

    remote_.name = remote_name_.c_str();
    remote_.name_len = remote_name_.size();
    remote_.device_id = 1;
    check(session_cipher_create(&cipher_, store_, &remote_, ctx_), "session_cipher_create");
  }
  c_party(const c_party&) = delete;
  c_party& operator=(const c_party&) = delete;
  ~c_party() {
    session_cipher_free(cipher_);
    signal_protocol_store_context_destroy(store_);
    if (identity_) signal_type_unref(reinterpret_cast<signal_type_base*>(identity_));
    signal_context_destroy(ctx_);
  }

  signal_context* context() const { return ctx_; }
  signal_protocol_store_context* store() const { return store_; }
  // forget_sender_key: drops a stored sender key record (a C app rotates its
  // own sender key this way: the group builder then creates a fresh one).
  void forget_sender_key(const std::string& group, const std::string& sender, std::int32_t device = 1) {
    stores_.sender_keys.erase(signal_c_store::memory_store::sender_key_id{group, sender, device});
  }
  // sender_key_bytes: the record libsignal-protocol-c stored (its protobuf
  // format), or nullptr.
  const byte_vector* sender_key_bytes(const std::string& group, const std::string& sender,
                                      std::int32_t device = 1) const {
    const auto it = stores_.sender_keys.find(signal_c_store::memory_store::sender_key_id{group, sender, device});
    return it == stores_.sender_keys.end() ? nullptr : &it->second;
  }
  std::uint32_t registration_id() const { return registration_id_; }
  const byte_vector& identity_public() const { return stores_.identity_public; }
  // identity_private: the identity's 32-byte private key (an app moving off
  // libsignal-protocol-c takes it along, see test_interop_migration.cpp).
  const byte_vector& identity_private() const { return stores_.identity_private; }
  const std::string& last_log() const { return last_log_; }

  // Bob's side: a signed prekey (signed by the key helper with XEdDSA) and,
  // if asked, a one-time prekey, both put in the stores; their public halves.
  bundle_bytes make_bundle(std::uint32_t signed_pre_key_id, std::optional<std::uint32_t> pre_key_start) {
    bundle_bytes b;
    b.registration_id = registration_id_;
    b.identity = stores_.identity_public;
    ref<session_signed_pre_key> spk;
    check(signal_protocol_key_helper_generate_signed_pre_key(spk.out(), identity_, signed_pre_key_id, 0, ctx_),
          "generate_signed_pre_key");
    check(signal_protocol_signed_pre_key_store_key(store_, spk.get()), "signed_pre_key_store_key");
    b.signed_pre_key_id = session_signed_pre_key_get_id(spk.get());
    b.signed_pre_key = serialize(ec_key_pair_get_public(session_signed_pre_key_get_key_pair(spk.get())));
    const std::uint8_t* sig = session_signed_pre_key_get_signature(spk.get());
    b.signed_pre_key_signature.assign(sig, sig + session_signed_pre_key_get_signature_len(spk.get()));
    if (pre_key_start) {
      signal_protocol_key_helper_pre_key_list_node* head = nullptr;
      check(signal_protocol_key_helper_generate_pre_keys(&head, *pre_key_start, 1, ctx_), "generate_pre_keys");
      session_pre_key* pk = signal_protocol_key_helper_key_list_element(head);
      const int rc = signal_protocol_pre_key_store_key(store_, pk);
      b.pre_key_id = session_pre_key_get_id(pk);
      b.pre_key = serialize(ec_key_pair_get_public(session_pre_key_get_key_pair(pk)));
      signal_protocol_key_helper_key_list_free(head);
      check(rc, "pre_key_store_key");
    }
    return b;
  }

  // Alice's side: session_builder_process_pre_key_bundle on a bundle given
  // as bytes (verifies the signed prekey's signature). Returns its code.
  int process_bundle(const bundle_bytes& b) {
    ref<ec_public_key> identity, spk, opk;
    int rc = curve_decode_point(identity.out(), b.identity.data(), b.identity.size(), ctx_);
    if (rc >= 0) rc = curve_decode_point(spk.out(), b.signed_pre_key.data(), b.signed_pre_key.size(), ctx_);
    if (rc >= 0 && b.pre_key_id) rc = curve_decode_point(opk.out(), b.pre_key.data(), b.pre_key.size(), ctx_);
    if (rc < 0) return rc;
    ref<session_pre_key_bundle> bundle;
    rc = session_pre_key_bundle_create(bundle.out(), b.registration_id, 1, b.pre_key_id.value_or(0), opk.get(),
                                       b.signed_pre_key_id, spk.get(), b.signed_pre_key_signature.data(),
                                       b.signed_pre_key_signature.size(), identity.get());
    if (rc < 0) return rc;
    session_builder* builder = nullptr;
    rc = session_builder_create(&builder, store_, &remote_, ctx_);
    if (rc < 0) return rc;
    rc = session_builder_process_pre_key_bundle(builder, bundle.get());
    session_builder_free(builder);
    return rc;
  }

  bool has_session() const { return stores_.sessions.count(signal_c_store::memory_store::key(&remote_)) != 0; }

  // encrypt: session_cipher_encrypt; the message type and its bytes.
  wire_message encrypt(std::span<const std::uint8_t> plaintext) {
    ciphertext_message* m = nullptr;
    check(session_cipher_encrypt(cipher_, plaintext.data(), plaintext.size(), &m), "session_cipher_encrypt");
    wire_message out;
    out.type = ciphertext_message_get_type(m);
    const signal_buffer* s = ciphertext_message_get_serialized(m);
    out.bytes.assign(signal_buffer_const_data(s), signal_buffer_const_data(s) + signal_buffer_len(s));
    signal_type_unref(reinterpret_cast<signal_type_base*>(m));
    return out;
  }

  // decrypt: the plaintext, or the library's (negative) error code.
  std::pair<int, byte_vector> decrypt(const wire_message& m) {
    signal_buffer* pt = nullptr;
    int rc = 0;
    if (m.type == CIPHERTEXT_PREKEY_TYPE) {
      ref<pre_key_signal_message> msg;
      rc = pre_key_signal_message_deserialize(msg.out(), m.bytes.data(), m.bytes.size(), ctx_);
      if (rc >= 0) rc = session_cipher_decrypt_pre_key_signal_message(cipher_, msg.get(), nullptr, &pt);
    } else if (m.type == CIPHERTEXT_SIGNAL_TYPE) {
      ref<signal_message> msg;
      rc = signal_message_deserialize(msg.out(), m.bytes.data(), m.bytes.size(), ctx_);
      if (rc >= 0) rc = session_cipher_decrypt_signal_message(cipher_, msg.get(), nullptr, &pt);
    } else {
      rc = SG_ERR_INVALID_MESSAGE;
    }
    if (rc < 0) return {rc, {}};
    return {0, take(pt)};
  }

  // The stored session record for the remote address (empty if none): what
  // a rejected message must leave unchanged.
  byte_vector session_bytes() const {
    const auto it = stores_.sessions.find(signal_c_store::memory_store::key(&remote_));
    return it == stores_.sessions.end() ? byte_vector{} : it->second;
  }
  bool has_pre_key(std::uint32_t id) const { return stores_.pre_keys.count(id) != 0; }

 private:
  static c_party* self(void* user_data) { return static_cast<c_party*>(user_data); }
  static void log(int level, const char* message, std::size_t len, void* user_data) {
    if (level <= SG_LOG_WARNING) self(user_data)->last_log_.assign(message, len);
  }

  test::rng rng_;
  std::string remote_name_;
  signal_context* ctx_ = nullptr;
  signal_protocol_store_context* store_ = nullptr;
  ratchet_identity_key_pair* identity_ = nullptr;
  std::uint32_t registration_id_ = 0;
  signal_protocol_address remote_{};
  session_cipher* cipher_ = nullptr;
  std::string last_log_;
  signal_c_store::memory_store stores_;  // the store context's callbacks point here
};

}  // namespace interop
