// e2ee/core/error.hpp — error codes and result<T>, usable with -fno-exceptions.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <utility>
#include <new>

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

namespace detail {

// result_storage<T>: a T or an error, and a flag saying which. result<T>
// used std::variant<T, error> before; this does the same with far less for
// the compiler to instantiate (every result<T> of every header is one).
// Trivially copyable types keep trivial copies and constexpr use (a union);
// other types are built in place in raw bytes.
template <class T, bool = std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>>
struct result_storage {  // trivially copyable T
  union {
    T value_;
    e2ee::error error_;
  };
  bool ok_;

  constexpr result_storage(const T& v) : value_(v), ok_(true) {}
  constexpr result_storage(T&& v) : value_(std::move(v)), ok_(true) {}
  constexpr result_storage(e2ee::error e) noexcept : error_(e), ok_(false) {}
  constexpr T& value() noexcept { return value_; }
  constexpr const T& value() const noexcept { return value_; }
};

template <class T>
struct result_storage<T, false> {
  // The value lives in raw bytes, zeroed while an error is held (without
  // that, GCC's -Wmaybe-uninitialized misreads some moves of a result).
  alignas(T) unsigned char raw_[sizeof(T)];
  e2ee::error error_;
  bool ok_;

  result_storage(const T& v) : error_{}, ok_(true) { ::new (static_cast<void*>(raw_)) T(v); }
  result_storage(T&& v) : error_{}, ok_(true) { ::new (static_cast<void*>(raw_)) T(std::move(v)); }
  result_storage(e2ee::error e) noexcept : raw_{}, error_(e), ok_(false) {}
  result_storage(const result_storage& o)
    requires std::is_copy_constructible_v<T>
      : raw_{}, error_(o.error_), ok_(o.ok_) {
    if (o.ok_) ::new (static_cast<void*>(raw_)) T(o.value());
  }
  result_storage(result_storage&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
    requires std::is_move_constructible_v<T>
      : raw_{}, error_(o.error_), ok_(o.ok_) {
    if (o.ok_) ::new (static_cast<void*>(raw_)) T(std::move(o.value()));
  }
  result_storage& operator=(const result_storage& o)
    requires std::is_copy_constructible_v<T>
  {
    if (this != &o) {
      destroy();
      if (o.ok_) ::new (static_cast<void*>(raw_)) T(o.value());
      error_ = o.error_;
      ok_ = o.ok_;
    }
    return *this;
  }
  result_storage& operator=(result_storage&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
    requires std::is_move_constructible_v<T>
  {
    if (this != &o) {
      destroy();
      if (o.ok_) ::new (static_cast<void*>(raw_)) T(std::move(o.value()));
      error_ = o.error_;
      ok_ = o.ok_;
    }
    return *this;
  }
  ~result_storage() { destroy(); }

  T& value() noexcept { return *std::launder(reinterpret_cast<T*>(raw_)); }
  const T& value() const noexcept { return *std::launder(reinterpret_cast<const T*>(raw_)); }

 private:
  void destroy() noexcept {
    if (ok_) {
      value().~T();
      ok_ = false;
    }
  }
};

}  // namespace detail

// result<T> holds either a T or an error. Accessing the value of a result
// that holds an error is a programming error and aborts (no exceptions).
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T> && !std::is_same_v<T, e2ee::error>);

 public:
  constexpr result(const T& v) : s_(v) {}
  constexpr result(T&& v) : s_(std::move(v)) {}
  constexpr result(e2ee::error e) : s_(e) {}

  constexpr bool has_value() const noexcept { return s_.ok_; }
  constexpr explicit operator bool() const noexcept { return has_value(); }

  constexpr T& value() & noexcept { check(); return s_.value(); }
  constexpr const T& value() const& noexcept { check(); return s_.value(); }
  constexpr T&& value() && noexcept { check(); return std::move(s_.value()); }
  constexpr T& operator*() & noexcept { return value(); }
  constexpr const T& operator*() const& noexcept { return value(); }
  constexpr T&& operator*() && noexcept { return std::move(*this).value(); }
  constexpr T* operator->() noexcept { return &value(); }
  constexpr const T* operator->() const noexcept { return &value(); }

  // error() is meaningful only when !has_value(); aborts otherwise.
  constexpr e2ee::error error() const noexcept {
    if (has_value()) std::abort();
    return s_.error_;
  }

 private:
  constexpr void check() const noexcept {
    if (!has_value()) std::abort();
  }
  detail::result_storage<T> s_;
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
