// e2ee/core/error.hpp — error codes and result<T>, usable with -fno-exceptions.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "config.hpp"

E2EE_NAMESPACE_BEGIN

// error lists every way a fallible e2ee call can fail. Values are stable
// (they may be stored or sent across an FFI boundary); new ones are appended.
enum class error : std::uint8_t {
  invalid_argument = 1,   // a parameter is out of its documented range
  invalid_message,        // malformed or truncated input
  invalid_mac,            // authentication tag or MAC did not verify
  duplicate_message,      // message key already used (replay)
  too_many_skipped,       // message is further ahead than the skip limit allows
  untrusted_identity,     // remote identity key differs from the trusted one
  invalid_key,            // a key is malformed, of low order, or rejected
  invalid_signature,      // a signature did not verify
  no_session,             // no session with the remote address
  invalid_state,          // the call is not valid in the object's current state
  invalid_version,        // unsupported protocol or record version
  output_too_long,        // requested output exceeds the algorithm's limit
  input_too_long,         // input exceeds the algorithm's limit
  random_failure,         // the operating system's random source failed
  storage_failure,        // a store callback reported failure
};

// to_string gives a short human-readable description; never empty.
constexpr std::string_view to_string(error e) noexcept {
  switch (e) {
    case error::invalid_argument: return "invalid argument";
    case error::invalid_message: return "invalid message (malformed or truncated)";
    case error::invalid_mac: return "invalid MAC (authentication failed)";
    case error::duplicate_message: return "duplicate message (already received)";
    case error::too_many_skipped: return "too many skipped messages";
    case error::untrusted_identity: return "untrusted identity key";
    case error::invalid_key: return "invalid key";
    case error::invalid_signature: return "invalid signature";
    case error::no_session: return "no session";
    case error::invalid_state: return "invalid state";
    case error::invalid_version: return "unsupported version";
    case error::output_too_long: return "requested output too long";
    case error::input_too_long: return "input too long";
    case error::random_failure: return "random source failed";
    case error::storage_failure: return "storage failure";
  }
  return "unknown error";
}

// result<T> holds either a T or an error. Accessing the value of a result
// that holds an error is a programming error and aborts (no exceptions).
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T> && !std::is_same_v<T, e2ee::error>);

 public:
  constexpr result(const T& v) : v_(std::in_place_index<0>, v) {}
  constexpr result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
  constexpr result(e2ee::error e) : v_(std::in_place_index<1>, e) {}

  constexpr bool has_value() const noexcept { return v_.index() == 0; }
  constexpr explicit operator bool() const noexcept { return has_value(); }

  constexpr T& value() & noexcept { check(); return *std::get_if<0>(&v_); }
  constexpr const T& value() const& noexcept { check(); return *std::get_if<0>(&v_); }
  constexpr T&& value() && noexcept { check(); return std::move(*std::get_if<0>(&v_)); }
  constexpr T& operator*() & noexcept { return value(); }
  constexpr const T& operator*() const& noexcept { return value(); }
  constexpr T&& operator*() && noexcept { return std::move(*this).value(); }
  constexpr T* operator->() noexcept { return &value(); }
  constexpr const T* operator->() const noexcept { return &value(); }

  // error() is meaningful only when !has_value(); aborts otherwise.
  constexpr e2ee::error error() const noexcept {
    if (has_value()) std::abort();
    return *std::get_if<1>(&v_);
  }

 private:
  constexpr void check() const noexcept {
    if (!has_value()) std::abort();
  }
  std::variant<T, e2ee::error> v_;
};

// result<void>: success or an error.
template <>
class [[nodiscard]] result<void> {
 public:
  constexpr result() noexcept = default;
  constexpr result(e2ee::error e) noexcept : e_(e), ok_(false) {}
  constexpr bool has_value() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }
  constexpr e2ee::error error() const noexcept {
    if (ok_) std::abort();
    return e_;
  }

 private:
  e2ee::error e_{};
  bool ok_ = true;
};

E2EE_NAMESPACE_END
