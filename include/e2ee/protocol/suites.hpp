// e2ee/protocol/suites.hpp — the two suites of the Double Ratchet state
// machine (double_ratchet.hpp): what differs between them is the key
// schedule's info strings, how a message key seals a message and how a
// message is framed. The ratchet itself (chains, skipped keys, limits, DH
// steps, commit on success) is written once, in basic_session_state.
//
// signal_v3 — Signal's protocol version 3, bit for bit (SIGNAL.md A3-A5):
//   message keys  cipher_key(32) || mac_key(32) || iv(16)
//                   = HKDF(no salt, HMAC(CK, 0x01), "WhisperMessageKeys", 80)
//   root step     RK' || CK = HKDF(RK, DH, "WhisperRatchet", 64)
//   body          AES-256-CBC + PKCS#7; MAC = HMAC-SHA256(mac_key, sender
//                 identity || receiver identity || version || protobuf)[0:8]
//   framing       protobuf SignalMessage (messages.hpp), wrapped in a
//                 PreKeySignalMessage while the session is unacknowledged.
//
// modern — the same ratchet with AES-256-GCM and its own compact format
// (docs/protocol.md, "The modern suite"):
//   X3DH          RK || CK = HKDF(no salt, RK3 || CK3, "e2ee modern x3dh", 64)
//                 HKa || HKb || NHKb = HKDF(no salt, RK3 || CK3,
//                                           "e2ee modern header keys", 96)
//                 where RK3 || CK3 is the X3DH output ("WhisperText").
//   root step     RK' || CK || NHK = HKDF(RK, DH, "e2ee modern root", 96)
//   message keys  key(32) || nonce(12) || header_nonce(12)
//                   = HKDF(no salt, HMAC(CK, 0x01), "e2ee modern message keys", 56)
//   plain header  0xE1 || ratchet_key(32) || counter(4, BE) || previous_counter(4, BE)
//   body          AES-256-GCM(key, nonce, aad = version || ratchet_key ||
//                 counter || previous_counter [|| encrypted header] ||
//                 sender identity(33) || receiver identity(33)) || tag(16)
//   with header encryption (Double Ratchet spec, section 4):
//                 0xE2 || header_nonce(12) || GCM(HK, header_nonce,
//                 aad = 0xE2 || identities, ratchet_key || counter ||
//                 previous_counter) (40 + 16) || body || tag(16)
//   PreKey wrapper (every message Alice sends until Bob answers):
//                 0xE3 || flags(1) || registration_id(4, BE) ||
//                 signed_pre_key_id(4, BE) [|| pre_key_id(4, BE)] ||
//                 base_key(32) || identity_key(32) || inner message
//                 flags: 0x01 one-time prekey id present, 0x02 header
//                 encryption (the inner message is then 0xE2, else 0xE1);
//                 other bits must be zero. The inner body's associated data
//                 starts with every wrapper byte, so the wrapper is
//                 authenticated by the inner tag.
//
// Nonces. A GCM nonce must never repeat under one key. Each message key is
// a fresh HKDF output used for exactly one message, so the deterministic
// body nonce that comes with it is safe. A header key seals every header of
// one sending chain; its nonce is the header_nonce of that message's key: a
// pseudo-random 96-bit value, distinct for every message of the chain
// except with probability about n^2 / 2^97 for n messages (n is at most a
// few thousand in practice, far below GCM's 2^32 limit for random nonces),
// so no random source is needed when sending. The receiver cannot derive it
// before knowing the chain and counter, so it travels in the message.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../aead/aes_gcm.hpp"
#include "../cipher/cbc.hpp"
#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/secret.hpp"
#include "keys.hpp"
#include "messages.hpp"
#include "ratchet_keys.hpp"
#include "wire.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

