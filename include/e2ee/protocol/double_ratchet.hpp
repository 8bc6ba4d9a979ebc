// e2ee/protocol/double_ratchet.hpp — the Double Ratchet state of one session
// (SIGNAL.md A3-A5), one state machine templated on a suite (suites.hpp):
//
//   session_state        = basic_session_state<signal_v3>: byte-compatible
//                          with Signal v3 (AES-256-CBC + PKCS#7 bodies, 8-byte
//                          HMAC-SHA256 MACs, protobuf framing);
//   modern_session_state = basic_session_state<modern>: AES-256-GCM with the
//                          header and both identities as associated data, a
//                          compact wire format and optional header encryption
//                          (Double Ratchet spec, section 4), chosen when the
//                          state is created (ratchet_options).
//
// A session state is a value. encrypt() advances the sending chain.
// decrypt() derives what the message needs (a DH step's new root, chains and
// ratchet key; skipped keys; the advanced chain key) into temporaries,
// authenticates and decrypts, and only then commits, with no fallible step
// after the commit: a forged, replayed, truncated or out-of-window message
// returns an error and leaves the state exactly as it was. The state is never
// copied (the cached skipped keys can be thousands of secrets).
//
// Limits (Signal's values, as named constants):
// - max_forward_jump: a message at most 25,000 ahead of its chain (Rust
//   libsignal; libsignal-protocol-c uses 2,000), else error::too_many_skipped;
// - max_skipped_keys: at most 2,000 cached keys per receiving chain, the
//   oldest dropped first;
// - max_receiver_chains: at most 5 receiving chains, the oldest dropped;
// - max_total_skipped_keys: at most 5,000 cached keys over all chains (ours;
//   Signal has no total bound), the oldest chain's oldest dropped first.
// - max_skipped_key_age: a cached key older than 30 days is dropped (ours;
//   DESIGN.md asks that skipped keys expire), see "Time" below.
// A message whose key was already used (or dropped) is
// error::duplicate_message.
//
// Time. The state never reads a clock: the caller passes the time (Unix
// seconds as std::chrono::sys_seconds) to decrypt() and expire_skipped(),
// and stamps a pending PreKey with it. A skipped key is stamped with the
// time it was cached; once it is older than max_skipped_key_age it is no
// longer used (error::duplicate_message) and is dropped at the next
// committed decrypt or expire_skipped(). unacknowledged_expired(now) tells
// whether Alice's unanswered session is older than
// max_unacknowledged_session_age (Signal's 30 days; the session API then
// refuses to encrypt on it). Without a time (the overloads that take none,
// or a stamp of 0 read from a format-1 record) nothing is stamped and
// nothing expires. A clock that runs backwards makes nothing older.
#pragma once

#include <algorithm>
#include <array>
#include "../detail/chrono.hpp"  // std::chrono (not all of <chrono>)
#include <cstddef>
#include <cstdint>
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
#include "record_io.hpp"
#include "suites.hpp"
#include "x3dh.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

inline constexpr std::uint32_t max_forward_jump = 25'000;
inline constexpr std::size_t max_skipped_keys = 2'000;
inline constexpr std::size_t max_receiver_chains = 5;
// max_total_skipped_keys: cached keys over all receiving chains of a state
// (our bound, not Signal's: Signal bounds only each chain, which allows
// 5 x 2,000). Beyond it the oldest chain's oldest keys are dropped first.
inline constexpr std::size_t max_total_skipped_keys = 5'000;
// max_unacknowledged_session_age: a session Alice started whose PreKey
// message has not been answered for this long is not used to encrypt
// (Signal's MAX_UNACKNOWLEDGED_SESSION_AGE, 30 days).
inline constexpr std::chrono::seconds max_unacknowledged_session_age{30 * 24 * 3600};
// max_skipped_key_age: how long a skipped message key stays cached (ours,
// 30 days: a message delayed longer than an unanswered session may live is
// taken as lost, and its key no longer weakens forward secrecy).
inline constexpr std::chrono::seconds max_skipped_key_age{30 * 24 * 3600};

