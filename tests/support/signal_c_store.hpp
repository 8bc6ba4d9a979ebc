// tests/support/signal_c_store.hpp — libsignal-protocol-c's five stores
// (session, pre-key, signed pre-key, identity with trust on first use,
// sender key) over in-memory maps that keep each record as the library
// serialized it. One copy for the live interop tests (tests/interop/
// signal_c.hpp) and the benchmark peer (bench/signal_c_peer.hpp), so both
// drive the library through the same callbacks.
//
//   signal_c_store::memory_store stores;
//   stores.identity_public = ...; stores.identity_private = ...; stores.registration_id = ...;
//   rc = stores.install(store_context);   // every callback, with &stores as user data
//
// The object must outlive the store context (the callbacks point at it).
// Nothing here throws except std::bad_alloc from the maps; a failure the
// library can report is its negative code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <signal/signal_protocol.h>

namespace signal_c_store {

using byte_vector = std::vector<std::uint8_t>;

class memory_store {
 public:
  // address_key: (name, device id); sender_key_id: (group, sender name, device id).
  using address_key = std::pair<std::string, std::int32_t>;
  using sender_key_id = std::tuple<std::string, std::string, std::int32_t>;

  memory_store() = default;
  memory_store(const memory_store&) = delete;
  memory_store& operator=(const memory_store&) = delete;

  static address_key key(const signal_protocol_address* a) { return {std::string(a->name, a->name_len), a->device_id}; }
  static sender_key_id sender_key(const signal_protocol_sender_key_name* n) {
    return {std::string(n->group_id, n->group_id_len), std::string(n->sender.name, n->sender.name_len),
            n->sender.device_id};
  }

  // install: sets the five stores of `store` to this object's callbacks.
  // 0, or the first negative code of the library.
  int install(signal_protocol_store_context* store) {
    signal_protocol_session_store ss{};
    ss.load_session_func = &memory_store::load_session;
    ss.get_sub_device_sessions_func = &memory_store::sub_device_sessions;
    ss.store_session_func = &memory_store::store_session;
    ss.contains_session_func = &memory_store::contains_session;
    ss.delete_session_func = &memory_store::delete_session;
    ss.delete_all_sessions_func = &memory_store::delete_all_sessions;
    ss.destroy_func = &memory_store::destroy;
    ss.user_data = this;
    signal_protocol_pre_key_store pk{};
    pk.load_pre_key = &memory_store::load_pre_key;
    pk.store_pre_key = &memory_store::store_pre_key;
    pk.contains_pre_key = &memory_store::contains_pre_key;
    pk.remove_pre_key = &memory_store::remove_pre_key;
    pk.destroy_func = &memory_store::destroy;
    pk.user_data = this;
    signal_protocol_signed_pre_key_store spk{};
    spk.load_signed_pre_key = &memory_store::load_signed_pre_key;
    spk.store_signed_pre_key = &memory_store::store_signed_pre_key;
    spk.contains_signed_pre_key = &memory_store::contains_signed_pre_key;
    spk.remove_signed_pre_key = &memory_store::remove_signed_pre_key;
    spk.destroy_func = &memory_store::destroy;
    spk.user_data = this;
    signal_protocol_identity_key_store ik{};
    ik.get_identity_key_pair = &memory_store::get_identity_key_pair;
    ik.get_local_registration_id = &memory_store::get_local_registration_id;
    ik.save_identity = &memory_store::save_identity;
    ik.is_trusted_identity = &memory_store::is_trusted_identity;
    ik.destroy_func = &memory_store::destroy;
    ik.user_data = this;
    signal_protocol_sender_key_store sk{};
    sk.store_sender_key = &memory_store::store_sender_key;
    sk.load_sender_key = &memory_store::load_sender_key;
    sk.destroy_func = &memory_store::destroy;
    sk.user_data = this;
    int rc = signal_protocol_store_context_set_session_store(store, &ss);
    if (rc >= 0) rc = signal_protocol_store_context_set_pre_key_store(store, &pk);
    if (rc >= 0) rc = signal_protocol_store_context_set_signed_pre_key_store(store, &spk);
    if (rc >= 0) rc = signal_protocol_store_context_set_identity_key_store(store, &ik);
    if (rc >= 0) rc = signal_protocol_store_context_set_sender_key_store(store, &sk);
    return rc < 0 ? rc : 0;
  }

  // The local identity (33-byte public key with its type byte, 32-byte
  // private key, as ec_*_key_serialize writes them) and registration id.
  byte_vector identity_public, identity_private;
  std::uint32_t registration_id = 0;

  // The records, as the library serialized them.
  std::map<address_key, byte_vector> sessions, identities;
  std::map<std::uint32_t, byte_vector> pre_keys, signed_pre_keys;
  std::map<sender_key_id, byte_vector> sender_keys;

