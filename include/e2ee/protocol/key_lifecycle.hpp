// e2ee/protocol/key_lifecycle.hpp — the life of a device's keys: identity
// and registration id at install time, then the prekeys a server hands out
// for it, kept fresh by pre_key_manager::refresh(), called at start-up and
// from time to time with the current time (an explicit clock, so tests and
// apps decide what "now" is):
//
// - the signed prekey is replaced every `rotation` (default 7 days); a
//   replaced one stays usable for `grace` (default 30 days), for PreKey
//   messages already on their way, then is deleted;
// - one-time prekeys are generated in batches (default 100) whenever fewer
//   than `minimum` (default 10) are left; each is used once (decrypt removes
//   it) and ids are never reused (they count up, 24 bits, as Signal's do).
//
// refresh() returns what to upload to the server (the new signed prekey and
// one-time prekeys as public keys) and what the server should forget.
//
// Time never runs backwards for the manager: a clock that goes back (a user
// changing the date, a bad NTP answer) is treated as the latest time seen, so
// it cannot revive a deleted signed prekey, re-issue a used one-time prekey
// id, or undo a rotation.
#pragma once

#include <algorithm>
#include <array>
#include "../detail/chrono.hpp"  // std::chrono (not all of <chrono>)
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "../core/bytes.hpp"
#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../hash/sha256.hpp"
#include "record_io.hpp"
#include "session.hpp"

E2EE_NAMESPACE_BEGIN
namespace protocol {

using seconds_clock = std::chrono::sys_seconds;

// generate_registration_id: Signal's 14-bit registration id, 1..16380.
template <random_source R>
result<std::uint32_t> generate_registration_id(R& rng) {
  for (;;) {  // rejection sampling: uniform, no modulo bias
    std::array<std::uint8_t, 2> b{};
    if (!rng.fill(b)) return error::random_failure;
    const std::uint32_t v = (std::uint32_t{b[0]} | (std::uint32_t{b[1]} << 8)) & 0x3fff;
    if (v >= 1 && v <= 16380) return v;
  }
}

struct pre_key_policy {
  std::chrono::seconds rotation{std::chrono::hours(24 * 7)};
  std::chrono::seconds grace{std::chrono::hours(24 * 30)};
  std::size_t batch = 100;
  std::size_t minimum = 10;
};

// What the app uploads after a refresh, and what the server should drop.
struct pre_key_upload {
  struct signed_key {
    std::uint32_t id = 0;
    std::array<std::uint8_t, 32> public_key{};
    xeddsa::signature signature{};
  };
  std::optional<signed_key> signed_pre_key{};
  std::vector<std::pair<std::uint32_t, std::array<std::uint8_t, 32>>> one_time_pre_keys{};
  std::vector<std::uint32_t> deleted_signed_pre_keys{};

  bool empty() const noexcept {
    return !signed_pre_key && one_time_pre_keys.empty() && deleted_signed_pre_keys.empty();
  }
};

// The stores refresh() needs: identity (to sign), prekeys (count, store) and
// signed prekeys (store, remove).
template <class S>
concept pre_key_maintenance_store =
    identity_key_store<S> && pre_key_store<S> && signed_pre_key_store<S> &&
    requires(S& s, pre_key_record p, signed_pre_key_record sp, std::uint32_t id) {
      { s.pre_key_count() } -> std::convertible_to<std::size_t>;
      s.store_pre_key(std::move(p));
      s.store_signed_pre_key(std::move(sp));
      { s.remove_signed_pre_key(id) } -> std::convertible_to<bool>;
    };

class pre_key_manager {
 public:
  static constexpr std::uint32_t max_id = 0xffffff;  // 24-bit ids, as Signal's (Medium.MAX_VALUE)

  // create: a manager for a new device; the first ids are random (so two
  // installs do not collide on a server), then count up.
  template <random_source R>
  static result<pre_key_manager> create(R& rng, pre_key_policy policy = {}) {
    std::array<std::uint8_t, 8> b{};
    if (!rng.fill(b)) return error::random_failure;
    pre_key_manager m;
    m.policy_ = policy;
    m.next_pre_key_id_ = 1 + load_le32(b.data()) % (max_id - 1);
    m.next_signed_id_ = 1 + load_le32(b.data() + 4) % (max_id - 1);
    return m;
  }

  const pre_key_policy& policy() const noexcept { return policy_; }
  std::optional<std::uint32_t> current_signed_pre_key_id() const noexcept { return current_signed_; }

