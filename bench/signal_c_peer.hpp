// bench/signal_c_peer.hpp — libsignal-protocol-c (2.3.x) as the peer of the
// protocol benchmarks (bench_protocol.cpp), on an OpenSSL 3 crypto provider.
// Compiled only when CMake found both (E2EE_BENCH_SIGNAL_C_PEER).
//
// - openssl_provider: the library's signal_crypto_provider callbacks, used the
//   way PERF.md calls "best use": algorithms fetched once, contexts pooled and
//   reused (libsignal-protocol-c opens and closes an HMAC context per HMAC, so
//   a closed EVP_MAC_CTX goes back to a free list and is re-keyed by the next
//   init), one EVP_CIPHER_CTX for every AES call, RAND_bytes for randomness.
//   HMAC-SHA256 via EVP_MAC, SHA-512 via EVP_MD, AES-256-CBC (PKCS#7) and
//   AES-256-CTR via EVP_CIPHER.
// - party: one user talking to one remote address: a signal_context, in-memory
//   stores that keep serialized records as libsignal-protocol-c hands them
//   over (tests/support/signal_c_store.hpp, the same callbacks as the interop
//   tests), a session_builder and a session_cipher created once.
//
// Nothing here throws: a failure is a negative libsignal code (or false), and
// the constructor records its first failure in error().
#pragma once

#if defined(E2EE_BENCH_SIGNAL_C_PEER)

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <signal/curve.h>
#include <signal/key_helper.h>
#include <signal/protocol.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/session_pre_key.h>
#include <signal/signal_protocol.h>

#include "../tests/support/signal_c_store.hpp"

namespace e2ee_bench::signal_c {

using byte_vector = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------
// The crypto provider on OpenSSL 3

class openssl_provider {
 public:
  openssl_provider() {
    mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    sha512_ = EVP_MD_fetch(nullptr, "SHA512", nullptr);
    cbc_ = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
    ctr_ = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
    cipher_ctx_ = EVP_CIPHER_CTX_new();
    if (mac_) mac_proto_ = EVP_MAC_CTX_new(mac_);
    if (mac_proto_) {
      OSSL_PARAM params[2] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
          OSSL_PARAM_construct_end()};
      if (EVP_MAC_CTX_set_params(mac_proto_, params) != 1) {
        EVP_MAC_CTX_free(mac_proto_);
        mac_proto_ = nullptr;
      }
    }
  }
  openssl_provider(const openssl_provider&) = delete;
  openssl_provider& operator=(const openssl_provider&) = delete;
  ~openssl_provider() {
    for (auto* c : mac_pool_) EVP_MAC_CTX_free(c);
    for (auto* c : md_pool_) EVP_MD_CTX_free(c);
    EVP_MAC_CTX_free(mac_proto_);
    EVP_MAC_free(mac_);
    EVP_MD_free(sha512_);
    EVP_CIPHER_CTX_free(cipher_ctx_);
    EVP_CIPHER_free(cbc_);
    EVP_CIPHER_free(ctr_);
    if (!scratch_.empty()) OPENSSL_cleanse(scratch_.data(), scratch_.size());
  }

  bool ok() const noexcept { return mac_proto_ && sha512_ && cbc_ && ctr_ && cipher_ctx_; }

  signal_crypto_provider table() noexcept {
    signal_crypto_provider p{};
    p.random_func = &openssl_provider::random;
    p.hmac_sha256_init_func = &openssl_provider::hmac_init;
    p.hmac_sha256_update_func = &openssl_provider::hmac_update;
    p.hmac_sha256_final_func = &openssl_provider::hmac_final;
    p.hmac_sha256_cleanup_func = &openssl_provider::hmac_cleanup;
    p.sha512_digest_init_func = &openssl_provider::sha512_init;
    p.sha512_digest_update_func = &openssl_provider::sha512_update;
    p.sha512_digest_final_func = &openssl_provider::sha512_final;
    p.sha512_digest_cleanup_func = &openssl_provider::sha512_cleanup;
    p.encrypt_func = &openssl_provider::encrypt;
    p.decrypt_func = &openssl_provider::decrypt;
    p.user_data = this;
    return p;
  }

 private:
  static openssl_provider* self(void* user_data) noexcept { return static_cast<openssl_provider*>(user_data); }

  static int random(std::uint8_t* data, std::size_t len, void*) {
    if (len > INT_MAX) return SG_ERR_UNKNOWN;
    return RAND_bytes(data, static_cast<int>(len)) == 1 ? 0 : SG_ERR_UNKNOWN;
  }