// What Alice sends in every message until Bob answers: the PreKey wrapper.
struct pending_pre_key {
  std::optional<std::uint32_t> pre_key_id{};
  std::uint32_t signed_pre_key_id = 0;
  std::array<std::uint8_t, 32> base_key{};
  std::uint64_t timestamp = 0;  // when the session was started: Unix seconds, 0 = unknown
};

// encrypted_message: what encrypt() returns (session_state::encrypted).
struct encrypted_message {
  message_type type;
  std::vector<std::uint8_t> bytes;
};

// ratchet_header: the header fields of one message, in the clear.
struct ratchet_header {
  std::array<std::uint8_t, 32> ratchet_key{};
  std::uint32_t counter = 0;
  std::uint32_t previous_counter = 0;
};

// ratchet_step_keys: one root step's output. next_header_key is the header
// key of the chain after the new one (modern with header encryption); v3
// leaves it zero.
struct ratchet_step_keys {
  root_key root;
  chain_key chain;
  secret<32> next_header_key{};
};

// session_keys: what the X3DH output becomes for a suite. The header keys
// (modern with header encryption): Alice's first sending header key, Bob's
// first sending header key and the header key of Bob's next sending chain.
struct session_keys {
  root_key root;
  chain_key chain;
  secret<32> alice_header_key{}, bob_header_key{}, bob_next_header_key{};
};

// seal_input: everything a suite needs to frame one outgoing message.
struct seal_input {
  const ratchet_header& header;
  const secret<32>* header_key;  // nullptr: no header encryption
  std::span<const std::uint8_t, public_key_size> sender_identity;
  std::span<const std::uint8_t, public_key_size> receiver_identity;
  const pending_pre_key* pending;  // nullptr: acknowledged
  std::uint32_t registration_id;
};

// pre_key_fields: a PreKey message of either suite, as the session layer
// needs it. `message` is what the new state decrypts: the inner
// SignalMessage for signal_v3, the whole wrapped message for modern (its
// wrapper is authenticated with the body).
struct pre_key_fields {
  std::optional<std::uint32_t> pre_key_id{};
  std::uint32_t signed_pre_key_id = 0;
  std::uint32_t registration_id = 0;
  std::array<std::uint8_t, 32> base_key{};
  std::array<std::uint8_t, 32> identity_key{};
  bool header_encryption = false;
  std::span<const std::uint8_t> message{};
};

namespace detail {
inline std::span<const std::uint8_t, 32> first32(const std::uint8_t* p) noexcept {
  return std::span<const std::uint8_t, 32>(p, 32);
}
}  // namespace detail

// ---- signal_v3 ------------------------------------------------------------------

struct signal_v3 {
  static constexpr std::array<std::uint8_t, 4> record_magic{'e', '2', 's', 's'};
  static constexpr std::array<std::uint8_t, 4> session_record_magic{'e', '2', 's', 'r'};
  static constexpr std::uint8_t record_format = 2;
  static constexpr bool supports_header_encryption = false;

  struct message_key {
    secret<32> cipher_key;
    secret<32> mac_key;
    secret<16> iv;

    static constexpr std::size_t serialized_size = 80;
    message_key clone() const noexcept { return {cipher_key.clone(), mac_key.clone(), iv.clone()}; }
    void write(std::span<std::uint8_t, serialized_size> out) const noexcept {
      std::copy(cipher_key.expose().begin(), cipher_key.expose().end(), out.begin());
      std::copy(mac_key.expose().begin(), mac_key.expose().end(), out.begin() + 32);
      std::copy(iv.expose().begin(), iv.expose().end(), out.begin() + 64);
    }
    static message_key read(std::span<const std::uint8_t, serialized_size> in) noexcept {
      return {secret<32>(detail::first32(in.data())), secret<32>(detail::first32(in.data() + 32)),
              secret<16>(std::span<const std::uint8_t, 16>(in.data() + 64, 16))};
    }
  };

  static message_key derive_message_key(const chain_key& c) noexcept {
    auto k = c.keys();
    return {std::move(k.cipher_key), std::move(k.mac_key), std::move(k.iv)};
  }

