// e2ee/protocol/sealed_storage.hpp — local state encrypted at rest.
//
// Everything a device keeps (identity, prekeys, sessions, sender keys, the
// prekey manager) serializes to bytes; sealed_storage encrypts each record
// under a storage key the app keeps in the platform keystore (Android
// Keystore, iOS Keychain, ...) before it goes to disk or a database:
//
//   sealed = version (1) || key id (4, big-endian) || salt (24)
//            || AES-256-GCM(record_key, nonce = 0^12, plaintext, ad) || tag (16)
//   record_key = HKDF-SHA256(salt, storage_key, "e2ee sealed record v1", 32)
//   ad = version || key id || salt || kind (1) || be32(len(name)) || name
//
// Every seal draws a fresh random salt, so every record has its own key and
// the all-zero nonce is never reused under a key. The associated data binds
// the record to its kind and name (say, kind session and name "alice.1"): a
// record copied over another one, or a session record offered as a sender
// key, fails to open (error::invalid_mac), as does any changed byte.
//
// Key rotation: the storage keeps several keys by id and seals with the
// current one; open() uses the key named in the record. Rotate by adding a
// new key, making it current and resealing the old records (reseal(), or
// needs_reseal() to find them); then remove the old key.
//
// Records that have no serialization of their own get one here: the
// identity (key pair and registration id), one-time prekeys and signed
// prekeys (encode_* / decode_*). Session records, sender key records and the
// prekey manager serialize themselves.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "../aead/aes_gcm.hpp"
#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/secret.hpp"
#include "../hash/sha256.hpp"
#include "../kdf/hkdf.hpp"
#include "record_io.hpp"
#include "session.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

enum class record_kind : std::uint8_t {
  identity = 1,
  pre_key = 2,
  signed_pre_key = 3,
  session = 4,
  sender_key = 5,
  pre_key_manager = 6,
  app = 7,  // the app's own records
};

inline constexpr std::uint8_t sealed_record_version = 1;
inline constexpr std::size_t sealed_salt_size = 24;
inline constexpr std::size_t sealed_header_size = 1 + 4 + sealed_salt_size;
inline constexpr std::size_t sealed_overhead = sealed_header_size + aes256_gcm::tag_size;

namespace detail {

template <class = protocol::deferred>
class sealed_storage {
 public:
  // A storage with one key, `current_id`.
  sealed_storage(std::uint32_t current_id, std::span<const std::uint8_t, 32> key) : current_(current_id) {
    keys_.emplace(current_id, secret<32>(key));
  }

  // add_key: another key (e.g. the next one during a rotation). Replaces a
  // key with the same id. make_current: seal with it from now on (false if
  // there is no such key). remove_key: false for the current key or an
  // unknown id.
  void add_key(std::uint32_t id, std::span<const std::uint8_t, 32> key) { keys_.insert_or_assign(id, secret<32>(key)); }
  bool make_current(std::uint32_t id) noexcept {
    if (keys_.count(id) == 0) return false;
    current_ = id;
    return true;
  }
  bool remove_key(std::uint32_t id) {
    if (id == current_) return false;
    return keys_.erase(id) != 0;
  }
  std::uint32_t current_key_id() const noexcept { return current_; }

  // seal: `plaintext` (a serialized record) as kind `kind` named `name`.
  template <random_source R>
  result<std::vector<std::uint8_t>> seal(record_kind kind, std::string_view name, std::span<const std::uint8_t> plaintext,
                                         R& rng) const {
    if (plaintext.size() > aes256_gcm::max_plaintext_size || name.size() > 0xffffffffu) return error::input_too_long;
    std::vector<std::uint8_t> out(sealed_overhead + plaintext.size());
    out[0] = sealed_record_version;
    store_be32(out.data() + 1, current_);
    if (!rng.fill(std::span(out).subspan(5, sealed_salt_size))) return error::random_failure;
    const auto header = std::span<const std::uint8_t>(out).first(sealed_header_size);
    const aes256_gcm gcm(record_key(keys_.at(current_), header).expose());
    const std::span<std::uint8_t> all(out);
    const auto body = all.subspan(sealed_header_size, plaintext.size());
    const bool ok = with_associated_data(header, kind, name, [&](std::span<const std::uint8_t> ad) {
      return gcm.encrypt(zero_nonce, ad, plaintext, body, all.last<aes256_gcm::tag_size>());
    });
    if (!ok) return error::invalid_argument;
    return out;
  }