  static int hmac_init(void** ctx, const std::uint8_t* key, std::size_t key_len, void* user_data) {
    openssl_provider* p = self(user_data);
    EVP_MAC_CTX* c = nullptr;
    if (!p->mac_pool_.empty()) {
      c = p->mac_pool_.back();
      p->mac_pool_.pop_back();
    } else {
      c = EVP_MAC_CTX_dup(p->mac_proto_);
      if (!c) return SG_ERR_NOMEM;
    }
    if (EVP_MAC_init(c, key, key_len, nullptr) != 1) {
      EVP_MAC_CTX_free(c);
      return SG_ERR_UNKNOWN;
    }
    *ctx = c;
    return 0;
  }
  static int hmac_update(void* ctx, const std::uint8_t* data, std::size_t len, void*) {
    return EVP_MAC_update(static_cast<EVP_MAC_CTX*>(ctx), data, len) == 1 ? 0 : SG_ERR_UNKNOWN;
  }
  static int hmac_final(void* ctx, signal_buffer** output, void*) {
    std::uint8_t tag[32];
    std::size_t n = 0;
    if (EVP_MAC_final(static_cast<EVP_MAC_CTX*>(ctx), tag, &n, sizeof tag) != 1 || n != sizeof tag)
      return SG_ERR_UNKNOWN;
    *output = signal_buffer_create(tag, n);
    OPENSSL_cleanse(tag, sizeof tag);
    return *output ? 0 : SG_ERR_NOMEM;
  }
  static void hmac_cleanup(void* ctx, void* user_data) {
    if (ctx) self(user_data)->mac_pool_.push_back(static_cast<EVP_MAC_CTX*>(ctx));
  }

  static int sha512_init(void** ctx, void* user_data) {
    openssl_provider* p = self(user_data);
    EVP_MD_CTX* c = nullptr;
    if (!p->md_pool_.empty()) {
      c = p->md_pool_.back();
      p->md_pool_.pop_back();
    } else {
      c = EVP_MD_CTX_new();
      if (!c) return SG_ERR_NOMEM;
    }
    if (EVP_DigestInit_ex2(c, p->sha512_, nullptr) != 1) {
      EVP_MD_CTX_free(c);
      return SG_ERR_UNKNOWN;
    }
    *ctx = c;
    return 0;
  }
  static int sha512_update(void* ctx, const std::uint8_t* data, std::size_t len, void*) {
    return EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx), data, len) == 1 ? 0 : SG_ERR_UNKNOWN;
  }
  // final leaves the context ready for another digest (the library's
  // contract: a digest context is reusable after final).
  static int sha512_final(void* ctx, signal_buffer** output, void* user_data) {
    auto* c = static_cast<EVP_MD_CTX*>(ctx);
    std::uint8_t d[64];
    unsigned n = 0;
    if (EVP_DigestFinal_ex(c, d, &n) != 1 || n != sizeof d) return SG_ERR_UNKNOWN;
    if (EVP_DigestInit_ex2(c, self(user_data)->sha512_, nullptr) != 1) return SG_ERR_UNKNOWN;
    *output = signal_buffer_create(d, n);
    return *output ? 0 : SG_ERR_NOMEM;
  }
  static void sha512_cleanup(void* ctx, void* user_data) {
    if (ctx) self(user_data)->md_pool_.push_back(static_cast<EVP_MD_CTX*>(ctx));
  }

  int cipher(int enc, signal_buffer** output, int mode, const std::uint8_t* key, std::size_t key_len,
             const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* in, std::size_t in_len) {
    const EVP_CIPHER* c = mode == SG_CIPHER_AES_CBC_PKCS5 ? cbc_ : mode == SG_CIPHER_AES_CTR_NOPADDING ? ctr_ : nullptr;
    if (!c || key_len != 32 || iv_len != 16 || in_len > INT_MAX - 32) return SG_ERR_UNKNOWN;
    if (scratch_.size() < in_len + 16) scratch_.resize(in_len + 16);
    int n1 = 0, n2 = 0;
    if (EVP_CipherInit_ex2(cipher_ctx_, c, key, iv, enc, nullptr) != 1 ||
        EVP_CipherUpdate(cipher_ctx_, scratch_.data(), &n1, in, static_cast<int>(in_len)) != 1 ||
        EVP_CipherFinal_ex(cipher_ctx_, scratch_.data() + n1, &n2) != 1)
      return SG_ERR_UNKNOWN;
    const std::size_t n = static_cast<std::size_t>(n1) + static_cast<std::size_t>(n2);
    *output = signal_buffer_create(scratch_.data(), n);
    OPENSSL_cleanse(scratch_.data(), n);
    return *output ? 0 : SG_ERR_NOMEM;
  }
  static int encrypt(signal_buffer** output, int mode, const std::uint8_t* key, std::size_t key_len,
                     const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* in, std::size_t in_len,
                     void* user_data) {
    return self(user_data)->cipher(1, output, mode, key, key_len, iv, iv_len, in, in_len);
  }
  static int decrypt(signal_buffer** output, int mode, const std::uint8_t* key, std::size_t key_len,
                     const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* in, std::size_t in_len,
                     void* user_data) {
    return self(user_data)->cipher(0, output, mode, key, key_len, iv, iv_len, in, in_len);
  }

  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* mac_proto_ = nullptr;  // digest set; duplicated when the pool is empty
  std::vector<EVP_MAC_CTX*> mac_pool_;
  EVP_MD* sha512_ = nullptr;
  std::vector<EVP_MD_CTX*> md_pool_;
  EVP_CIPHER* cbc_ = nullptr;
  EVP_CIPHER* ctr_ = nullptr;
  EVP_CIPHER_CTX* cipher_ctx_ = nullptr;
  byte_vector scratch_;
};