  static result<ratchet_step_keys> root_step(const root_key& rk, std::span<const std::uint8_t, 32> their_public,
                                             std::span<const std::uint8_t, 32> our_private) noexcept {
    auto s = rk.step(their_public, our_private);
    if (!s) return s.error();
    return ratchet_step_keys{std::move(s->first), std::move(s->second), {}};
  }

  static session_keys from_x3dh(std::pair<root_key, chain_key> x) noexcept {
    return {std::move(x.first), std::move(x.second), {}, {}, {}};
  }

  // parse: SignalMessage (messages.hpp); its header is in the clear.
  using parsed_message = signal_message_view;
  static result<parsed_message> parse(std::span<const std::uint8_t> in, bool /*header_encryption*/) noexcept {
    return parse_signal_message(in);
  }
  static ratchet_header plain_header(const parsed_message& m) noexcept {
    return {m.ratchet_key, m.counter, m.previous_counter};
  }
  static result<pre_key_fields> parse_pre_key(std::span<const std::uint8_t> in) noexcept {
    const auto m = parse_pre_key_signal_message(in);
    if (!m) return m.error();
    return pre_key_fields{m->pre_key_id, m->signed_pre_key_id, m->registration_id, m->base_key, m->identity_key,
                          false, m->message};
  }

  // seal: the SignalMessage (or the PreKey message wrapping it) written
  // straight into the one output vector, reserved exactly: the CBC body is
  // padded and encrypted in place there, the MAC appended.
  static encrypted_message seal(const message_key& k, const seal_input& in, std::span<const std::uint8_t> plaintext) {
    const auto& h = in.header;
    const std::size_t body = (plaintext.size() / aes256_cbc::block_size + 1) * aes256_cbc::block_size;
    const std::size_t inner = signal_message_size(h.counter, h.previous_counter, body);
    std::vector<std::uint8_t> out;
    wire::writer w(out);
    std::array<std::uint8_t, 32> identity{};
    if (in.pending) {
      const auto& p = *in.pending;
      out.reserve(1 + (p.pre_key_id ? wire::varint_field_size(1, *p.pre_key_id) : 0) +
                  2 * wire::bytes_field_size(2, public_key_size) + wire::bytes_field_size(4, inner) +
                  wire::varint_field_size(5, in.registration_id) + wire::varint_field_size(6, p.signed_pre_key_id));
      for (std::size_t i = 0; i < 32; ++i) identity[i] = in.sender_identity[i + 1];
      w.byte(message_version_byte);
      if (p.pre_key_id) w.varint_field(1, *p.pre_key_id);
      w.bytes_field(2, serialize_public_key(p.base_key));
      w.bytes_field(3, serialize_public_key(identity));
      w.tag(4, wire::wire_type::bytes);
      w.varint(inner);
    } else {
      out.reserve(inner);
    }
    const std::size_t start = out.size();
    w.byte(message_version_byte);
    w.bytes_field(1, serialize_public_key(h.ratchet_key));
    w.varint_field(2, h.counter);
    w.varint_field(3, h.previous_counter);
    w.tag(4, wire::wire_type::bytes);
    w.varint(body);
    const std::size_t b = out.size();
    out.resize(b + body);
    std::copy(plaintext.begin(), plaintext.end(), out.begin() + static_cast<std::ptrdiff_t>(b));
    const auto pad = static_cast<std::uint8_t>(body - plaintext.size());
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(b + plaintext.size()), out.end(), pad);
    const std::span<std::uint8_t> body_span = std::span<std::uint8_t>(out).subspan(b, body);
    (void)aes256_cbc::encrypt_blocks(k.cipher_key.expose(), k.iv.expose(), body_span, body_span);  // sizes right
    std::array<std::uint8_t, message_mac_size> mac{};
    detail::signal_mac(k.mac_key.expose(), in.sender_identity, in.receiver_identity,
                       std::span<const std::uint8_t>(out).subspan(start), mac);
    w.raw(mac);
    if (!in.pending) return {message_type::whisper, std::move(out)};
    w.varint_field(5, in.registration_id);
    w.varint_field(6, in.pending->signed_pre_key_id);
    return {message_type::pre_key, std::move(out)};
  }

  // open: MAC first (error::invalid_mac), then the CBC body
  // (error::invalid_message for bad padding).
  static result<std::vector<std::uint8_t>> open(const message_key& k, const parsed_message& m,
                                                const ratchet_header& /*header*/,
                                                std::span<const std::uint8_t, public_key_size> sender_identity,
                                                std::span<const std::uint8_t, public_key_size> receiver_identity) {
    if (!verify_mac(m, k.mac_key.expose(), sender_identity, receiver_identity)) return error::invalid_mac;
    auto plaintext = aes256_cbc::decrypt(k.cipher_key.expose(), k.iv.expose(), m.ciphertext);
    if (!plaintext) return error::invalid_message;
    return std::move(*plaintext);
  }
};

