// e2ee/hash/sha2_common.hpp — small pieces SHA-256, SHA-512, HMAC and HKDF share.
// Internal: users include hash/sha256.hpp or hash/sha512.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../core/config.hpp"
#include "../core/secret.hpp"  // wipe: secret temporaries

E2EE_NAMESPACE_BEGIN

template <class H>
class hmac;
template <class H>
struct hkdf;

namespace detail {

// sha2_copy copies n bytes; std::copy keeps it usable in constant evaluation
// and becomes memmove at run time.
constexpr void sha2_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  if (std::is_constant_evaluated()) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
  } else if (n != 0) {
    std::memcpy(dst, src, n);
  }
}

// sha2_zero zeroes n bytes of a buffer that is about to be filled (padding);
// not a wipe, the caller's data is overwritten right after.
constexpr void sha2_zero(std::uint8_t* dst, std::size_t n) noexcept {
  if (std::is_constant_evaluated()) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = 0;
  } else if (n != 0) {
    std::memset(dst, 0, n);
  }
}

}  // namespace detail
E2EE_NAMESPACE_END