// ---------------------------------------------------------------------------
// One user

// unref releases one reference of any libsignal-protocol-c object.
template <class T>
void unref(T*& p) noexcept {
  if (p) signal_type_unref(reinterpret_cast<signal_type_base*>(p));
  p = nullptr;
}

// A message as the wire carries it: Signal's type (2 SignalMessage, 3
// PreKeySignalMessage) and the serialized bytes.
struct message {
  int type = 0;
  byte_vector bytes;
};

class party {
 public:
  explicit party(std::string remote_name) : remote_name_(std::move(remote_name)) {
    remote_.name = remote_name_.c_str();
    remote_.name_len = remote_name_.size();
    remote_.device_id = 1;
    if (!provider_.ok()) {
      error_ = "OpenSSL algorithms not available";
      return;
    }
    if (!step(signal_context_create(&ctx_, this), "signal_context_create")) return;
    const signal_crypto_provider p = provider_.table();
    if (!step(signal_context_set_crypto_provider(ctx_, &p), "set_crypto_provider")) return;
    if (!step(signal_protocol_key_helper_generate_identity_key_pair(&identity_, ctx_), "generate_identity_key_pair"))
      return;
    if (!step(signal_protocol_key_helper_generate_registration_id(&registration_id_, 0, ctx_),
              "generate_registration_id"))
      return;
    if (!step(serialize(ratchet_identity_key_pair_get_public(identity_), stores_.identity_public),
              "serialize identity") ||
        !step(serialize(ratchet_identity_key_pair_get_private(identity_), stores_.identity_private),
              "serialize identity"))
      return;
    stores_.registration_id = registration_id_;
    if (!step(signal_protocol_store_context_create(&store_, ctx_), "store_context_create")) return;
    if (!step(stores_.install(store_), "install stores")) return;
    if (!step(session_builder_create(&builder_, store_, &remote_, ctx_), "session_builder_create")) return;
    step(session_cipher_create(&cipher_, store_, &remote_, ctx_), "session_cipher_create");
  }
  party(const party&) = delete;
  party& operator=(const party&) = delete;
  ~party() {
    unref(bundle_);
    if (cipher_) session_cipher_free(cipher_);
    if (builder_) session_builder_free(builder_);
    if (store_) signal_protocol_store_context_destroy(store_);
    unref(identity_);
    if (ctx_) signal_context_destroy(ctx_);
  }