namespace detail {
// unix_seconds: a time as the stamps the state stores; 0 (unknown) for
// times at or before 1970.
inline std::uint64_t unix_seconds(std::chrono::sys_seconds t) noexcept {
  const auto n = t.time_since_epoch().count();
  return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}
// older_than: `stamp` is known, `now` is known and stamp + limit < now.
inline bool older_than(std::uint64_t stamp, std::uint64_t now, std::chrono::seconds limit) noexcept {
  const auto l = static_cast<std::uint64_t>(limit.count());
  return stamp != 0 && now != 0 && now > stamp && now - stamp > l;
}
}  // namespace detail

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

// ratchet_options: chosen when a state is created. header_encryption needs
// a suite that supports it (modern); signal_v3 refuses it
// (error::invalid_argument).
struct ratchet_options {
  bool header_encryption = false;
};

template <class Suite>
struct basic_skipped_key {
  std::uint32_t counter = 0;
  typename Suite::message_key key;
  std::uint64_t cached_at = 0;  // Unix seconds; 0 = unknown (never expires)

  basic_skipped_key clone() const noexcept { return {counter, key.clone(), cached_at}; }
};

template <class Suite>
struct basic_receiver_chain {
  std::array<std::uint8_t, 32> their_ratchet_key{};
  chain_key chain;
  secret<32> header_key{};  // with header encryption: this chain's header key
  std::vector<basic_skipped_key<Suite>> skipped{};  // oldest first

  basic_receiver_chain clone() const {
    basic_receiver_chain c{their_ratchet_key, chain.clone(), header_key.clone(), {}};
    c.skipped.reserve(skipped.size());
    for (const auto& s : skipped) c.skipped.push_back(s.clone());
    return c;
  }
};

template <class Suite>
class basic_session_state {
 public:
  using suite = Suite;
  using encrypted = encrypted_message;
  using receiver_chain = basic_receiver_chain<Suite>;
  using skipped_key = basic_skipped_key<Suite>;

  // Alice, after X3DH with Bob's bundle (SIGNAL.md A3): a receiving chain for
  // Bob's signed prekey, a fresh sending ratchet key, one root step.
  template <random_source R>
  static result<basic_session_state> initialize_alice(
      const key_pair& identity, const key_pair& base_key, std::span<const std::uint8_t, 32> their_identity,
      std::span<const std::uint8_t, 32> their_signed_pre_key,
      std::optional<std::span<const std::uint8_t, 32>> their_one_time_pre_key, R& rng, ratchet_options opts = {}) {
    if (!options_ok(opts)) return error::invalid_argument;
    auto x = x3dh_alice({identity.private_key.expose(), base_key.private_key.expose(), their_identity,
                         their_signed_pre_key, their_one_time_pre_key});
    if (!x) return x.error();
    auto keys = Suite::from_x3dh(std::move(*x));
    auto ratchet = key_pair::generate(rng);
    if (!ratchet) return ratchet.error();
    auto sending = Suite::root_step(keys.root, their_signed_pre_key, ratchet->private_key.expose());
    if (!sending) return sending.error();
    basic_session_state s(std::move(sending->root), std::move(*ratchet), std::move(sending->chain));
    s.local_identity_ = serialize_public_key(identity.public_key);
    s.remote_identity_ = serialize_public_key(their_identity);
    s.receivers_.insert(s.receivers_.begin(),
                        receiver_chain{to_array(their_signed_pre_key), std::move(keys.chain), {}, {}});
    s.alice_base_key_ = base_key.public_key;
    if (opts.header_encryption) {
      s.header_encryption_ = true;
      s.send_header_key_ = std::move(keys.alice_header_key);
      s.next_send_header_key_ = std::move(sending->next_header_key);
      s.receivers_.front().header_key = std::move(keys.bob_header_key);
      s.next_recv_header_key_ = std::move(keys.bob_next_header_key);
    }
    return s;
  }