// ---- modern ---------------------------------------------------------------------

inline constexpr std::uint8_t modern_version_byte = 0xE1;            // header in the clear
inline constexpr std::uint8_t modern_encrypted_header_version = 0xE2;  // header encrypted
inline constexpr std::size_t modern_header_size = 32 + 4 + 4;        // ratchet_key || counter || previous_counter
inline constexpr std::size_t modern_tag_size = aes256_gcm::tag_size;  // 16
inline constexpr std::size_t modern_nonce_size = aes256_gcm::nonce_size;  // 12
// sizes of everything before the body, in each format
inline constexpr std::size_t modern_plain_prefix = 1 + modern_header_size;  // 41
inline constexpr std::size_t modern_encrypted_prefix =
    1 + modern_nonce_size + modern_header_size + modern_tag_size;  // 69
// The PreKey wrapper (0xE3): fixed part, and its largest size.
inline constexpr std::uint8_t modern_pre_key_version = 0xE3;
inline constexpr std::uint8_t modern_pre_key_one_time_flag = 0x01;
inline constexpr std::uint8_t modern_pre_key_header_encryption_flag = 0x02;
inline constexpr std::size_t modern_pre_key_wrapper_min = 1 + 1 + 4 + 4 + 32 + 32;     // 74
inline constexpr std::size_t modern_pre_key_wrapper_max = modern_pre_key_wrapper_min + 4;  // 78

// modern_message_view: a parsed modern message (views into the input).
struct modern_message_view {
  std::span<const std::uint8_t> wrapper{};  // the PreKey wrapper before the message (empty: none)
  std::uint8_t version_byte = 0;
  ratchet_header header{};                  // plain format only
  std::span<const std::uint8_t> prefix{};   // every byte before the body
  std::span<const std::uint8_t> body{};     // GCM ciphertext
  std::span<const std::uint8_t> tag{};      // 16 bytes
};

// parse_modern_message: strict; error::invalid_message for a wrong version
// byte (0xE1 expected without header encryption, 0xE2 with it), a message
// too short for its format, or longer than max_message_size. The body may be
// empty.
template <class = void>
result<modern_message_view> parse_modern_message(std::span<const std::uint8_t> in,
                                                 bool header_encryption) noexcept {
  const std::uint8_t version = header_encryption ? modern_encrypted_header_version : modern_version_byte;
  const std::size_t prefix = header_encryption ? modern_encrypted_prefix : modern_plain_prefix;
  if (in.size() < prefix + modern_tag_size || in.size() > max_message_size || in[0] != version)
    return error::invalid_message;
  modern_message_view v;
  v.version_byte = in[0];
  v.prefix = in.first(prefix);
  v.body = in.subspan(prefix, in.size() - prefix - modern_tag_size);
  v.tag = in.last(modern_tag_size);
  if (!header_encryption) {
    std::copy(in.begin() + 1, in.begin() + 33, v.header.ratchet_key.begin());
    v.header.counter = load_be32(in.data() + 33);
    v.header.previous_counter = load_be32(in.data() + 37);
  }
  return v;
}