  bool ok() const noexcept { return error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  // For the group and fingerprint benchmarks (bench_groups.cpp).
  signal_context* context() const noexcept { return ctx_; }
  signal_protocol_store_context* store() const noexcept { return store_; }

  // Bob: a signed prekey (signature by the identity key) and a one-time
  // prekey, both stored; bundle() then hands out their public halves.
  bool make_bundle(std::uint32_t signed_pre_key_id, std::uint32_t pre_key_id) {
    if (!ok()) return false;
    session_signed_pre_key* spk = nullptr;
    signal_protocol_key_helper_pre_key_list_node* head = nullptr;
    bool good =
        step(signal_protocol_key_helper_generate_signed_pre_key(&spk, identity_, signed_pre_key_id, 0, ctx_),
             "generate_signed_pre_key") &&
        step(signal_protocol_signed_pre_key_store_key(store_, spk), "signed_pre_key_store_key") &&
        step(signal_protocol_key_helper_generate_pre_keys(&head, pre_key_id, 1, ctx_), "generate_pre_keys");
    if (good) {
      session_pre_key* pk = signal_protocol_key_helper_key_list_element(head);
      good = step(signal_protocol_pre_key_store_key(store_, pk), "pre_key_store_key") &&
             step(session_pre_key_bundle_create(
                      &bundle_, registration_id_, 1, session_pre_key_get_id(pk),
                      ec_key_pair_get_public(session_pre_key_get_key_pair(pk)), session_signed_pre_key_get_id(spk),
                      ec_key_pair_get_public(session_signed_pre_key_get_key_pair(spk)),
                      session_signed_pre_key_get_signature(spk), session_signed_pre_key_get_signature_len(spk),
                      ratchet_identity_key_pair_get_public(identity_)),
                  "session_pre_key_bundle_create");
      if (good) saved_pre_keys_ = stores_.pre_keys;
    }
    if (head) signal_protocol_key_helper_key_list_free(head);
    unref(spk);
    return good;
  }
  session_pre_key_bundle* bundle() const noexcept { return bundle_; }

  // Alice: session_builder_process_pre_key_bundle (checks the signed
  // prekey's signature, runs X3DH, stores the session). libsignal's code.
  int process(session_pre_key_bundle* b) { return session_builder_process_pre_key_bundle(builder_, b); }

  // encrypt: session_cipher_encrypt; `out` receives the type and the bytes.
  int encrypt(std::span<const std::uint8_t> plaintext, message& out) {
    ciphertext_message* m = nullptr;
    const int rc = session_cipher_encrypt(cipher_, plaintext.data(), plaintext.size(), &m);
    if (rc < 0) return rc;
    out.type = ciphertext_message_get_type(m);
    const signal_buffer* s = ciphertext_message_get_serialized(m);
    out.bytes.assign(signal_buffer_const_data(s), signal_buffer_const_data(s) + signal_buffer_len(s));
    unref(m);
    return 0;
  }

  // decrypt: the plaintext's length (its bytes in `plaintext`), or the
  // library's negative error code.
  int decrypt(const message& m, byte_vector& plaintext) {
    signal_buffer* pt = nullptr;
    int rc = 0;
    if (m.type == CIPHERTEXT_PREKEY_TYPE) {
      pre_key_signal_message* msg = nullptr;
      rc = pre_key_signal_message_deserialize(&msg, m.bytes.data(), m.bytes.size(), ctx_);
      if (rc >= 0) rc = session_cipher_decrypt_pre_key_signal_message(cipher_, msg, nullptr, &pt);
      unref(msg);
    } else if (m.type == CIPHERTEXT_SIGNAL_TYPE) {
      signal_message* msg = nullptr;
      rc = signal_message_deserialize(&msg, m.bytes.data(), m.bytes.size(), ctx_);
      if (rc >= 0) rc = session_cipher_decrypt_signal_message(cipher_, msg, nullptr, &pt);
      unref(msg);
    } else {
      rc = SG_ERR_INVALID_MESSAGE;
    }
    if (rc < 0) return rc;
    plaintext.assign(signal_buffer_const_data(pt), signal_buffer_const_data(pt) + signal_buffer_len(pt));
    const std::size_t n = signal_buffer_len(pt);
    signal_buffer_bzero_free(pt);
    return n > INT_MAX ? SG_ERR_UNKNOWN : static_cast<int>(n);
  }

  // Between session set-ups (outside the timed part): forget every session
  // and put back the one-time prekey the last PreKey message consumed.
  // Identities stay saved (the same keys are trusted again).
  void reset_sessions() {
    stores_.sessions.clear();
    stores_.pre_keys = saved_pre_keys_;
  }

 private:
  bool step(int rc, const char* what) {
    if (rc < 0 && error_.empty()) error_ = std::string(what) + " failed: " + std::to_string(rc);
    return rc >= 0;
  }
  template <class K>
  static int serialize(const K* k, byte_vector& out) {
    signal_buffer* b = nullptr;
    int rc = 0;
    if constexpr (std::is_same_v<K, ec_public_key>)
      rc = ec_public_key_serialize(&b, k);
    else
      rc = ec_private_key_serialize(&b, k);
    if (rc < 0) return rc;
    out.assign(signal_buffer_const_data(b), signal_buffer_const_data(b) + signal_buffer_len(b));
    signal_buffer_bzero_free(b);
    return 0;
  }

  openssl_provider provider_;  // before ctx_: the context calls into it until destroyed
  std::string remote_name_;
  signal_protocol_address remote_{};
  std::string error_;
  signal_context* ctx_ = nullptr;
  signal_protocol_store_context* store_ = nullptr;
  ratchet_identity_key_pair* identity_ = nullptr;
  std::uint32_t registration_id_ = 0;
  session_builder* builder_ = nullptr;
  session_cipher* cipher_ = nullptr;
  session_pre_key_bundle* bundle_ = nullptr;
  signal_c_store::memory_store stores_;  // the store context's callbacks point here
  std::map<std::uint32_t, byte_vector> saved_pre_keys_;
};

}  // namespace e2ee_bench::signal_c

#endif  // E2EE_BENCH_SIGNAL_C_PEER