  // Bob, on Alice's PreKey message: his sending ratchet key is his signed
  // prekey, his sending chain the X3DH chain; no receiving chain yet.
  static result<basic_session_state> initialize_bob(const key_pair& identity, const key_pair& signed_pre_key,
                                                    const key_pair* one_time_pre_key,
                                                    std::span<const std::uint8_t, 32> their_identity,
                                                    std::span<const std::uint8_t, 32> their_base_key,
                                                    ratchet_options opts = {}) {
    if (!options_ok(opts)) return error::invalid_argument;
    std::optional<key_span> opk;
    if (one_time_pre_key) opk = one_time_pre_key->private_key.expose();
    auto x = x3dh_bob({identity.private_key.expose(), signed_pre_key.private_key.expose(), opk, their_identity,
                       their_base_key});
    if (!x) return x.error();
    auto keys = Suite::from_x3dh(std::move(*x));
    basic_session_state s(std::move(keys.root), signed_pre_key.clone(), std::move(keys.chain));
    s.local_identity_ = serialize_public_key(identity.public_key);
    s.remote_identity_ = serialize_public_key(their_identity);
    s.alice_base_key_ = to_array(their_base_key);
    if (opts.header_encryption) {
      s.header_encryption_ = true;
      s.send_header_key_ = std::move(keys.bob_header_key);
      s.next_send_header_key_ = std::move(keys.bob_next_header_key);
      s.next_recv_header_key_ = std::move(keys.alice_header_key);
    }
    return s;
  }

  basic_session_state clone() const {
    basic_session_state s(root_.clone(), sender_ratchet_.clone(), sender_chain_.clone());
    s.local_identity_ = local_identity_;
    s.remote_identity_ = remote_identity_;
    s.receivers_.reserve(receivers_.size());
    for (const auto& r : receivers_) s.receivers_.push_back(r.clone());
    s.previous_counter_ = previous_counter_;
    s.pending_ = pending_;
    s.local_registration_id_ = local_registration_id_;
    s.remote_registration_id_ = remote_registration_id_;
    s.alice_base_key_ = alice_base_key_;
    s.header_encryption_ = header_encryption_;
    s.send_header_key_ = send_header_key_.clone();
    s.next_send_header_key_ = next_send_header_key_.clone();
    s.next_recv_header_key_ = next_recv_header_key_.clone();
    return s;
  }

  // set_pending_pre_key: Alice wraps every message in a PreKey message
  // until Bob answers; p.timestamp (Unix seconds, 0 = unknown) is when the
  // session was started, for unacknowledged_expired().
  void set_pending_pre_key(const pending_pre_key& p, std::uint32_t local_registration_id) noexcept {
    pending_ = p;
    local_registration_id_ = local_registration_id;
  }
  bool has_pending_pre_key() const noexcept { return pending_.has_value(); }
  // unacknowledged_expired: the session is still unanswered and was started
  // more than max_unacknowledged_session_age before `now`.
  bool unacknowledged_expired(std::chrono::sys_seconds now) const noexcept {
    return pending_ && detail::older_than(pending_->timestamp, detail::unix_seconds(now),
                                          max_unacknowledged_session_age);
  }
  // expire_skipped: drops the cached keys older than max_skipped_key_age.
  void expire_skipped(std::chrono::sys_seconds now) noexcept { expire_skipped_at(detail::unix_seconds(now)); }
  void set_remote_registration_id(std::uint32_t id) noexcept { remote_registration_id_ = id; }
  std::uint32_t remote_registration_id() const noexcept { return remote_registration_id_; }
  const serialized_public_key& local_identity() const noexcept { return local_identity_; }
  const serialized_public_key& remote_identity() const noexcept { return remote_identity_; }
  const std::array<std::uint8_t, 32>& alice_base_key() const noexcept { return alice_base_key_; }
  std::uint32_t sending_index() const noexcept { return sender_chain_.index(); }
  std::size_t receiver_chain_count() const noexcept { return receivers_.size(); }
  bool header_encryption() const noexcept { return header_encryption_; }
  // skipped_key_count: cached keys over every receiving chain.
  std::size_t skipped_key_count() const noexcept {
    std::size_t n = 0;
    for (const auto& r : receivers_) n += r.skipped.size();
    return n;
  }

