// e2ee/protocol/double_ratchet.hpp — the Double Ratchet state of one session,
// protocol version 3 (SIGNAL.md A3-A5), byte-compatible with Signal:
// AES-256-CBC + PKCS#7 bodies, 8-byte HMAC-SHA256 MACs, protobuf framing.
//
// A session_state is a value. encrypt() advances the sending chain.
// decrypt() works on a copy of the state and replaces the state only when the
// message authenticated and decrypted: a forged, replayed, truncated or
// out-of-window message returns an error and leaves the state exactly as it
// was.
//
// Limits (Signal's values, as named constants):
// - max_forward_jump: a message at most 25,000 ahead of its chain (Rust
//   libsignal; libsignal-protocol-c uses 2,000), else error::too_many_skipped;
// - max_skipped_keys: at most 2,000 cached keys per receiving chain, the
//   oldest dropped first;
// - max_receiver_chains: at most 5 receiving chains, the oldest dropped.
// A message whose key was already used (or dropped) is
// error::duplicate_message.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "../cipher/cbc.hpp"
#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/bytes.hpp"
#include "../core/secret.hpp"
#include "../ec/x25519.hpp"
#include "../hash/sha256.hpp"
#include "keys.hpp"
#include "messages.hpp"
#include "ratchet_keys.hpp"
#include "x3dh.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

inline constexpr std::uint32_t max_forward_jump = 25'000;
inline constexpr std::size_t max_skipped_keys = 2'000;
inline constexpr std::size_t max_receiver_chains = 5;

// key_pair: an X25519 key pair; the private half is clamped and wiped on
// destruction.
struct key_pair {
  secret<32> private_key;
  std::array<std::uint8_t, 32> public_key{};

  static key_pair from_private(std::span<const std::uint8_t, 32> priv) noexcept {
    key_pair k;
    auto clamped = x25519::detail::clamp(priv);
    k.private_key = secret<32>(clamped);
    k.public_key = x25519::public_key(clamped);
    secure_wipe(clamped.data(), clamped.size());
    return k;
  }
  template <random_source R>
  static result<key_pair> generate(R& rng) noexcept {
    secret<32> raw;
    if (!rng.fill(raw.writable())) return error::random_failure;
    return from_private(raw.expose());
  }
  key_pair clone() const noexcept {
    key_pair k;
    k.private_key = private_key.clone();
    k.public_key = public_key;
    return k;
  }
};

// What Alice sends in every message until Bob answers: the PreKey wrapper.
struct pending_pre_key {
  std::optional<std::uint32_t> pre_key_id{};
  std::uint32_t signed_pre_key_id = 0;
  std::array<std::uint8_t, 32> base_key{};
};

struct skipped_message_key {
  std::uint32_t counter = 0;
  secret<32> cipher_key;
  secret<32> mac_key;
  secret<16> iv;

  skipped_message_key clone() const noexcept {
    return {counter, cipher_key.clone(), mac_key.clone(), iv.clone()};
  }
};

struct receiver_chain {
  std::array<std::uint8_t, 32> their_ratchet_key{};
  chain_key chain;
  std::deque<skipped_message_key> skipped{};  // oldest first

  receiver_chain clone() const {
    receiver_chain c{their_ratchet_key, chain.clone(), {}};
    for (const auto& s : skipped) c.skipped.push_back(s.clone());
    return c;
  }
};

