// e2ee/core/secret.hpp — secure_wipe and secret<N>, a key that wipes itself.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "config.hpp"
#include "ct.hpp"

E2EE_NAMESPACE_BEGIN

// secure_wipe zeroes n bytes at p in a way the optimiser may not remove:
// memsets, each followed by an empty asm statement that takes the pointer and
// clobbers memory, so the compiler must assume the zeroes are read and can
// neither drop the stores as dead nor merge them. The 32-byte pieces keep
// GCC 12 from emitting `rep stosq` (~30 cycles to start) for a known size of
// 128 bytes or more. Without GCC/Clang asm: volatile byte stores.
// Use it for every secret temporary.
inline void secure_wipe(void* p, std::size_t n) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  auto* b = static_cast<unsigned char*>(p);
  for (; n >= 32; n -= 32, b += 32) {
    std::memset(b, 0, 32);
    __asm__ __volatile__("" : : "r"(b) : "memory");
  }
  if (n != 0) {
    std::memset(b, 0, n);
    __asm__ __volatile__("" : : "r"(b) : "memory");
  }
#else
  volatile std::uint8_t* v = static_cast<volatile std::uint8_t*>(p);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0;
#endif
}

// wipe zeroes an object of trivially copyable type; constexpr-friendly.
template <class T>
  requires std::is_trivially_copyable_v<T>
constexpr void wipe(T& obj) noexcept {
  if (std::is_constant_evaluated()) {
    obj = T{};
  } else {
    secure_wipe(&obj, sizeof(T));
  }
}

// secret<N> holds N secret bytes. It is wiped on destruction and on move,
// compares in constant time, cannot be copied implicitly (clone() is
// explicit) and cannot be printed.
template <std::size_t N>
class secret {
 public:
  static constexpr std::size_t size = N;

  constexpr secret() noexcept = default;
  constexpr explicit secret(std::span<const std::uint8_t, N> b) noexcept {
    std::copy(b.begin(), b.end(), bytes_.begin());
  }
  secret(const secret&) = delete;
  secret& operator=(const secret&) = delete;
  constexpr secret(secret&& o) noexcept : bytes_(o.bytes_) { o.wipe(); }
  constexpr secret& operator=(secret&& o) noexcept {
    if (this != &o) {
      bytes_ = o.bytes_;
      o.wipe();
    }
    return *this;
  }
  constexpr ~secret() { wipe(); }

  constexpr secret clone() const noexcept { return secret(expose()); }
  // expose gives read access to the bytes, for passing them to a primitive.
  constexpr std::span<const std::uint8_t, N> expose() const noexcept { return bytes_; }
  // writable gives write access, e.g. to fill the secret from a random source.
  constexpr std::span<std::uint8_t, N> writable() noexcept { return bytes_; }

  friend constexpr bool operator==(const secret& a, const secret& b) noexcept {
    return ct::equal<N>(a.bytes_, b.bytes_);
  }

 private:
  constexpr void wipe() noexcept { e2ee::wipe(bytes_); }
  std::array<std::uint8_t, N> bytes_{};
};

E2EE_NAMESPACE_END