// modern_pre_key_message_view: a parsed modern PreKey message (views into
// the input).
struct modern_pre_key_message_view {
  bool header_encryption = false;
  std::optional<std::uint32_t> pre_key_id{};
  std::uint32_t signed_pre_key_id = 0;
  std::uint32_t registration_id = 0;
  std::array<std::uint8_t, 32> base_key{};
  std::array<std::uint8_t, 32> identity_key{};
  std::span<const std::uint8_t> wrapper{};  // every byte before the inner message
  std::span<const std::uint8_t> message{};  // the inner 0xE1 / 0xE2 message
};

// parse_modern_pre_key_message: strict; error::invalid_message for a
// version byte other than 0xE3, unknown flag bits, a message too short for
// its wrapper, longer than max_message_size, or whose inner message does not
// parse in the format the flags announce.
template <class = void>
result<modern_pre_key_message_view> parse_modern_pre_key_message(std::span<const std::uint8_t> in) noexcept {
  if (in.size() < modern_pre_key_wrapper_min || in.size() > max_message_size || in[0] != modern_pre_key_version)
    return error::invalid_message;
  const std::uint8_t flags = in[1];
  if ((flags & ~(modern_pre_key_one_time_flag | modern_pre_key_header_encryption_flag)) != 0)
    return error::invalid_message;
  const bool one_time = (flags & modern_pre_key_one_time_flag) != 0;
  const std::size_t n = one_time ? modern_pre_key_wrapper_max : modern_pre_key_wrapper_min;
  if (in.size() < n) return error::invalid_message;
  modern_pre_key_message_view v;
  v.header_encryption = (flags & modern_pre_key_header_encryption_flag) != 0;
  v.registration_id = load_be32(in.data() + 2);
  v.signed_pre_key_id = load_be32(in.data() + 6);
  std::size_t pos = 10;
  if (one_time) {
    v.pre_key_id = load_be32(in.data() + pos);
    pos += 4;
  }
  std::copy(in.begin() + static_cast<std::ptrdiff_t>(pos), in.begin() + static_cast<std::ptrdiff_t>(pos + 32),
            v.base_key.begin());
  std::copy(in.begin() + static_cast<std::ptrdiff_t>(pos + 32), in.begin() + static_cast<std::ptrdiff_t>(pos + 64),
            v.identity_key.begin());
  v.wrapper = in.first(n);
  v.message = in.subspan(n);
  if (!parse_modern_message(v.message, v.header_encryption)) return error::invalid_message;
  return v;
}

struct modern {
  static constexpr std::array<std::uint8_t, 4> record_magic{'e', '2', 's', 'm'};
  static constexpr std::array<std::uint8_t, 4> session_record_magic{'e', '2', 'm', 'r'};
  static constexpr std::uint8_t record_format = 2;
  static constexpr bool supports_header_encryption = true;

  static constexpr std::string_view info_x3dh = "e2ee modern x3dh";
  static constexpr std::string_view info_header_keys = "e2ee modern header keys";
  static constexpr std::string_view info_root = "e2ee modern root";
  static constexpr std::string_view info_message_keys = "e2ee modern message keys";

  struct message_key {
    secret<32> key;
    secret<12> nonce;
    secret<12> header_nonce;