class session_state {
 public:
  // Alice, after X3DH with Bob's bundle (SIGNAL.md A3): a receiving chain for
  // Bob's signed prekey, a fresh sending ratchet key, one root step.
  template <random_source R>
  static result<session_state> initialize_alice(const key_pair& identity, const key_pair& base_key,
                                                std::span<const std::uint8_t, 32> their_identity,
                                                std::span<const std::uint8_t, 32> their_signed_pre_key,
                                                std::optional<std::span<const std::uint8_t, 32>> their_one_time_pre_key,
                                                R& rng) {
    auto x = x3dh_alice({identity.private_key.expose(), base_key.private_key.expose(), their_identity,
                         their_signed_pre_key, their_one_time_pre_key});
    if (!x) return x.error();
    auto ratchet = key_pair::generate(rng);
    if (!ratchet) return ratchet.error();
    auto sending = x->first.step(their_signed_pre_key, ratchet->private_key.expose());
    if (!sending) return sending.error();
    session_state s(std::move(sending->first), std::move(*ratchet), std::move(sending->second));
    s.local_identity_ = serialize_public_key(identity.public_key);
    s.remote_identity_ = serialize_public_key(their_identity);
    s.receivers_.push_front(receiver_chain{to_array(their_signed_pre_key), std::move(x->second), {}});
    s.alice_base_key_ = base_key.public_key;
    return s;
  }

  // Bob, on Alice's PreKey message: his sending ratchet key is his signed
  // prekey, his sending chain the X3DH chain; no receiving chain yet.
  static result<session_state> initialize_bob(const key_pair& identity, const key_pair& signed_pre_key,
                                              const key_pair* one_time_pre_key,
                                              std::span<const std::uint8_t, 32> their_identity,
                                              std::span<const std::uint8_t, 32> their_base_key) {
    std::optional<key_span> opk;
    if (one_time_pre_key) opk = one_time_pre_key->private_key.expose();
    auto x = x3dh_bob({identity.private_key.expose(), signed_pre_key.private_key.expose(), opk, their_identity,
                       their_base_key});
    if (!x) return x.error();
    session_state s(std::move(x->first), signed_pre_key.clone(), std::move(x->second));
    s.local_identity_ = serialize_public_key(identity.public_key);
    s.remote_identity_ = serialize_public_key(their_identity);
    s.alice_base_key_ = to_array(their_base_key);
    return s;
  }

  session_state clone() const {
    session_state s(root_.clone(), sender_ratchet_.clone(), sender_chain_.clone());
    s.local_identity_ = local_identity_;
    s.remote_identity_ = remote_identity_;
    for (const auto& r : receivers_) s.receivers_.push_back(r.clone());
    s.previous_counter_ = previous_counter_;
    s.pending_ = pending_;
    s.local_registration_id_ = local_registration_id_;
    s.remote_registration_id_ = remote_registration_id_;
    s.alice_base_key_ = alice_base_key_;
    return s;
  }

  void set_pending_pre_key(const pending_pre_key& p, std::uint32_t local_registration_id) noexcept {
    pending_ = p;
    local_registration_id_ = local_registration_id;
  }
  bool has_pending_pre_key() const noexcept { return pending_.has_value(); }
  void set_remote_registration_id(std::uint32_t id) noexcept { remote_registration_id_ = id; }
  std::uint32_t remote_registration_id() const noexcept { return remote_registration_id_; }
  const serialized_public_key& local_identity() const noexcept { return local_identity_; }
  const serialized_public_key& remote_identity() const noexcept { return remote_identity_; }
  const std::array<std::uint8_t, 32>& alice_base_key() const noexcept { return alice_base_key_; }
  std::uint32_t sending_index() const noexcept { return sender_chain_.index(); }
  std::size_t receiver_chain_count() const noexcept { return receivers_.size(); }

  // encrypt: one message. The result is a SignalMessage, or a PreKey message
  // wrapping one while Alice has not heard from Bob. No allocation besides
  // the output (and the CBC body it contains).
  struct encrypted {
    message_type type;
    std::vector<std::uint8_t> bytes;
  };
  encrypted encrypt(std::span<const std::uint8_t> plaintext) {
    const auto mk = sender_chain_.keys();
    const auto body = aes256_cbc::encrypt(mk.cipher_key.expose(), mk.iv.expose(), plaintext);
    std::vector<std::uint8_t> msg;
    serialize_signal_message(sender_ratchet_.public_key, mk.counter, previous_counter_, body, mk.mac_key.expose(),
                             local_identity_, remote_identity_, msg);
    sender_chain_ = sender_chain_.next();
    if (!pending_) return {message_type::whisper, std::move(msg)};
    std::array<std::uint8_t, 32> ident{};
    for (std::size_t i = 0; i < 32; ++i) ident[i] = local_identity_[i + 1];
    std::vector<std::uint8_t> outer;
    serialize_pre_key_signal_message({pending_->pre_key_id, pending_->signed_pre_key_id, local_registration_id_,
                                      pending_->base_key, ident, msg},
                                     outer);
    return {message_type::pre_key, std::move(outer)};
  }