  // open: the plaintext of a record sealed as (kind, name).
  // error::invalid_message: too short; error::invalid_version: another
  // format; error::invalid_key: sealed under a key this storage does not
  // have; error::invalid_mac: altered, or another record's bytes.
  result<std::vector<std::uint8_t>> open(record_kind kind, std::string_view name,
                                         std::span<const std::uint8_t> sealed) const {
    if (sealed.size() < sealed_overhead) return error::invalid_message;
    if (sealed[0] != sealed_record_version) return error::invalid_version;
    const auto key = keys_.find(load_be32(sealed.data() + 1));
    if (key == keys_.end()) return error::invalid_key;
    const auto header = sealed.first(sealed_header_size);
    const aes256_gcm gcm(record_key(key->second, header).expose());
    const auto body = sealed.subspan(sealed_header_size, sealed.size() - sealed_overhead);
    std::vector<std::uint8_t> out(body.size());
    const bool ok = with_associated_data(header, kind, name, [&](std::span<const std::uint8_t> ad) {
      return gcm.decrypt(zero_nonce, ad, body, sealed.last<aes256_gcm::tag_size>(), out);
    });
    if (!ok) return error::invalid_mac;
    return out;
  }

  // key_id_of: the key a sealed record names (nullopt if too short).
  static std::optional<std::uint32_t> key_id_of(std::span<const std::uint8_t> sealed) noexcept {
    if (sealed.size() < sealed_header_size) return std::nullopt;
    return load_be32(sealed.data() + 1);
  }
  bool needs_reseal(std::span<const std::uint8_t> sealed) const noexcept { return key_id_of(sealed) != current_; }

  // reseal: open with the key it names, seal again with the current key.
  template <random_source R>
  result<std::vector<std::uint8_t>> reseal(record_kind kind, std::string_view name, std::span<const std::uint8_t> sealed,
                                           R& rng) const {
    auto plain = open(kind, name, sealed);
    if (!plain) return plain.error();
    auto out = seal(kind, name, *plain, rng);
    secure_wipe(plain->data(), plain->size());
    return out;
  }

 private:
  static constexpr std::array<std::uint8_t, 12> zero_nonce{};

  static secret<32> record_key(const secret<32>& storage_key, std::span<const std::uint8_t> header) noexcept {
    constexpr std::string_view info = "e2ee sealed record v1";
    const std::span<const std::uint8_t> info_bytes(reinterpret_cast<const std::uint8_t*>(info.data()), info.size());
    auto k = hkdf<sha256>::derive<32>(header.subspan(5, sealed_salt_size), storage_key.expose(), info_bytes);
    secret<32> s(k);
    secure_wipe(k.data(), k.size());
    return s;
  }

  // with_associated_data: f(ad) with ad = header || kind || be32(len(name))
  // || name, built on the stack (no allocation) for names up to
  // inline_name_size bytes, in a vector beyond.
  static constexpr std::size_t inline_name_size = 220;
  template <class F>
  static bool with_associated_data(std::span<const std::uint8_t> header, record_kind kind, std::string_view name,
                                   F&& f) {
    const std::size_t size = header.size() + 1 + 4 + name.size();
    std::array<std::uint8_t, sealed_header_size + 1 + 4 + inline_name_size> small;
    std::vector<std::uint8_t> large;
    std::span<std::uint8_t> ad;
    if (size <= small.size()) {
      ad = std::span(small).first(size);
    } else {
      large.resize(size);
      ad = large;
    }
    std::copy(header.begin(), header.end(), ad.begin());
    std::size_t pos = header.size();
    ad[pos++] = static_cast<std::uint8_t>(kind);
    store_be32(ad.data() + pos, static_cast<std::uint32_t>(name.size()));
    pos += 4;
    for (const char c : name) ad[pos++] = static_cast<std::uint8_t>(c);
    return f(std::span<const std::uint8_t>(ad));
  }

  std::uint32_t current_;
  std::map<std::uint32_t, secret<32>> keys_;
};

}  // namespace detail

using sealed_storage = detail::sealed_storage<>;