 private:
  static memory_store* self(void* user_data) noexcept { return static_cast<memory_store*>(user_data); }
  // buffer: a signal_buffer holding a copy of v (nullptr if out of memory).
  static signal_buffer* buffer(const byte_vector& v) {
    signal_buffer* out = signal_buffer_alloc(v.size());
    if (out && !v.empty()) std::memcpy(signal_buffer_data(out), v.data(), v.size());
    return out;
  }
  static void destroy(void*) {}

  // session store
  static int load_session(signal_buffer** record, signal_buffer**, const signal_protocol_address* a,
                          void* user_data) {
    const auto& m = self(user_data)->sessions;
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
    for (const auto& [k, v] : self(user_data)->sessions)
      if (k.first == n && signal_int_list_push_back(l, k.second) < 0) {
        signal_int_list_free(l);
        return SG_ERR_NOMEM;
      }
    *sessions = l;
    return static_cast<int>(signal_int_list_size(l));
  }
  static int store_session(const signal_protocol_address* a, std::uint8_t* record, std::size_t len, std::uint8_t*,
                           std::size_t, void* user_data) {
    self(user_data)->sessions[key(a)].assign(record, record + len);
    return 0;
  }
  static int contains_session(const signal_protocol_address* a, void* user_data) {
    return self(user_data)->sessions.count(key(a)) != 0 ? 1 : 0;
  }
  static int delete_session(const signal_protocol_address* a, void* user_data) {
    return self(user_data)->sessions.erase(key(a)) != 0 ? 1 : 0;
  }
  static int delete_all_sessions(const char* name, std::size_t name_len, void* user_data) {
    auto& m = self(user_data)->sessions;
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
    return load_from(self(user_data)->pre_keys, record, id);
  }
  static int store_pre_key(std::uint32_t id, std::uint8_t* record, std::size_t len, void* user_data) {
    self(user_data)->pre_keys[id].assign(record, record + len);
    return 0;
  }
  static int contains_pre_key(std::uint32_t id, void* user_data) {
    return self(user_data)->pre_keys.count(id) != 0 ? 1 : 0;
  }
  static int remove_pre_key(std::uint32_t id, void* user_data) {
    self(user_data)->pre_keys.erase(id);
    return 0;
  }
  static int load_signed_pre_key(signal_buffer** record, std::uint32_t id, void* user_data) {
    return load_from(self(user_data)->signed_pre_keys, record, id);
  }
  static int store_signed_pre_key(std::uint32_t id, std::uint8_t* record, std::size_t len, void* user_data) {
    self(user_data)->signed_pre_keys[id].assign(record, record + len);
    return 0;
  }
  static int contains_signed_pre_key(std::uint32_t id, void* user_data) {
    return self(user_data)->signed_pre_keys.count(id) != 0 ? 1 : 0;
  }
  static int remove_signed_pre_key(std::uint32_t id, void* user_data) {
    self(user_data)->signed_pre_keys.erase(id);
    return 0;
  }

  // identity store: trust on first use
  static int get_identity_key_pair(signal_buffer** public_data, signal_buffer** private_data, void* user_data) {
    *public_data = buffer(self(user_data)->identity_public);
    *private_data = buffer(self(user_data)->identity_private);
    return *public_data && *private_data ? 0 : SG_ERR_NOMEM;
  }
  static int get_local_registration_id(void* user_data, std::uint32_t* id) {
    *id = self(user_data)->registration_id;
    return 0;
  }
  static int save_identity(const signal_protocol_address* a, std::uint8_t* key_data, std::size_t key_len,
                           void* user_data) {
    auto& m = self(user_data)->identities;
    if (key_data)
      m[key(a)].assign(key_data, key_data + key_len);
    else
      m.erase(key(a));
    return 0;
  }
  static int is_trusted_identity(const signal_protocol_address* a, std::uint8_t* key_data, std::size_t key_len,
                                 void* user_data) {
    const auto& m = self(user_data)->identities;
    const auto it = m.find(key(a));
    if (it == m.end()) return 1;
    return it->second.size() == key_len && std::memcmp(it->second.data(), key_data, key_len) == 0 ? 1 : 0;
  }

  // sender key store
  static int store_sender_key(const signal_protocol_sender_key_name* n, std::uint8_t* record, std::size_t len,
                              std::uint8_t*, std::size_t, void* user_data) {
    self(user_data)->sender_keys[sender_key(n)].assign(record, record + len);
    return 0;
  }
  static int load_sender_key(signal_buffer** record, signal_buffer**, const signal_protocol_sender_key_name* n,
                             void* user_data) {
    const auto& m = self(user_data)->sender_keys;
    const auto it = m.find(sender_key(n));
    if (it == m.end()) return 0;
    *record = buffer(it->second);
    return *record ? 1 : SG_ERR_NOMEM;
  }
};

}  // namespace signal_c_store