  // decrypt: a SignalMessage (the inner one, for PreKey messages). On any
  // error the state is unchanged.
  template <random_source R>
  result<std::vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> message, R& rng) {
    const auto parsed = parse_signal_message(message);
    if (!parsed) return parsed.error();
    const auto& m = *parsed;
    session_state next = clone();
    auto chain = next.receiver_for(m.ratchet_key);
    if (!chain) {
      auto stepped = next.dh_ratchet(m.ratchet_key, rng);
      if (!stepped) return stepped.error();
      chain = &next.receivers_.front();
    }
    auto keys = next.message_keys_for(*chain, m.counter);
    if (!keys) return keys.error();
    if (!verify_mac(m, keys->mac_key.expose(), remote_identity_, local_identity_)) return error::invalid_mac;
    auto plaintext = aes256_cbc::decrypt(keys->cipher_key.expose(), keys->iv.expose(), m.ciphertext);
    if (!plaintext) return error::invalid_message;
    next.pending_.reset();  // the peer has answered: no more PreKey wrapping
    *this = std::move(next);
    return std::move(*plaintext);
  }

  session_state(session_state&&) noexcept = default;
  session_state& operator=(session_state&&) noexcept = default;

  // serialize: the whole state as a versioned, length-checked byte string:
  // "e2ss" || format version (1) || fields || SHA-256 of all before it. It
  // holds private keys: store it encrypted (sealed storage, issue 6) and
  // wipe it after use. deserialize rejects (error::invalid_message) anything
  // that is not exactly such a string — a wrong checksum, a count above the
  // limits, trailing bytes — and error::invalid_version for another format
  // version; it never returns a partly loaded state.
  std::vector<std::uint8_t> serialize() const {
    std::vector<std::uint8_t> out;
    std::size_t n = 4 + 1 + 2 * 33 + 32 + 64 + 36 + 4 * 3 + 32 + 1 + 41 + 1 + 32;
    for (const auto& r : receivers_) n += 32 + 36 + 2 + r.skipped.size() * (4 + 32 + 32 + 16);
    out.reserve(n);
    const auto put = [&](std::span<const std::uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); };
    const auto put32 = [&](std::uint32_t v) {
      std::array<std::uint8_t, 4> b{};
      store_le32(b.data(), v);
      put(b);
    };
    put(record_magic);
    out.push_back(record_format);
    put(local_identity_);
    put(remote_identity_);
    put(root_.key());
    put(sender_ratchet_.private_key.expose());
    put(sender_ratchet_.public_key);
    put(sender_chain_.key());
    put32(sender_chain_.index());
    put32(previous_counter_);
    put32(local_registration_id_);
    put32(remote_registration_id_);
    put(alice_base_key_);
    out.push_back(pending_ ? (pending_->pre_key_id ? 3 : 1) : 0);
    if (pending_) {
      put32(pending_->pre_key_id.value_or(0));
      put32(pending_->signed_pre_key_id);
      put(pending_->base_key);
    }
    out.push_back(static_cast<std::uint8_t>(receivers_.size()));
    for (const auto& r : receivers_) {
      put(r.their_ratchet_key);
      put(r.chain.key());
      put32(r.chain.index());
      out.push_back(static_cast<std::uint8_t>(r.skipped.size()));
      out.push_back(static_cast<std::uint8_t>(r.skipped.size() >> 8));
      for (const auto& k : r.skipped) {
        put32(k.counter);
        put(k.cipher_key.expose());
        put(k.mac_key.expose());
        put(k.iv.expose());
      }
    }
    put(sha256::hash(out));
    return out;
  }

  static result<session_state> deserialize(std::span<const std::uint8_t> in) {
    if (in.size() < record_magic.size() + 1 + 32) return error::invalid_message;
    const auto body = in.first(in.size() - 32);
    const auto sum = sha256::hash(body);
    if (!std::equal(sum.begin(), sum.end(), in.end() - 32)) return error::invalid_message;
    if (!std::equal(record_magic.begin(), record_magic.end(), body.begin())) return error::invalid_message;
    if (body[4] != record_format) return error::invalid_version;
    std::size_t pos = 5;
    bool ok = true;
    const auto take = [&](std::size_t n) -> std::span<const std::uint8_t> {
      if (!ok || n > body.size() - pos) {
        ok = false;
        return {};
      }
      const auto s = body.subspan(pos, n);
      pos += n;
      return s;
    };
    const auto take32 = [&]() -> std::uint32_t {
      const auto s = take(4);
      return ok ? load_le32(s.data()) : 0;
    };
    const auto take_key = [&](std::array<std::uint8_t, 32>& k) {
      const auto s = take(32);
      if (ok) std::copy(s.begin(), s.end(), k.begin());
    };
    std::array<std::uint8_t, 33> local{}, remote{};
    std::array<std::uint8_t, 32> root{}, ratchet_priv{}, ratchet_pub{}, chain{}, base{};
    if (auto s = take(33); ok) std::copy(s.begin(), s.end(), local.begin());
    if (auto s = take(33); ok) std::copy(s.begin(), s.end(), remote.begin());
    take_key(root);
    take_key(ratchet_priv);
    take_key(ratchet_pub);
    take_key(chain);
    const std::uint32_t chain_index = take32(), previous = take32(), local_reg = take32(), remote_reg = take32();
    take_key(base);
    const auto wipe_all = [&] {
      secure_wipe(root.data(), 32);
      secure_wipe(ratchet_priv.data(), 32);
      secure_wipe(chain.data(), 32);
    };
    if (!ok || local[0] != djb_key_type || remote[0] != djb_key_type) {
      wipe_all();
      return error::invalid_message;
    }
    key_pair ratchet;
    ratchet.private_key = secret<32>(ratchet_priv);
    ratchet.public_key = ratchet_pub;
    session_state s(root_key(root), std::move(ratchet), chain_key(chain, chain_index));
    wipe_all();
    s.local_identity_ = local;
    s.remote_identity_ = remote;
    s.previous_counter_ = previous;
    s.local_registration_id_ = local_reg;
    s.remote_registration_id_ = remote_reg;
    s.alice_base_key_ = base;
    const auto flag = take(1);
    if (!ok || flag[0] > 3 || flag[0] == 2) return error::invalid_message;
    if (flag[0] != 0) {
      pending_pre_key p;
      const std::uint32_t id = take32();
      if (flag[0] == 3) p.pre_key_id = id;
      p.signed_pre_key_id = take32();
      take_key(p.base_key);
      s.pending_ = p;
    }
    const auto count = take(1);
    if (!ok || count[0] > max_receiver_chains) return error::invalid_message;
    for (std::size_t c = 0; c < count[0]; ++c) {
      std::array<std::uint8_t, 32> their{}, ck{};
      take_key(their);
      take_key(ck);
      const std::uint32_t index = take32();
      const auto nb = take(2);
      receiver_chain r{their, chain_key(ck, index), {}};
      secure_wipe(ck.data(), 32);  // before any return: the chain key is secret
      if (!ok) return error::invalid_message;
      const std::size_t skipped = std::size_t{nb[0]} | (std::size_t{nb[1]} << 8);
      if (skipped > max_skipped_keys) return error::invalid_message;
      for (std::size_t k = 0; k < skipped; ++k) {
        const std::uint32_t counter = take32();
        const auto cipher = take(32), mac = take(32), iv = take(16);
        if (!ok) return error::invalid_message;
        r.skipped.push_back({counter, secret<32>(std::span<const std::uint8_t, 32>(cipher.data(), 32)),
                             secret<32>(std::span<const std::uint8_t, 32>(mac.data(), 32)),
                             secret<16>(std::span<const std::uint8_t, 16>(iv.data(), 16))});
      }
      s.receivers_.push_back(std::move(r));
    }
    if (!ok || pos != body.size()) return error::invalid_message;
    return s;
  }

 private:
  static constexpr std::array<std::uint8_t, 4> record_magic{'e', '2', 's', 's'};
  static constexpr std::uint8_t record_format = 1;

  session_state(root_key root, key_pair sender_ratchet, chain_key sender_chain) noexcept
      : root_(std::move(root)), sender_ratchet_(std::move(sender_ratchet)), sender_chain_(std::move(sender_chain)) {}

  static std::array<std::uint8_t, 32> to_array(std::span<const std::uint8_t, 32> s) noexcept {
    std::array<std::uint8_t, 32> a{};
    for (std::size_t i = 0; i < 32; ++i) a[i] = s[i];
    return a;
  }

  receiver_chain* receiver_for(const std::array<std::uint8_t, 32>& their) noexcept {
    for (auto& r : receivers_)
      if (r.their_ratchet_key == their) return &r;
    return nullptr;
  }

  // dh_ratchet: a new ratchet key from the peer (SIGNAL.md A4 "Receive, new
  // ratchet key").
  template <random_source R>
  result<void> dh_ratchet(const std::array<std::uint8_t, 32>& their, R& rng) {
    auto receiving = root_.step(their, sender_ratchet_.private_key.expose());
    if (!receiving) return receiving.error();
    auto ratchet = key_pair::generate(rng);
    if (!ratchet) return ratchet.error();
    auto sending = receiving->first.step(their, ratchet->private_key.expose());
    if (!sending) return sending.error();
    receivers_.push_front(receiver_chain{their, std::move(receiving->second), {}});
    if (receivers_.size() > max_receiver_chains) receivers_.pop_back();
    const std::uint32_t index = sender_chain_.index();
    previous_counter_ = index == 0 ? 0 : index - 1;
    root_ = std::move(sending->first);
    sender_ratchet_ = std::move(*ratchet);
    sender_chain_ = std::move(sending->second);
    return {};
  }

  result<skipped_message_key> message_keys_for(receiver_chain& r, std::uint32_t counter) {
    const std::uint32_t index = r.chain.index();
    if (counter < index) {
      for (auto it = r.skipped.begin(); it != r.skipped.end(); ++it) {
        if (it->counter == counter) {
          skipped_message_key k = std::move(*it);
          r.skipped.erase(it);
          return k;
        }
      }
      return error::duplicate_message;
    }
    if (counter - index > max_forward_jump) return error::too_many_skipped;
    while (r.chain.index() < counter) {
      auto mk = r.chain.keys();
      r.skipped.push_back({mk.counter, std::move(mk.cipher_key), std::move(mk.mac_key), std::move(mk.iv)});
      if (r.skipped.size() > max_skipped_keys) r.skipped.pop_front();
      r.chain = r.chain.next();
    }
    auto mk = r.chain.keys();
    r.chain = r.chain.next();
    return skipped_message_key{mk.counter, std::move(mk.cipher_key), std::move(mk.mac_key), std::move(mk.iv)};
  }

  root_key root_;
  key_pair sender_ratchet_;
  chain_key sender_chain_;
  serialized_public_key local_identity_{}, remote_identity_{};
  std::deque<receiver_chain> receivers_{};  // newest first
  std::uint32_t previous_counter_ = 0;
  std::optional<pending_pre_key> pending_{};
  std::uint32_t local_registration_id_ = 0, remote_registration_id_ = 0;
  std::array<std::uint8_t, 32> alice_base_key_{};
};

}  // namespace protocol
E2EE_NAMESPACE_END