    static constexpr std::size_t serialized_size = 56;
    message_key clone() const noexcept { return {key.clone(), nonce.clone(), header_nonce.clone()}; }
    void write(std::span<std::uint8_t, serialized_size> out) const noexcept {
      std::copy(key.expose().begin(), key.expose().end(), out.begin());
      std::copy(nonce.expose().begin(), nonce.expose().end(), out.begin() + 32);
      std::copy(header_nonce.expose().begin(), header_nonce.expose().end(), out.begin() + 44);
    }
    static message_key read(std::span<const std::uint8_t, serialized_size> in) noexcept {
      return {secret<32>(detail::first32(in.data())), secret<12>(std::span<const std::uint8_t, 12>(in.data() + 32, 12)),
              secret<12>(std::span<const std::uint8_t, 12>(in.data() + 44, 12))};
    }
  };

  static message_key derive_message_key(const chain_key& c) noexcept {
    auto okm = c.message_material<56>(detail::ascii(info_message_keys));
    message_key k{secret<32>(detail::first32(okm.data())),
                  secret<12>(std::span<const std::uint8_t, 12>(okm.data() + 32, 12)),
                  secret<12>(std::span<const std::uint8_t, 12>(okm.data() + 44, 12))};
    secure_wipe(okm.data(), okm.size());
    return k;
  }

  static result<ratchet_step_keys> root_step(const root_key& rk, std::span<const std::uint8_t, 32> their_public,
                                             std::span<const std::uint8_t, 32> our_private) noexcept {
    auto okm = rk.step_material<96>(their_public, our_private, detail::ascii(info_root));
    if (!okm) return okm.error();
    ratchet_step_keys s{root_key(detail::first32(okm->data())), chain_key(detail::first32(okm->data() + 32), 0),
                        secret<32>(detail::first32(okm->data() + 64))};
    secure_wipe(okm->data(), okm->size());
    return s;
  }

  static session_keys from_x3dh(std::pair<root_key, chain_key> x) noexcept {
    std::array<std::uint8_t, 64> ikm{};
    std::copy(x.first.key().begin(), x.first.key().end(), ikm.begin());
    std::copy(x.second.key().begin(), x.second.key().end(), ikm.begin() + 32);
    auto keys = hkdf<sha256>::derive<64>({}, ikm, detail::ascii(info_x3dh));
    auto headers = hkdf<sha256>::derive<96>({}, ikm, detail::ascii(info_header_keys));
    session_keys s{root_key(detail::first32(keys.data())), chain_key(detail::first32(keys.data() + 32), 0),
                   secret<32>(detail::first32(headers.data())), secret<32>(detail::first32(headers.data() + 32)),
                   secret<32>(detail::first32(headers.data() + 64))};
    secure_wipe(ikm.data(), ikm.size());
    secure_wipe(keys.data(), keys.size());
    secure_wipe(headers.data(), headers.size());
    return s;
  }

  using parsed_message = modern_message_view;
  // parse: a modern message, or a PreKey message wrapping one (its wrapper
  // then joins the body's associated data).
  static result<parsed_message> parse(std::span<const std::uint8_t> in, bool header_encryption) noexcept {
    if (in.empty() || in[0] != modern_pre_key_version) return parse_modern_message(in, header_encryption);
    const auto p = parse_modern_pre_key_message(in);
    if (!p) return p.error();
    if (p->header_encryption != header_encryption) return error::invalid_message;
    auto m = parse_modern_message(p->message, header_encryption);
    if (!m) return m.error();
    m->wrapper = p->wrapper;
    return m;
  }
  static ratchet_header plain_header(const parsed_message& m) noexcept { return m.header; }
  static result<pre_key_fields> parse_pre_key(std::span<const std::uint8_t> in) noexcept {
    const auto m = parse_modern_pre_key_message(in);
    if (!m) return m.error();
    return pre_key_fields{m->pre_key_id, m->signed_pre_key_id, m->registration_id, m->base_key, m->identity_key,
                          m->header_encryption, in};
  }