  // encrypt: one message. For signal_v3 a SignalMessage, or a PreKey message
  // wrapping one while Alice has not heard from Bob; for modern a modern
  // message (never wrapped). No heap allocation besides the output vector.
  encrypted encrypt(std::span<const std::uint8_t> plaintext) {
    const auto mk = Suite::derive_message_key(sender_chain_);
    const ratchet_header h{sender_ratchet_.public_key, sender_chain_.index(), previous_counter_};
    auto out = Suite::seal(mk,
                           seal_input{h, header_encryption_ ? &send_header_key_ : nullptr, local_identity_,
                                      remote_identity_, pending_ ? &*pending_ : nullptr, local_registration_id_},
                           plaintext);
    sender_chain_ = sender_chain_.next();
    return out;
  }

  // decrypt: a SignalMessage (the inner one, for PreKey messages) or a
  // modern message. On any error the state is unchanged.
  template <random_source R>
  result<std::vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> message, R& rng) {
    return decrypt_at(message, rng, 0, accept_any);
  }
  // decrypt at time `now`: skipped keys are stamped with it, expired ones
  // are neither used nor kept.
  template <random_source R>
  result<std::vector<std::uint8_t>> decrypt(std::span<const std::uint8_t> message, R& rng,
                                            std::chrono::sys_seconds now) {
    return decrypt_at(message, rng, detail::unix_seconds(now), accept_any);
  }
  // decrypt_checked: decrypt (at `now` if given) with one more condition:
  // accept(const basic_session_state&) -> result<void> is asked after the
  // message authenticated and decrypted, before anything is committed. If it
  // refuses, its error is returned, the plaintext wiped and the state left
  // unchanged. The session API checks the peer's identity this way, so it
  // can decrypt on the stored state itself instead of on a copy.
  template <random_source R, class Accept>
  result<std::vector<std::uint8_t>> decrypt_checked(std::span<const std::uint8_t> message, R& rng,
                                                    std::optional<std::chrono::sys_seconds> now, Accept&& accept) {
    return decrypt_at(message, rng, now ? detail::unix_seconds(*now) : 0, accept);
  }

 private:
  static result<void> accept_any(const basic_session_state&) noexcept { return {}; }

  template <random_source R, class Accept>
  result<std::vector<std::uint8_t>> decrypt_at(std::span<const std::uint8_t> message, R& rng, std::uint64_t now,
                                               Accept& accept) {
    const auto parsed = Suite::parse(message, header_encryption_);
    if (!parsed) return parsed.error();

    // 1. Which chain: a known one, or a new ratchet key (DH step).
    ratchet_header h{};
    receiver_chain* chain = nullptr;
    if (!header_encryption_) {
      h = Suite::plain_header(*parsed);
      chain = receiver_for(h.ratchet_key);
    } else if constexpr (Suite::supports_header_encryption) {
      // The current receiving chain's header key, then the next header key
      // (a DH step), then the older chains' keys (their skipped keys and
      // late messages): the spec's DecryptHeader / TrySkippedMessageKeysHE,
      // over the chains this state keeps.
      const auto try_key = [&](const secret<32>& hk) {
        return Suite::open_header(*parsed, hk.expose(), remote_identity_, local_identity_, h);
      };
      bool found = false;
      if (!receivers_.empty() && try_key(receivers_.front().header_key)) {
        chain = &receivers_.front();
        found = true;
      } else if (try_key(next_recv_header_key_)) {
        found = true;  // chain stays nullptr: a DH step
      } else {
        for (std::size_t i = 1; i < receivers_.size() && !found; ++i) {
          if (try_key(receivers_[i].header_key)) {
            chain = &receivers_[i];
            found = true;
          }
        }
      }
      if (!found) return error::invalid_mac;
      // An authenticated header whose ratchet key is not its chain's.
      if (chain && chain->their_ratchet_key != h.ratchet_key) return error::invalid_message;
    }

    // 2. A DH step, into temporaries (SIGNAL.md A4 "Receive, new ratchet key").
    std::optional<ratchet_step_keys> receiving, sending;
    std::optional<key_pair> ratchet;
    if (!chain) {
      auto r = Suite::root_step(root_, h.ratchet_key, sender_ratchet_.private_key.expose());
      if (!r) return r.error();
      receiving.emplace(std::move(*r));
      auto k = key_pair::generate(rng);
      if (!k) return k.error();
      ratchet.emplace(std::move(*k));
      auto s = Suite::root_step(receiving->root, h.ratchet_key, ratchet->private_key.expose());
      if (!s) return s.error();
      sending.emplace(std::move(*s));
    }
    const chain_key& from = chain ? chain->chain : receiving->chain;

    // 3. The message key: a cached one, or derived forward (the keys skipped
    // on the way, at most max_skipped_keys of them, into `added`).
    using skipped_iterator = typename std::vector<skipped_key>::iterator;
    std::optional<skipped_iterator> used;
    std::optional<typename Suite::message_key> derived;
    std::optional<chain_key> advanced;
    std::vector<skipped_key> added;
    if (h.counter < from.index()) {  // only on a known chain (a new one starts at 0)
      for (auto it = chain->skipped.begin(); it != chain->skipped.end(); ++it) {
        if (it->counter == h.counter) {
          if (!detail::older_than(it->cached_at, now, max_skipped_key_age)) used = it;
          break;
        }
      }
      if (!used) return error::duplicate_message;
    } else {
      const std::uint32_t gap = h.counter - from.index();
      if (gap > max_forward_jump) return error::too_many_skipped;
      chain_key c = from.clone();
      // Keys that would be dropped by the per-chain cap at once are never
      // derived: only the chain advances past them.
      const std::uint32_t keep = gap < max_skipped_keys ? gap : static_cast<std::uint32_t>(max_skipped_keys);
      while (c.index() < h.counter - keep) c = c.next();
      added.reserve(keep);
      while (c.index() < h.counter) {
        added.push_back({c.index(), Suite::derive_message_key(c), now});
        c = c.next();
      }
      derived.emplace(Suite::derive_message_key(c));
      advanced.emplace(c.next());
    }

    // 4. Authenticate and decrypt.
    auto plaintext = Suite::open(used ? (*used)->key : *derived, *parsed, h, remote_identity_, local_identity_);
    if (!plaintext) return plaintext.error();
    if (auto ok = accept(static_cast<const basic_session_state&>(*this)); !ok) {
      secure_wipe(plaintext->data(), plaintext->size());
      return ok.error();
    }

    // 5. Commit. The steps that may allocate come first, each with no effect
    // if it throws (std::bad_alloc is the only failure left); everything
    // after them is a noexcept move, pop or erase.
    if (!chain) {
      receiver_chain fresh{h.ratchet_key, std::move(*advanced), {}, std::move(added)};
      if (header_encryption_) fresh.header_key = next_recv_header_key_.clone();
      receivers_.insert(receivers_.begin(), std::move(fresh));  // the last step that may throw (no effect then)
      if (receivers_.size() > max_receiver_chains) receivers_.pop_back();
      const std::uint32_t index = sender_chain_.index();
      previous_counter_ = index == 0 ? 0 : index - 1;
      root_ = std::move(sending->root);
      sender_ratchet_ = std::move(*ratchet);
      sender_chain_ = std::move(sending->chain);
      if (header_encryption_) {
        next_recv_header_key_ = std::move(receiving->next_header_key);
        send_header_key_ = std::move(next_send_header_key_);
        next_send_header_key_ = std::move(sending->next_header_key);
      }
    } else if (used) {
      chain->skipped.erase(*used);
    } else {
      chain->skipped.insert(chain->skipped.end(), std::make_move_iterator(added.begin()),
                            std::make_move_iterator(added.end()));
      drop_oldest(chain->skipped, chain->skipped.size() - std::min(chain->skipped.size(), max_skipped_keys));
      chain->chain = std::move(*advanced);
    }
    expire_skipped_at(now);
    enforce_total_skipped();
    pending_.reset();  // the peer has answered: no more PreKey wrapping
    return std::move(*plaintext);
  }

 public:

  basic_session_state(basic_session_state&&) noexcept = default;
  basic_session_state& operator=(basic_session_state&&) noexcept = default;

  // serialize: the whole state as a versioned, length-checked byte string:
  // Suite::record_magic ("e2ss" for signal_v3, "e2sm" for modern) || format
  // version (2; format 1, without time stamps, still loads) || fields ||
  // SHA-256 of all before it (docs/protocol.md), through record_io.hpp.
  // It holds private keys: store it encrypted (sealed storage, issue 6) and
  // wipe it after use. deserialize rejects (error::invalid_message) anything
  // that is not exactly such a string — another suite's record, a wrong
  // checksum, a count above the limits, trailing bytes — and
  // error::invalid_version for another format version; it never returns a
  // partly loaded state.
  std::vector<std::uint8_t> serialize() const {
    constexpr std::size_t key_bytes = Suite::message_key::serialized_size;
    // An upper bound of the fields' size (one allocation).
    std::size_t n = 2 * 33 + 32 + 64 + 36 + 4 * 3 + 32 + 1 + 48 + 1;
    if (Suite::supports_header_encryption) n += 1 + 3 * 32;
    for (const auto& r : receivers_)
      n += 32 + 36 + (header_encryption_ ? 32 : 0) + 2 + r.skipped.size() * (4 + 8 + key_bytes);
    detail::record_writer w(Suite::record_magic, Suite::record_format, n);
    w.put(local_identity_);
    w.put(remote_identity_);
    w.put(root_.key());
    w.put(sender_ratchet_.private_key.expose());
    w.put(sender_ratchet_.public_key);
    w.put(sender_chain_.key());
    w.put32(sender_chain_.index());
    w.put32(previous_counter_);
    w.put32(local_registration_id_);
    w.put32(remote_registration_id_);
    w.put(alice_base_key_);
    w.put8(pending_ ? (pending_->pre_key_id ? 3 : 1) : 0);
    if (pending_) {
      w.put32(pending_->pre_key_id.value_or(0));
      w.put32(pending_->signed_pre_key_id);
      w.put(pending_->base_key);
      w.put64(pending_->timestamp);
    }
    if constexpr (Suite::supports_header_encryption) {
      w.put8(header_encryption_ ? 1 : 0);
      if (header_encryption_) {
        w.put(send_header_key_.expose());
        w.put(next_send_header_key_.expose());
        w.put(next_recv_header_key_.expose());
      }
    }
    w.put8(static_cast<std::uint8_t>(receivers_.size()));
    for (const auto& r : receivers_) {
      w.put(r.their_ratchet_key);
      w.put(r.chain.key());
      w.put32(r.chain.index());
      if (header_encryption_) w.put(r.header_key.expose());
      w.put16(static_cast<std::uint16_t>(r.skipped.size()));
      for (const auto& k : r.skipped) {
        w.put32(k.counter);
        w.put64(k.cached_at);
        k.key.write(w.template next<key_bytes>());
      }
    }
    return w.finish();
  }

  static result<basic_session_state> deserialize(std::span<const std::uint8_t> in) {
    constexpr std::size_t key_bytes = Suite::message_key::serialized_size;
    // Format 1 (before time stamps) still loads: its stamps read as 0.
    auto opened = detail::record_reader::open(in, Suite::record_magic, 1, Suite::record_format);
    if (!opened) return opened.error();
    auto& r = *opened;
    const bool stamped = r.format() >= 2;
    const auto take64 = [&]() -> std::uint64_t { return stamped ? r.take64() : 0; };
    const auto take_secret = [&](secret<32>& k) { k = secret<32>(r.template take<32>()); };
    parts p;
    r.take_into(p.local_identity);
    r.take_into(p.remote_identity);
    take_secret(p.root);
    take_secret(p.sender_ratchet.private_key);
    r.take_into(p.sender_ratchet.public_key);
    take_secret(p.sender_chain_key);
    p.sender_chain_index = r.take32();
    p.previous_counter = r.take32();
    p.local_registration_id = r.take32();
    p.remote_registration_id = r.take32();
    r.take_into(p.alice_base_key);
    const std::uint8_t flag = r.take8();
    if (!r.ok() || flag > 3 || flag == 2) return error::invalid_message;
    if (flag != 0) {
      pending_pre_key pp;
      const std::uint32_t id = r.take32();
      if (flag == 3) pp.pre_key_id = id;
      pp.signed_pre_key_id = r.take32();
      r.take_into(pp.base_key);
      pp.timestamp = take64();
      p.pending = pp;
    }
    if constexpr (Suite::supports_header_encryption) {
      const std::uint8_t he = r.take8();
      if (!r.ok() || he > 1) return error::invalid_message;
      p.header_encryption = he == 1;
      if (p.header_encryption) {
        take_secret(p.send_header_key);
        take_secret(p.next_send_header_key);
        take_secret(p.next_recv_header_key);
      }
    }
    const std::uint8_t count = r.take8();
    if (!r.ok() || count > max_receiver_chains) return error::invalid_message;
    p.receivers.reserve(count);
    for (std::size_t c = 0; c < count; ++c) {
      std::array<std::uint8_t, 32> their{};
      r.take_into(their);
      const auto ck = r.template take<32>();
      receiver_chain chain{their, chain_key(ck, r.take32()), {}, {}};
      if (p.header_encryption) take_secret(chain.header_key);
      const std::size_t skipped = r.take16();
      if (!r.ok() || skipped > max_skipped_keys) return error::invalid_message;
      chain.skipped.reserve(skipped);
      for (std::size_t k = 0; k < skipped; ++k) {
        const std::uint32_t counter = r.take32();
        const std::uint64_t cached_at = take64();
        const auto key = r.template take<key_bytes>();
        if (!r.ok()) return error::invalid_message;
        chain.skipped.push_back({counter, Suite::message_key::read(key), cached_at});
      }
      p.receivers.push_back(std::move(chain));
    }
    if (!r.done()) return error::invalid_message;
    return from_parts(std::move(p));
  }

  // parts: everything a state holds, to build one from another record
  // format (migration.hpp imports libsignal-protocol-c's sessions this way).
  struct parts {
    serialized_public_key local_identity{}, remote_identity{};  // 33 bytes, 0x05 first
    secret<32> root{};
    key_pair sender_ratchet{};
    secret<32> sender_chain_key{};
    std::uint32_t sender_chain_index = 0;
    std::uint32_t previous_counter = 0;
    std::uint32_t local_registration_id = 0, remote_registration_id = 0;
    std::array<std::uint8_t, 32> alice_base_key{};
    std::optional<pending_pre_key> pending{};
    std::vector<receiver_chain> receivers{};  // newest first
    bool header_encryption = false;           // with the three header keys (suites that support it)
    secret<32> send_header_key{}, next_send_header_key{}, next_recv_header_key{};
  };

  // from_parts: the state of `p`. error::invalid_message if it breaks what
  // a state keeps: identities not 0x05-prefixed, more than
  // max_receiver_chains chains or max_skipped_keys cached keys in one,
  // header encryption in a suite without it. (Over all chains a loaded
  // state may hold up to max_receiver_chains x max_skipped_keys keys, as a
  // record written before the total bound did; the next commit enforces
  // max_total_skipped_keys.)
  static result<basic_session_state> from_parts(parts p) {
    if (p.local_identity[0] != djb_key_type || p.remote_identity[0] != djb_key_type) return error::invalid_message;
    if (p.receivers.size() > max_receiver_chains) return error::invalid_message;
    for (const auto& c : p.receivers)
      if (c.skipped.size() > max_skipped_keys) return error::invalid_message;
    if (p.header_encryption && !Suite::supports_header_encryption) return error::invalid_message;
    basic_session_state s(root_key(p.root.expose()), std::move(p.sender_ratchet),
                          chain_key(p.sender_chain_key.expose(), p.sender_chain_index));
    s.local_identity_ = p.local_identity;
    s.remote_identity_ = p.remote_identity;
    s.previous_counter_ = p.previous_counter;
    s.local_registration_id_ = p.local_registration_id;
    s.remote_registration_id_ = p.remote_registration_id;
    s.alice_base_key_ = p.alice_base_key;
    s.pending_ = p.pending;
    s.receivers_ = std::move(p.receivers);
    s.header_encryption_ = p.header_encryption;
    if (p.header_encryption) {
      s.send_header_key_ = std::move(p.send_header_key);
      s.next_send_header_key_ = std::move(p.next_send_header_key);
      s.next_recv_header_key_ = std::move(p.next_recv_header_key);
    }
    return s;
  }

 private:
  basic_session_state(root_key root, key_pair sender_ratchet, chain_key sender_chain) noexcept
      : root_(std::move(root)), sender_ratchet_(std::move(sender_ratchet)), sender_chain_(std::move(sender_chain)) {}

  static bool options_ok(const ratchet_options& o) noexcept {
    return !o.header_encryption || Suite::supports_header_encryption;
  }

  static std::array<std::uint8_t, 32> to_array(std::span<const std::uint8_t, 32> s) noexcept {
    std::array<std::uint8_t, 32> a{};
    for (std::size_t i = 0; i < 32; ++i) a[i] = s[i];
    return a;
  }

  // expire_skipped_at: drops the keys older than max_skipped_key_age at
  // `now` (0: unknown, nothing dropped). noexcept: part of the commit.
  void expire_skipped_at(std::uint64_t now) noexcept {
    if (now == 0) return;
    for (auto& r : receivers_)
      std::erase_if(r.skipped,
                    [&](const skipped_key& k) { return detail::older_than(k.cached_at, now, max_skipped_key_age); });
  }

  // enforce_total_skipped: max_total_skipped_keys, dropping from the oldest
  // chain's oldest keys. noexcept: part of the commit.
  void enforce_total_skipped() noexcept {
    std::size_t total = skipped_key_count();
    for (auto it = receivers_.rbegin(); it != receivers_.rend() && total > max_total_skipped_keys; ++it) {
      const std::size_t k = std::min(total - max_total_skipped_keys, it->skipped.size());
      drop_oldest(it->skipped, k);
      total -= k;
    }
  }

  // drop_oldest: the first k cached keys of a chain, in one shift.
  static void drop_oldest(std::vector<skipped_key>& v, std::size_t k) noexcept {
    if (k != 0) v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k));
  }

  receiver_chain* receiver_for(const std::array<std::uint8_t, 32>& their) noexcept {
    for (auto& r : receivers_)
      if (r.their_ratchet_key == their) return &r;
    return nullptr;
  }

  root_key root_;
  key_pair sender_ratchet_;
  chain_key sender_chain_;
  serialized_public_key local_identity_{}, remote_identity_{};
  std::vector<receiver_chain> receivers_{};  // newest first
  std::uint32_t previous_counter_ = 0;
  std::optional<pending_pre_key> pending_{};
  std::uint32_t local_registration_id_ = 0, remote_registration_id_ = 0;
  std::array<std::uint8_t, 32> alice_base_key_{};
  // Header encryption (modern only): the current sending chain's header key,
  // the next sending chain's, and the key that announces the peer's next
  // ratchet key (each receiving chain carries its own).
  bool header_encryption_ = false;
  secret<32> send_header_key_{}, next_send_header_key_{}, next_recv_header_key_{};
};

using session_state = basic_session_state<signal_v3>;
using modern_session_state = basic_session_state<modern>;

}  // namespace protocol
E2EE_NAMESPACE_END
