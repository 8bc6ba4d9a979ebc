// e2ee/core/ct.hpp — the constant-time vocabulary: value_barrier, mask, equal,
// select, cswap, and poison/unpoison for the valgrind constant-time check.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "config.hpp"

#if defined(E2EE_CT_VALGRIND)
#include <valgrind/memcheck.h>
#endif

E2EE_NAMESPACE_BEGIN
namespace ct {

// value_barrier returns x unchanged, but GCC and Clang can no longer see its
// value, so they cannot turn mask arithmetic back into a branch. No-op at
// compile time.
template <std::unsigned_integral T>
constexpr T value_barrier(T x) noexcept {
  if (!std::is_constant_evaluated()) {
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(x));
#endif
  }
  return x;
}

// poison marks n bytes as secret for the valgrind constant-time check
// (tests/ct): any branch or address computed from them is reported. unpoison
// marks them public again. Both do nothing unless E2EE_CT_VALGRIND is defined.
inline void poison([[maybe_unused]] const void* p, [[maybe_unused]] std::size_t n) noexcept {
#if defined(E2EE_CT_VALGRIND)
  (void)VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#endif
}
inline void unpoison([[maybe_unused]] const void* p, [[maybe_unused]] std::size_t n) noexcept {
#if defined(E2EE_CT_VALGRIND)
  (void)VALGRIND_MAKE_MEM_DEFINED(p, n);
#endif
}

// mask: all ones (true) or all zeros (false); nothing else can be built.
template <std::unsigned_integral T>
class mask {
 public:
  static constexpr mask from_bit(T bit) noexcept {
    return mask(static_cast<T>(T{0} - (value_barrier(bit) & 1u)));
  }
  static constexpr mask is_zero(T x) noexcept {
    const T top = static_cast<T>(~x & static_cast<T>(x - 1u));
    return from_bit(static_cast<T>(top >> (sizeof(T) * 8 - 1)));
  }
  static constexpr mask is_nonzero(T x) noexcept { return !is_zero(x); }
  static constexpr mask equal(T a, T b) noexcept { return is_zero(static_cast<T>(a ^ b)); }
  // less(a, b): a < b as unsigned, without a comparison the compiler could branch on.
  static constexpr mask less(T a, T b) noexcept {
    const T borrow = static_cast<T>((~a & b) | (~(a ^ b) & static_cast<T>(a - b)));
    return from_bit(static_cast<T>(borrow >> (sizeof(T) * 8 - 1)));
  }
  static constexpr mask all() noexcept { return mask(static_cast<T>(~T{0})); }
  static constexpr mask none() noexcept { return mask(T{0}); }

  constexpr T select(T a, T b) const noexcept {  // a if set, else b
    const T m = value_barrier(m_);
    return static_cast<T>((m & a) | (~m & b));
  }
  constexpr T value() const noexcept { return value_barrier(m_); }  // 0 or ~0
  constexpr mask operator!() const noexcept { return mask(static_cast<T>(~m_)); }
  constexpr mask operator&(mask o) const noexcept { return mask(static_cast<T>(m_ & o.m_)); }
  constexpr mask operator|(mask o) const noexcept { return mask(static_cast<T>(m_ | o.m_)); }
  // declassify turns the mask into a bool: only for public verdicts (a tag
  // check's result), at exactly the point where the result becomes public.
  // In the valgrind constant-time build it also marks the verdict as public,
  // so branching on it afterwards is not reported.
  constexpr bool declassify() const noexcept {
    T m = value_barrier(m_);
    if (!std::is_constant_evaluated()) unpoison(&m, sizeof m);
    return m != 0;
  }

 private:
  constexpr explicit mask(T m) noexcept : m_(m) {}
  T m_;
};

// equal_mask compares two byte strings of the same public length in constant
// time: the time depends on n only.
constexpr mask<std::uint32_t> equal_mask(const std::uint8_t* a, const std::uint8_t* b,
                                         std::size_t n) noexcept {
  std::uint32_t diff = 0;
  for (std::size_t i = 0; i < n; ++i) diff |= static_cast<std::uint32_t>(a[i] ^ b[i]);
  return mask<std::uint32_t>::is_zero(value_barrier(diff));
}

// equal<N> compares two fixed-size byte strings (tags, keys) in constant time.
template <std::size_t N>
constexpr bool equal(std::span<const std::uint8_t, N> a, std::span<const std::uint8_t, N> b) noexcept {
  return equal_mask(a.data(), b.data(), N).declassify();
}

// equal compares two byte strings in time that depends only on their lengths;
// different lengths compare unequal (lengths are public).
constexpr bool equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  return equal_mask(a.data(), b.data(), a.size()).declassify();
}

// select returns a if m is set, else b.
template <std::unsigned_integral T>
constexpr T select(mask<T> m, T a, T b) noexcept {
  return m.select(a, b);
}

// cswap swaps a and b iff m is set: no branch, no secret-dependent address.
template <std::unsigned_integral T>
constexpr void cswap(mask<T> m, T& a, T& b) noexcept {
  const T t = m.select(static_cast<T>(a ^ b), T{0});
  a = static_cast<T>(a ^ t);
  b = static_cast<T>(b ^ t);
}

// cswap over byte strings of equal, public length.
constexpr void cswap(mask<std::uint8_t> m, std::span<std::uint8_t> a, std::span<std::uint8_t> b) noexcept {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) cswap(m, a[i], b[i]);
}

}  // namespace ct
E2EE_NAMESPACE_END