  // open_header: the encrypted header under one candidate header key; false
  // if its tag does not verify.
  static bool open_header(const parsed_message& m, std::span<const std::uint8_t, 32> header_key,
                          std::span<const std::uint8_t, public_key_size> sender_identity,
                          std::span<const std::uint8_t, public_key_size> receiver_identity,
                          ratchet_header& out) noexcept {
    std::array<std::uint8_t, header_aad_size> aad{};
    header_aad(m.version_byte, sender_identity, receiver_identity, aad);
    std::array<std::uint8_t, modern_header_size> plain{};
    const auto p = m.prefix;
    const auto tag = p.subspan(1 + modern_nonce_size + modern_header_size).first<modern_tag_size>();
    const bool ok = aes256_gcm::decrypt_once(header_key, p.subspan(1, modern_nonce_size), aad,
                                             p.subspan(1 + modern_nonce_size, modern_header_size), tag, plain);
    if (ok) {
      std::copy(plain.begin(), plain.begin() + 32, out.ratchet_key.begin());
      out.counter = load_be32(plain.data() + 32);
      out.previous_counter = load_be32(plain.data() + 36);
    }
    return ok;
  }

  // seal: [PreKey wrapper ||] version || (header | sealed header) || GCM
  // body || tag, into one exactly sized vector. While the session is
  // unacknowledged (in.pending) the message is wrapped (type pre_key).
  // The GCM calls are encrypt_once (a message key seals one message; a
  // header key seals one header per call): short inputs stay on its
  // register-only path, longer ones take its general path.
  static encrypted_message seal(const message_key& k, const seal_input& in, std::span<const std::uint8_t> plaintext) {
    const bool he = in.header_key != nullptr;
    const std::size_t prefix = he ? modern_encrypted_prefix : modern_plain_prefix;
    const std::size_t wrapper = in.pending ? (in.pending->pre_key_id ? modern_pre_key_wrapper_max
                                                                      : modern_pre_key_wrapper_min)
                                           : 0;
    std::vector<std::uint8_t> out(wrapper + prefix + plaintext.size() + modern_tag_size);
    const std::span<std::uint8_t> all(out);
    if (in.pending) write_wrapper(*in.pending, he, in.registration_id, in.sender_identity, all.first(wrapper));
    const std::span<std::uint8_t> o = all.subspan(wrapper);
    std::array<std::uint8_t, modern_header_size> header{};
    write_header(in.header, header);
    o[0] = he ? modern_encrypted_header_version : modern_version_byte;
    if (he) {
      std::array<std::uint8_t, header_aad_size> haad{};
      header_aad(o[0], in.sender_identity, in.receiver_identity, haad);
      const auto hn = k.header_nonce.expose();
      std::copy(hn.begin(), hn.end(), o.begin() + 1);
      (void)aes256_gcm::encrypt_once(in.header_key->expose(), hn, haad, header,
                                     o.subspan(1 + modern_nonce_size, modern_header_size),
                                     o.subspan(1 + modern_nonce_size + modern_header_size).first<modern_tag_size>());
    } else {
      std::copy(header.begin(), header.end(), o.begin() + 1);
    }
    std::array<std::uint8_t, body_aad_max> aad{};
    const std::size_t n = body_aad(all.first(wrapper), in.header, o.first(prefix), in.sender_identity,
                                   in.receiver_identity, aad);
    (void)aes256_gcm::encrypt_once(k.key.expose(), k.nonce.expose(), std::span<const std::uint8_t>(aad).first(n),
                                   plaintext, o.subspan(prefix, plaintext.size()), o.last<modern_tag_size>());
    return {in.pending ? message_type::pre_key : message_type::whisper, std::move(out)};
  }