// ---- record codecs ------------------------------------------------------------
//
//   identity:        "e2id" || 1 || registration id (4) || private (32) || public (32)
//   one-time prekey: "e2ok" || 1 || id (4) || private (32) || public (32)
//   signed prekey:   "e2sp" || 1 || id (4) || timestamp (8) || private (32) || public (32) || signature (64)
// little-endian integers. decode_* check the exact length, the magic and
// version, and that the public key belongs to the private key
// (error::invalid_message otherwise). The bytes hold private keys: seal them.

namespace detail {

inline constexpr record_magic identity_magic = make_record_magic("e2id");
inline constexpr record_magic pre_key_magic = make_record_magic("e2ok");
inline constexpr record_magic signed_pre_key_magic = make_record_magic("e2sp");
inline constexpr std::uint8_t codec_format = 1;

template <class = void>
void put_key_pair(record_writer& w, const key_pair& k) {
  w.put(k.private_key.expose());
  w.put(k.public_key);
}

template <class = void>
std::optional<key_pair> get_key_pair(std::span<const std::uint8_t> in) {
  key_pair k = key_pair::from_private(in.first<32>());
  if (!std::equal(k.public_key.begin(), k.public_key.end(), in.begin() + 32)) return std::nullopt;
  // from_private clamps; the stored private key must already be clamped.
  if (!std::equal(in.begin(), in.begin() + 32, k.private_key.expose().begin())) return std::nullopt;
  return k;
}

// open_codec: a codec record of exactly `size` bytes with this magic and
// format 1; anything else is error::invalid_message.
template <class = void>
std::optional<record_reader> open_codec(std::span<const std::uint8_t> in, std::size_t size,
                                        const record_magic& magic) noexcept {
  if (in.size() != size) return std::nullopt;
  auto r = record_reader::open_plain(in, magic, codec_format);
  if (!r) return std::nullopt;
  return *r;
}

}  // namespace detail

struct identity_record {
  key_pair identity;
  std::uint32_t registration_id = 0;
};

template <class = void>
std::vector<std::uint8_t> encode_identity(const key_pair& identity, std::uint32_t registration_id) {
  detail::record_writer w(detail::identity_magic, detail::codec_format, 68);
  w.put32(registration_id);
  detail::put_key_pair(w, identity);
  return w.finish_plain();
}

template <class = void>
result<identity_record> decode_identity(std::span<const std::uint8_t> in) {
  auto r = detail::open_codec(in, 73, detail::identity_magic);
  if (!r) return error::invalid_message;
  const std::uint32_t registration_id = r->take32();
  auto k = detail::get_key_pair(r->take(64));
  if (!k) return error::invalid_message;
  return identity_record{std::move(*k), registration_id};
}

template <class = void>
std::vector<std::uint8_t> encode_pre_key(const pre_key_record& r) {
  detail::record_writer w(detail::pre_key_magic, detail::codec_format, 68);
  w.put32(r.id);
  detail::put_key_pair(w, r.key);
  return w.finish_plain();
}

template <class = void>
result<pre_key_record> decode_pre_key(std::span<const std::uint8_t> in) {
  auto r = detail::open_codec(in, 73, detail::pre_key_magic);
  if (!r) return error::invalid_message;
  const std::uint32_t id = r->take32();
  auto k = detail::get_key_pair(r->take(64));
  if (!k) return error::invalid_message;
  return pre_key_record{id, std::move(*k)};
}

template <class = void>
std::vector<std::uint8_t> encode_signed_pre_key(const signed_pre_key_record& r) {
  detail::record_writer w(detail::signed_pre_key_magic, detail::codec_format, 140);
  w.put32(r.id);
  w.put64(r.timestamp);
  detail::put_key_pair(w, r.key);
  w.put(r.signature);
  return w.finish_plain();
}

template <class = void>
result<signed_pre_key_record> decode_signed_pre_key(std::span<const std::uint8_t> in) {
  auto r = detail::open_codec(in, 145, detail::signed_pre_key_magic);
  if (!r) return error::invalid_message;
  const std::uint32_t id = r->take32();
  const std::uint64_t timestamp = r->take64();
  auto k = detail::get_key_pair(r->take(64));
  if (!k) return error::invalid_message;
  signed_pre_key_record out{id, std::move(*k), {}, timestamp};
  r->take_into(out.signature);
  return out;
}

}  // namespace protocol
E2EE_NAMESPACE_END