  // refresh: brings the prekeys in `store` up to date for time `now` (see the
  // top of this file). Nothing is changed in the manager unless every store
  // call succeeded (error::storage_failure otherwise; calling again repairs).
  template <pre_key_maintenance_store Store, random_source R>
  result<pre_key_upload> refresh(Store& store, seconds_clock now, R& rng) {
    pre_key_manager next = *this;
    next.apply_clock(now);
    pre_key_upload up;
    // Signed prekey: a first one, or a rotation.
    if (!next.current_signed_ || next.latest_ - next.current_created_ >= policy_.rotation) {
      const std::uint32_t id = next.next_signed_id_;
      auto spk = make_signed_pre_key(store.identity_key_pair(), id,
                                     static_cast<std::uint64_t>(next.latest_.time_since_epoch().count()), rng);
      if (!spk) return spk.error();
      up.signed_pre_key = pre_key_upload::signed_key{id, spk->key.public_key, spk->signature};
      store.store_signed_pre_key(std::move(*spk));
      if (next.current_signed_) next.retired_.push_back({*next.current_signed_, next.latest_});
      next.current_signed_ = id;
      next.current_created_ = next.latest_;
      next.next_signed_id_ = advance(id);
    }
    // Retired signed prekeys past their grace period.
    std::vector<retired> kept;
    for (const auto& r : next.retired_) {
      if (next.latest_ - r.retired_at >= policy_.grace) {
        if (!store.remove_signed_pre_key(r.id)) return error::storage_failure;
        up.deleted_signed_pre_keys.push_back(r.id);
      } else {
        kept.push_back(r);
      }
    }
    next.retired_ = std::move(kept);
    // One-time prekeys: a batch when running low.
    if (store.pre_key_count() < policy_.minimum) {
      up.one_time_pre_keys.reserve(policy_.batch);
      for (std::size_t i = 0; i < policy_.batch; ++i) {
        auto k = key_pair::generate(rng);
        if (!k) return k.error();
        const std::uint32_t id = next.next_pre_key_id_;
        next.next_pre_key_id_ = advance(id);
        up.one_time_pre_keys.emplace_back(id, k->public_key);
        store.store_pre_key(pre_key_record{id, std::move(*k)});
      }
    }
    *this = next;
    return up;
  }

  // serialize / deserialize: the manager's state (no keys: those are in the
  // stores): "e2pm" || format (1) || fields || SHA-256 of all before it
  // (record_io.hpp).
  // (serialize and deserialize are templates only so that including this
  // header compiles neither: a program that calls them pays for them.)
  template <class = void>
  std::vector<std::uint8_t> serialize() const {
    detail::record_writer w(manager_magic, manager_format, 8 + 8 + 4 * 5 + 8 + 8 + 4 + retired_.size() * 12);
    const auto put_signed = [&](std::int64_t v) { w.put64(static_cast<std::uint64_t>(v)); };
    put_signed(std::chrono::duration_cast<std::chrono::seconds>(policy_.rotation).count());
    put_signed(std::chrono::duration_cast<std::chrono::seconds>(policy_.grace).count());
    w.put32(static_cast<std::uint32_t>(policy_.batch));
    w.put32(static_cast<std::uint32_t>(policy_.minimum));
    w.put32(next_pre_key_id_);
    w.put32(next_signed_id_);
    w.put32(current_signed_.value_or(0));
    put_signed(current_created_.time_since_epoch().count());
    put_signed(latest_.time_since_epoch().count());
    w.put32(static_cast<std::uint32_t>(retired_.size()));
    for (const auto& r : retired_) {
      w.put32(r.id);
      put_signed(r.retired_at.time_since_epoch().count());
    }
    return w.finish();
  }

  template <class = void>
  static result<pre_key_manager> deserialize(std::span<const std::uint8_t> in) {
    auto r = detail::record_reader::open(in, manager_magic, manager_format);
    if (!r) return r.error();
    const auto get64 = [&]() { return static_cast<std::int64_t>(r->take64()); };
    pre_key_manager m;
    m.policy_.rotation = std::chrono::seconds(get64());
    m.policy_.grace = std::chrono::seconds(get64());
    m.policy_.batch = r->take32();
    m.policy_.minimum = r->take32();
    m.next_pre_key_id_ = r->take32();
    m.next_signed_id_ = r->take32();
    const std::uint32_t current = r->take32();
    m.current_created_ = seconds_clock(std::chrono::seconds(get64()));
    m.latest_ = seconds_clock(std::chrono::seconds(get64()));
    const std::uint32_t n = r->take32();
    if (!r->ok() || n > 1024) return error::invalid_message;
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint32_t id = r->take32();
      const auto at = seconds_clock(std::chrono::seconds(get64()));
      m.retired_.push_back({id, at});
    }
    if (!r->done()) return error::invalid_message;
    const auto valid_id = [](std::uint32_t id) { return id >= 1 && id <= max_id; };
    if (!valid_id(m.next_pre_key_id_) || !valid_id(m.next_signed_id_) || (current != 0 && !valid_id(current)))
      return error::invalid_message;
    if (current != 0) m.current_signed_ = current;
    return m;
  }

 private:
  static constexpr detail::record_magic manager_magic = detail::make_record_magic("e2pm");
  static constexpr std::uint8_t manager_format = 1;

  struct retired {
    std::uint32_t id;
    seconds_clock retired_at;
  };

  pre_key_manager() = default;

  static std::uint32_t advance(std::uint32_t id) noexcept { return id >= max_id ? 1 : id + 1; }

  // apply_clock: time as the manager sees it never decreases.
  void apply_clock(seconds_clock now) noexcept {
    if (now > latest_) latest_ = now;
  }

  pre_key_policy policy_{};
  std::uint32_t next_pre_key_id_ = 1, next_signed_id_ = 1;
  std::optional<std::uint32_t> current_signed_{};
  seconds_clock current_created_{}, latest_{};
  std::vector<retired> retired_{};
};

}  // namespace protocol
E2EE_NAMESPACE_END