  // open: error::invalid_mac unless the GCM tag verifies.
  static result<std::vector<std::uint8_t>> open(const message_key& k, const parsed_message& m,
                                                const ratchet_header& header,
                                                std::span<const std::uint8_t, public_key_size> sender_identity,
                                                std::span<const std::uint8_t, public_key_size> receiver_identity) {
    std::array<std::uint8_t, body_aad_max> aad{};
    const std::size_t n = body_aad(m.wrapper, header, m.prefix, sender_identity, receiver_identity, aad);
    std::vector<std::uint8_t> out(m.body.size());
    if (!aes256_gcm::decrypt_once(k.key.expose(), k.nonce.expose(), std::span<const std::uint8_t>(aad).first(n),
                                  m.body, m.tag.first<modern_tag_size>(), out))
      return error::invalid_mac;
    return out;
  }

 private:
  static constexpr std::size_t header_aad_size = 1 + 2 * public_key_size;
  static constexpr std::size_t body_aad_max = modern_pre_key_wrapper_max + 1 + modern_header_size +
                                              (modern_encrypted_prefix - 1) + 2 * public_key_size;

  static void write_wrapper(const pending_pre_key& p, bool header_encryption, std::uint32_t registration_id,
                            std::span<const std::uint8_t, public_key_size> sender_identity,
                            std::span<std::uint8_t> out) noexcept {
    out[0] = modern_pre_key_version;
    out[1] = static_cast<std::uint8_t>((p.pre_key_id ? modern_pre_key_one_time_flag : 0) |
                                       (header_encryption ? modern_pre_key_header_encryption_flag : 0));
    store_be32(out.data() + 2, registration_id);
    store_be32(out.data() + 6, p.signed_pre_key_id);
    std::size_t pos = 10;
    if (p.pre_key_id) {
      store_be32(out.data() + pos, *p.pre_key_id);
      pos += 4;
    }
    std::copy(p.base_key.begin(), p.base_key.end(), out.begin() + static_cast<std::ptrdiff_t>(pos));
    std::copy(sender_identity.begin() + 1, sender_identity.end(), out.begin() + static_cast<std::ptrdiff_t>(pos + 32));
  }
  static void write_header(const ratchet_header& h, std::span<std::uint8_t, modern_header_size> out) noexcept {
    std::copy(h.ratchet_key.begin(), h.ratchet_key.end(), out.begin());
    store_be32(out.data() + 32, h.counter);
    store_be32(out.data() + 36, h.previous_counter);
  }
  static void header_aad(std::uint8_t version, std::span<const std::uint8_t, public_key_size> sender,
                         std::span<const std::uint8_t, public_key_size> receiver,
                         std::span<std::uint8_t, header_aad_size> out) noexcept {
    out[0] = version;
    std::copy(sender.begin(), sender.end(), out.begin() + 1);
    std::copy(receiver.begin(), receiver.end(), out.begin() + 1 + public_key_size);
  }
  // body_aad: [PreKey wrapper ||] version || ratchet_key || counter ||
  // previous_counter [|| header_nonce || sealed header || header tag] ||
  // sender || receiver.
  static std::size_t body_aad(std::span<const std::uint8_t> wrapper, const ratchet_header& h,
                              std::span<const std::uint8_t> prefix,
                              std::span<const std::uint8_t, public_key_size> sender,
                              std::span<const std::uint8_t, public_key_size> receiver,
                              std::span<std::uint8_t, body_aad_max> out) noexcept {
    std::size_t n = wrapper.size();
    std::copy(wrapper.begin(), wrapper.end(), out.begin());
    out[n++] = prefix[0];
    write_header(h, out.subspan(n).first<modern_header_size>());
    n += modern_header_size;
    if (prefix.size() == modern_encrypted_prefix) {
      std::copy(prefix.begin() + 1, prefix.end(), out.begin() + static_cast<std::ptrdiff_t>(n));
      n += prefix.size() - 1;
    }
    std::copy(sender.begin(), sender.end(), out.begin() + static_cast<std::ptrdiff_t>(n));
    n += public_key_size;
    std::copy(receiver.begin(), receiver.end(), out.begin() + static_cast<std::ptrdiff_t>(n));
    return n + public_key_size;
  }
};

}  // namespace protocol
E2EE_NAMESPACE_END
