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
//   stores (session, pre-key, signed pre-key, identity with trust on first
//   use, sender key) that keep serialized records as libsignal-protocol-c
//   hands them over, a session_builder and a session_cipher created once.
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
    if (!step(serialize(ratchet_identity_key_pair_get_public(identity_), identity_public_), "serialize identity") ||
        !step(serialize(ratchet_identity_key_pair_get_private(identity_), identity_private_), "serialize identity"))
      return;
    if (!step(signal_protocol_store_context_create(&store_, ctx_), "store_context_create")) return;

    signal_protocol_session_store ss{};
    ss.load_session_func = &party::load_session;
    ss.get_sub_device_sessions_func = &party::sub_device_sessions;
    ss.store_session_func = &party::store_session;
    ss.contains_session_func = &party::contains_session;
    ss.delete_session_func = &party::delete_session;
    ss.delete_all_sessions_func = &party::delete_all_sessions;
    ss.destroy_func = &party::destroy;
    ss.user_data = this;
    signal_protocol_pre_key_store pk{};
    pk.load_pre_key = &party::load_pre_key;
    pk.store_pre_key = &party::store_pre_key;
    pk.contains_pre_key = &party::contains_pre_key;
    pk.remove_pre_key = &party::remove_pre_key;
    pk.destroy_func = &party::destroy;
    pk.user_data = this;
    signal_protocol_signed_pre_key_store spk{};
    spk.load_signed_pre_key = &party::load_signed_pre_key;
    spk.store_signed_pre_key = &party::store_signed_pre_key;
    spk.contains_signed_pre_key = &party::contains_signed_pre_key;
    spk.remove_signed_pre_key = &party::remove_signed_pre_key;
    spk.destroy_func = &party::destroy;
    spk.user_data = this;
    signal_protocol_identity_key_store ik{};
    ik.get_identity_key_pair = &party::get_identity_key_pair;
    ik.get_local_registration_id = &party::get_local_registration_id;
    ik.save_identity = &party::save_identity;
    ik.is_trusted_identity = &party::is_trusted_identity;
    ik.destroy_func = &party::destroy;
    ik.user_data = this;
    signal_protocol_sender_key_store sk{};
    sk.store_sender_key = &party::store_sender_key;
    sk.load_sender_key = &party::load_sender_key;
    sk.destroy_func = &party::destroy;
    sk.user_data = this;
    if (!step(signal_protocol_store_context_set_session_store(store_, &ss), "set_session_store") ||
        !step(signal_protocol_store_context_set_pre_key_store(store_, &pk), "set_pre_key_store") ||
        !step(signal_protocol_store_context_set_signed_pre_key_store(store_, &spk), "set_signed_pre_key_store") ||
        !step(signal_protocol_store_context_set_identity_key_store(store_, &ik), "set_identity_key_store") ||
        !step(signal_protocol_store_context_set_sender_key_store(store_, &sk), "set_sender_key_store"))
      return;
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
      if (good) saved_pre_keys_ = pre_keys_;
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
    sessions_.clear();
    pre_keys_ = saved_pre_keys_;
  }

 private:
  using address_key = std::pair<std::string, std::int32_t>;
  static address_key key(const signal_protocol_address* a) { return {std::string(a->name, a->name_len), a->device_id}; }
  static party* self(void* user_data) noexcept { return static_cast<party*>(user_data); }
  static signal_buffer* buffer(const byte_vector& v) { return signal_buffer_create(v.data(), v.size()); }

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
  static void destroy(void*) {}

  // session store
  static int load_session(signal_buffer** record, signal_buffer**, const signal_protocol_address* a,
                          void* user_data) {
    const auto& m = self(user_data)->sessions_;
    const auto it = m.find(key(a));
    if (it == m.end()) return 0;
    *record = buffer(it->second);
    return *record ? 1 : SG_ERR_NOMEM;
  }
  static int sub_device_sessions(signal_int_list** sessions, const char* name, std::size_t name_len,
                                 void* user_data) {
    signal_int_list* l = signal_int_list_alloc();
    if (!l) return SG_ERR_NOMEM;
    const std::string n(name, name_len);
    for (const auto& [k, v] : self(user_data)->sessions_)
      if (k.first == n && signal_int_list_push_back(l, k.second) < 0) {
        signal_int_list_free(l);
        return SG_ERR_NOMEM;
      }
    *sessions = l;
    return static_cast<int>(signal_int_list_size(l));
  }
  static int store_session(const signal_protocol_address* a, std::uint8_t* record, std::size_t len, std::uint8_t*,
                           std::size_t, void* user_data) {
    self(user_data)->sessions_[key(a)].assign(record, record + len);
    return 0;
  }
  static int contains_session(const signal_protocol_address* a, void* user_data) {
    return self(user_data)->sessions_.count(key(a)) != 0 ? 1 : 0;
  }
  static int delete_session(const signal_protocol_address* a, void* user_data) {
    return self(user_data)->sessions_.erase(key(a)) != 0 ? 1 : 0;
  }
  static int delete_all_sessions(const char* name, std::size_t name_len, void* user_data) {
    auto& m = self(user_data)->sessions_;
    const std::string n(name, name_len);
    int count = 0;
    for (auto it = m.begin(); it != m.end();) {
      if (it->first.first == n) {
        it = m.erase(it);
        ++count;
      } else {
        ++it;
      }
    }
    return count;
  }

  // pre-key and signed pre-key stores
  static int load_from(const std::map<std::uint32_t, byte_vector>& m, signal_buffer** record, std::uint32_t id) {
    const auto it = m.find(id);
    if (it == m.end()) return SG_ERR_INVALID_KEY_ID;
    *record = buffer(it->second);
    return *record ? SG_SUCCESS : SG_ERR_NOMEM;
  }
  static int load_pre_key(signal_buffer** record, std::uint32_t id, void* user_data) {
    return load_from(self(user_data)->pre_keys_, record, id);
  }
  static int store_pre_key(std::uint32_t id, std::uint8_t* record, std::size_t len, void* user_data) {
    self(user_data)->pre_keys_[id].assign(record, record + len);
    return 0;
  }
  static int contains_pre_key(std::uint32_t id, void* user_data) {
    return self(user_data)->pre_keys_.count(id) != 0 ? 1 : 0;
  }
  static int remove_pre_key(std::uint32_t id, void* user_data) {
    self(user_data)->pre_keys_.erase(id);
    return 0;
  }
  static int load_signed_pre_key(signal_buffer** record, std::uint32_t id, void* user_data) {
    return load_from(self(user_data)->signed_pre_keys_, record, id);
  }
  static int store_signed_pre_key(std::uint32_t id, std::uint8_t* record, std::size_t len, void* user_data) {
    self(user_data)->signed_pre_keys_[id].assign(record, record + len);
    return 0;
  }
  static int contains_signed_pre_key(std::uint32_t id, void* user_data) {
    return self(user_data)->signed_pre_keys_.count(id) != 0 ? 1 : 0;
  }
  static int remove_signed_pre_key(std::uint32_t id, void* user_data) {
    self(user_data)->signed_pre_keys_.erase(id);
    return 0;
  }

  // identity store: trust on first use
  static int get_identity_key_pair(signal_buffer** public_data, signal_buffer** private_data, void* user_data) {
    *public_data = buffer(self(user_data)->identity_public_);
    *private_data = buffer(self(user_data)->identity_private_);
    return *public_data && *private_data ? 0 : SG_ERR_NOMEM;
  }
  static int get_local_registration_id(void* user_data, std::uint32_t* id) {
    *id = self(user_data)->registration_id_;
    return 0;
  }
  static int save_identity(const signal_protocol_address* a, std::uint8_t* key_data, std::size_t key_len,
                           void* user_data) {
    auto& m = self(user_data)->identities_;
    if (key_data)
      m[key(a)].assign(key_data, key_data + key_len);
    else
      m.erase(key(a));
    return 0;
  }
  static int is_trusted_identity(const signal_protocol_address* a, std::uint8_t* key_data, std::size_t key_len,
                                 void* user_data) {
    const auto& m = self(user_data)->identities_;
    const auto it = m.find(key(a));
    if (it == m.end()) return 1;
    return it->second.size() == key_len && std::memcmp(it->second.data(), key_data, key_len) == 0 ? 1 : 0;
  }

  // sender key store (groups: bench_groups.cpp)
  using sender_key_id = std::tuple<std::string, std::string, std::int32_t>;
  static sender_key_id sender_key(const signal_protocol_sender_key_name* n) {
    return {std::string(n->group_id, n->group_id_len), std::string(n->sender.name, n->sender.name_len),
            n->sender.device_id};
  }
  static int store_sender_key(const signal_protocol_sender_key_name* n, std::uint8_t* record, std::size_t len,
                              std::uint8_t*, std::size_t, void* user_data) {
    self(user_data)->sender_keys_[sender_key(n)].assign(record, record + len);
    return 0;
  }
  static int load_sender_key(signal_buffer** record, signal_buffer**, const signal_protocol_sender_key_name* n,
                             void* user_data) {
    const auto& m = self(user_data)->sender_keys_;
    const auto it = m.find(sender_key(n));
    if (it == m.end()) return 0;
    *record = buffer(it->second);
    return *record ? 1 : SG_ERR_NOMEM;
  }

  openssl_provider provider_;  // before ctx_: the context calls into it until destroyed
  std::string remote_name_;
  signal_protocol_address remote_{};
  std::string error_;
  signal_context* ctx_ = nullptr;
  signal_protocol_store_context* store_ = nullptr;
  ratchet_identity_key_pair* identity_ = nullptr;
  std::uint32_t registration_id_ = 0;
  byte_vector identity_public_, identity_private_;
  session_builder* builder_ = nullptr;
  session_cipher* cipher_ = nullptr;
  session_pre_key_bundle* bundle_ = nullptr;
  std::map<address_key, byte_vector> sessions_, identities_;
  std::map<std::uint32_t, byte_vector> pre_keys_, saved_pre_keys_, signed_pre_keys_;
  std::map<sender_key_id, byte_vector> sender_keys_;
};

}  // namespace e2ee_bench::signal_c

#endif  // E2EE_BENCH_SIGNAL_C_PEER
